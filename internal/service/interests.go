package service

import (
	"context"

	"github.com/openkarmayogi/karmayogi/models"
)

// InterestReader reads learners' interests and who holds which roles.
type InterestReader interface {
	FindLearningInterestsByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]int64, error)
	FindRoleHolders(ctx context.Context, organisationID int64, designation string) (map[int64]int, error)
}

// InterestStore is what Interests keeps learners' interests in.
type InterestStore interface {
	InterestReader
	// SaveLearningInterests replaces a learner's interests with validated
	// competencyIDs and bumps their version, all or nothing. ENOTFOUND for an
	// unknown learner; EINVALID (competencyIds[i]) for an unknown competency.
	SaveLearningInterests(ctx context.Context, learnerID int64, competencyIDs []int64) (*models.Learner, error)
}

// Interests is the learning interests' use cases (models.InterestService). The
// interests are the learner's own record: the store records the learner.
type Interests struct {
	InterestReader
	Store InterestStore
}

var _ models.InterestService = (*Interests)(nil)

// NewInterests returns the interests' service over s.
func NewInterests(s InterestStore) *Interests {
	return &Interests{InterestReader: s, Store: s}
}

// SetLearningInterests replaces a learner's interests. EINVALID (competencyIds,
// competencyIds[i]) for too many, a repeated or an unknown competency; ENOTFOUND
// for an unknown learner.
func (s *Interests) SetLearningInterests(ctx context.Context, learnerID int64, competencyIDs []int64) (*models.Learner, error) {
	if err := models.ValidateInterests("competencyIds", competencyIDs); err != nil {
		return nil, err
	}
	return s.Store.SaveLearningInterests(ctx, learnerID, competencyIDs)
}
