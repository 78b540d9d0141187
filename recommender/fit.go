package recommender

import (
	"math"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Case is the evidence of one learner in one competency, the unit the estimator is
// fitted on: the level the learner's own roles require of the competency (0: none;
// the prior's group) and that pair's evidence, in any order.
type Case struct {
	LearnerID, CompetencyID int64
	Required                int
	Evidence                []models.Evidence
}

// CompetencyGroup places a competency in the hierarchy its prior is pooled over:
// competency -> area -> type -> everything.
type CompetencyGroup struct{ Type, Area string }

// FitOptions tune Fit.
type FitOptions struct {
	// Groups holds each competency's type and area, for pooling sparse priors.
	Groups map[int64]CompetencyGroup
	// MaxIterations bounds the EM iterations of one fit (0: 100).
	MaxIterations int
}

// FitReport says what a fit did.
type FitReport struct {
	Cases, Learners, Evidence int
	Iterations                int
	Converged                 bool
	// LogLikelihood is the final marginal log-likelihood per case.
	LogLikelihood float64
	// Notes name each parameter that kept its default or was clamped, and why.
	Notes []string
}

// Diagnostics score a model's one-step-ahead predictions on held-out cases: each
// assessment outcome and each supervisor rating that has evidence of the same case
// before it, predicted from that evidence.
type Diagnostics struct {
	// Assessments is the number of assessment outcomes predicted; AssessmentLogLoss
	// their mean negative log-probability of the outcome (pass or fail), in nats.
	Assessments       int     `json:"assessments"`
	AssessmentLogLoss float64 `json:"assessmentLogLoss"`
	// SupervisorRatings is the number of supervisor ratings predicted; SupervisorMAE
	// the mean absolute difference between the predicted and the given rating.
	SupervisorRatings int     `json:"supervisorRatings"`
	SupervisorMAE     float64 `json:"supervisorMAE"`
}

// SplitHoldout splits cases by learner: a learner's cases go to test with
// probability share (by a hash of the learner ID and seed), else to train.
func SplitHoldout(cases []Case, share float64, seed uint64) (train, test []Case) {
	for _, c := range cases {
		if heldOut(c.LearnerID, share, seed) {
			test = append(test, c)
		} else {
			train = append(train, c)
		}
	}
	return train, test
}

// heldOut reports whether a learner belongs to the holdout (SplitHoldout).
func heldOut(learnerID int64, share float64, seed uint64) bool {
	x := uint64(learnerID)*0x9e3779b97f4a7c15 ^ seed
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return float64(x>>11)/(1<<53) < share
}

// Diagnose scores p's one-step-ahead predictions on cases (see Diagnostics): for
// each ASSESSMENT with a score and each SUPERVISOR rating, the posterior from the
// evidence of the same case observed strictly before it (aged to its time) predicts
// the pass probability at its tested level, and the expected rating.
func Diagnose(p Params, cases []Case) Diagnostics {
	var d Diagnostics
	var loss, abs float64
	for _, c := range cases {
		rows := sortedUsable(p, c.Evidence)
		for k, e := range rows {
			if !predicted(e) || k == 0 {
				continue // the first piece of a case is predicted by no evidence (as in DiagnoseLatest)
			}
			post := posteriorAt(p, c.CompetencyID, c.Required, rows[:k], e.ObservedAt)
			switch e.Source {
			case models.Assessment:
				q := 0.0
				for l, w := range post {
					q += w * p.passProb(e.Level, l)
				}
				loss += outcomeLoss(q, *e.Score >= p.PassMark)
				d.Assessments++
			case models.SupervisorRating:
				var mean float64
				for l, w := range post {
					mean += w * p.expectedRating(models.SupervisorRating, l)
				}
				abs += math.Abs(mean - float64(e.Level))
				d.SupervisorRatings++
			}
		}
	}
	return d.averaged(loss, abs)
}

// DiagnoseLatest scores the latest-evidence rule the same way: the implied level of
// the newest earlier evidence is the prediction of a supervisor rating, and an
// assessment at L is predicted to pass with the pass rate that train shows for
// "latest >= L" and for "latest < L" (so its log loss is finite and fair).
func DiagnoseLatest(train, test []Case) Diagnostics {
	p := DefaultParams()
	var passes, totals [2]float64 // [latest >= L]
	walk := func(cases []Case, fn func(prev []models.Evidence, e models.Evidence)) {
		for _, c := range cases {
			rows := sortedUsable(p, c.Evidence)
			for k, e := range rows {
				if predicted(e) && k > 0 {
					fn(rows[:k], e)
				}
			}
		}
	}
	above := func(prev []models.Evidence, level int) int {
		if LatestLevel(prev) >= level {
			return 1
		}
		return 0
	}
	walk(train, func(prev []models.Evidence, e models.Evidence) {
		if e.Source == models.Assessment {
			i := above(prev, e.Level)
			totals[i]++
			if *e.Score >= p.PassMark {
				passes[i]++
			}
		}
	})
	var d Diagnostics
	var loss, abs float64
	walk(test, func(prev []models.Evidence, e models.Evidence) {
		switch e.Source {
		case models.Assessment:
			i := above(prev, e.Level)
			q := (passes[i] + 1) / (totals[i] + 2)
			loss += outcomeLoss(q, *e.Score >= p.PassMark)
			d.Assessments++
		case models.SupervisorRating:
			abs += math.Abs(float64(LatestLevel(prev) - e.Level))
			d.SupervisorRatings++
		}
	})
	return d.averaged(loss, abs)
}

// averaged returns d with the summed log loss and absolute error turned into means.
func (d Diagnostics) averaged(loss, abs float64) Diagnostics {
	if d.Assessments > 0 {
		d.AssessmentLogLoss = loss / float64(d.Assessments)
	}
	if d.SupervisorRatings > 0 {
		d.SupervisorMAE = abs / float64(d.SupervisorRatings)
	}
	return d
}

// predicted reports whether Diagnose predicts e: a scored assessment or a
// supervisor rating.
func predicted(e models.Evidence) bool {
	return (e.Source == models.Assessment && e.Score != nil) || e.Source == models.SupervisorRating
}

// outcomeLoss is -log of the probability q gave the outcome, q clamped to [1e-6, 1-1e-6].
func outcomeLoss(q float64, pass bool) float64 {
	q = min(max(q, 1e-6), 1-1e-6)
	if pass {
		return -math.Log(q)
	}
	return -math.Log(1 - q)
}

// sortedUsable returns the usable evidence in canonical order.
func sortedUsable(p Params, evidence []models.Evidence) []models.Evidence {
	rows := make([]models.Evidence, 0, len(evidence))
	for _, e := range evidence {
		if p.usable(e) {
			rows = append(rows, e)
		}
	}
	slices.SortFunc(rows, compareEvidence)
	return rows
}

// PosteriorAt is the posterior of a case read at time at, as the service reads its
// stored estimate: the usable evidence in canonical order, tempered by age relative to
// its newest, then aged to at (see posteriorAt).
func (p Params) PosteriorAt(competencyID int64, required int, evidence []models.Evidence, at time.Time) []float64 {
	return posteriorAt(p, competencyID, required, sortedUsable(p, evidence), at)
}

// posteriorAt is the posterior of a case read at time at: the evidence (usable,
// canonical order) tempered by age relative to its newest (HalfLife), as the store
// keeps it, then aged to at by the wall clock (ReadHalfLife), under the prior of the
// competency and the learner's own required level (PriorFor).
func posteriorAt(p Params, competencyID int64, required int, evidence []models.Evidence, at time.Time) []float64 {
	var newest time.Time
	if n := len(evidence); n > 0 {
		newest = evidence[n-1].ObservedAt
	}
	return p.read(competencyID, required, p.temperedLogLik(evidence), at.Sub(newest))
}

// read returns the posterior from a stored log-likelihood (up to a constant) read
// after age: log P(l) = log π(l) + v·stored(l) - log Z, v = 0.5^(age/ReadHalfLife).
func (p Params) read(competencyID int64, required int, stored []float64, age time.Duration) []float64 {
	v := halving(age, p.ReadHalfLife)
	logp := make([]float64, len(stored))
	p.priorFor(logp, competencyID, required)
	for l := range logp {
		logp[l] = math.Log(logp[l]) + v*stored[l]
	}
	return normaliseLog(logp)
}

// halving returns 0.5^(age/h), 1 when h <= 0 or age <= 0.
func halving(age, h time.Duration) float64 {
	if h <= 0 || age <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(h))
}

// normaliseLog turns log-weights into probabilities, in place, and returns them.
func normaliseLog(logp []float64) []float64 {
	m := slices.Max(logp)
	var z float64
	for l, v := range logp {
		logp[l] = math.Exp(v - m)
		z += logp[l]
	}
	for l := range logp {
		logp[l] /= z
	}
	return logp
}

// passProb is the probability of passing an assessment at level L given true level l.
func (p Params) passProb(level, trueLevel int) float64 {
	return p.Assessment.Prob(level, trueLevel)
}

// expectedRating is the mean rating a source gives someone at true level l.
func (p Params) expectedRating(source models.EvidenceSource, trueLevel int) float64 {
	if p.Fitted != nil {
		if t := p.Fitted.Observe[source]; t != nil {
			var m float64
			for o, q := range t[trueLevel] {
				m += float64(o+1) * q
			}
			return m
		}
	}
	r := p.Supervisor
	if source == models.SelfRating {
		r = p.Self
	}
	top := p.Levels - 1
	var m float64
	for o := 1; o <= top; o++ {
		m += float64(o) * r.Prob(o, trueLevel, top)
	}
	return m
}

// ImpliedLevel is the level a piece of evidence claims on its face: its level, or one
// below for a failed assessment.
func ImpliedLevel(e models.Evidence, passMark float64) int {
	if e.Source == models.Assessment && e.Score != nil && *e.Score < passMark {
		return e.Level - 1
	}
	return e.Level
}

// LatestLevel is the implied level of the newest evidence (ties broken canonically):
// the "latest" baseline of the evaluation and of DiagnoseLatest.
func LatestLevel(evidence []models.Evidence) int {
	var newest *models.Evidence
	for i := range evidence {
		if newest == nil || compareEvidence(evidence[i], *newest) > 0 {
			newest = &evidence[i]
		}
	}
	if newest == nil {
		return 0
	}
	return ImpliedLevel(*newest, DefaultParams().PassMark)
}
