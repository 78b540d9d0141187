package service_test

import (
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestFinalFormFromTheBanks: a course without items of its own asks bank items at
// the levels it teaches, the same form until an attempt is made and another after;
// the answers are scored against the form, and the next attempt waits.
func TestFinalFormFromTheBanks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, competencyID, correct := adaptiveFixture(t, db, "FIN") // levels 1..5 in turn: 18 items at levels 2..4
		mark := 0.5
		if _, err := bulk.New(db).UpsertCourses(ctx, []models.CourseRecord{{Code: "C-FIN", Title: "Finance", Description: "d", Provider: "p",
			Format: models.Online, DurationHours: 4, PassMark: &mark, HasPassMark: true}}); err != nil {
			t.Fatal(err)
		}
		if _, err := bulk.New(db).UpsertCourseCompetencies(ctx, []models.CourseCompetencyRecord{{CourseCode: "C-FIN", CompetencyCode: "FIN", FromLevel: 1, ToLevel: 4}}); err != nil {
			t.Fatal(err)
		}
		if _, err := bulk.New(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{{EmployeeCode: "E-FIN", CourseCode: "C-FIN", Status: models.InProgress,
			Progress: 0.5, EnrolledAt: time.Now().Add(-time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		var e models.Enrolment
		if err := db.Bun().NewSelect().Model(&e).Limit(1).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		a := &service.Adaptive{Store: assessment.New(db), Finals: finals(db), Now: func() time.Time { return now }}
		form, err := a.FinalForm(ctx, &e)
		if err != nil || len(form) != 10 {
			t.Fatalf("form: %d items, %v", len(form), err)
		}
		for _, it := range form {
			if it.Level < 2 || it.Level > 4 || it.CompetencyID != competencyID {
				t.Fatalf("an item outside the course's levels: %+v", it)
			}
		}
		ids := func(items []*models.AssessmentItem) []int64 {
			var out []int64
			for _, it := range items {
				out = append(out, it.ID)
			}
			slices.Sort(out)
			return out
		}
		if again, _ := a.FinalForm(ctx, &e); !slices.Equal(ids(again), ids(form)) {
			t.Fatalf("the form changed before an attempt: %v, then %v", ids(form), ids(again))
		}
		// Half right: 5 of 10, the pass mark.
		var answers []service.ItemAnswer
		for i, it := range form {
			choice := correct[it.ID]
			if i%2 == 1 {
				choice = choice%4 + 1
			}
			answers = append(answers, service.ItemAnswer{ItemID: it.ID, Choice: choice})
		}
		attempt, err := a.TakeFinal(ctx, &e, answers)
		if err != nil || attempt.Score != 0.5 || !attempt.Passed {
			t.Fatalf("half right: %+v, %v", attempt, err)
		}
		next, err := a.FinalForm(ctx, &e)
		if err != nil || len(next) != 10 || slices.Equal(ids(next), ids(form)) {
			t.Fatalf("the retake's form: %v, the first %v (%v)", ids(next), ids(form), err)
		}
		if _, err := a.TakeFinal(ctx, &e, nil); models.ErrorCode(err) != models.EFORBIDDEN {
			t.Fatalf("a retake at once: %v, want FORBIDDEN", err)
		}
		now = now.Add(service.DefaultFinalRetake + time.Minute) // the store stamps attempts by its own clock
		if attempt, err := a.TakeFinal(ctx, &e, nil); err != nil || attempt.Score != 0 || attempt.Passed {
			t.Fatalf("a day later, nothing answered: %+v, %v", attempt, err)
		}
	})
}

// finals is the CourseFinals app.NewServices builds: the catalogue's reads and
// Karma's final assessments.
func finals(db *store.DB) service.CourseFinals {
	return service.NewFinals(db, &service.Karma{Assessments: assessment.New(db)})
}
