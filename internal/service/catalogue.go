package service

import (
	"context"

	"github.com/openkarmayogi/karmayogi/models"
)

// CatalogueReader reads competencies, roles and courses.
type CatalogueReader interface {
	CatalogueVersion(ctx context.Context) (int64, error)
	FindCompetencyByID(ctx context.Context, id int64) (*models.Competency, error)
	FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Competency, error)
	FindCompetencies(ctx context.Context, f models.CompetencyFilter, p models.PageRequest) (*models.Page[*models.Competency], error)
	FindLevelsByCompetencyIDs(ctx context.Context, ids []int64) (map[int64][]models.CompetencyLevel, error)
	FindRoleByID(ctx context.Context, id int64) (*models.Role, error)
	FindRoleByCode(ctx context.Context, code string) (*models.Role, error)
	FindRolesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Role, error)
	FindRoles(ctx context.Context, f models.RoleFilter, p models.PageRequest) (*models.Page[*models.Role], error)
	FindRequirementsByRoleIDs(ctx context.Context, ids []int64) (map[int64][]models.RoleRequirement, error)
	FindCourseByID(ctx context.Context, id int64) (*models.Course, error)
	FindCoursesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Course, error)
	FindCourses(ctx context.Context, f models.CourseFilter, p models.PageRequest) (*models.Page[*models.Course], error)
	FindCourseCompetenciesByCourseIDs(ctx context.Context, ids []int64) (map[int64][]models.CourseCompetency, error)
}

// CatalogueStore is what Catalogue keeps the catalogue in. Each write takes
// validated input and bumps the catalogue version in its transaction when it
// changes anything, which records the change as shared (change.Shared).
type CatalogueStore interface {
	CatalogueReader
	// InsertCompetency returns ECONFLICT for a code in use.
	InsertCompetency(ctx context.Context, n *models.NewCompetency) (*models.Competency, error)
	// InsertRole returns EINVALID for an unknown competency, ECONFLICT for a code in use.
	InsertRole(ctx context.Context, n *models.NewRole) (*models.Role, error)
	// SaveRoleRequirement adds or replaces one requirement. ENOTFOUND for an
	// unknown role, EINVALID for an unknown competency.
	SaveRoleRequirement(ctx context.Context, r models.RoleRequirement) (*models.Role, error)
	// InsertCourse returns EINVALID for an unknown competency, ECONFLICT for a code in use.
	InsertCourse(ctx context.Context, n *models.NewCourse) (*models.Course, error)
	// SaveCourse applies u to a course. ENOTFOUND; EINVALID for an unknown competency.
	SaveCourse(ctx context.Context, id int64, u models.CourseUpdate) (*models.Course, error)
}

// Catalogue is the catalogue's use cases (models.CatalogueService): it validates
// each change and has the store write it; every change is shared.
type Catalogue struct {
	CatalogueReader
	Store CatalogueStore
}

var _ models.CatalogueService = (*Catalogue)(nil)

// NewCatalogue returns the catalogue's service over s.
func NewCatalogue(s CatalogueStore) *Catalogue {
	return &Catalogue{CatalogueReader: s, Store: s}
}

// CreateCompetency returns EINVALID or ECONFLICT (code in use).
func (s *Catalogue) CreateCompetency(ctx context.Context, n *models.NewCompetency) (*models.Competency, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return s.Store.InsertCompetency(ctx, n)
}

// CreateRole returns EINVALID (including an unknown competency) or ECONFLICT.
func (s *Catalogue) CreateRole(ctx context.Context, n *models.NewRole) (*models.Role, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return s.Store.InsertRole(ctx, n)
}

// SetRoleRequirement adds or replaces one requirement. ENOTFOUND for an unknown
// role, EINVALID for an unknown competency or a bad level or weight.
func (s *Catalogue) SetRoleRequirement(ctx context.Context, r models.RoleRequirement) (*models.Role, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return s.Store.SaveRoleRequirement(ctx, r)
}

// CreateCourse returns EINVALID (including an unknown competency) or ECONFLICT.
func (s *Catalogue) CreateCourse(ctx context.Context, n *models.NewCourse) (*models.Course, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return s.Store.InsertCourse(ctx, n)
}

// UpdateCourse returns ENOTFOUND or EINVALID.
func (s *Catalogue) UpdateCourse(ctx context.Context, id int64, u models.CourseUpdate) (*models.Course, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return s.Store.SaveCourse(ctx, id, u)
}
