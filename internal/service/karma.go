package service

import (
	"context"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.KarmaService = (*Karma)(nil)

// KarmaStore is what Karma needs of the store (internal/store/karma).
type KarmaStore interface {
	FindKarmaRules(ctx context.Context) ([]models.KarmaRule, error)
	UpdateKarmaRule(ctx context.Context, r models.KarmaRule) (*models.KarmaRule, error)
	FindKarmaTotals(ctx context.Context, learnerIDs []int64) (map[int64]int, error)
	FindKarmaLedger(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.KarmaEntry], error)
	LearnerLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.LearnerStanding, error)
	OrganisationLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.OrganisationStanding, error)
}

// AttemptStore is what Karma needs of the store for courses' final assessments
// (internal/store/assessment).
type AttemptStore interface {
	SaveAttempt(ctx context.Context, enrolmentID int64, score float64) (*models.AssessmentAttempt, error)
	FindAssessmentAttempts(ctx context.Context, enrolmentIDs []int64) (map[int64][]*models.AssessmentAttempt, error)
}

// Leaderboard lengths: a query's limit of 0 is DefaultLeaderboardLimit, and more
// than MaxLeaderboardLimit is refused.
const (
	DefaultLeaderboardLimit = 10
	MaxLeaderboardLimit     = 100
)

// Karma keeps the karma rules, the ledger and the leaderboards, and courses' final
// assessments: it validates what the store is given and records what a rule
// change changed.
type Karma struct {
	Store       KarmaStore
	Assessments AttemptStore
}

// FindKarmaRules returns every rule, in KarmaReasons order.
func (k *Karma) FindKarmaRules(ctx context.Context) ([]models.KarmaRule, error) {
	return k.Store.FindKarmaRules(ctx)
}

// SetKarmaRule replaces a rule; it applies to awards made from then on: entries
// already in the ledger keep their points. EINVALID for bad values or an unknown
// reason.
func (k *Karma) SetKarmaRule(ctx context.Context, r models.KarmaRule) (*models.KarmaRule, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	saved, err := k.Store.UpdateKarmaRule(ctx, r)
	if err != nil {
		return nil, err
	}
	change.Shared(ctx)
	return saved, nil
}

// FindKarmaTotals returns each learner's points (0 for none).
func (k *Karma) FindKarmaTotals(ctx context.Context, learnerIDs []int64) (map[int64]int, error) {
	return k.Store.FindKarmaTotals(ctx, learnerIDs)
}

// FindKarmaLedger pages through a learner's ledger, newest first.
func (k *Karma) FindKarmaLedger(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.KarmaEntry], error) {
	return k.Store.FindKarmaLedger(ctx, learnerID, p)
}

// leaderboardLimit resolves a query's limit: 0 is the default; EINVALID (limit)
// outside 1..MaxLeaderboardLimit.
func leaderboardLimit(q models.LeaderboardQuery) (models.LeaderboardQuery, error) {
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLeaderboardLimit
	case q.Limit < 1 || q.Limit > MaxLeaderboardLimit:
		return q, models.Invalid("limit", "must be between 1 and %d", MaxLeaderboardLimit)
	}
	return q, nil
}

// LearnerLeaderboard ranks the learners of an organisation and below by points,
// then learner ID; equal points share a rank (1, 2, 2, 4), and learners without
// points come last with 0. ENOTFOUND for an unknown organisation, EINVALID (limit)
// outside 1..100 (0: 10).
func (k *Karma) LearnerLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.LearnerStanding, error) {
	q, err := leaderboardLimit(q)
	if err != nil {
		return nil, err
	}
	return k.Store.LearnerLeaderboard(ctx, q)
}

// OrganisationLeaderboard ranks the direct children of an organisation (0: the
// ministries) by the average points of the learners in each and below it; equal
// averages share a rank, and an organisation without learners ranks last.
// ENOTFOUND for an unknown parent, EINVALID (limit) as LearnerLeaderboard.
func (k *Karma) OrganisationLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.OrganisationStanding, error) {
	q, err := leaderboardLimit(q)
	if err != nil {
		return nil, err
	}
	return k.Store.OrganisationLeaderboard(ctx, q)
}

// TakeAssessment records an attempt at the final assessment of an enrolment's
// course with its effects on the learner's record (the store records the learner).
// EINVALID (score) outside 0..1, (enrolmentId) when the course has no final
// assessment or the enrolment was dropped; ENOTFOUND for an unknown enrolment.
func (k *Karma) TakeAssessment(ctx context.Context, enrolmentID int64, score float64) (*models.AssessmentAttempt, error) {
	if err := models.ValidScore("score", score); err != nil {
		return nil, err
	}
	return k.Assessments.SaveAttempt(ctx, enrolmentID, score)
}

// FindAssessmentAttempts returns each enrolment's attempts, oldest first.
func (k *Karma) FindAssessmentAttempts(ctx context.Context, enrolmentIDs []int64) (map[int64][]*models.AssessmentAttempt, error) {
	return k.Assessments.FindAssessmentAttempts(ctx, enrolmentIDs)
}
