package models

import (
	"context"
	"fmt"
	"time"
)

// MaxLearningInterests is the most competencies a learner may declare as interests.
const MaxLearningInterests = 10

// LearningInterest is a competency a learner wants to grow beyond their roles.
// Position orders a learner's interests as they gave them.
type LearningInterest struct {
	LearnerID    int64     `bun:"learner_id,pk"`
	CompetencyID int64     `bun:"competency_id,pk"`
	Position     int       `bun:"position"`
	CreatedAt    time.Time `bun:"created_at"`
}

// ValidateInterests checks a learner's interests as given (field is the input's
// name): at most MaxLearningInterests, none twice.
func ValidateInterests(field string, competencyIDs []int64) error {
	if len(competencyIDs) > MaxLearningInterests {
		return Invalid(field, "at most %d interests, got %d", MaxLearningInterests, len(competencyIDs))
	}
	seen := make(map[int64]bool, len(competencyIDs))
	for i, id := range competencyIDs {
		if seen[id] {
			return Invalid(fmt.Sprintf("%s[%d]", field, i), "competency is listed twice")
		}
		seen[id] = true
	}
	return nil
}

// InterestService reads and sets learners' learning interests.
type InterestService interface {
	// SetLearningInterests replaces a learner's interests with competencyIDs (in
	// that order; empty clears them) and bumps the learner's version, all or nothing.
	// ENOTFOUND for an unknown learner; EINVALID (field competencyIds or
	// competencyIds[i]) for more than MaxLearningInterests, a repeated or an unknown
	// competency.
	SetLearningInterests(ctx context.Context, learnerID int64, competencyIDs []int64) (*Learner, error)
	// FindLearningInterestsByLearnerIDs returns each learner's interests (competency
	// IDs) in the order they gave them.
	FindLearningInterestsByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]int64, error)
	// FindRoleHolders counts, per role, the learners who are direct members of an
	// organisation and hold the role; designation "" counts every designation.
	FindRoleHolders(ctx context.Context, organisationID int64, designation string) (map[int64]int, error)
}
