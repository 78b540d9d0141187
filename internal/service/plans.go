package service

import (
	"context"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.PlanService = (*Plans)(nil)

// PlanReader is what reading plans needs of the store.
type PlanReader interface {
	FindPlanByID(ctx context.Context, id int64) (*models.Plan, error)
	FindPlansByIDs(ctx context.Context, ids []int64) (map[int64]*models.Plan, error)
	FindPlans(ctx context.Context, f models.PlanFilter, p models.PageRequest) (*models.Page[*models.Plan], error)
	FindCourseIDsByPlanIDs(ctx context.Context, ids []int64) (map[int64][]int64, error)
	FindPlanProgress(ctx context.Context, ids []int64, scope models.PlanProgressScope) (map[int64]*models.PlanProgress, error)
	FindAssignedCourses(ctx context.Context, learnerIDs []int64) (map[int64][]models.AssignedCourse, error)
}

// PlanStore is what Plans needs of the store (internal/store/plan).
type PlanStore interface {
	PlanReader
	// Now is the store's clock: a plan's due date must be after it.
	Now() time.Time
	InsertPlan(ctx context.Context, n *models.NewPlan) (*models.Plan, error)
	MovePlan(ctx context.Context, id int64, status models.PlanStatus) (*models.Plan, error)
}

// Plans keeps capacity-building plans: it validates a plan before the store
// resolves its audience, and records that a write changed what others see (a plan,
// and the learning paths of everyone it assigns).
type Plans struct {
	Store PlanStore
}

// CreatePlan validates n (models.NewPlan.Validate, against the store's clock; the
// status defaults to DRAFT) and stores it with its audience assigned. EINVALID for
// bad input, an unknown organisation, course or role, a listed learner outside the
// organisation's subtree, or an audience of nobody.
func (p *Plans) CreatePlan(ctx context.Context, n *models.NewPlan) (*models.Plan, error) {
	if err := n.Validate(p.Store.Now()); err != nil {
		return nil, err
	}
	plan, err := p.Store.InsertPlan(ctx, n)
	if err != nil {
		return nil, err
	}
	change.Shared(ctx)
	return plan, nil
}

// UpdatePlan moves a plan to status (models.Plan.Move, whose rules need the plan as
// stored; an unknown status is refused here). ENOTFOUND for an unknown plan; EINVALID
// (status) for a move backwards, to LIVE after the due date, or to LIVE assigning nobody.
func (p *Plans) UpdatePlan(ctx context.Context, id int64, status models.PlanStatus) (*models.Plan, error) {
	if !status.Valid() {
		return nil, models.Invalid("status", "must be DRAFT, LIVE or RETIRED")
	}
	plan, err := p.Store.MovePlan(ctx, id, status)
	if err != nil {
		return nil, err
	}
	change.Shared(ctx)
	return plan, nil
}

// FindPlanByID returns ENOTFOUND if there is no such plan.
func (p *Plans) FindPlanByID(ctx context.Context, id int64) (*models.Plan, error) {
	return p.Store.FindPlanByID(ctx, id)
}

// FindPlansByIDs returns the plans that exist, keyed by ID.
func (p *Plans) FindPlansByIDs(ctx context.Context, ids []int64) (map[int64]*models.Plan, error) {
	return p.Store.FindPlansByIDs(ctx, ids)
}

// FindPlans pages through plans by due date, the latest first.
func (p *Plans) FindPlans(ctx context.Context, f models.PlanFilter, page models.PageRequest) (*models.Page[*models.Plan], error) {
	return p.Store.FindPlans(ctx, f, page)
}

// FindCourseIDsByPlanIDs returns each plan's courses in the order the plan lists them.
func (p *Plans) FindCourseIDsByPlanIDs(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return p.Store.FindCourseIDsByPlanIDs(ctx, ids)
}

// FindPlanProgress returns the progress on each plan within scope.
func (p *Plans) FindPlanProgress(ctx context.Context, ids []int64, scope models.PlanProgressScope) (map[int64]*models.PlanProgress, error) {
	return p.Store.FindPlanProgress(ctx, ids, scope)
}

// FindAssignedCourses returns, per learner, the courses LIVE plans assign them.
func (p *Plans) FindAssignedCourses(ctx context.Context, learnerIDs []int64) (map[int64][]models.AssignedCourse, error) {
	return p.Store.FindAssignedCourses(ctx, learnerIDs)
}
