package recommender

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// The simulator behind the offline evaluation. Its noise and bias are its own, held in
// simNoise below, and deliberately differ from DefaultParams: the estimator is never
// told how the evidence was generated.

// simNoise is how simulated evidence is generated.
var simNoise = struct {
	noRequirement float64    // chance a competency has no role requirement
	deltaFromReq  []int      // true level minus required level ...
	deltaWeights  []float64  // ... with these weights
	drift         float64    // chance the learner improved during the evidence span
	driftTwo      float64    // given drift, chance it was by two levels rather than one
	maxEvidence   int        // 1..maxEvidence rows per (learner, competency)
	sourceWeights [5]float64 // self, supervisor, assessment, course, certification

	selfBias, selfSD             float64
	supervisorBias, supervisorSD float64
	courseBias, courseSD         float64

	passAbove, passAt, passJustBelow, passFarBelow float64 // P(pass) by true level vs tested level

	certAt, certBelow float64 // P(certified at the true level), at one below; else one above

	minSpan, maxSpan time.Duration
}{
	noRequirement: 0.15,
	deltaFromReq:  []int{-3, -2, -1, 0, 1},
	deltaWeights:  []float64{0.08, 0.17, 0.30, 0.30, 0.15},
	drift:         0.30,
	driftTwo:      0.30,
	maxEvidence:   7,
	sourceWeights: [5]float64{0.30, 0.20, 0.25, 0.15, 0.10},

	selfBias: 0.8, selfSD: 1.0,
	supervisorBias: 0.1, supervisorSD: 0.9,
	courseBias: 0.3, courseSD: 0.9,

	passAbove: 0.95, passAt: 0.78, passJustBelow: 0.22, passFarBelow: 0.06,

	certAt: 0.70, certBelow: 0.20,

	minSpan: 30 * 24 * time.Hour,
	maxSpan: 3 * 365 * 24 * time.Hour,
}

// simCase is one simulated (learner, competency): the required level of the learner's
// role, the hidden true level at the time of the newest evidence, and the evidence.
type simCase struct {
	required  int
	trueLevel int
	evidence  []models.Evidence
}

// simBase is the start of simulated time.
var simBase = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// simulateLearners returns the (learner, competency) cases of n simulated learners,
// each holding one to four competencies, with levels 0..5. It is deterministic in seed.
func simulateLearners(n int, seed int64) []simCase {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6b61726d61796f67)) // "karmayog"
	const top = 5
	var cases []simCase
	for learner := range n {
		for comp := range 1 + rng.IntN(4) {
			cases = append(cases, simulateCase(rng, int64(learner+1), int64(comp+1), top))
		}
	}
	return cases
}

// simulateCase draws one (learner, competency) case.
func simulateCase(rng *rand.Rand, learnerID, competencyID int64, top int) simCase {
	s := &simNoise
	c := simCase{}
	if rng.Float64() >= s.noRequirement {
		c.required = 1 + rng.IntN(top)
		c.trueLevel = clampInt(c.required+s.deltaFromReq[pick(rng, s.deltaWeights)], 0, top)
	} else {
		c.trueLevel = rng.IntN(top + 1)
	}

	// Evidence times across a span, oldest first.
	n := 1 + rng.IntN(s.maxEvidence)
	span := s.minSpan + time.Duration(rng.Int64N(int64(s.maxSpan-s.minSpan)))
	start := simBase.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
	times := make([]time.Time, n)
	for i := range times {
		times[i] = start.Add(time.Duration(rng.Int64N(int64(span))))
	}
	slices.SortFunc(times, time.Time.Compare)

	// Some learners improved during the span: evidence before the change shows the
	// earlier level.
	earlier, change := c.trueLevel, times[0]
	if c.trueLevel > 0 && rng.Float64() < s.drift {
		inc := 1
		if rng.Float64() < s.driftTwo {
			inc = 2
		}
		earlier = max(0, c.trueLevel-inc)
		change = times[0].Add(time.Duration(rng.Int64N(int64(times[n-1].Sub(times[0])) + 1)))
	}

	sources := []models.EvidenceSource{models.SelfRating, models.SupervisorRating,
		models.Assessment, models.CourseCompletion, models.Certification}
	for i, at := range times {
		level := c.trueLevel
		if at.Before(change) {
			level = earlier
		}
		e := models.Evidence{
			ID:           learnerID*1000 + competencyID*100 + int64(i),
			LearnerID:    learnerID,
			CompetencyID: competencyID,
			Source:       sources[pick(rng, s.sourceWeights[:])],
			ObservedAt:   at,
			CreatedAt:    at,
		}
		switch e.Source {
		case models.SelfRating:
			e.Level = noisyLevel(rng, level, s.selfBias, s.selfSD, top)
		case models.SupervisorRating:
			e.Level = noisyLevel(rng, level, s.supervisorBias, s.supervisorSD, top)
		case models.CourseCompletion:
			e.Level = noisyLevel(rng, level, s.courseBias, s.courseSD, top)
		case models.Certification:
			switch u := rng.Float64(); {
			case u < s.certAt:
				e.Level = level
			case u < s.certAt+s.certBelow:
				e.Level = level - 1
			default:
				e.Level = level + 1
			}
			e.Level = clampInt(e.Level, 1, top)
		case models.Assessment:
			e.Level = clampInt(level+rng.IntN(3)-1, 1, top)
			e.Score = simulateScore(rng, level, e.Level)
		}
		c.evidence = append(c.evidence, e)
	}
	return c
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
