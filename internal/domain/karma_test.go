package domain_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

func ptr[T any](v T) *T { return &v }

// rules are iGOT's published rules: only COURSE_COMPLETION has a monthly cap.
func rules() domain.KarmaRules {
	return domain.KarmaRules{
		models.KarmaFirstEnrolment:   {Reason: models.KarmaFirstEnrolment, Points: 5},
		models.KarmaCourseCompletion: {Reason: models.KarmaCourseCompletion, Points: 10, MonthlyCap: ptr(2)},
		models.KarmaPlanOnTime:       {Reason: models.KarmaPlanOnTime, Points: 20, LatePenaltyPerMonth: 5},
		models.KarmaAssessmentPassed: {Reason: models.KarmaAssessmentPassed, Points: 15},
		models.KarmaCourseRating:     {Reason: models.KarmaCourseRating, Points: 2},
		models.KarmaEventAttendance:  {Reason: models.KarmaEventAttendance, Points: 3},
	}
}

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// summary is an award as a test states it: reason, subject, points, capped.
func summary(a domain.Award) string {
	return fmt.Sprintf("%s %q %d capped=%v", a.Entry.Reason, a.Entry.Subject, a.Entry.Points, a.Capped)
}

func TestAwards(t *testing.T) {
	p := domain.Pair{1, 7}
	for _, tc := range []struct {
		name  string
		act   domain.Activity
		facts domain.KarmaFacts
		want  []string
		note  string // of the last award
	}{
		{"FirstEnrolment", domain.Activity{Kind: domain.Enrolled, LearnerID: 1, CourseID: 7, EnrolmentID: 40, At: t0},
			domain.KarmaFacts{First: map[int64]int64{1: 40}},
			[]string{`FIRST_ENROLMENT "" 5 capped=true`}, "First enrolment: Go"},
		{"LaterEnrolmentEarnsNothing", domain.Activity{Kind: domain.Enrolled, LearnerID: 1, CourseID: 7, EnrolmentID: 41, At: t0},
			domain.KarmaFacts{First: map[int64]int64{1: 40}}, nil, ""},
		{"Completion", domain.Activity{Kind: domain.Completed, LearnerID: 1, CourseID: 7, EnrolmentID: 40, At: t0},
			domain.KarmaFacts{},
			[]string{`COURSE_COMPLETION "course:7" 10 capped=true`}, "Completed Go"},
		{"PlanCourseOnTimeIsUncapped", domain.Activity{Kind: domain.Completed, LearnerID: 1, CourseID: 7, At: t0},
			domain.KarmaFacts{Due: map[domain.Pair]time.Time{p: t0.Add(time.Hour)}},
			[]string{`COURSE_COMPLETION "course:7" 10 capped=false`, `PLAN_COURSE_ON_TIME "course:7" 20 capped=true`},
			"Completed Go by the plan's due date"},
		{"PlanCourseLate", domain.Activity{Kind: domain.Completed, LearnerID: 1, CourseID: 7, At: t0},
			domain.KarmaFacts{Due: map[domain.Pair]time.Time{p: t0.Add(-31 * 24 * time.Hour)}},
			[]string{`COURSE_COMPLETION "course:7" 10 capped=false`, `PLAN_COURSE_ON_TIME "course:7" 10 capped=true`},
			"Completed Go, 31 days after the plan's due date: 20 − 10"},
		{"CompletionAfterPassing", domain.Activity{Kind: domain.Completed, LearnerID: 1, CourseID: 7, At: t0},
			domain.KarmaFacts{Passed: map[domain.Pair]bool{p: true}},
			[]string{`COURSE_COMPLETION "course:7" 10 capped=true`, `ASSESSMENT_PASSED "course:7" 15 capped=true`},
			"Passed the final assessment of Go"},
		{"PassingAfterCompletion", domain.Activity{Kind: domain.PassedAssessment, LearnerID: 1, CourseID: 7, At: t0},
			domain.KarmaFacts{Completed: map[domain.Pair]bool{p: true}},
			[]string{`ASSESSMENT_PASSED "course:7" 15 capped=true`}, "Passed the final assessment of Go"},
		{"PassingBeforeCompletion", domain.Activity{Kind: domain.PassedAssessment, LearnerID: 1, CourseID: 7, At: t0},
			domain.KarmaFacts{}, nil, ""},
		{"Rating", domain.Activity{Kind: domain.Rated, LearnerID: 1, CourseID: 7, At: t0},
			domain.KarmaFacts{}, []string{`COURSE_RATING "course:7" 2 capped=true`}, "Rated Go"},
		{"EventAttendance", domain.Activity{Kind: domain.AttendedEvent, LearnerID: 1, EventID: 3, At: t0},
			domain.KarmaFacts{}, []string{`EVENT_ATTENDANCE "event:3" 3 capped=true`}, "Attended Summit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.facts.Titles, tc.facts.Events = map[int64]string{7: "Go"}, map[int64]string{3: "Summit"}
			got := tc.facts.Awards([]domain.Activity{tc.act}, rules())
			var sums []string
			for _, a := range got {
				sums = append(sums, summary(a))
				if a.Entry.LearnerID != 1 || !a.Entry.AwardedAt.Equal(t0) {
					t.Errorf("%s: learner %d at %s, want 1 at %s", summary(a), a.Entry.LearnerID, a.Entry.AwardedAt, t0)
				}
				if (tc.act.CourseID != 0) != (a.Entry.CourseID != nil) || (tc.act.EventID != 0) != (a.Entry.EventID != nil) {
					t.Errorf("%s: course %v, event %v", summary(a), a.Entry.CourseID, a.Entry.EventID)
				}
			}
			if !slices.Equal(sums, tc.want) {
				t.Fatalf("awards %q, want %q", sums, tc.want)
			}
			if len(got) > 0 && got[len(got)-1].Entry.Note != tc.note {
				t.Errorf("note %q, want %q", got[len(got)-1].Entry.Note, tc.note)
			}
		})
	}
}

func TestOnTime(t *testing.T) {
	rule := models.KarmaRule{Points: 20, LatePenaltyPerMonth: 5}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name   string
		rule   models.KarmaRule
		late   time.Duration
		points int
		note   string
	}{
		{"Early", rule, -day, 20, "Completed Go by the plan's due date"},
		{"OnTheDueDate", rule, 0, 20, "Completed Go by the plan's due date"},
		{"AnHourLate", rule, time.Hour, 15, "Completed Go, 1 day after the plan's due date: 20 − 5"},
		{"ThirtyDaysLate", rule, 30 * day, 15, "Completed Go, 30 days after the plan's due date: 20 − 5"},
		{"ThirtyOneDaysLate", rule, 31 * day, 10, "Completed Go, 31 days after the plan's due date: 20 − 10"},
		{"NoPointsLeft", rule, 120 * day, 0, "Completed Go, 120 days after the plan's due date: 20 − 20, no points left"},
		{"FarPastZero", rule, 200 * day, 0, "Completed Go, 200 days after the plan's due date: 20 − 35, no points left"},
		{"ZeroPointRule", models.KarmaRule{LatePenaltyPerMonth: 5}, day, 0, "Completed Go, 1 day after the plan's due date: 0 − 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			points, note := domain.OnTime(tc.rule, "Go", t0.Add(tc.late), t0)
			if points != tc.points || note != tc.note {
				t.Errorf("OnTime = %d, %q; want %d, %q", points, note, tc.points, tc.note)
			}
		})
	}
}

func TestISTMonth(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 3, 31, 18, 29, 59, 0, time.UTC), "2026-03-01T00:00:00+05:30"},
		{time.Date(2026, 3, 31, 18, 30, 0, 0, time.UTC), "2026-04-01T00:00:00+05:30"}, // midnight in India
		{time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), "2027-01-01T00:00:00+05:30"},
		{time.Date(2026, 2, 28, 18, 29, 0, 0, time.UTC), "2026-02-01T00:00:00+05:30"},
	} {
		if got := domain.ISTMonth(tc.at).Format(time.RFC3339); got != tc.want {
			t.Errorf("ISTMonth(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

// ledger is a domain.Ledger in maps.
type ledger struct {
	held   map[domain.LedgerKey]bool
	counts map[domain.CapKey]int
	added  []string
}

func (l *ledger) Holds(k domain.LedgerKey) bool { return l.held[k] }
func (l *ledger) Count(k domain.CapKey) int     { return l.counts[k] }
func (l *ledger) Add(e models.KarmaEntry, counted bool) {
	if counted {
		l.counts[domain.CapKey{LearnerID: e.LearnerID, Reason: e.Reason, Month: domain.ISTMonth(e.AwardedAt)}]++
	}
	l.held[domain.LedgerKey{LearnerID: e.LearnerID, Reason: e.Reason, Subject: e.Subject}] = true
	l.added = append(l.added, fmt.Sprintf("%d %s %s", e.LearnerID, e.Reason, e.Subject))
}

func TestAdmit(t *testing.T) {
	completion := func(learner, course int64, at time.Time, capped bool) domain.Award {
		return domain.Award{Entry: models.KarmaEntry{LearnerID: learner, Reason: models.KarmaCourseCompletion,
			Subject: fmt.Sprintf("course:%d", course), Points: 10, AwardedAt: at}, Capped: capped}
	}
	march := domain.ISTMonth(t0)
	for _, tc := range []struct {
		name   string
		held   []domain.LedgerKey
		counts map[domain.CapKey]int
		awards []domain.Award
		want   []string
	}{
		{"UnderTheCap", nil, nil,
			[]domain.Award{completion(1, 7, t0, true), completion(1, 8, t0, true)},
			[]string{"1 COURSE_COMPLETION course:7", "1 COURSE_COMPLETION course:8"}},
		{"TheCapCountsWithinTheCall", nil, nil,
			[]domain.Award{completion(1, 7, t0, true), completion(1, 8, t0, true), completion(1, 9, t0, true), completion(2, 9, t0, true)},
			[]string{"1 COURSE_COMPLETION course:7", "1 COURSE_COMPLETION course:8", "2 COURSE_COMPLETION course:9"}},
		{"TheCapCountsTheLedger", nil, map[domain.CapKey]int{{LearnerID: 1, Reason: models.KarmaCourseCompletion, Month: march}: 2},
			[]domain.Award{completion(1, 7, t0, true), completion(1, 8, t0.AddDate(0, 1, 0), true)},
			[]string{"1 COURSE_COMPLETION course:8"}},
		{"APlanCourseIsOutsideTheCap", nil, map[domain.CapKey]int{{LearnerID: 1, Reason: models.KarmaCourseCompletion, Month: march}: 2},
			[]domain.Award{completion(1, 7, t0, false), completion(1, 8, t0, true)},
			[]string{"1 COURSE_COMPLETION course:7"}},
		{"HeldKeysAreSkipped", []domain.LedgerKey{{LearnerID: 1, Reason: models.KarmaCourseCompletion, Subject: "course:7"}}, nil,
			[]domain.Award{completion(1, 7, t0, true), completion(1, 7, t0, true), completion(1, 8, t0, true)},
			[]string{"1 COURSE_COMPLETION course:8"}},
		{"ARuleWithoutACap", nil, nil,
			[]domain.Award{{Entry: models.KarmaEntry{LearnerID: 1, Reason: models.KarmaCourseRating, Subject: "course:1", AwardedAt: t0}, Capped: true},
				{Entry: models.KarmaEntry{LearnerID: 1, Reason: models.KarmaCourseRating, Subject: "course:2", AwardedAt: t0}, Capped: true},
				{Entry: models.KarmaEntry{LearnerID: 1, Reason: models.KarmaCourseRating, Subject: "course:3", AwardedAt: t0}, Capped: true}},
			[]string{"1 COURSE_RATING course:1", "1 COURSE_RATING course:2", "1 COURSE_RATING course:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &ledger{held: map[domain.LedgerKey]bool{}, counts: map[domain.CapKey]int{}}
			for _, k := range tc.held {
				l.held[k] = true
			}
			for k, n := range tc.counts {
				l.counts[k] = n
			}
			domain.Admit(tc.awards, rules(), l)
			if !slices.Equal(l.added, tc.want) {
				t.Errorf("admitted %q, want %q", l.added, tc.want)
			}
		})
	}
}

func TestAnyCounted(t *testing.T) {
	capped := domain.Award{Entry: models.KarmaEntry{Reason: models.KarmaCourseCompletion}, Capped: true}
	plan := domain.Award{Entry: models.KarmaEntry{Reason: models.KarmaCourseCompletion}}
	rating := domain.Award{Entry: models.KarmaEntry{Reason: models.KarmaCourseRating}, Capped: true}
	for _, tc := range []struct {
		name   string
		awards []domain.Award
		want   bool
	}{
		{"None", nil, false},
		{"ACappedCompletion", []domain.Award{rating, capped}, true},
		{"APlanCompletion", []domain.Award{plan}, false},
		{"ARuleWithoutACap", []domain.Award{rating}, false},
	} {
		if got := domain.AnyCounted(tc.awards, rules()); got != tc.want {
			t.Errorf("%s: AnyCounted = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSortActivities(t *testing.T) {
	acts := []domain.Activity{
		{Kind: domain.Rated, LearnerID: 2, CourseID: 1, At: t0},
		{Kind: domain.Completed, LearnerID: 2, CourseID: 5, At: t0},
		{Kind: domain.Completed, LearnerID: 2, CourseID: 4, At: t0},
		{Kind: domain.Enrolled, LearnerID: 3, CourseID: 1, At: t0.Add(-time.Second)},
		{Kind: domain.Enrolled, LearnerID: 1, CourseID: 1, At: t0},
	}
	got := domain.SortActivities(acts)
	want := []domain.Activity{acts[3], acts[4], acts[2], acts[1], acts[0]}
	if !slices.Equal(got, want) {
		t.Errorf("SortActivities = %v, want %v", got, want)
	}
	if acts[0].Kind != domain.Rated {
		t.Error("SortActivities sorted its argument")
	}
}

func TestFirstEnrolment(t *testing.T) {
	e := func(id int64, at time.Time) *models.Enrolment { return &models.Enrolment{ID: id, EnrolledAt: at} }
	for _, tc := range []struct {
		name string
		es   []*models.Enrolment
		want int64 // 0: none
	}{
		{"None", nil, 0},
		{"Earliest", []*models.Enrolment{e(5, t0), e(9, t0.Add(-time.Minute)), e(2, t0.Add(time.Minute))}, 9},
		{"TiesGoToTheLowerID", []*models.Enrolment{e(5, t0), e(3, t0), e(4, t0)}, 3},
	} {
		got := domain.FirstEnrolment(tc.es)
		if (got == nil && tc.want != 0) || (got != nil && got.ID != tc.want) {
			t.Errorf("%s: FirstEnrolment = %v, want %d", tc.name, got, tc.want)
		}
	}
}
