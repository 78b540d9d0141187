package service

import (
	"context"

	"github.com/openkarmayogi/karmayogi/models"
)

// LearnerReader reads learners and their roles.
type LearnerReader interface {
	FindLearnerByID(ctx context.Context, id int64) (*models.Learner, error)
	FindLearnersByIDs(ctx context.Context, ids []int64) (map[int64]*models.Learner, error)
	FindLearnerByEmployeeCode(ctx context.Context, code string) (*models.Learner, error)
	FindLearnerByEmail(ctx context.Context, email string) (*models.Learner, error)
	FindLearners(ctx context.Context, f models.LearnerFilter, p models.PageRequest) (*models.Page[*models.Learner], error)
	FindRoleIDsByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]int64, error)
}

// LearnerStore is what Learners keeps learners in. Each write takes validated
// input; those that move a learner's version record the learner.
type LearnerStore interface {
	LearnerReader
	// InsertLearner returns EINVALID for an unknown organisation or role, ECONFLICT
	// for an employee code or email in use.
	InsertLearner(ctx context.Context, n *models.NewLearner) (*models.Learner, error)
	// ActivateLearner makes a pending learner ACTIVE under employeeCode with
	// roleIDs. ENOTFOUND; EINVALID (learnerId) when not pending, (roleIds[i]) for
	// an unknown role; ECONFLICT (employeeCode) in use.
	ActivateLearner(ctx context.Context, learnerID int64, employeeCode string, roleIDs []int64) (*models.Learner, error)
	// SaveLearner applies u to a learner. ENOTFOUND; EINVALID for an unknown organisation.
	SaveLearner(ctx context.Context, id int64, u models.LearnerUpdate) (*models.Learner, error)
	// InsertLearnerRole gives a learner a role, doing nothing if they hold it.
	// ENOTFOUND for an unknown learner, EINVALID (roleId) for an unknown role.
	InsertLearnerRole(ctx context.Context, learnerID, roleID int64) (*models.Learner, error)
}

// Learners is the learners' use cases (models.LearnerService). A learner's
// details and roles are their own record: nothing more is recorded than the
// learner the store records.
type Learners struct {
	LearnerReader
	Store LearnerStore
}

var _ models.LearnerService = (*Learners)(nil)

// NewLearners returns the learners' service over s.
func NewLearners(s LearnerStore) *Learners {
	return &Learners{LearnerReader: s, Store: s}
}

// CreateLearner returns EINVALID (including an unknown organisation or role, and
// roles asked for with a registration request) or ECONFLICT (employee code or
// email in use).
func (s *Learners) CreateLearner(ctx context.Context, n *models.NewLearner) (*models.Learner, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if n.Pending && len(n.RoleIDs) > 0 {
		return nil, models.Invalid("roleIds", "a registration request holds no roles: admins assign them")
	}
	return s.Store.InsertLearner(ctx, n)
}

// ApproveRegistration makes a pending learner ACTIVE under employeeCode (the code
// they asked for when empty), with the roles given. ENOTFOUND for an unknown
// learner; EINVALID (learnerId) when the learner is not pending, (employeeCode)
// for an invalid code, (roleIds[i]) for an unknown role; ECONFLICT (employeeCode)
// when the code is in use.
func (s *Learners) ApproveRegistration(ctx context.Context, learnerID int64, employeeCode string, roleIDs []int64) (*models.Learner, error) {
	// Read from the primary: the request may be moments old.
	l, err := s.Store.FindLearnerByID(models.WithFreshReads(ctx), learnerID)
	if err != nil {
		return nil, err
	}
	if !l.Pending() {
		return nil, models.Invalid("learnerId", "the learner is not a pending registration")
	}
	if employeeCode == "" && l.RequestedEmployeeCode != nil {
		employeeCode = *l.RequestedEmployeeCode
	}
	n := models.NewLearner{EmployeeCode: employeeCode, Name: l.Name, Email: l.Email, Designation: l.Designation, RoleIDs: roleIDs}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return s.Store.ActivateLearner(ctx, learnerID, employeeCode, roleIDs)
}

// UpdateLearner returns ENOTFOUND or EINVALID.
func (s *Learners) UpdateLearner(ctx context.Context, id int64, u models.LearnerUpdate) (*models.Learner, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return s.Store.SaveLearner(ctx, id, u)
}

// AssignRole gives a learner a role, doing nothing if they hold it already.
// ENOTFOUND for an unknown learner, EINVALID (field roleId) for an unknown role.
func (s *Learners) AssignRole(ctx context.Context, learnerID, roleID int64) (*models.Learner, error) {
	return s.Store.InsertLearnerRole(ctx, learnerID, roleID)
}
