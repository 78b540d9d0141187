package assessment_test

import (
	"math"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestTakeAssessment: an attempt and its effects (the store's SaveAttempt), and
// the refusals of TakeAssessment (the service's score validation and the store's
// checks), which store nothing.
func TestTakeAssessment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := storetest.LearningFixture(t, db)
		st := assessment.New(db)
		takes := &service.Karma{Assessments: st}
		course := func(code string, pm *float64) *models.Course {
			return storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: code, Title: "Course " + code, Provider: "iGOT",
				Format: models.Online, DurationHours: 4, PassMark: pm, Competencies: []models.CourseCompetency{
					{CompetencyID: f.Procurement.ID, FromLevel: 1, ToLevel: 3}, {CompetencyID: f.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
		}
		exam, strict, none, dropped := course("EXAM", storetest.Score(0.8)), course("STRICT", storetest.Score(1)), course("NONE", nil), course("DROP", storetest.Score(0.5))
		enrol := func(c *models.Course) *models.Enrolment {
			return storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l.ID, c.ID))
		}
		e, es, en, ed := enrol(exam), enrol(strict), enrol(none), enrol(dropped)
		storetest.NoRejects(t)(bulk.New(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{{EmployeeCode: l.EmployeeCode, CourseCode: "DROP",
			Status: models.Dropped, Progress: 0, EnrolledAt: time.Now().Add(-time.Hour)}}))

		t.Run("Errors", func(t *testing.T) {
			v := storetest.Version(t, db, l.ID)
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
					_, err := takes.TakeAssessment(ctx, tc.enrolment, tc.score)
					storetest.WantCode(t, err, tc.code, tc.field)
				})
			}
			if got := storetest.Must[map[int64][]*models.AssessmentAttempt](t)(st.FindAssessmentAttempts(ctx, []int64{e.ID, en.ID, ed.ID})); len(got) != 0 {
				t.Errorf("refused attempts were stored: %+v", got)
			}
			if storetest.Version(t, db, l.ID) != v {
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
			storetest.At(db, now)
			v := storetest.Version(t, db, l.ID)
			a := storetest.Must[*models.AssessmentAttempt](t)(st.SaveAttempt(ctx, tc.enrolment.ID, tc.score))
			if a.ID == 0 || a.Passed != tc.passed || a.Score != tc.score || a.EnrolmentID != tc.enrolment.ID ||
				a.LearnerID != l.ID || a.CourseID != tc.enrolment.CourseID || !a.TakenAt.Equal(now) {
				t.Errorf("score %g: attempt %+v, want passed %v at %s", tc.score, a, tc.passed, now)
			}
			if got := storetest.Version(t, db, l.ID); got != v+1 {
				t.Errorf("score %g: version %d -> %d, want one bump", tc.score, v, got)
			}
			// The newest evidence: one ASSESSMENT row per competency, naming the course.
			page := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 2}))
			levels := map[int64]int{}
			for _, ev := range page.Items {
				levels[ev.CompetencyID] = ev.Level
				if ev.Source != models.Assessment || ev.CourseID == nil || *ev.CourseID != tc.enrolment.CourseID ||
					ev.Score == nil || math.Abs(*ev.Score-tc.stored) > 1e-12 || !ev.ObservedAt.Equal(now) {
					t.Errorf("score %g: evidence %+v (score %v), want ASSESSMENT of course %d scored %g at %s",
						tc.score, ev, storetest.Deref(ev.Score), tc.enrolment.CourseID, tc.stored, now)
				}
				if got := *ev.Score >= mark; got != tc.passed {
					t.Errorf("score %g: the estimator reads the evidence (%g) as passed %v, the course as %v", tc.score, *ev.Score, got, tc.passed)
				}
			}
			if levels[f.Procurement.ID] != 3 || levels[f.Comm.ID] != 2 {
				t.Errorf("score %g: evidence levels %v, want each competency's toLevel", tc.score, levels)
			}
		}
		// The proficiencies were re-estimated from that evidence.
		var evidence []models.Evidence
		all := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 100}))
		for _, ev := range all.Items {
			if ev.CompetencyID == f.Comm.ID {
				evidence = append(evidence, *ev)
			}
		}
		want := recommender.NewEstimator().Estimate(l.ID, f.Comm.ID, evidence)
		for _, p := range storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID] {
			if p.CompetencyID == f.Comm.ID && (p.Level != want.Level || math.Abs(p.Confidence-want.Confidence) > 1e-9) {
				t.Errorf("stored proficiency %+v, want the estimate from the evidence %+v", p, want)
			}
		}

		attempts := storetest.Must[map[int64][]*models.AssessmentAttempt](t)(st.FindAssessmentAttempts(ctx, []int64{e.ID, es.ID, en.ID}))
		if len(attempts[e.ID]) != 5 || len(attempts[es.ID]) != 2 || len(attempts[en.ID]) != 0 {
			t.Fatalf("attempts: %d, %d, %d; want 5, 2, 0", len(attempts[e.ID]), len(attempts[es.ID]), len(attempts[en.ID]))
		}
		for i, a := range attempts[e.ID] {
			if i > 0 && !a.TakenAt.After(attempts[e.ID][i-1].TakenAt) {
				t.Errorf("attempts not oldest first: %+v", attempts[e.ID])
			}
		}
		// Neither course is complete: passing earned nothing yet.
		for _, entry := range storetest.Must[*models.Page[*models.KarmaEntry]](t)(karma.New(db).FindKarmaLedger(ctx, l.ID, models.PageRequest{First: 100})).Items {
			if entry.Reason == models.KarmaAssessmentPassed {
				t.Errorf("ASSESSMENT_PASSED before completion: %+v", entry)
			}
		}
	})
}
