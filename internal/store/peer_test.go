package store_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestPeerSumsStayInStep changes learners every way that moves peer events (an
// enrolment, a completion, a rating, a dismissal, evidence on a course's
// competency, a role assigned, a role's requirements, a course's competencies),
// checking after each step that the kept sums equal the sums of the events read
// afresh from the learning record; then rebuilds them from nothing.
// level is the learner's stored level in the competency.
func level(t *testing.T, db *store.DB, learner, competency int64) int {
	t.Helper()
	var lv int
	if err := db.Bun().NewSelect().Table("proficiencies").Column("level").
		Where("learner_id = ? AND competency_id = ?", learner, competency).Scan(ctx, &lv); err != nil {
		t.Fatal(err)
	}
	return lv
}

func TestPeerSumsStayInStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, c := storetest.LearningFixture(t, db)
		other := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E2", Name: "Ravi Iyer",
			Email: "ravi.iyer@gov.in", Designation: "Assistant", OrganisationID: f.Department.ID, RoleIDs: []int64{f.Role.ID}}))
		buyer := storetest.Must[*models.Role](t)(db.InsertRole(ctx, &models.NewRole{Code: "ROLE-BUY", Name: "Buyer",
			Requirements: []models.RoleRequirement{{CompetencyID: f.Procurement.ID, RequiredLevel: 4, Weight: 3}}}))
		c2 := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "COM-101", Title: "Writing notes", Provider: "iGOT",
			Format: models.Online, DurationHours: 2, Competencies: []models.CourseCompetency{{CompetencyID: f.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
		at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		var enrolment *models.Enrolment
		steps := []struct {
			name string
			do   func() error
		}{
			{"enrol", func() (err error) { enrolment, err = db.InsertEnrolment(ctx, l.ID, c.ID); return err }},
			{"enrol other", func() error { _, err := db.InsertEnrolment(ctx, other.ID, c2.ID); return err }},
			{"assign a role that requires the course's competency", func() error { _, err := db.InsertLearnerRole(ctx, l.ID, buyer.ID); return err }},
			{"rate", func() error { _, err := db.SaveRating(ctx, l.ID, c.ID, 5); return err }},
			{"evidence in the course's competency", func() error {
				_, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
					Source: models.Assessment, Level: 2, Score: storetest.Score(0.6), ObservedAt: at})
				return err
			}},
			{"the same evidence again: the level stays, and the peer events are not read", func() error {
				rec, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
					Source: models.Assessment, Level: 2, Score: storetest.Score(0.6), ObservedAt: at})
				if err == nil && rec.Proficiency.Level != level(t, db, l.ID, f.Procurement.ID) {
					t.Errorf("level %d stored, %d returned", level(t, db, l.ID, f.Procurement.ID), rec.Proficiency.Level)
				}
				return err
			}},
			{"evidence that moves the level", func() error {
				before := level(t, db, l.ID, f.Procurement.ID)
				for i, src := range []models.EvidenceSource{models.Assessment, models.SupervisorRating, models.Assessment} {
					if _, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
						Source: src, Level: 5, Score: storetest.Score(1), ObservedAt: at.Add(time.Duration(i+1) * time.Hour)}); err != nil {
						return err
					}
				}
				if after := level(t, db, l.ID, f.Procurement.ID); after == before {
					t.Fatalf("the level stayed %d: the step must move it", after)
				}
				return nil
			}},
			{"complete", func() error { _, err := db.SaveProgress(ctx, enrolment.ID, 1); return err }},
			{"rate again", func() error { _, err := db.SaveRating(ctx, l.ID, c.ID, 1); return err }},
			{"dismiss", func() error { return db.Dismiss(ctx, other.ID, c.ID, "not for me") }},
			{"requirement", func() error {
				_, err := db.SaveRoleRequirement(ctx, models.RoleRequirement{RoleID: f.Role.ID, CompetencyID: f.Procurement.ID, RequiredLevel: 5, Weight: 2})
				return err
			}},
			{"course competencies", func() error {
				_, err := db.SaveCourse(ctx, c2.ID, models.CourseUpdate{ReplaceCompetencies: true,
					Competencies: []models.CourseCompetency{{CompetencyID: f.Procurement.ID, FromLevel: 0, ToLevel: 4}}})
				return err
			}},
		}
		for _, step := range steps {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			checkPeerSums(t, db, step.name)
		}
		kept := storetest.Must[[]models.PeerSum](t)(db.FindPeerSums(ctx))
		if len(kept) != 3 { // the section officers on both courses, the buyers on the first
			t.Fatalf("%d peer sums, want one per role and course with events: %+v", len(kept), kept)
		}
		if err := db.RefreshAllPeers(ctx); err != nil {
			t.Fatal(err)
		}
		checkPeerSums(t, db, "rebuilt")
		if rebuilt := storetest.Must[[]models.PeerSum](t)(db.FindPeerSums(ctx)); len(rebuilt) != len(kept) {
			t.Errorf("%d sums kept, %d rebuilt", len(kept), len(rebuilt))
		}

		// The migration that made the tables filled them from the record in SQL,
		// with its own copy of the weight and value: it must agree with them.
		up, err := os.ReadFile(filepath.Join("..", "..", "migrations", db.Dialect(), "20261204231000_peer_sums.tx.up.sql"))
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(up), "--bun:split")
		for _, table := range []string{"peer_sums", "peer_events"} {
			if _, err := db.Bun().NewDelete().TableExpr(table).Where("1 = 1").Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, fill := range parts[len(parts)-2:] {
			if _, err := db.Bun().ExecContext(ctx, fill); err != nil {
				t.Fatalf("%s: %v", fill, err)
			}
		}
		checkPeerSums(t, db, "filled by the migration")
		var events []struct {
			Weight float64 `bun:"weight"`
			Value  float64 `bun:"value"`
		}
		if err := db.Bun().NewRaw("SELECT weight, value FROM peer_events ORDER BY role_id, course_id, learner_id").Scan(ctx, &events); err != nil {
			t.Fatal(err)
		}
		outcomes := storetest.Must[[]models.PeerOutcome](t)(db.FindPeerOutcomes(ctx)) // in the same order
		if len(events) != len(outcomes) {
			t.Fatalf("the migration filled %d events, the record has %d", len(events), len(outcomes))
		}
		for i, o := range outcomes {
			if events[i].Weight != o.Weight() || events[i].Value != o.Value() {
				t.Errorf("event %+v: the migration's weight %v and value %v, want %v and %v", o, events[i].Weight, events[i].Value, o.Weight(), o.Value())
			}
		}
	})
}

// checkPeerSums compares the kept sums with the events' sums computed afresh.
func checkPeerSums(t *testing.T, db *store.DB, step string) {
	t.Helper()
	want := map[[2]int64]*models.PeerSum{}
	for _, o := range storetest.Must[[]models.PeerOutcome](t)(db.FindPeerOutcomes(ctx)) {
		k := [2]int64{o.RoleID, o.CourseID}
		if want[k] == nil {
			want[k] = &models.PeerSum{RoleID: o.RoleID, CourseID: o.CourseID}
		}
		want[k].Events++
		want[k].Weight += o.Weight()
		want[k].Outcome += o.Weight() * o.Value()
	}
	got := storetest.Must[[]models.PeerSum](t)(db.FindPeerSums(ctx))
	if len(got) != len(want) {
		t.Errorf("%s: %d peer sums kept, %d from the record: %+v", step, len(got), len(want), got)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, g := range got {
		w := want[[2]int64{g.RoleID, g.CourseID}]
		if w == nil || g.Events != w.Events || !near(g.Weight, w.Weight) || !near(g.Outcome, w.Outcome) {
			t.Errorf("%s: kept %+v, from the record %+v", step, g, w)
		}
	}
}
