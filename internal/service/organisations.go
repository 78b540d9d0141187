package service

import (
	"context"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/models"
)

// OrganisationReader reads organisations.
type OrganisationReader interface {
	FindOrganisationByID(ctx context.Context, id int64) (*models.Organisation, error)
	FindOrganisationByCode(ctx context.Context, code string) (*models.Organisation, error)
	FindOrganisationsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Organisation, error)
	FindOrganisations(ctx context.Context, f models.OrganisationFilter, p models.PageRequest) (*models.Page[*models.Organisation], error)
}

// OrganisationStore is what Organisations keeps organisations in.
type OrganisationStore interface {
	OrganisationReader
	// InsertOrganisation stores a validated organisation under its parent.
	// EINVALID (parentId) for an unknown parent or one of the wrong tier,
	// ECONFLICT for a code in use.
	InsertOrganisation(ctx context.Context, n *models.NewOrganisation) (*models.Organisation, error)
}

// Organisations is the organisations' use cases (models.OrganisationService).
type Organisations struct {
	OrganisationReader
	Store OrganisationStore
}

var _ models.OrganisationService = (*Organisations)(nil)

// NewOrganisations returns the organisations' service over s.
func NewOrganisations(s OrganisationStore) *Organisations {
	return &Organisations{OrganisationReader: s, Store: s}
}

// CreateOrganisation returns EINVALID for bad input or an unknown parent,
// ECONFLICT for a code in use.
func (s *Organisations) CreateOrganisation(ctx context.Context, n *models.NewOrganisation) (*models.Organisation, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	o, err := s.Store.InsertOrganisation(ctx, n)
	if err != nil {
		return nil, err
	}
	change.Shared(ctx) // the hierarchy every learner's organisation answers from
	return o, nil
}
