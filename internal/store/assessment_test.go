package store_test

import (
	"math"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

func TestCoursePassMark(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		passMark := func(id int64) *float64 {
			t.Helper()
			return must[*models.Course](t)(db.FindCourseByID(ctx, id)).PassMark
		}
		same := func(what string, got *float64, want *float64) {
			t.Helper()
			if (got == nil) != (want == nil) || (got != nil && *got != *want) {
				t.Errorf("%s: pass mark %v, want %v", what, deref(got), deref(want))
			}
		}
		c := must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "GFR-1", Title: "GFR", Provider: "NIFM",
			Format: models.Online, DurationHours: 3, PassMark: score(0.7),
			Competencies: []models.CourseCompetency{{CompetencyID: f.procurement.ID, FromLevel: 0, ToLevel: 2}}}))
		same("created", passMark(c.ID), score(0.7))
		title := "GFR 2017"
		must[*models.Course](t)(db.SaveCourse(ctx, c.ID, models.CourseUpdate{Title: &title}))
		same("updated without SetPassMark", passMark(c.ID), score(0.7))
		must[*models.Course](t)(db.SaveCourse(ctx, c.ID, models.CourseUpdate{PassMark: score(0.5), SetPassMark: true}))
		same("set to 0.5", passMark(c.ID), score(0.5))
		must[*models.Course](t)(db.SaveCourse(ctx, c.ID, models.CourseUpdate{SetPassMark: true}))
		same("cleared", passMark(c.ID), nil)

		cat := service.NewCatalogue(db) // the use cases validate the pass mark
		_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "GFR-2", Title: "GFR", Provider: "NIFM", Format: models.Online,
			DurationHours: 3, PassMark: score(0)})
		wantCode(t, err, models.EINVALID, "passMark")
		_, err = cat.UpdateCourse(ctx, c.ID, models.CourseUpdate{PassMark: score(1.2), SetPassMark: true})
		wantCode(t, err, models.EINVALID, "passMark")

		rec := models.CourseRecord{Code: "GFR-1", Title: "GFR 2017", Provider: "NIFM", Format: models.Online, DurationHours: 3}
		with := func(pm *float64) models.CourseRecord { r := rec; r.PassMark, r.HasPassMark = pm, true; return r }
		noRejects(t)(bulk.New(db, db).UpsertCourses(ctx, []models.CourseRecord{with(score(0.65))}))
		same("imported", passMark(c.ID), score(0.65))
		v := must[int64](t)(db.CatalogueVersion(ctx))
		noRejects(t)(bulk.New(db, db).UpsertCourses(ctx, []models.CourseRecord{with(score(0.65))}))
		if again := must[int64](t)(db.CatalogueVersion(ctx)); again != v {
			t.Errorf("importing the same pass mark again bumped the catalogue %d -> %d", v, again)
		}
		noRejects(t)(bulk.New(db, db).UpsertCourses(ctx, []models.CourseRecord{rec}))
		same("imported without the column", passMark(c.ID), score(0.65))
		noRejects(t)(bulk.New(db, db).UpsertCourses(ctx, []models.CourseRecord{with(nil)}))
		same("imported empty", passMark(c.ID), nil)
		rejected := must[[]models.RecordError](t)(bulk.New(db, db).UpsertCourses(ctx, []models.CourseRecord{with(score(1.5))}))
		if len(rejected) != 1 || rejected[0].Column != "pass_mark" {
			t.Errorf("a pass mark of 1.5: rejected %+v, want pass_mark", rejected)
		}
	})
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestTakeAssessment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := learningFixture(t, db)
		course := func(code string, pm *float64) *models.Course {
			return must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: code, Title: "Course " + code, Provider: "iGOT",
				Format: models.Online, DurationHours: 4, PassMark: pm, Competencies: []models.CourseCompetency{
					{CompetencyID: f.procurement.ID, FromLevel: 1, ToLevel: 3}, {CompetencyID: f.comm.ID, FromLevel: 0, ToLevel: 2}}}))
		}
		exam, strict, none, dropped := course("EXAM", score(0.8)), course("STRICT", score(1)), course("NONE", nil), course("DROP", score(0.5))
		enrol := func(c *models.Course) *models.Enrolment {
			return must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l.ID, c.ID))
		}
		e, es, en, ed := enrol(exam), enrol(strict), enrol(none), enrol(dropped)
		noRejects(t)(bulk.New(db, db).UpsertEnrolments(ctx, []models.EnrolmentRecord{{EmployeeCode: l.EmployeeCode, CourseCode: "DROP",
			Status: models.Dropped, Progress: 0, EnrolledAt: time.Now().Add(-time.Hour)}}))

		t.Run("Errors", func(t *testing.T) {
			v := version(t, db, l.ID)
			for _, tc := range []struct {
				name        string
				enrolment   int64
				score       float64
				code, field string
			}{
				{"ErrScoreAboveOne", e.ID, 1.5, models.EINVALID, "score"},
				{"ErrScoreNegative", e.ID, -0.1, models.EINVALID, "score"},
				{"ErrScoreNaN", e.ID, math.NaN(), models.EINVALID, "score"},
				{"ErrUnknownEnrolment", 999999, 0.9, models.ENOTFOUND, ""},
				{"ErrNoFinalAssessment", en.ID, 0.9, models.EINVALID, "enrolmentId"},
				{"ErrDropped", ed.ID, 0.9, models.EINVALID, "enrolmentId"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := db.TakeAssessment(ctx, tc.enrolment, tc.score)
					wantCode(t, err, tc.code, tc.field)
				})
			}
			if got := must[map[int64][]*models.AssessmentAttempt](t)(db.FindAssessmentAttempts(ctx, []int64{e.ID, en.ID, ed.ID})); len(got) != 0 {
				t.Errorf("refused attempts were stored: %+v", got)
			}
			if version(t, db, l.ID) != v {
				t.Error("a refused attempt bumped the learner's version")
			}
		})

		// The estimator's pass mark, whatever the course's: a bare pass stays a bare pass.
		mark := recommender.DefaultParams().PassMark
		base := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
		for i, tc := range []struct {
			enrolment     *models.Enrolment
			score, stored float64
			passed        bool
		}{
			{e, 0.8, mark, true},
			{e, 0.9, 0.8, true},
			{e, 1, 1, true},
			{e, 0.4, 0.3, false},
			{e, 0, 0, false},
			{es, 1, mark, true},
			{es, 0.99, 0.99 * mark, false},
		} {
			now := base.Add(time.Duration(i) * time.Minute)
			at(db, now)
			v := version(t, db, l.ID)
			a := must[*models.AssessmentAttempt](t)(db.TakeAssessment(ctx, tc.enrolment.ID, tc.score))
			if a.ID == 0 || a.Passed != tc.passed || a.Score != tc.score || a.EnrolmentID != tc.enrolment.ID ||
				a.LearnerID != l.ID || a.CourseID != tc.enrolment.CourseID || !a.TakenAt.Equal(now) {
				t.Errorf("score %g: attempt %+v, want passed %v at %s", tc.score, a, tc.passed, now)
			}
			if got := version(t, db, l.ID); got != v+1 {
				t.Errorf("score %g: version %d -> %d, want one bump", tc.score, v, got)
			}
			// The newest evidence: one ASSESSMENT row per competency, naming the course.
			page := must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 2}))
			levels := map[int64]int{}
			for _, ev := range page.Items {
				levels[ev.CompetencyID] = ev.Level
				if ev.Source != models.Assessment || ev.CourseID == nil || *ev.CourseID != tc.enrolment.CourseID ||
					ev.Score == nil || math.Abs(*ev.Score-tc.stored) > 1e-12 || !ev.ObservedAt.Equal(now) {
					t.Errorf("score %g: evidence %+v (score %v), want ASSESSMENT of course %d scored %g at %s",
						tc.score, ev, deref(ev.Score), tc.enrolment.CourseID, tc.stored, now)
				}
				if got := *ev.Score >= mark; got != tc.passed {
					t.Errorf("score %g: the estimator reads the evidence (%g) as passed %v, the course as %v", tc.score, *ev.Score, got, tc.passed)
				}
			}
			if levels[f.procurement.ID] != 3 || levels[f.comm.ID] != 2 {
				t.Errorf("score %g: evidence levels %v, want each competency's toLevel", tc.score, levels)
			}
		}
		// The proficiencies were re-estimated from that evidence.
		var evidence []models.Evidence
		all := must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 100}))
		for _, ev := range all.Items {
			if ev.CompetencyID == f.comm.ID {
				evidence = append(evidence, *ev)
			}
		}
		want := recommender.NewEstimator().Estimate(l.ID, f.comm.ID, evidence)
		for _, p := range must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID] {
			if p.CompetencyID == f.comm.ID && (p.Level != want.Level || math.Abs(p.Confidence-want.Confidence) > 1e-9) {
				t.Errorf("stored proficiency %+v, want the estimate from the evidence %+v", p, want)
			}
		}

		attempts := must[map[int64][]*models.AssessmentAttempt](t)(db.FindAssessmentAttempts(ctx, []int64{e.ID, es.ID, en.ID}))
		if len(attempts[e.ID]) != 5 || len(attempts[es.ID]) != 2 || len(attempts[en.ID]) != 0 {
			t.Fatalf("attempts: %d, %d, %d; want 5, 2, 0", len(attempts[e.ID]), len(attempts[es.ID]), len(attempts[en.ID]))
		}
		for i, a := range attempts[e.ID] {
			if i > 0 && !a.TakenAt.After(attempts[e.ID][i-1].TakenAt) {
				t.Errorf("attempts not oldest first: %+v", attempts[e.ID])
			}
		}
		// Neither course is complete: passing earned nothing yet.
		for _, entry := range must[*models.Page[*models.KarmaEntry]](t)(db.FindKarmaLedger(ctx, l.ID, models.PageRequest{First: 100})).Items {
			if entry.Reason == models.KarmaAssessmentPassed {
				t.Errorf("ASSESSMENT_PASSED before completion: %+v", entry)
			}
		}
	})
}
