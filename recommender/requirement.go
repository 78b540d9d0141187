package recommender

import (
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// The store keeps, per learner and competency, the estimate under the uniform prior
// Prior(0): the normalised likelihood of the evidence, which depends on the evidence
// log alone and not on the roles the learner holds today. The role's prior is applied
// when the estimate is read, by WithRequirement; so a role change never leaves a stored
// estimate stale, and `reestimate` is needed only after a parameter change.

// WithRequirement returns the estimate under the prior of a required level from an
// estimate made under the uniform prior (stored, nil when there is no evidence):
//
//	P(l | evidence, r) = Prior(r)[l]·stored[l] / Σ_j Prior(r)[j]·stored[j]
//
// which equals EstimateProficiency(p, r, evidence) up to rounding, because Prior(0)
// is uniform. updatedAt is carried over.
func WithRequirement(p Params, stored []float64, required int, updatedAt time.Time) Estimate {
	dist := p.Prior(required)
	if len(stored) == len(dist) {
		var z float64
		for l := range dist {
			dist[l] *= stored[l]
			z += dist[l]
		}
		if z > 0 {
			for l := range dist {
				dist[l] /= z
			}
		} else {
			dist = p.Prior(required) // a corrupt row: fall back to the prior
		}
	}
	est := Estimate{Distribution: dist, Level: Median(dist), UpdatedAt: updatedAt}
	est.Confidence = dist[est.Level]
	est.Low, est.High = Interval(dist, p.IntervalMass)
	return est
}

// Estimator adapts the estimator to the store, which stores the estimate of each
// (learner, competency) under the uniform prior in the same transaction as its evidence.
type Estimator struct{ Params Params }

// NewEstimator returns an estimator with the default parameters.
func NewEstimator() Estimator { return Estimator{Params: DefaultParams()} }

// Estimate returns the stored form of the estimate from one pair's evidence.
func (e Estimator) Estimate(learnerID, competencyID int64, evidence []models.Evidence) models.Proficiency {
	return EstimateProficiency(e.Params, 0, evidence).Proficiency(learnerID, competencyID)
}

// Prior is the prior for a requirement of level required (Params.Prior).
func (e Estimator) Prior(required int) []float64 { return e.Params.Prior(required) }

// ForRequirement returns a stored proficiency (nil: no evidence) read under the
// prior of required, as the API shows it.
func (e Estimator) ForRequirement(learnerID, competencyID int64, stored *models.Proficiency, required int) models.Proficiency {
	var dist []float64
	var at time.Time
	if stored != nil {
		dist, at = stored.Distribution, stored.UpdatedAt
	}
	return WithRequirement(e.Params, dist, required, at).Proficiency(learnerID, competencyID)
}

// Passbook returns a learner's proficiencies as the API shows them: one for each
// competency with stored evidence or a requirement, under the prior of the
// requirement (required: the highest level the learner's roles require, by
// competency), in competency ID order.
func (e Estimator) Passbook(learnerID int64, stored []*models.Proficiency, required map[int64]int) []*models.Proficiency {
	byCompetency := make(map[int64]*models.Proficiency, len(stored))
	ids := make([]int64, 0, len(stored)+len(required))
	for _, p := range stored {
		byCompetency[p.CompetencyID] = p
		ids = append(ids, p.CompetencyID)
	}
	for c := range required {
		if byCompetency[c] == nil {
			ids = append(ids, c)
		}
	}
	slices.Sort(ids)
	out := make([]*models.Proficiency, len(ids))
	for i, c := range ids {
		p := e.ForRequirement(learnerID, c, byCompetency[c], required[c])
		out[i] = &p
	}
	return out
}
