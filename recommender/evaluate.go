package recommender

import (
	"math"

	"github.com/openkarmayogi/karmayogi/models"
)

// ProficiencyMetrics scores one proficiency method against the hidden true levels.
type ProficiencyMetrics struct {
	// MAE is the mean absolute difference between the method's level and the true level.
	MAE float64 `json:"mae"`
	// Accuracy is the fraction of cases where the method's level equals the true level.
	Accuracy float64 `json:"accuracy"`
	// Coverage80 is the fraction of cases whose true level lies in the method's 80%
	// interval; nil for a method without a distribution.
	Coverage80 *float64 `json:"coverage80"`
}

// ProficiencyEvaluation compares the estimator with the baselines on simulated learners.
// As JSON it is one object with the method names as keys.
type ProficiencyEvaluation struct {
	// Cases is the number of (learner, competency) pairs scored.
	Cases int `json:"-"`
	// IntervalMass is the probability ours' 80% intervals hold, on average: what a
	// calibrated estimator's Coverage80 should equal. Intervals of whole levels hold
	// at least 0.8, so it is above 0.8 (about 0.9 here).
	IntervalMass float64 `json:"-"`
	// Ours is EstimateProficiency with DefaultParams, its Level as the point estimate.
	Ours ProficiencyMetrics `json:"ours"`
	// Latest takes the level of the newest evidence (a failed assessment at L as L-1).
	Latest ProficiencyMetrics `json:"latest"`
	// Max takes the highest level among the evidence (a failed assessment at L as L-1).
	Max ProficiencyMetrics `json:"max"`
	// LatestSelf takes the newest SELF rating, or 0 without one.
	LatestSelf ProficiencyMetrics `json:"latest_self"`
}

// EvaluateProficiency simulates learners (each with one to four competencies, a role
// requirement per competency or none, a hidden true level 0..5, for some a recent
// improvement, and 1..7 pieces of noisy evidence over up to three years) and scores
// each method's point estimate against the true level at the time of the newest
// evidence. The simulator's noise and bias are its own, not the estimator's Params. The
// result is deterministic in (learners, seed); learners <= 0 gives a zero evaluation.
func EvaluateProficiency(learners int, seed int64) ProficiencyEvaluation {
	cases := simulateLearners(learners, seed)
	if len(cases) == 0 {
		return ProficiencyEvaluation{}
	}
	p := DefaultParams()
	var ours, latest, highest, self tally
	var covered int
	var mass float64
	for _, c := range cases {
		est := EstimateProficiency(p, c.required, c.evidence)
		ours.add(est.Level, c.trueLevel)
		if est.Low <= c.trueLevel && c.trueLevel <= est.High {
			covered++
		}
		for l := est.Low; l <= est.High; l++ {
			mass += est.Distribution[l]
		}
		latest.add(latestLevel(c.evidence), c.trueLevel)
		highest.add(maxLevel(c.evidence), c.trueLevel)
		self.add(latestSelfLevel(c.evidence), c.trueLevel)
	}
	n := float64(len(cases))
	coverage := float64(covered) / n
	ev := ProficiencyEvaluation{
		Cases:        len(cases),
		IntervalMass: mass / n,
		Ours:         ours.metrics(n),
		Latest:       latest.metrics(n),
		Max:          highest.metrics(n),
		LatestSelf:   self.metrics(n),
	}
	ev.Ours.Coverage80 = &coverage
	return ev
}

// tally accumulates absolute errors and exact matches.
type tally struct {
	absErr float64
	exact  int
}

func (t *tally) add(estimate, truth int) {
	t.absErr += math.Abs(float64(estimate - truth))
	if estimate == truth {
		t.exact++
	}
}

func (t tally) metrics(n float64) ProficiencyMetrics {
	return ProficiencyMetrics{MAE: t.absErr / n, Accuracy: float64(t.exact) / n}
}

// impliedLevel is the level a piece of evidence claims on its face: its level, or one
// below for a failed assessment.
func impliedLevel(e models.Evidence, passMark float64) int {
	if e.Source == models.Assessment && e.Score != nil && *e.Score < passMark {
		return e.Level - 1
	}
	return e.Level
}

// latestLevel is the implied level of the newest evidence (ties broken canonically).
func latestLevel(evidence []models.Evidence) int {
	var newest *models.Evidence
	for i := range evidence {
		if newest == nil || compareEvidence(evidence[i], *newest) > 0 {
			newest = &evidence[i]
		}
	}
	if newest == nil {
		return 0
	}
	return impliedLevel(*newest, DefaultParams().PassMark)
}

// maxLevel is the highest implied level among the evidence, 0 without any.
func maxLevel(evidence []models.Evidence) int {
	m := 0
	for _, e := range evidence {
		m = max(m, impliedLevel(e, DefaultParams().PassMark))
	}
	return m
}

// latestSelfLevel is the newest SELF rating, 0 without one.
func latestSelfLevel(evidence []models.Evidence) int {
	var self []models.Evidence
	for _, e := range evidence {
		if e.Source == models.SelfRating {
			self = append(self, e)
		}
	}
	if len(self) == 0 {
		return 0
	}
	return latestLevel(self)
}
