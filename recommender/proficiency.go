package recommender

import (
	"cmp"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/floats"

	"github.com/openkarmayogi/karmayogi/models"
)

// Estimate is the estimated proficiency of one learner in one competency.
type Estimate struct {
	// Distribution[l] is the posterior probability of level l (0..Levels-1); it is
	// non-negative and sums to 1.
	Distribution []float64
	// Level is the median: the smallest l whose cumulative probability is at least 0.5.
	Level int
	// Confidence is Distribution[Level].
	Confidence float64
	// Low and High bound the credible interval: the narrowest run of adjacent levels
	// holding at least Params.IntervalMass (see Interval). Low <= Level <= High.
	Low, High int
	// UpdatedAt is the time of the newest evidence used (in UTC), or the zero time when
	// there is none.
	UpdatedAt time.Time
}

// Proficiency returns e as the stored models.Proficiency of the given learner and
// competency. The distribution is copied.
func (e Estimate) Proficiency(learnerID, competencyID int64) models.Proficiency {
	return models.Proficiency{
		LearnerID:    learnerID,
		CompetencyID: competencyID,
		Level:        e.Level,
		Confidence:   e.Confidence,
		Distribution: slices.Clone(e.Distribution),
		UpdatedAt:    e.UpdatedAt,
		IntervalLow:  e.Low,
		IntervalHigh: e.High,
	}
}

// probFloor bounds every likelihood below, so that no single piece of evidence can rule a
// level out entirely and contradictory evidence never leaves an empty posterior.
const probFloor = 1e-12

// summaryTol is the rounding slack allowed when comparing accumulated probabilities with
// 0.5 (the median) and with Params.IntervalMass (the interval).
const summaryTol = 1e-9

// EstimateProficiency returns the posterior proficiency of one learner in one competency
// from that pair's evidence, given in any order, and the required level of the learner's
// role for the competency (0 = no requirement). It is a discrete Bayesian update over
// levels 0..Levels-1 with tempered (aged) likelihoods:
//
//	log P(l | evidence) = log π(l) + Σ_i w_i · log P(e_i | l) - log Z
//	w_i = 0.5^((t_newest - t_i) / HalfLife)
//
// where π is Params.Prior(requiredLevel), P(e_i | l) the likelihood of the evidence's
// source (see Params), t_newest the newest ObservedAt among the evidence, and Z the
// normaliser (a log-sum-exp). Because the update is a product, the result depends only
// on the set of evidence, never on its order: contributions are summed in a canonical
// order (ObservedAt, Source, Level, Score), so permutations give bit-identical results.
// With no usable evidence the result is the prior.
//
// Evidence that is not usable is ignored, as if absent (callers validate beforehand;
// this is a defensive rule): an unknown Source, a Level outside 1..Levels-1, or a Score
// that is present but NaN or outside [0, 1]. A Score is used only by ASSESSMENT.
// LearnerID and CompetencyID are not looked at.
func EstimateProficiency(p Params, requiredLevel int, evidence []models.Evidence) Estimate {
	rows := make([]models.Evidence, 0, len(evidence))
	for _, e := range evidence {
		if p.usable(e) {
			rows = append(rows, e)
		}
	}
	slices.SortFunc(rows, compareEvidence)

	logp := p.temperedLogLik(rows)
	prior := make([]float64, p.Levels)
	p.prior(prior, requiredLevel)
	for l := range logp {
		logp[l] += math.Log(prior[l])
	}
	var newest time.Time
	if n := len(rows); n > 0 {
		newest = rows[n-1].ObservedAt
	}
	lse := floats.LogSumExp(logp)
	dist := make([]float64, p.Levels)
	for l := range dist {
		dist[l] = math.Exp(logp[l] - lse)
	}

	est := Estimate{Distribution: dist, Level: Median(dist)}
	est.Confidence = dist[est.Level]
	est.Low, est.High = Interval(dist, p.IntervalMass)
	if len(rows) > 0 {
		est.UpdatedAt = newest.UTC()
	}
	return est
}

// EstimateAll returns the proficiency of one learner in each competency, keyed by
// competency ID: every competency that has evidence or appears in required (the
// required level of the learner's roles per competency, 0 = none). Evidence must all
// belong to one learner; it is grouped by CompetencyID and passed to
// EstimateProficiency. A competency whose only evidence is unusable gets the prior.
func EstimateAll(p Params, required map[int64]int, evidence []models.Evidence) map[int64]Estimate {
	byCompetency := make(map[int64][]models.Evidence)
	for _, e := range evidence {
		byCompetency[e.CompetencyID] = append(byCompetency[e.CompetencyID], e)
	}
	out := make(map[int64]Estimate, len(byCompetency)+len(required))
	for id, rows := range byCompetency {
		out[id] = EstimateProficiency(p, required[id], rows)
	}
	for id, r := range required {
		if _, ok := out[id]; !ok {
			out[id] = EstimateProficiency(p, r, nil)
		}
	}
	return out
}

// Median returns the smallest level l with Σ_{j<=l} dist[j] >= 0.5 (less a 1e-9
// rounding slack), or the top level if there is none. dist must be non-empty.
func Median(dist []float64) int {
	var c float64
	for l, q := range dist {
		c += q
		if c >= 0.5-summaryTol {
			return l
		}
	}
	return len(dist) - 1
}

// Interval returns the narrowest run [low, high] of adjacent levels whose probabilities
// sum to at least mass (less a 1e-9 rounding slack). Among runs of that width it picks
// the one holding the most probability, then the lowest. If no run holds mass, it
// returns the whole range. For mass > 0.5 the run always contains the median.
func Interval(dist []float64, mass float64) (low, high int) {
	n := len(dist)
	for width := 1; width <= n; width++ {
		best, found := 0.0, false
		for lo := 0; lo+width <= n; lo++ {
			s := floats.Sum(dist[lo : lo+width])
			if s >= mass-summaryTol && (!found || s > best) {
				best, found, low, high = s, true, lo, lo+width-1
			}
		}
		if found {
			return low, high
		}
	}
	return 0, n - 1
}

// ExpectedGap returns the expected shortfall of a distribution over levels against a
// required level r:
//
//	E[max(0, r - l)] = Σ_l dist[l] · max(0, r - l)
//
// It is 0 for r <= 0 and at most r. dist[l] is the probability of level l.
func ExpectedGap(dist []float64, required int) float64 {
	var g float64
	for l, q := range dist {
		if d := required - l; d > 0 {
			g += q * float64(d)
		}
	}
	return g
}

// usable reports whether e can be used by the estimator (see EstimateProficiency).
func (p Params) usable(e models.Evidence) bool {
	switch e.Source {
	case models.Assessment, models.SelfRating, models.SupervisorRating,
		models.CourseCompletion, models.Certification, models.EventAttendance:
	default:
		return false
	}
	if e.Level < 1 || e.Level > p.Levels-1 {
		return false
	}
	if e.Score != nil && !(*e.Score >= 0 && *e.Score <= 1) {
		return false
	}
	for _, q := range e.Likelihood {
		if !(q >= 0) || math.IsInf(q, 1) {
			return false
		}
	}
	if len(e.Likelihood) > 0 && (len(e.Likelihood) != p.Levels || slices.Max(e.Likelihood) <= 0) {
		return false
	}
	return true
}

// compareEvidence is the canonical order in which contributions are summed. Rows equal
// under it contribute identically, so the sum does not depend on the input order.
func compareEvidence(a, b models.Evidence) int {
	if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Level, b.Level); c != 0 {
		return c
	}
	switch {
	case a.Score == nil && b.Score == nil:
		return 0
	case a.Score == nil:
		return -1
	case b.Score == nil:
		return 1
	}
	return cmp.Compare(*a.Score, *b.Score)
}

// temperedLogLik returns Σ_i w_i·log P(e_i | l) for each level: the evidence (usable,
// in canonical order) tempered by its age relative to the newest, w_i =
// 0.5^((t_newest - t_i)/HalfLife). It is the stored estimate's log (up to a constant),
// and what every posterior adds its prior to.
func (p Params) temperedLogLik(rows []models.Evidence) []float64 {
	sum := make([]float64, p.Levels)
	if len(rows) == 0 {
		return sum
	}
	ll := make([]float64, p.Levels)
	newest := rows[len(rows)-1].ObservedAt
	for _, e := range rows {
		p.logLikelihood(ll, e)
		floats.AddScaled(sum, p.weight(newest.Sub(e.ObservedAt)), ll)
	}
	return sum
}

// weight returns the tempering exponent 0.5^(age/HalfLife) of evidence of the given age.
func (p Params) weight(age time.Duration) float64 { return halving(age, p.HalfLife) }

// logLikelihood fills ll[l] with log P(e | l) for each level l. e must be usable.
func (p Params) logLikelihood(ll []float64, e models.Evidence) {
	top := len(ll) - 1
	if len(e.Likelihood) == len(ll) {
		// An adaptive assessment: the likelihood of its item responses themselves,
		// normalised to a maximum of 1.
		peak := slices.Max(e.Likelihood)
		for l, q := range e.Likelihood {
			ll[l] = math.Log(max(q/peak, probFloor))
		}
		return
	}
	for l := range ll {
		if q, ok := p.fittedLikelihood(e, l); ok {
			ll[l] = math.Log(max(q, probFloor))
			continue
		}
		var q float64
		switch e.Source {
		case models.Assessment:
			pass, m := p.assessmentOutcome(e.Score)
			q = p.Assessment.Prob(e.Level, l)
			if !pass {
				q = 1 - q
			}
			ll[l] = m * math.Log(max(q, probFloor))
			continue
		case models.Certification:
			q = p.Certification.Prob(e.Level, l)
		case models.SelfRating:
			q = p.Self.Prob(e.Level, l, top)
		case models.SupervisorRating:
			q = p.Supervisor.Prob(e.Level, l, top)
		case models.CourseCompletion:
			if e.SelfReported() {
				q = p.SelfReportedCourse.Prob(e.Level, l)
			} else {
				q = p.Course.Prob(e.Level, l)
			}
		case models.EventAttendance:
			q = p.Event.Prob(e.Level, l)
		}
		ll[l] = math.Log(max(q, probFloor))
	}
}

// assessmentOutcome returns whether an assessment with the given score passed and the
// exponent m = 1 + AssessmentScoreGain·margin that sharpens it (see Params).
func (p Params) assessmentOutcome(score *float64) (pass bool, m float64) {
	if score == nil {
		return true, 1
	}
	pass, margin := p.scoreMargin(*score)
	return pass, 1 + p.AssessmentScoreGain*margin
}

// scoreMargin returns whether a score passed and by how much, in [0, 1]:
// (s-PassMark)/(1-PassMark) for a pass, (PassMark-s)/PassMark for a fail.
func (p Params) scoreMargin(s float64) (pass bool, margin float64) {
	if s >= p.PassMark {
		if p.PassMark < 1 {
			margin = (s - p.PassMark) / (1 - p.PassMark)
		}
		return true, margin
	}
	if p.PassMark > 0 {
		margin = (p.PassMark - s) / p.PassMark
	}
	return false, margin
}

func clampInt(v, lo, hi int) int {
	return min(max(v, lo), hi)
}
