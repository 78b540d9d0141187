package recommender

import (
	"math"
	"time"
)

// Params holds every parameter of the proficiency estimator. DefaultParams gives the
// values the service uses; the evaluation (evaluate.EvaluateProficiency) checks them against
// simulated learners whose noise the estimator is never told.
//
// Levels run 0..Levels-1; level 0 means "not yet at level 1". Evidence carries a level
// in 1..Levels-1. Every likelihood is floored at 1e-12 before its logarithm is taken, so
// no single piece of evidence can rule a level out. Preconditions (DefaultParams meets
// them): Levels >= 2, 0 <= PassMark <= 1, every SD > 0, Slip + Guess < 1.
type Params struct {
	// Version is the estimator model version these parameters are (0: the hand-set
	// defaults). Cache keys carry it, so a new model is a new key.
	Version int

	// Levels is the number of proficiency states (6: levels 0..5).
	Levels int

	// PassMark is the assessment score (fraction correct, 0..1) at or above which an
	// assessment counts as passed.
	PassMark float64

	// HalfLife is the age at which evidence counts half. Evidence of age a is tempered:
	// its log-likelihood is multiplied by w = 0.5^(a/HalfLife), where a is measured from
	// the newest evidence of the same learner and competency, never from the wall clock.
	// A HalfLife <= 0 turns ageing off (w = 1).
	HalfLife time.Duration

	// ReadHalfLife ages an estimate by the wall clock when it is read: the stored
	// (uniform-prior) estimate S, whose newest evidence is a old at the time of reading,
	// is read as P(l) ∝ π(l)·S(l)^v, v = 0.5^(a/ReadHalfLife), so evidence with nothing
	// newer fades towards the prior. It is fitted apart from HalfLife because how far an
	// old estimate drifts towards the population is not how fast one piece of evidence
	// is superseded by the next. <= 0 turns it off: the hand-set default, because the
	// gap reports' set-based rows are not aged (docs/estimator.md); Fit turns it on
	// where the data shows estimates fading.
	ReadHalfLife time.Duration

	// IntervalMass is the probability the credible interval [Low, High] must hold (0.8).
	IntervalMass float64

	// Prior over levels given the required level r of the learner's role for the
	// competency (0 = no requirement):
	//
	//	r <= 0: π(l) = 1/Levels (uniform: nothing is known)
	//	r > 0:  π(l) = (1-PriorUniform)·g(l)/Σg + PriorUniform/Levels,
	//	        g(l) = exp(-(l - (r - PriorShift))² / (2·PriorSD²))
	//
	// that is, a mildly informative discretised Gaussian centred a little below the
	// requirement (people hold roles they are still growing into), mixed with a uniform
	// floor so that no level is ever ruled out a priori.
	PriorShift   float64
	PriorSD      float64
	PriorUniform float64

	// Assessment is the chance of passing an assessment that tests level L given true
	// level l (see Threshold.Prob). A pass contributes m·log q(l), a fail m·log(1-q(l)).
	Assessment Threshold
	// AssessmentScoreGain sharpens an assessment by its score s. The exponent is
	// m = 1 + AssessmentScoreGain·margin, where margin = (s-PassMark)/(1-PassMark) for a
	// pass and (PassMark-s)/PassMark for a fail, so margin ∈ [0, 1]: a score of 1 is the
	// strongest pass, a score of 0 the strongest fail, a score at the pass mark a bare pass.
	// An assessment without a score is taken as a bare pass (margin 0) of its level.
	AssessmentScoreGain float64

	// Certification is the chance of holding a certification at level L given true
	// level l; a certification contributes log q(l). It is one-sided strong evidence of
	// level >= L.
	Certification Threshold

	// Self and Supervisor are the likelihoods of a SELF and a SUPERVISOR rating of
	// level L given true level l (see Rating.Prob): a self rating is weak and biased
	// upward, a supervisor's moderate and near-unbiased.
	Self       Rating
	Supervisor Rating

	// Course is the likelihood of a COURSE_COMPLETION attaining level L (the course's
	// to_level) given true level l (see Attainment.Prob): weaker than an assessment,
	// centred on the level the course teaches.
	Course Attainment
	// SelfReportedCourse is the likelihood of a COURSE_COMPLETION that nobody verified
	// (models.Evidence.SelfReported): the learner's word that they finished, weaker
	// than a completion a provider, an assessment or attendance vouches for.
	SelfReportedCourse Attainment

	// Event is the likelihood of an EVENT_ATTENDANCE at level L (the level the event
	// session is tagged with) given true level l (see Attainment.Prob). Sitting in a
	// talk or workshop shows interest and exposure, not attainment: it is weak
	// evidence, centred a little below L, wide, and with a high floor, so that it
	// moves an estimate much less than completing a course at L does.
	Event Attainment

	// Fitted holds the tables Fit learnt from a deployment's evidence; nil for the
	// hand-set model. Where it has a table, the table replaces the parametric form
	// above (see Fitted); Assessment, HalfLife and the rest stay in use.
	Fitted *Fitted `json:",omitempty"`
}

// DefaultParams returns the estimator's parameters:
//
//	Levels 6, PassMark 0.6, HalfLife 730 days, ReadHalfLife off, IntervalMass 0.8
//	prior: PriorShift 0.5, PriorSD 1.5, PriorUniform 0.2
//	assessment:    Slip 0.10, Guess 0.15, Discrimination 4, ScoreGain 1
//	certification: Slip 0.05, Guess 0.05, Discrimination 4
//	self:       Bias +0.5, SD 1.2, Outlier 0.10
//	supervisor: Bias  0.0, SD 0.8, Outlier 0.05
//	course:     Shortfall 0,   SD 1.0, Outlier 0.10
//	self-reported course: Shortfall 0.5, SD 1.5, Outlier 0.40
//	event:      Shortfall 0.5, SD 1.5, Outlier 0.30
//
// The values are round numbers chosen from what the sources are known to do (self
// assessment runs high and wide; a passed test is hard to fake; a certificate harder),
// not fitted to the simulator used by evaluate.EvaluateProficiency.
func DefaultParams() Params {
	return Params{
		Levels:       6,
		PassMark:     0.6,
		HalfLife:     2 * 365 * 24 * time.Hour,
		ReadHalfLife: 0,
		IntervalMass: 0.8,

		PriorShift:   0.5,
		PriorSD:      1.5,
		PriorUniform: 0.2,

		Assessment:          Threshold{Slip: 0.10, Guess: 0.15, Discrimination: 4},
		AssessmentScoreGain: 1,
		Certification:       Threshold{Slip: 0.05, Guess: 0.05, Discrimination: 4},

		Self:               Rating{Bias: 0.5, SD: 1.2, Outlier: 0.10},
		Supervisor:         Rating{Bias: 0, SD: 0.8, Outlier: 0.05},
		Course:             Attainment{Shortfall: 0, SD: 1.0, Outlier: 0.10},
		SelfReportedCourse: Attainment{Shortfall: 0.5, SD: 1.5, Outlier: 0.40},
		Event:              Attainment{Shortfall: 0.5, SD: 1.5, Outlier: 0.30},
	}
}

// Threshold is the likelihood of evidence that says "at or above level L": an
// assessment pass or a certification. Slip is the chance that someone at or above L
// fails to show it, Guess the chance that someone below L shows it anyway, and
// Discrimination how sharply the step at L rises (an item-response curve).
type Threshold struct {
	Slip           float64
	Guess          float64
	Discrimination float64
}

// Prob returns q(l), the probability of showing level L given true level l:
//
//	q(l) = Guess + (1 - Guess - Slip) · σ(Discrimination · (l - L + 0.5))
//
// where σ(x) = 1/(1+exp(-x)). With Discrimination 4, σ is 0.88 at l = L and 0.12 at
// l = L-1, so q rises from Guess far below L to 1-Slip far above it.
// Preconditions: Slip, Guess >= 0 and Slip + Guess < 1.
func (t Threshold) Prob(level, trueLevel int) float64 {
	x := t.Discrimination * (float64(trueLevel-level) + 0.5)
	return t.Guess + (1-t.Guess-t.Slip)/(1+math.Exp(-x))
}

// Rating is the likelihood of a rated level: a discretised Gaussian over the possible
// observations 1..maxLevel, mixed with a uniform outlier rate.
type Rating struct {
	Bias    float64 // expected observation minus true level
	SD      float64 // spread of the observation, in levels; must be > 0
	Outlier float64 // chance that the observation is unrelated to the true level, 0..1
}

// Prob returns P(obs | true), a proper conditional distribution over obs ∈ 1..maxLevel:
//
//	P(obs | l) = (1-Outlier) · g(obs, l) / Σ_{o=1..maxLevel} g(o, l) + Outlier/maxLevel
//	g(o, l)    = exp(-(o - l - Bias)² / (2·SD²))
//
// It returns 0 for obs outside 1..maxLevel.
func (r Rating) Prob(obs, trueLevel, maxLevel int) float64 {
	if obs < 1 || obs > maxLevel {
		return 0
	}
	var z, g float64
	for o := 1; o <= maxLevel; o++ {
		d := float64(o-trueLevel) - r.Bias
		e := math.Exp(-d * d / (2 * r.SD * r.SD))
		z += e
		if o == obs {
			g = e
		}
	}
	return (1-r.Outlier)*g/z + r.Outlier/float64(maxLevel)
}

// Attainment is the likelihood of evidence that a level was attained, softly: a
// Gaussian kernel over the true level centred on the attained level, with a floor.
type Attainment struct {
	Shortfall float64 // attained level minus expected true level
	SD        float64 // spread of the true level around it, in levels; must be > 0
	Outlier   float64 // floor: the evidence says nothing about the level, 0..1
}

// Prob returns the likelihood of attaining level L given true level l, up to a factor
// that does not depend on l (all the posterior needs):
//
//	P(L | l) ∝ (1-Outlier) · exp(-(l - (L - Shortfall))² / (2·SD²)) + Outlier
//
// Unlike a Rating it is not normalised over L: the level of a completed course is not
// noise around the learner's level clipped to 1..top, it is the level the course took
// the learner to, so completing a level-1 course favours level 1 over level 0.
func (a Attainment) Prob(level, trueLevel int) float64 {
	d := float64(trueLevel-level) + a.Shortfall
	return (1-a.Outlier)*math.Exp(-d*d/(2*a.SD*a.SD)) + a.Outlier
}

// Prior returns π, the prior distribution over levels 0..Levels-1 for a competency whose
// required level is required (0 = no requirement; values above the top level are
// clamped). See Params for the formula.
func (p Params) Prior(required int) []float64 {
	pi := make([]float64, p.Levels)
	p.prior(pi, required)
	return pi
}

// prior fills pi (length p.Levels) with the prior.
func (p Params) prior(pi []float64, required int) {
	k := len(pi)
	if required > k-1 {
		required = k - 1
	}
	if required <= 0 {
		for l := range pi {
			pi[l] = 1 / float64(k)
		}
		return
	}
	mu := float64(required) - p.PriorShift
	var z float64
	for l := range pi {
		d := float64(l) - mu
		pi[l] = math.Exp(-d * d / (2 * p.PriorSD * p.PriorSD))
		z += pi[l]
	}
	for l := range pi {
		pi[l] = (1-p.PriorUniform)*pi[l]/z + p.PriorUniform/float64(k)
	}
}
