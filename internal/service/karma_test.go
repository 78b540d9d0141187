package service_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/plan"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestPlansAndKarmaStoresAreNotServices: the use cases are the services'; the
// stores persist only.
func TestPlansAndKarmaStoresAreNotServices(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	for name, st := range map[string]any{"store.DB": db, "plan.Store": plan.New(db), "karma.Store": karma.New(db),
		"assessment.Store": assessment.New(db)} {
		if _, ok := st.(models.PlanService); ok {
			t.Errorf("%s implements models.PlanService", name)
		}
		if _, ok := st.(models.KarmaService); ok {
			t.Errorf("%s implements models.KarmaService", name)
		}
	}
	var _ service.PlanStore = plan.New(db)
	var _ service.KarmaStore = karma.New(db)
	var _ service.AttemptStore = assessment.New(db)
}

// planStore is a PlanStore that records what it is asked to store.
type planStore struct {
	service.PlanReader
	now      time.Time
	inserted []*models.NewPlan
	moved    []models.PlanStatus
}

func (s *planStore) Now() time.Time { return s.now }
func (s *planStore) InsertPlan(_ context.Context, n *models.NewPlan) (*models.Plan, error) {
	s.inserted = append(s.inserted, n)
	return &models.Plan{ID: 1, Name: n.Name, Status: n.Status, DueDate: n.DueDate}, nil
}
func (s *planStore) MovePlan(_ context.Context, id int64, status models.PlanStatus) (*models.Plan, error) {
	s.moved = append(s.moved, status)
	return &models.Plan{ID: id, Status: status}, nil
}

func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if models.ErrorCode(err) != code || models.ErrorField(err) != field {
		t.Fatalf("error %v (code %q, field %q), want %s %q", err, models.ErrorCode(err), models.ErrorField(err), code, field)
	}
}

// TestPlansValidate: CreatePlan validates against the store's clock and stores only
// what is valid, a DRAFT when no status is given; UpdatePlan refuses an unknown
// status; every write stored records a shared change, every refusal none.
func TestPlansValidate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := &planStore{now: now}
	plans := &service.Plans{Store: st}
	valid := func() *models.NewPlan {
		return &models.NewPlan{Name: "Procurement drive", OrganisationID: 1, CourseIDs: []int64{1, 2}, DueDate: now.Add(time.Hour)}
	}
	for _, tc := range []struct {
		name, field string
		edit        func(n *models.NewPlan)
	}{
		{"ErrEmptyName", "name", func(n *models.NewPlan) { n.Name = "  " }},
		{"ErrNoCourses", "courseIds", func(n *models.NewPlan) { n.CourseIDs = nil }},
		{"ErrCourseTwice", "courseIds[1]", func(n *models.NewPlan) { n.CourseIDs = []int64{1, 1} }},
		{"ErrDueByTheStoresClock", "dueDate", func(n *models.NewPlan) { n.DueDate = now }},
		{"ErrStatus", "status", func(n *models.NewPlan) { n.Status = "PAUSED" }},
		{"ErrDesignationTwice", "audienceDesignations[1]", func(n *models.NewPlan) { n.Audience.Designations = []string{"Director", "director "} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, changed := change.Track(context.Background())
			n := valid()
			tc.edit(n)
			_, err := plans.CreatePlan(ctx, n)
			wantErr(t, err, models.EINVALID, tc.field)
			if len(st.inserted) != 0 || shared(ctx, changed) {
				t.Fatalf("a refused plan reached the store (%d) or recorded a change", len(st.inserted))
			}
		})
	}
	ctx, changed := change.Track(context.Background())
	// Due in 2026, valid by the store's clock whatever the time now.
	if p, err := plans.CreatePlan(ctx, valid()); err != nil || p.Status != models.PlanDraft {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if len(st.inserted) != 1 || st.inserted[0].Status != models.PlanDraft {
		t.Fatalf("stored %+v, want one DRAFT plan", st.inserted)
	}
	if !shared(ctx, changed) {
		t.Error("CreatePlan recorded no shared change")
	}

	ctx, changed = change.Track(context.Background())
	_, err := plans.UpdatePlan(ctx, 1, "PAUSED")
	wantErr(t, err, models.EINVALID, "status")
	if len(st.moved) != 0 || shared(ctx, changed) {
		t.Fatalf("a refused move reached the store (%v) or recorded a change", st.moved)
	}
	ctx, changed = change.Track(context.Background())
	if _, err := plans.UpdatePlan(ctx, 1, models.PlanLive); err != nil || len(st.moved) != 1 || !shared(ctx, changed) {
		t.Fatalf("UpdatePlan: %v; moved %v", err, st.moved)
	}
}

// shared reports whether the Set ctx tracks recorded a shared change: with a
// learner recorded too, it is then not learners only.
func shared(ctx context.Context, s *change.Set) bool {
	change.Learners(ctx, -1)
	return !s.LearnersOnly()
}

// karmaStore is a KarmaStore and AttemptStore that records what it is asked.
type karmaStore struct {
	service.KarmaStore
	rules  []models.KarmaRule
	limits []int
	scores []float64
}

func (s *karmaStore) UpdateKarmaRule(_ context.Context, r models.KarmaRule) (*models.KarmaRule, error) {
	s.rules = append(s.rules, r)
	return &r, nil
}
func (s *karmaStore) LearnerLeaderboard(_ context.Context, q models.LeaderboardQuery) ([]models.LearnerStanding, error) {
	s.limits = append(s.limits, q.Limit)
	return nil, nil
}
func (s *karmaStore) OrganisationLeaderboard(_ context.Context, q models.LeaderboardQuery) ([]models.OrganisationStanding, error) {
	s.limits = append(s.limits, q.Limit)
	return nil, nil
}
func (s *karmaStore) SaveAttempt(_ context.Context, enrolmentID int64, score float64) (*models.AssessmentAttempt, error) {
	s.scores = append(s.scores, score)
	return &models.AssessmentAttempt{EnrolmentID: enrolmentID, Score: score}, nil
}
func (s *karmaStore) FindAssessmentAttempts(context.Context, []int64) (map[int64][]*models.AssessmentAttempt, error) {
	return nil, nil
}

// TestKarmaValidates: a rule, a score and a leaderboard's limit are checked before
// the store sees them; a rule stored records a shared change, an attempt nothing
// (the store records the learner).
func TestKarmaValidates(t *testing.T) {
	st := &karmaStore{}
	k := &service.Karma{Store: st, Assessments: st}
	ctx, changed := change.Track(context.Background())
	for _, tc := range []struct {
		rule  models.KarmaRule
		field string
	}{
		{models.KarmaRule{Reason: models.KarmaCourseCompletion, Points: 5, MonthlyCap: new(-1)}, "monthlyCap"},
		{models.KarmaRule{Reason: "GOSSIP", Points: 5}, "reason"},
		{models.KarmaRule{Reason: models.KarmaCourseRating, Points: models.MaxKarmaPoints + 1}, "points"},
		{models.KarmaRule{Reason: models.KarmaPlanOnTime, Points: 5, LatePenaltyPerMonth: -1}, "latePenaltyPerMonth"},
	} {
		_, err := k.SetKarmaRule(ctx, tc.rule)
		wantErr(t, err, models.EINVALID, tc.field)
	}
	if len(st.rules) != 0 || shared(ctx, changed) {
		t.Fatalf("refused rules reached the store (%v) or recorded a change", st.rules)
	}
	ctx, changed = change.Track(context.Background())
	if _, err := k.SetKarmaRule(ctx, models.KarmaRule{Reason: models.KarmaCourseRating, Points: 3}); err != nil || len(st.rules) != 1 {
		t.Fatalf("SetKarmaRule: %v, stored %v", err, st.rules)
	}
	if !shared(ctx, changed) {
		t.Error("SetKarmaRule recorded no shared change")
	}

	ctx, changed = change.Track(context.Background())
	for _, s := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		_, err := k.TakeAssessment(ctx, 1, s)
		wantErr(t, err, models.EINVALID, "score")
	}
	for _, s := range []float64{0, 0.5, 1} {
		if _, err := k.TakeAssessment(ctx, 1, s); err != nil {
			t.Fatalf("score %g: %v", s, err)
		}
	}
	if len(st.scores) != 3 || len(changed.LearnerIDs()) != 0 || shared(ctx, changed) {
		t.Fatalf("stored scores %v; TakeAssessment recorded a change", st.scores)
	}

	for _, limit := range []int{-1, 101} {
		_, err := k.LearnerLeaderboard(ctx, models.LeaderboardQuery{Limit: limit})
		wantErr(t, err, models.EINVALID, "limit")
		_, err = k.OrganisationLeaderboard(ctx, models.LeaderboardQuery{Limit: limit})
		wantErr(t, err, models.EINVALID, "limit")
	}
	for _, limit := range []int{0, 1, 100} {
		if _, err := k.LearnerLeaderboard(ctx, models.LeaderboardQuery{Limit: limit}); err != nil {
			t.Fatal(err)
		}
		if _, err := k.OrganisationLeaderboard(ctx, models.LeaderboardQuery{Limit: limit}); err != nil {
			t.Fatal(err)
		}
	}
	if want := []int{10, 10, 1, 1, 100, 100}; !slices.Equal(st.limits, want) {
		t.Fatalf("the store was asked for limits %v, want %v", st.limits, want)
	}
}
