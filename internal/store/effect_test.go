package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestCourseEffects: the fit's reads stream completions by course then learner and
// each learner's evidence and completions in batches; a fit's effects replace the
// last, bump the catalogue version and reach the catalogue snapshot.
func TestCourseEffects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, _, c := storetest.LearningFixture(t, db) // c: GEM-101, procurement 1 -> 3
		var learners []models.LearnerRecord
		var evidence []models.EvidenceRecord
		var enrolments []models.EnrolmentRecord
		day := func(d int) time.Time { return time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
		for i := range 7 {
			code := fmt.Sprintf("EFF%d", i)
			learners = append(learners, models.LearnerRecord{EmployeeCode: code, Name: "Learner " + code,
				Email: fmt.Sprintf("eff%d@gov.in", i), Designation: "Assistant", OrganisationCode: "MOF-DOR-CBDT",
				RoleCodes: []string{"ROLE-SO"}, HasRoles: i == 0})
			evidence = append(evidence,
				models.EvidenceRecord{EmployeeCode: code, CompetencyCode: "FUN-020", Source: models.SupervisorRating, Level: 1, ObservedAt: day(i)},
				models.EvidenceRecord{EmployeeCode: code, CompetencyCode: "FUN-020", Source: models.SupervisorRating, Level: 3, ObservedAt: day(40 + i)})
			if i%2 == 0 { // four completers
				done := day(20 + i)
				enrolments = append(enrolments, models.EnrolmentRecord{EmployeeCode: code, CourseCode: "GEM-101",
					Status: models.Completed, Progress: 1, EnrolledAt: day(10), CompletedAt: &done})
			}
		}
		storetest.NoRejects(t)(bulk.New(db).UpsertLearners(ctx, learners))
		storetest.NoRejects(t)(bulk.New(db).UpsertEvidence(ctx, evidence))
		storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, enrolments))

		var done []models.Completion
		if err := db.EachCompletion(ctx, func(c models.Completion) error { done = append(done, c); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(done) != 4 || done[0].CourseID != c.ID || !done[0].CompletedAt.Equal(day(20)) || done[0].CompletedAt.Location() != time.UTC {
			t.Fatalf("completions = %+v", done)
		}
		for i := 1; i < len(done); i++ {
			if done[i].LearnerID <= done[i-1].LearnerID {
				t.Fatalf("completions not by learner: %+v", done)
			}
		}

		var batches, seen, completers int
		var last int64
		err := db.EachLearnerLearning(ctx, 3, func(ls []models.LearnerLearning) error {
			batches++
			for _, l := range ls {
				if l.LearnerID <= last {
					t.Errorf("learner %d after %d", l.LearnerID, last)
				}
				last = l.LearnerID
				seen++
				if want := map[int64]int{f.Comm.ID: 2}; (len(l.Required) > 0) != (seen == 1) || (seen == 1 && l.Required[f.Comm.ID] != 2) {
					t.Errorf("learner %d requires %v; only the first holds a role, which requires %v", l.LearnerID, l.Required, want)
				}
				if len(l.Completions) > 0 {
					completers++
					// Supervisor ratings and the completion's evidence, in time order.
					if len(l.Evidence) != 3 || l.Evidence[1].Source != models.CourseCompletion ||
						!l.Evidence[1].ObservedAt.Equal(l.Completions[0].CompletedAt) {
						t.Errorf("completer's evidence = %+v", l.Evidence)
					}
				}
				for i := 1; i < len(l.Evidence); i++ {
					a, b := l.Evidence[i-1], l.Evidence[i]
					if a.CompetencyID > b.CompetencyID || (a.CompetencyID == b.CompetencyID && a.ObservedAt.After(b.ObservedAt)) {
						t.Errorf("evidence out of order: %+v", l.Evidence)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Eight learners (the storetest.Fixture's E1 has no record), three a batch.
		if seen != 7 || completers != 4 || batches != 3 {
			t.Errorf("streamed %d learners (%d completers) in %d batches", seen, completers, batches)
		}
		stop := errors.New("stop")
		if err := db.EachLearnerLearning(ctx, 2, func([]models.LearnerLearning) error { return stop }); err != stop {
			t.Errorf("EachLearnerLearning returned %v, want the callback's error", err)
		}

		v0 := storetest.Must[int64](t)(db.CatalogueVersion(ctx))
		at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
		fit := []models.CourseEffect{{CourseID: c.ID, CompetencyID: f.Procurement.ID, ClaimedFromLevel: 1, ClaimedToLevel: 3,
			ClaimedGain: 1.6, EstimatedGain: 0.4, Low: 0.1, High: 0.7, Learners: 40, Controls: 300, Contradicted: true,
			Efficacy: 0.25, FittedAt: at}}
		if err := db.ReplaceCourseEffects(ctx, fit); err != nil {
			t.Fatal(err)
		}
		if v := storetest.Must[int64](t)(db.CatalogueVersion(ctx)); v != v0+1 {
			t.Errorf("catalogue version %d after a fit, want %d", v, v0+1)
		}
		got := storetest.Must[[]models.CourseEffect](t)(db.FindCourseEffects(ctx, c.ID))
		if len(got) != 1 || got[0] != fit[0] {
			t.Fatalf("effects = %+v, want %+v", got, fit)
		}
		cat := storetest.Must[*models.Catalogue](t)(db.FindCatalogue(ctx))
		if e := cat.Efficacy(cat.Imparts[c.ID][0]); e != 0.25 || len(cat.Effects[c.ID]) != 1 {
			t.Errorf("snapshot efficacy %v, effects %+v", e, cat.Effects)
		}
		// A claim changed since the fit reads as no estimate.
		if e := cat.Efficacy(models.CourseCompetency{CourseID: c.ID, CompetencyID: f.Procurement.ID, FromLevel: 0, ToLevel: 3}); e != 0 {
			t.Errorf("efficacy %v for a claim the fit did not see", e)
		}

		// A fit replaces the last wholesale.
		if err := db.ReplaceCourseEffects(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got := storetest.Must[[]models.CourseEffect](t)(db.FindCourseEffects(ctx, c.ID)); len(got) != 0 {
			t.Errorf("effects after an empty fit = %+v", got)
		}
		bad := fit
		bad[0].CourseID = 999999
		storetest.WantCode(t, db.ReplaceCourseEffects(ctx, bad), models.EINVALID, "courseEffects")
	})
}
