package models

import "context"

// GapQuery selects the learners of a gap report: those in the organisation's
// subtree (holding RoleID and measured against it, when given), their requirements
// restricted to competencies of CompetencyType when given. Gaps are read under the
// store's estimator's priors, the same the API reads proficiencies under, so report
// and per-learner gaps agree.
type GapQuery struct {
	OrganisationID int64
	RoleID         *int64
	CompetencyType *CompetencyType
}

// GapAggregate sums the gaps of the learners in scope who belong directly to one
// organisation and share one requirement (competency and required level).
type GapAggregate struct {
	OrganisationID int64      `bun:"organisation_id"`
	CompetencyID   int64      `bun:"competency_id"`
	Required       int        `bun:"required"`
	Learners       int        `bun:"learners"`
	WithGap        int        `bun:"with_gap"` // gap above 0.5 level
	SumGap         float64    `bun:"sum_gap"`
	SumWeighted    float64    `bun:"sum_weighted"`
	Levels         [6]int     `bun:"-"` // by current level (the median)
	WeightedMass   [6]float64 `bun:"-"` // Σ weight × P(level)
}

// LearnerGap is one learner's gap in one requirement, as the CSV of a report lists it.
type LearnerGap struct {
	EmployeeCode     string  `bun:"employee_code"`
	Name             string  `bun:"name"`
	OrganisationCode string  `bun:"organisation_code"`
	CompetencyCode   string  `bun:"competency_code"`
	RequiredLevel    int     `bun:"required"`
	CurrentLevel     int     `bun:"level"`
	Gap              float64 `bun:"gap"`
	Weight           float64 `bun:"weight"`
}

// ReportStore computes gap reports in the database, set-based.
type ReportStore interface {
	// FindGapAggregates sums the learners' gaps by organisation and requirement.
	FindGapAggregates(ctx context.Context, q GapQuery) ([]GapAggregate, error)
	// CountLearnersInScope counts the learners a gap report covers.
	CountLearnersInScope(ctx context.Context, q GapQuery) (int, error)
	// EachLearnerGap calls fn for each learner's gap in each requirement, by
	// employee code and competency code, streaming; fn's error stops it.
	EachLearnerGap(ctx context.Context, q GapQuery, fn func(LearnerGap) error) error
	// FindSubtree returns the organisation and everything under it, by path.
	FindSubtree(ctx context.Context, id int64) ([]*Organisation, error)
}
