package evaluate

import (
	"math"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
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
	// at least 0.8, so it is above 0.8.
	IntervalMass float64 `json:"-"`
	// Ours is the model fitted (Fit) on the world's training learners, read at the
	// evaluation time (aged by the wall clock), its median level as the point estimate.
	Ours ProficiencyMetrics `json:"ours"`
	// Defaults is EstimateProficiency with the hand-set DefaultParams under the
	// role's prior, as the service estimated before it learnt from its data.
	Defaults ProficiencyMetrics `json:"defaults"`
	// Latest takes the level of the newest evidence (a failed assessment at L as L-1).
	Latest ProficiencyMetrics `json:"latest"`
	// Max takes the highest level among the evidence (a failed assessment at L as L-1).
	Max ProficiencyMetrics `json:"max"`
	// LatestSelf takes the newest SELF rating, or 0 without one.
	LatestSelf ProficiencyMetrics `json:"latest_self"`
	// Fit is what fitting on the training learners did.
	Fit recommender.FitReport `json:"-"`
}

// EvaluateProficiency is EvaluateProficiencyIn the default world.
func EvaluateProficiency(learners int, seed int64) ProficiencyEvaluation {
	ev, _ := EvaluateProficiencyIn(DefaultWorld(), learners, seed)
	return ev
}

// EvaluateProficiencyIn simulates world w: a training population of learners whose
// evidence alone the model is fitted on (Fit, from DefaultParams), and as many other
// learners (each with one to four competencies, a role requirement or none, a true
// level that drifts and that courses may raise, and 1..7 pieces of evidence over up
// to three years) on whom each method's point estimate is scored against the true
// level at a reading time up to six months after their newest evidence. It returns
// the evaluation and the fitted parameters. The result is deterministic in (w,
// learners, seed); learners <= 0 gives a zero evaluation and DefaultParams.
func EvaluateProficiencyIn(w World, learners int, seed int64) (ProficiencyEvaluation, recommender.Params) {
	hand := recommender.DefaultParams()
	if learners <= 0 {
		return ProficiencyEvaluation{}, hand
	}
	fitted, report := recommender.Fit(hand, worldCases(simulateWorldCases(w, learners, seed, 1)), recommender.FitOptions{Groups: worldGroups(worldCompetencies)})
	test := simulateWorldCases(w, learners, seed^0x7465737473, int64(learners)+1) // "tests"
	var ours, defaults, latest, highest, self tally
	var covered int
	var mass float64
	for _, c := range test {
		dist := fitted.PosteriorAt(c.CompetencyID, c.Required, c.Evidence, c.now)
		level := recommender.Median(dist)
		low, high := recommender.Interval(dist, fitted.IntervalMass)
		ours.add(level, c.trueLevel)
		if low <= c.trueLevel && c.trueLevel <= high {
			covered++
		}
		for l := low; l <= high; l++ {
			mass += dist[l]
		}
		defaults.add(recommender.EstimateProficiency(hand, c.Required, c.Evidence).Level, c.trueLevel)
		latest.add(recommender.LatestLevel(c.Evidence), c.trueLevel)
		highest.add(maxLevel(c.Evidence), c.trueLevel)
		self.add(latestSelfLevel(c.Evidence), c.trueLevel)
	}
	n := float64(len(test))
	coverage := float64(covered) / n
	ev := ProficiencyEvaluation{
		Cases:        len(test),
		IntervalMass: mass / n,
		Ours:         ours.metrics(n),
		Defaults:     defaults.metrics(n),
		Latest:       latest.metrics(n),
		Max:          highest.metrics(n),
		LatestSelf:   self.metrics(n),
		Fit:          report,
	}
	ev.Ours.Coverage80 = &coverage
	return ev, fitted
}

// worldCases returns the cases of simulated ones.
func worldCases(ws []worldCase) []recommender.Case {
	out := make([]recommender.Case, len(ws))
	for i, c := range ws {
		out[i] = c.Case
	}
	return out
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

// maxLevel is the highest implied level among the evidence, 0 without any.
func maxLevel(evidence []models.Evidence) int {
	m := 0
	for _, e := range evidence {
		m = max(m, recommender.ImpliedLevel(e, recommender.DefaultParams().PassMark))
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
	return recommender.LatestLevel(self)
}

// WorldEvaluation is the offline evaluation in one world: the model fitted on the
// world's evidence, scored on its learners and used to rank its courses.
type WorldEvaluation struct {
	World          World                    `json:"world"`
	Proficiency    ProficiencyEvaluation    `json:"proficiency"`
	Recommendation RecommendationEvaluation `json:"recommendation"`
	// HalfLife and ReadHalfLife are the fitted ageing half-lives, in days (0: none).
	HalfLife     float64 `json:"halfLifeDays"`
	ReadHalfLife float64 `json:"readHalfLifeDays"`
}

// EvaluateWorld fits the model on world w's evidence (EvaluateProficiencyIn) and
// evaluates recommendations in w with it (EvaluateRecommendationIn). It is
// deterministic in (w, learners, seed).
func EvaluateWorld(w World, learners int, seed int64) WorldEvaluation {
	prof, fitted := EvaluateProficiencyIn(w, learners, seed)
	return WorldEvaluation{
		World:          w,
		Proficiency:    prof,
		Recommendation: EvaluateRecommendationIn(w, fitted, learners, seed),
		HalfLife:       fitted.HalfLife.Hours() / 24,
		ReadHalfLife:   fitted.ReadHalfLife.Hours() / 24,
	}
}
