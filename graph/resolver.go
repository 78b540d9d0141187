// Package graph is the GraphQL layer: the schema (schema/*.graphqls), thin resolvers
// over the services of package models, per-request dataloaders, global IDs and the
// one error presenter.
package graph

import (
	"context"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// Resolver is the root resolver; it holds the services the resolvers call.
type Resolver struct {
	orgs      models.OrganisationService
	catalogue models.CatalogueService
	learners  models.LearnerService
	access    models.AccessStore
	signIn    SignIn
	learning  models.LearningService
	// proficiency reads stored estimates under the prior of the learner's roles.
	proficiency ProficiencyReader
	recs        *service.Recommendations
	plans       models.PlanService
	blended     models.BlendedService
	karma       models.KarmaService
	// leaderboards serves the karma leaderboards through the cache.
	leaderboards *service.Leaderboards
	reports      *service.Reports
	estimator    EstimatorModels
	subs         *subscriptions // graph/notify.go
	// revocations keeps each token subject's "not before" (revokeTokens, signOut).
	revocations *service.Revocations
	// adaptive runs adaptive assessments and keeps item banks; nil when the store
	// keeps none.
	adaptive *service.Adaptive
}

// How many courses recommendations returns by default, and at most.
const (
	defaultRecommendations = 10
	maxRecommendations     = 100
)

// recommendationCount is the `first` argument of recommendations: how many
// courses, defaultRecommendations when not given.
func recommendationCount(first *int) (int, error) {
	if first == nil {
		return defaultRecommendations, nil
	}
	if *first < 1 || *first > maxRecommendations {
		return 0, models.Invalid("first", "must be between 1 and %d", maxRecommendations)
	}
	return *first, nil
}

// measured decodes the arguments of the per-learner recommender queries and loads
// the learner, who must be one the caller may see (NOT_FOUND otherwise, as for
// learner(id:)); roleId, when given, is the role to measure against.
func (r *Resolver) measured(ctx context.Context, learnerID string, roleID *string) (*models.Learner, *int64, error) {
	id, err := decodeID("learnerId", typeLearner, learnerID)
	if err != nil {
		return nil, nil, err
	}
	role, err := decodeOptionalID("roleId", typeRole, roleID)
	if err != nil {
		return nil, nil, err
	}
	l, err := r.learners.FindLearnerByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !canSeeLearner(ctx, callerOf(ctx), l) {
		return nil, nil, models.NotFound("learner")
	}
	return l, role, nil
}

// optionalRole loads the role of an ID, or nil for none.
func optionalRole(ctx context.Context, id *int64) (*models.Role, error) {
	if id == nil {
		return nil, nil
	}
	return load(ctx, loadersFrom(ctx).roles, *id, "role")
}

// ProficiencyReader shows stored proficiency estimates under the prior of what the
// learner's roles require (package recommender).
type ProficiencyReader interface {
	Passbook(learnerID int64, stored []*models.Proficiency, required map[int64]int, now time.Time) []*models.Proficiency
}

// requiredLevels returns the highest level the learner's roles require in each competency.
func requiredLevels(ctx context.Context, learnerID int64) (map[int64]int, error) {
	l := loadersFrom(ctx)
	roleIDs, err := l.learnerRoleIDs.Load(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	reqs, err := l.requirements.LoadAll(ctx, roleIDs)
	if err != nil {
		return nil, err
	}
	byRole := make(map[int64][]models.RoleRequirement, len(roleIDs))
	for i, id := range roleIDs {
		byRole[id] = reqs[i]
	}
	return domain.RequiredLevels(roleIDs, byRole), nil
}

// learnerProficiency returns the learner's proficiency in one competency, as the passbook shows it.
func (r *Resolver) learnerProficiency(ctx context.Context, learnerID, competencyID int64) (*models.Proficiency, error) {
	stored, err := loadersFrom(ctx).proficiencies.Load(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	required, err := requiredLevels(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	return r.passbookProficiency(learnerID, competencyID, stored, required), nil
}

// passbookProficiency is learnerProficiency from the learner's stored
// proficiencies (those in other competencies are ignored) and the levels their
// roles require (requiredLevels).
func (r *Resolver) passbookProficiency(learnerID, competencyID int64, stored []*models.Proficiency, required map[int64]int) *models.Proficiency {
	var mine []*models.Proficiency
	for _, p := range stored {
		if p.CompetencyID == competencyID {
			mine = append(mine, p)
		}
	}
	return r.proficiency.Passbook(learnerID, mine, map[int64]int{competencyID: required[competencyID]}, time.Now())[0]
}

// EstimatorModels reads the learned estimator's model versions (service.Estimator).
type EstimatorModels interface {
	// ActiveModel returns the active version, nil while the hand-set defaults are in use.
	ActiveModel(ctx context.Context) (*models.EstimatorModel, error)
}

// SignIn is OTP sign-in and self-registration (internal/auth).
type SignIn interface {
	// RequestOTP sends a code; EINVALID for a disallowed email, ERATELIMITED.
	RequestOTP(ctx context.Context, email, clientAddr string) (time.Time, error)
	// VerifyOTP returns a token and, for a registered email, its learner.
	VerifyOTP(ctx context.Context, email, code string) (string, time.Time, *models.Learner, error)
}
