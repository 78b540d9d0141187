package karma_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/plan"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func utcp(s string) *time.Time { t := utc(s); return &t }

// karmaWorld is a learner and courses by code, for scripting activity.
type karmaWorld struct {
	storetest.Fixture
	learner *models.Learner
	courses map[string]*models.Course // by code
}

func newKarmaWorld(t *testing.T, db *store.DB, passMarks map[string]float64, codes ...string) karmaWorld {
	t.Helper()
	w := karmaWorld{Fixture: storetest.NewFixture(t, db), courses: map[string]*models.Course{}}
	w.learner = storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "Asha Rao",
		Email: "asha.rao@gov.in", Designation: "Section Officer", OrganisationID: w.Office.ID}))
	for _, code := range codes {
		var pm *float64
		if m, ok := passMarks[code]; ok {
			pm = &m
		}
		w.courses[code] = storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: code, Title: "Course " + code,
			Provider: "iGOT", Format: models.Online, DurationHours: 2, PassMark: pm,
			Competencies: []models.CourseCompetency{{CompetencyID: w.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
	}
	return w
}

// ledger returns a learner's ledger, newest first, read a few entries a page, one
// line per entry with course IDs shown as codes.
func (w karmaWorld) ledger(t *testing.T, db *store.DB, learnerID int64) []string {
	t.Helper()
	names := map[string]string{"": ""}
	for code, c := range w.courses {
		names[fmt.Sprintf("course:%d", c.ID)] = "course:" + code
	}
	var out []string
	p := models.PageRequest{First: 4}
	for {
		page := storetest.Must[*models.Page[*models.KarmaEntry]](t)(karma.New(db).FindKarmaLedger(ctx, learnerID, p))
		for _, e := range page.Items {
			out = append(out, fmt.Sprintf("%s %s %s %d", e.AwardedAt.UTC().Format(time.RFC3339), e.Reason, names[e.Subject], e.Points))
		}
		if !page.HasNextPage {
			return out
		}
		p.After = &page.Cursors[len(page.Cursors)-1]
	}
}

func (w karmaWorld) enrolment(code, status string, enrolled string, completed string) models.EnrolmentRecord {
	r := models.EnrolmentRecord{EmployeeCode: w.learner.EmployeeCode, CourseCode: code, Status: models.EnrolmentStatus(status),
		EnrolledAt: utc(enrolled)}
	if completed != "" {
		r.Progress, r.CompletedAt = 1, utcp(completed)
	}
	return r
}

func (w karmaWorld) total(t *testing.T, db *store.DB) int {
	t.Helper()
	return storetest.Must[map[int64]int](t)(karma.New(db).FindKarmaTotals(ctx, []int64{w.learner.ID}))[w.learner.ID]
}

func (w karmaWorld) enrolmentID(t *testing.T, db *store.DB, code string) int64 {
	t.Helper()
	page := storetest.Must[*models.Page[*models.Enrolment]](t)(db.FindEnrolments(ctx, w.learner.ID, nil, models.PageRequest{First: 100}))
	for _, e := range page.Items {
		if e.CourseID == w.courses[code].ID {
			return e.ID
		}
	}
	t.Fatalf("no enrolment in %s", code)
	return 0
}

// TestKarmaPublishedRules scripts two months of one learner's activity and checks
// the ledger against iGOT's published rules, entry by entry.
func TestKarmaPublishedRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newKarmaWorld(t, db, map[string]float64{"A1": 0.7, "A2": 0.7},
			"N1", "N2", "N3", "N4", "N5", "N6", "N7", "P1", "P2", "A1", "A2")
		c := w.courses
		plan := func(name string, status models.PlanStatus, due string, courses ...string) {
			var ids []int64
			for _, code := range courses {
				ids = append(ids, c[code].ID)
			}
			storetest.Must[*models.Plan](t)(plan.New(db).InsertPlan(ctx, &models.NewPlan{Name: name, OrganisationID: w.Office.ID, CourseIDs: ids,
				DueDate: utc(due), Status: status, Audience: models.PlanAudience{LearnerIDs: []int64{w.learner.ID}}}))
		}
		storetest.At(db, utc("2026-02-20T09:00:00Z"))
		plan("Procurement", models.PlanLive, "2026-03-20T12:00:00Z", "P1")
		// P2 is in two LIVE plans: the earlier due date counts.
		plan("Ethics", models.PlanLive, "2026-03-01T12:00:00Z", "P2")
		plan("Ethics, again", models.PlanLive, "2026-05-30T12:00:00Z", "P2")
		// A DRAFT plan assigns nothing: N1 counts towards the cap like any course.
		plan("Someday", models.PlanDraft, "2026-05-30T12:00:00Z", "N1")

		// One import, rows out of time order: the cap follows the completion times.
		storetest.At(db, utc("2026-04-05T13:00:00Z"))
		storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
			w.enrolment("N6", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-31T18:00:00Z"), // 23:30 IST, 31 March: capped
			w.enrolment("N5", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-20T06:00:00Z"), // the fifth in March: capped
			w.enrolment("N7", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-31T20:00:00Z"), // 01:30 IST, 1 April: earns
			w.enrolment("N2", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-05T06:00:00Z"),
			w.enrolment("N1", "COMPLETED", "2026-02-26T09:00:00Z", "2026-03-02T06:00:00Z"), // the first enrolment
			w.enrolment("N4", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-15T06:00:00Z"),
			w.enrolment("N3", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-10T06:00:00Z"),
			// A plan's course is earned whatever the cap, and does not count towards it.
			w.enrolment("P1", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-03T06:00:00Z"),
			w.enrolment("A1", "COMPLETED", "2026-02-27T09:00:00Z", "2026-04-05T12:00:00Z"),
			w.enrolment("A2", "IN_PROGRESS", "2026-02-27T09:00:00Z", ""),
			w.enrolment("P2", "IN_PROGRESS", "2026-02-27T09:00:00Z", ""),
		}))
		// A1 is complete: its first pass earns ASSESSMENT_PASSED; the fail before it nothing.
		storetest.At(db, utc("2026-04-06T10:00:00Z"))
		attempts := assessment.New(db)
		if a := storetest.Must[*models.AssessmentAttempt](t)(attempts.SaveAttempt(ctx, w.enrolmentID(t, db, "A1"), 0.5)); a.Passed {
			t.Fatalf("0.5 against a pass mark of 0.7 passed: %+v", a)
		}
		storetest.Must[*models.AssessmentAttempt](t)(attempts.SaveAttempt(ctx, w.enrolmentID(t, db, "A1"), 0.8))
		// A2 is passed before it is completed: the points come with the completion.
		storetest.At(db, utc("2026-04-07T10:00:00Z"))
		storetest.Must[*models.AssessmentAttempt](t)(attempts.SaveAttempt(ctx, w.enrolmentID(t, db, "A2"), 0.9))
		if got := w.total(t, db); got != 50 {
			t.Fatalf("total before the second import = %d, want 50", got)
		}
		storetest.At(db, utc("2026-04-13T10:00:00Z"))
		storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
			w.enrolment("P2", "COMPLETED", "2026-02-27T09:00:00Z", "2026-04-10T12:00:00Z"), // 40 days late
			w.enrolment("A2", "COMPLETED", "2026-02-27T09:00:00Z", "2026-04-12T12:00:00Z"),
		}))
		storetest.At(db, utc("2026-04-15T10:00:00Z"))
		storetest.Must[*models.Course](t)(db.SaveRating(ctx, w.learner.ID, c["N1"].ID, 4))
		storetest.At(db, utc("2026-04-16T10:00:00Z"))
		storetest.Must[*models.Course](t)(db.SaveRating(ctx, w.learner.ID, c["N1"].ID, 5)) // re-rating: nothing

		want := []string{
			"2026-04-15T10:00:00Z COURSE_RATING course:N1 2",
			"2026-04-12T12:00:00Z ASSESSMENT_PASSED course:A2 5",
			"2026-04-12T12:00:00Z COURSE_COMPLETION course:A2 5",
			"2026-04-10T12:00:00Z PLAN_COURSE_ON_TIME course:P2 3",
			"2026-04-10T12:00:00Z COURSE_COMPLETION course:P2 5",
			"2026-04-06T10:00:00Z ASSESSMENT_PASSED course:A1 5",
			"2026-04-05T12:00:00Z COURSE_COMPLETION course:A1 5",
			"2026-03-31T20:00:00Z COURSE_COMPLETION course:N7 5",
			"2026-03-15T06:00:00Z COURSE_COMPLETION course:N4 5",
			"2026-03-10T06:00:00Z COURSE_COMPLETION course:N3 5",
			"2026-03-05T06:00:00Z COURSE_COMPLETION course:N2 5",
			"2026-03-03T06:00:00Z PLAN_COURSE_ON_TIME course:P1 5",
			"2026-03-03T06:00:00Z COURSE_COMPLETION course:P1 5",
			"2026-03-02T06:00:00Z COURSE_COMPLETION course:N1 5",
			"2026-02-26T09:00:00Z FIRST_ENROLMENT  5",
		}
		equalLedger(t, w.ledger(t, db, w.learner.ID), want)
		if got := w.total(t, db); got != 70 {
			t.Errorf("total = %d, want 70 (the sum of the ledger)", got)
		}

		// The notes explain the entries, the late one in full.
		all := storetest.Must[*models.Page[*models.KarmaEntry]](t)(karma.New(db).FindKarmaLedger(ctx, w.learner.ID, models.PageRequest{First: 100}))
		notes := map[string]string{}
		for _, e := range all.Items {
			notes[string(e.Reason)+" "+e.Subject] = e.Note
			if strings.HasPrefix(e.Subject, "course:") && (e.CourseID == nil || e.Subject != fmt.Sprintf("course:%d", *e.CourseID)) {
				t.Errorf("entry %+v: course_id does not match the subject", e)
			}
		}
		for key, want := range map[string]string{
			fmt.Sprintf("PLAN_COURSE_ON_TIME course:%d", c["P2"].ID): "Completed Course P2, 40 days after the plan's due date: 5 − 2",
			fmt.Sprintf("PLAN_COURSE_ON_TIME course:%d", c["P1"].ID): "Completed Course P1 by the plan's due date",
			fmt.Sprintf("COURSE_COMPLETION course:%d", c["N1"].ID):   "Completed Course N1",
			fmt.Sprintf("ASSESSMENT_PASSED course:%d", c["A2"].ID):   "Passed the final assessment of Course A2",
			fmt.Sprintf("COURSE_RATING course:%d", c["N1"].ID):       "Rated Course N1",
			"FIRST_ENROLMENT ": "First enrolment: Course N1",
		} {
			if notes[key] != want {
				t.Errorf("note of %s = %q, want %q", key, notes[key], want)
			}
		}

		t.Run("ImportAgainAwardsNothing", func(t *testing.T) {
			storetest.At(db, utc("2026-04-20T10:00:00Z"))
			storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
				w.enrolment("N1", "COMPLETED", "2026-02-26T09:00:00Z", "2026-03-02T06:00:00Z"),
				w.enrolment("N5", "COMPLETED", "2026-02-27T09:00:00Z", "2026-03-20T06:00:00Z"),
				w.enrolment("P2", "COMPLETED", "2026-02-27T09:00:00Z", "2026-04-10T12:00:00Z"),
			}))
			equalLedger(t, w.ledger(t, db, w.learner.ID), want)
			if got := w.total(t, db); got != 70 {
				t.Errorf("total = %d after importing again, want 70", got)
			}
		})
	})
}

func equalLedger(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("ledger:\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestKarmaLateness checks the late penalty month by month, floored at 0 with an
// entry that says so.
func TestKarmaLateness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		codes := []string{"L0", "L1", "L30", "L31", "L200"}
		w := newKarmaWorld(t, db, nil, codes...)
		storetest.At(db, utc("2026-01-01T00:00:00Z"))
		due := utc("2026-01-10T00:00:00Z")
		var ids []int64
		for _, code := range codes {
			ids = append(ids, w.courses[code].ID)
		}
		storetest.Must[*models.Plan](t)(plan.New(db).InsertPlan(ctx, &models.NewPlan{Name: "Plan", OrganisationID: w.Office.ID, CourseIDs: ids,
			DueDate: due, Status: models.PlanLive, Audience: models.PlanAudience{LearnerIDs: []int64{w.learner.ID}}}))
		storetest.At(db, utc("2026-09-01T00:00:00Z"))
		done := func(code string, late time.Duration) models.EnrolmentRecord {
			return w.enrolment(code, "COMPLETED", "2026-01-02T00:00:00Z", due.Add(late).Format(time.RFC3339))
		}
		day := 24 * time.Hour
		storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{done("L0", 0), done("L1", day), done("L30", 30*day),
			done("L31", 31*day), done("L200", 200*day)}))
		page := storetest.Must[*models.Page[*models.KarmaEntry]](t)(karma.New(db).FindKarmaLedger(ctx, w.learner.ID, models.PageRequest{First: 100}))
		got := map[int64]models.KarmaEntry{}
		for _, e := range page.Items {
			if e.Reason == models.KarmaPlanOnTime {
				got[*e.CourseID] = *e
			}
		}
		for _, tc := range []struct {
			code   string
			points int
			note   string
		}{
			{"L0", 5, "Completed Course L0 by the plan's due date"},
			{"L1", 4, "Completed Course L1, 1 day after the plan's due date: 5 − 1"},
			{"L30", 4, "Completed Course L30, 30 days after the plan's due date: 5 − 1"},
			{"L31", 3, "Completed Course L31, 31 days after the plan's due date: 5 − 2"},
			{"L200", 0, "Completed Course L200, 200 days after the plan's due date: 5 − 7, no points left"},
		} {
			e, ok := got[w.courses[tc.code].ID]
			if !ok || e.Points != tc.points || e.Note != tc.note {
				t.Errorf("%s: entry %+v, want %d points, note %q", tc.code, e, tc.points, tc.note)
			}
		}
	})
}

// TestSetKarmaRule: the rules as migrated, refusals (the service's validation), and
// a replaced rule (the store's UpdateKarmaRule) applying to later awards only.
func TestSetKarmaRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := karma.New(db)
		svc := &service.Karma{Store: st}
		rules := storetest.Must[[]models.KarmaRule](t)(st.FindKarmaRules(ctx))
		var reasons []models.KarmaReason
		for _, r := range rules {
			reasons = append(reasons, r.Reason)
		}
		if !slices.Equal(reasons, models.KarmaReasons) || rules[0].Points != 5 || rules[0].MonthlyCap == nil || *rules[0].MonthlyCap != 4 {
			t.Fatalf("rules = %+v, want iGOT's, in KarmaReasons order", rules)
		}
		t.Run("ErrNegativeCap", func(t *testing.T) {
			_, err := svc.SetKarmaRule(ctx, models.KarmaRule{Reason: models.KarmaCourseCompletion, Points: 5, MonthlyCap: new(-1)})
			storetest.WantCode(t, err, models.EINVALID, "monthlyCap")
			if after := storetest.Must[[]models.KarmaRule](t)(st.FindKarmaRules(ctx)); *after[0].MonthlyCap != 4 {
				t.Fatalf("the refused rule changed the cap to %d", *after[0].MonthlyCap)
			}
		})
		t.Run("ErrUnknownReason", func(t *testing.T) {
			_, err := svc.SetKarmaRule(ctx, models.KarmaRule{Reason: "GOSSIP", Points: 5})
			storetest.WantCode(t, err, models.EINVALID, "reason")
			_, err = st.UpdateKarmaRule(ctx, models.KarmaRule{Reason: "GOSSIP", Points: 5})
			storetest.WantCode(t, err, models.EINVALID, "reason")
		})

		// A changed rule applies to later awards only.
		w := newKarmaWorld(t, db, nil, "C1", "C2", "C3", "C4")
		storetest.At(db, utc("2026-11-01T10:00:00Z"))
		for _, code := range []string{"C1", "C2", "C3", "C4"} {
			storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, w.learner.ID, w.courses[code].ID))
		}
		storetest.Must[*models.Course](t)(db.SaveRating(ctx, w.learner.ID, w.courses["C1"].ID, 4))
		r := storetest.Must[*models.KarmaRule](t)(st.UpdateKarmaRule(ctx, models.KarmaRule{Reason: models.KarmaCourseRating, Points: 3}))
		if r.Points != 3 || r.UpdatedAt.IsZero() {
			t.Fatalf("rule = %+v", r)
		}
		storetest.Must[*models.Course](t)(db.SaveRating(ctx, w.learner.ID, w.courses["C2"].ID, 4))
		// A cap of 1: the second completion in the month earns nothing.
		storetest.Must[*models.KarmaRule](t)(st.UpdateKarmaRule(ctx, models.KarmaRule{Reason: models.KarmaCourseCompletion, Points: 5, MonthlyCap: new(1)}))
		storetest.At(db, utc("2026-11-10T10:00:00Z"))
		for _, code := range []string{"C3", "C4"} {
			storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, w.enrolmentID(t, db, code), 1))
		}
		var got []string
		page := storetest.Must[*models.Page[*models.KarmaEntry]](t)(st.FindKarmaLedger(ctx, w.learner.ID, models.PageRequest{First: 100}))
		for _, e := range page.Items {
			got = append(got, fmt.Sprintf("%s %d", e.Reason, e.Points))
		}
		want := []string{"COURSE_COMPLETION 5", "COURSE_RATING 3", "COURSE_RATING 2", "FIRST_ENROLMENT 5"}
		if !slices.Equal(got, want) {
			t.Fatalf("ledger = %v, want %v", got, want)
		}
		if total := w.total(t, db); total != 15 {
			t.Fatalf("total = %d, want 15", total)
		}
	})
}

// TestLeaderboards ranks the learners and organisations of two ministries and an
// empty one, all time and since a moment, through the service (which resolves and
// bounds the limit) over the store.
//
//	MOF (ministry):    c 5 (after t2)
//	  MOF-DOR:         the department itself has no learner
//	    MOF-DOR-CBDT:  a 7, d 0
//	  MOF-DOE:         b 7, g 0
//	  MOF-DEA:         nobody
//	MOHFW:             e 9
//	MOE:               nobody
func TestLeaderboards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		boards := &service.Karma{Store: karma.New(db)}
		org := func(code string, parent *models.Organisation) *models.Organisation {
			n := &models.NewOrganisation{Code: code, Name: "Org " + code, Type: models.OrgMinistry}
			if parent != nil {
				n.Type, n.ParentID = models.OrgDepartment, &parent.ID
			}
			return storetest.Must[*models.Organisation](t)(db.InsertOrganisation(ctx, n))
		}
		doe, dea, health, education := org("MOF-DOE", f.Ministry), org("MOF-DEA", f.Ministry), org("MOHFW", nil), org("MOE", nil)
		learner := func(code string, o *models.Organisation) *models.Learner {
			return storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: code, Name: "Learner " + code,
				Email: code + "@gov.in", Designation: "Officer", OrganisationID: o.ID}))
		}
		a, d, b, g, c, e := learner("A", f.Office), learner("D", f.Office), learner("B", doe), learner("G", doe),
			learner("C", f.Ministry), learner("E", health)
		course := func(code string) *models.Course {
			return storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: code, Title: code, Provider: "iGOT",
				Format: models.Online, DurationHours: 1}))
		}
		c1, c2 := course("C1"), course("C2")
		enrolAndRate := func(l *models.Learner, cs ...*models.Course) {
			for _, course := range cs {
				storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l.ID, course.ID))
				storetest.Must[*models.Course](t)(db.SaveRating(ctx, l.ID, course.ID, 4))
			}
		}
		storetest.At(db, utc("2026-06-01T10:00:00Z"))
		enrolAndRate(a, c1)     // 5 + 2
		enrolAndRate(b, c1)     // 5 + 2
		enrolAndRate(e, c1, c2) // 5 + 2 + 2
		t2 := utc("2026-06-10T10:00:00Z")
		storetest.At(db, t2)
		storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, c.ID, c1.ID)) // 5

		learnerAt := func(rank int, l *models.Learner, points int) models.LearnerStanding {
			return models.LearnerStanding{Rank: rank, LearnerID: l.ID, Points: points}
		}
		orgAt := func(rank int, o *models.Organisation, learners, points int, average float64) models.OrganisationStanding {
			return models.OrganisationStanding{Rank: rank, OrganisationID: o.ID, Learners: learners, Points: points, Average: average}
		}
		learners := func(q models.LeaderboardQuery) []models.LearnerStanding {
			t.Helper()
			return storetest.Must[[]models.LearnerStanding](t)(boards.LearnerLeaderboard(ctx, q))
		}
		equal := func(what string, got, want any) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s:\n got %v\nwant %v", what, got, want)
			}
		}
		equal("learners of MOF", learners(models.LeaderboardQuery{OrganisationID: f.Ministry.ID}), []models.LearnerStanding{
			learnerAt(1, a, 7), learnerAt(1, b, 7), learnerAt(3, c, 5), learnerAt(4, d, 0), learnerAt(4, g, 0)})
		equal("learners of MOF, top 2", learners(models.LeaderboardQuery{OrganisationID: f.Ministry.ID, Limit: 2}),
			[]models.LearnerStanding{learnerAt(1, a, 7), learnerAt(1, b, 7)})
		equal("learners of MOF-DOR", learners(models.LeaderboardQuery{OrganisationID: f.Department.ID}), []models.LearnerStanding{
			learnerAt(1, a, 7), learnerAt(2, d, 0)})
		equal("learners of MOF since t2", learners(models.LeaderboardQuery{OrganisationID: f.Ministry.ID, Since: &t2}), []models.LearnerStanding{
			learnerAt(1, c, 5), learnerAt(2, a, 0), learnerAt(2, d, 0), learnerAt(2, b, 0), learnerAt(2, g, 0)})

		orgs := func(q models.LeaderboardQuery) []models.OrganisationStanding {
			t.Helper()
			return storetest.Must[[]models.OrganisationStanding](t)(boards.OrganisationLeaderboard(ctx, q))
		}
		equal("ministries", orgs(models.LeaderboardQuery{}), []models.OrganisationStanding{
			orgAt(1, health, 1, 9, 9), orgAt(2, f.Ministry, 5, 19, 3.8), orgAt(3, education, 0, 0, 0)})
		equal("ministries since t2", orgs(models.LeaderboardQuery{Since: &t2}), []models.OrganisationStanding{
			orgAt(1, f.Ministry, 5, 5, 1), orgAt(2, health, 1, 0, 0), orgAt(3, education, 0, 0, 0)})
		equal("top ministry", orgs(models.LeaderboardQuery{Limit: 1}), []models.OrganisationStanding{orgAt(1, health, 1, 9, 9)})
		equal("departments of MOF", orgs(models.LeaderboardQuery{OrganisationID: f.Ministry.ID}), []models.OrganisationStanding{
			orgAt(1, f.Department, 2, 7, 3.5), orgAt(1, doe, 2, 7, 3.5), orgAt(3, dea, 0, 0, 0)})

		for _, tc := range []struct {
			name        string
			q           models.LeaderboardQuery
			code, field string
		}{
			{"ErrLimitAbove", models.LeaderboardQuery{OrganisationID: f.Ministry.ID, Limit: 101}, models.EINVALID, "limit"},
			{"ErrLimitNegative", models.LeaderboardQuery{OrganisationID: f.Ministry.ID, Limit: -1}, models.EINVALID, "limit"},
			{"ErrUnknownOrganisation", models.LeaderboardQuery{OrganisationID: 999999}, models.ENOTFOUND, ""},
		} {
			t.Run("Learners"+tc.name, func(t *testing.T) {
				_, err := boards.LearnerLeaderboard(ctx, tc.q)
				storetest.WantCode(t, err, tc.code, tc.field)
			})
			t.Run("Organisations"+tc.name, func(t *testing.T) {
				_, err := boards.OrganisationLeaderboard(ctx, tc.q)
				storetest.WantCode(t, err, tc.code, tc.field)
			})
		}
	})
}

// TestKarmaBulkIsBatched checks that importing many completions and ratings costs
// the same number of statements as importing a few: the rules, plans, caps and
// ledger are read for the whole batch at once. The courses all impart one
// competency and complete on shared dates, so completion evidence coincides.
func TestKarmaBulkIsBatched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var codes []string
		for i := range 40 {
			codes = append(codes, fmt.Sprintf("B%02d", i))
		}
		w := newKarmaWorld(t, db, nil, codes...)
		other := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E2", Name: "Bhaskar Rao",
			Email: "bhaskar.rao@gov.in", Designation: "Section Officer", OrganisationID: w.Office.ID}))
		storetest.At(db, utc("2026-01-01T00:00:00Z"))
		storetest.Must[*models.Plan](t)(plan.New(db).InsertPlan(ctx, &models.NewPlan{Name: "Plan", OrganisationID: w.Office.ID,
			CourseIDs: []int64{w.courses["B00"].ID, w.courses["B01"].ID}, DueDate: utc("2026-02-01T00:00:00Z"), Status: models.PlanLive,
			Audience: models.PlanAudience{LearnerIDs: []int64{w.learner.ID, other.ID}}}))
		storetest.At(db, utc("2026-06-01T00:00:00Z"))
		imported := func(employee string, n int) uint32 {
			t.Helper()
			recs := make([]models.EnrolmentRecord, n)
			for i := range recs {
				recs[i] = models.EnrolmentRecord{EmployeeCode: employee, CourseCode: codes[i], Status: models.Completed, Progress: 1,
					EnrolledAt: utc("2026-01-05T00:00:00Z"), CompletedAt: utcp(fmt.Sprintf("2026-%02d-10T00:00:00Z", 2+i%4)), Rating: new(4)}
			}
			before := db.QueryCount()
			storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, recs))
			return db.QueryCount() - before
		}
		few, many := imported(w.learner.EmployeeCode, 4), imported(other.EmployeeCode, 40)
		if few != many {
			t.Errorf("importing 4 enrolments ran %d statements, 40 ran %d; want the same", few, many)
		}
		// 40 completions over four months: 2 plan courses (9 and 37 days late), and 4
		// a month of the others; 40 ratings.
		totals := storetest.Must[map[int64]int](t)(karma.New(db).FindKarmaTotals(ctx, []int64{other.ID}))
		if want := 5 + (5 + 4) + (5 + 3) + 16*5 + 40*2; totals[other.ID] != want {
			t.Errorf("total = %d, want %d", totals[other.ID], want)
		}
	})
}
