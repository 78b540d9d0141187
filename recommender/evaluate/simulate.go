package evaluate

import (
	"math"
	"math/rand/v2"
	"time"
)

// The noise shared by the simulated worlds (world.go): how levels sit around a
// requirement, how much evidence there is and when, how assessments are passed and
// certifications held. A World sets the rest. None of it is the estimator's Params:
// the estimator is never told how the evidence was generated.

// simNoise is how simulated evidence is generated, in every world.
var simNoise = struct {
	deltaFromReq []int     // true level minus required level ...
	deltaWeights []float64 // ... with these weights
	maxEvidence  int       // 1..maxEvidence rows per (learner, competency)

	passAbove, passAt, passJustBelow, passFarBelow float64 // P(pass) by true level vs tested level

	certAt, certBelow float64 // P(certified at the true level), at one below; else one above

	minSpan, maxSpan time.Duration
}{
	deltaFromReq: []int{-3, -2, -1, 0, 1},
	deltaWeights: []float64{0.08, 0.17, 0.30, 0.30, 0.15},
	maxEvidence:  7,

	passAbove: 0.95, passAt: 0.78, passJustBelow: 0.22, passFarBelow: 0.06,

	certAt: 0.70, certBelow: 0.20,

	minSpan: 30 * 24 * time.Hour,
	maxSpan: 3 * 365 * 24 * time.Hour,
}

// simBase is the start of simulated time.
var simBase = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// simulateCertification draws the level of a certification held by someone at
// level: that level, one below or one above, clamped to 1..top.
func simulateCertification(rng *rand.Rand, level, top int) int {
	s := &simNoise
	switch u := rng.Float64(); {
	case u < s.certAt:
	case u < s.certAt+s.certBelow:
		level--
	default:
		level++
	}
	return clampInt(level, 1, top)
}

// simulateScore draws the score of an assessment testing level tested taken by someone
// at level true: pass or fail by the simulator's own rates, then a score clearly past
// the pass mark when the outcome is deserved and close to it when it is a slip or a
// lucky guess. Scores are rounded to hundredths; the pass mark is 0.6.
func simulateScore(rng *rand.Rand, trueLevel, tested int) *float64 {
	s := &simNoise
	var pPass float64
	switch d := trueLevel - tested; {
	case d > 0:
		pPass = s.passAbove
	case d == 0:
		pPass = s.passAt
	case d == -1:
		pPass = s.passJustBelow
	default:
		pPass = s.passFarBelow
	}
	pass := rng.Float64() < pPass
	deserved := pass == (trueLevel >= tested)
	margin := 0.02 + 0.33*rng.Float64()
	if deserved {
		margin = 0.15 + 0.85*rng.Float64()
	}
	const mark = 0.6
	score := mark - margin*mark
	if pass {
		score = mark + margin*(1-mark)
	}
	score = math.Round(score*100) / 100
	return &score
}

// noisyLevel returns round(level + bias + N(0, sd²)) clamped to 1..top.
func noisyLevel(rng *rand.Rand, level int, bias, sd float64, top int) int {
	return clampInt(int(math.Round(float64(level)+bias+sd*rng.NormFloat64())), 1, top)
}

// pick returns an index drawn with probability proportional to weights.
func pick(rng *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	u := rng.Float64() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

func clampInt(v, lo, hi int) int {
	return min(max(v, lo), hi)
}
