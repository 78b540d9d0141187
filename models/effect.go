package models

import (
	"context"
	"time"
)

// CourseEffect is the estimated effect of a course on one competency it claims, from
// the evidence of its completers before and after completing it against similar
// learners who did not take it (see docs/effectiveness.md). Each fit replaces every
// row. EstimatedGain, Low and High are levels gained (Low..High an 80% interval);
// Learners is the number of completers the estimate rests on. Without enough data
// the claim is kept: EstimatedGain = Low = High = ClaimedGain and Efficacy 0.
type CourseEffect struct {
	CourseID         int64 `bun:"course_id,pk"`
	CompetencyID     int64 `bun:"competency_id,pk"`
	ClaimedFromLevel int   `bun:"claimed_from"`
	ClaimedToLevel   int   `bun:"claimed_to"`
	// ClaimedGain is the gain the claim promises the completers, their readiness and
	// what they already held priced in (ToLevel - FromLevel without completers).
	ClaimedGain   float64 `bun:"claimed_gain"`
	EstimatedGain float64 `bun:"estimated_gain"`
	Low           float64 `bun:"low"`
	High          float64 `bun:"high"`
	Learners      int     `bun:"learners"`
	Controls      int     `bun:"controls"` // the learners who did not take it, compared
	// Contradicted: the whole interval lies below half the claimed gain.
	Contradicted bool `bun:"contradicted"`
	// Efficacy is the share of completers the course really moves (0: no estimate,
	// the claim is taken at its word); the recommender's Impart.Efficacy.
	Efficacy float64   `bun:"efficacy"`
	FittedAt time.Time `bun:"fitted_at"`
}

// Estimated reports whether the data were enough for an estimate (else the claim is kept).
func (e *CourseEffect) Estimated() bool { return e.Efficacy > 0 }

// Efficacy returns the stored efficacy of the course's claim cc, or 0 (no estimate:
// the claim is taken at its word) when there is none or it was fitted to another
// claim (the course's levels changed since).
func (c *Catalogue) Efficacy(cc CourseCompetency) float64 {
	for _, e := range c.Effects[cc.CourseID] {
		if e.CompetencyID == cc.CompetencyID && e.ClaimedFromLevel == cc.FromLevel && e.ClaimedToLevel == cc.ToLevel {
			return e.Efficacy
		}
	}
	return 0
}

// Completion is one completed enrolment.
type Completion struct {
	LearnerID   int64     `bun:"learner_id"`
	CourseID    int64     `bun:"course_id"`
	CompletedAt time.Time `bun:"completed_at"`
}

// LearnerLearning is one learner's evidence (every competency, by competency then
// time), completions and the level their roles require of each competency (the
// highest any of them requires; absent: none), the unit the course-effect fit
// streams over.
type LearnerLearning struct {
	LearnerID   int64
	Evidence    []Evidence
	Completions []Completion
	Required    map[int64]int
}

// CourseEffectStore keeps the course effects and streams what they are fitted from.
type CourseEffectStore interface {
	// EachCompletion calls fn with every completed enrolment, by course then learner,
	// holding none of them; an error from fn stops it and is returned.
	EachCompletion(ctx context.Context, fn func(Completion) error) error
	// EachLearnerLearning calls fn with the learners' evidence and completions, in
	// learner ID order, about batch learners at a time (only learners with evidence
	// or completions appear); an error from fn stops it and is returned.
	EachLearnerLearning(ctx context.Context, batch int, fn func([]LearnerLearning) error) error
	// ReplaceCourseEffects replaces every stored effect with effects and bumps the
	// catalogue version, in one transaction. EINVALID for an unknown course or
	// competency.
	ReplaceCourseEffects(ctx context.Context, effects []CourseEffect) error
	// FindCourseEffects returns the stored effects of a course, by competency.
	FindCourseEffects(ctx context.Context, courseID int64) ([]CourseEffect, error)
}
