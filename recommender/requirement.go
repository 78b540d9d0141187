package recommender

import (
	"math"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// The store keeps, per learner and competency, the estimate under the uniform prior
// Prior(0): the normalised likelihood of the evidence, which depends on the evidence
// log alone and not on the roles the learner holds today. The prior is applied when
// the estimate is read, by WithRequirement: the prior of the competency for the level
// the learner's own roles require of it (PriorFor), never the level of a role the
// learner is measured against, so the level shown is the learner's own and a role
// transition changes the gap, not the level. `reestimate` is needed only after a
// change of the model.

// WithRequirement returns the estimate of competency c read from an estimate made
// under the uniform prior (stored, nil when there is no evidence) for a learner whose
// own roles require level held of it (0: none):
//
//	P(l | evidence, held) = PriorFor(c, held)[l]·stored[l] / Σ_j PriorFor(c, held)[j]·stored[j]
//
// which equals EstimateProficiency(p, held, evidence) up to rounding for the hand-set
// model, because Prior(0) is uniform. updatedAt is carried over. Age the stored
// estimate first (Aged) to read it at a later time.
func WithRequirement(p Params, competencyID int64, stored []float64, held int, updatedAt time.Time) Estimate {
	dist := p.PriorFor(competencyID, held)
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
			dist = p.PriorFor(competencyID, held) // a corrupt row: fall back to the prior
		}
	}
	est := Estimate{Distribution: dist, Level: Median(dist), UpdatedAt: updatedAt}
	est.Confidence = dist[est.Level]
	est.Low, est.High = Interval(dist, p.IntervalMass)
	return est
}

// Aged returns a stored (uniform-prior) estimate whose newest evidence is from
// updatedAt, as it stands at now: S(l)^v normalised, v = 0.5^((now -
// updatedAt)/ReadHalfLife), so evidence with nothing newer fades towards the prior it
// is read under (see Params.ReadHalfLife). nil stays nil; a zero updatedAt or a now
// not after it leaves stored as it is (the same slice).
func Aged(p Params, stored []float64, updatedAt, now time.Time) []float64 {
	if stored == nil || updatedAt.IsZero() || !now.After(updatedAt) {
		return stored
	}
	v := halving(now.Sub(updatedAt), p.ReadHalfLife)
	if v == 1 {
		return stored
	}
	out := make([]float64, len(stored))
	var z float64
	for l, q := range stored {
		out[l] = math.Pow(max(q, probFloor), v)
		z += out[l]
	}
	for l := range out {
		out[l] /= z
	}
	return out
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

// Priors are the priors set-based gap reports read stored estimates under, by
// required level 1..5: pooled over competencies (PriorFor of a competency the model
// has no prior of its own for), and each fitted competency's own.
func (e Estimator) Priors() models.Priors {
	var out models.Priors
	fill := func(dst *[5][6]float64, competencyID int64) {
		for r := 1; r <= 5; r++ {
			copy(dst[r-1][:], e.Params.PriorFor(competencyID, r))
		}
	}
	fill(&out.Pooled, 0)
	if f := e.Params.Fitted; f != nil && len(f.Priors) > 0 {
		out.ByCompetency = make(map[int64][5][6]float64, len(f.Priors))
		for c := range f.Priors {
			var t [5][6]float64
			fill(&t, c)
			out.ByCompetency[c] = t
		}
	}
	return out
}

// ForRequirement returns a stored proficiency (nil: no evidence) aged to now and read
// under the prior of the level the learner's own roles require (held), as the API
// shows it.
func (e Estimator) ForRequirement(learnerID, competencyID int64, stored *models.Proficiency, held int, now time.Time) models.Proficiency {
	var dist []float64
	var at time.Time
	if stored != nil {
		dist, at = Aged(e.Params, stored.Distribution, stored.UpdatedAt, now), stored.UpdatedAt
	}
	return WithRequirement(e.Params, competencyID, dist, held, at).Proficiency(learnerID, competencyID)
}

// Passbook returns a learner's proficiencies as the API shows them at now: one for
// each competency with stored evidence or a requirement, under the prior of the
// requirement (required: the highest level the learner's own roles require, by
// competency), in competency ID order.
func (e Estimator) Passbook(learnerID int64, stored []*models.Proficiency, required map[int64]int, now time.Time) []*models.Proficiency {
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
		p := e.ForRequirement(learnerID, c, byCompetency[c], required[c], now)
		out[i] = &p
	}
	return out
}
