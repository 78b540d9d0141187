package recommender

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Fitting. Every (learner, competency) case has one latent level l at the time of its
// newest evidence, drawn from the prior of its competency and of the level the
// learner's own roles require, π_{c,r}; each piece of evidence is an observation of l
// (see Fitted), tempered by its age relative to the newest, w_i = 0.5^(age_i/H). Fit
// maximises the (tempered) marginal likelihood
//
//	Σ_n log Σ_l π_{c_n,r_n}(l) · Π_i P(e_ni | l)^{w_ni}
//
// by EM: the E-step computes each case's posterior q_n(l); the M-step re-estimates
// every table from the expected counts Σ_n Σ_i w_ni·q_n(l)·[observation], each row
// pooled towards its parent with a Dirichlet prior of fixed strength (a MAP estimate):
//
//	Observe[s][l][o] = (N_s[l][o] + α_obs·T0_s[l][o]) / (N_s[l] + α_obs)
//	π_{c,r}           = (N_{c,r} + α_π·π_{area,r}) / (|N_{c,r}| + α_π)
//	π_{area,r}        = (N_{area,r} + α_π·π_{type,r}) / ...,  π_{type,r} towards π_{all,r},
//	π_{all,r}         towards the hand-set Prior(r)
//
// (T0 is the hand-set likelihood), so a competency seen a few times borrows from its
// area and type, and a source seen rarely stays near its hand-set form. The
// assessment threshold's slip, guess and discrimination maximise the expected
// binomial log-likelihood of the outcomes by level difference l-L (Nelder-Mead, with
// pseudo-outcomes from the hand-set curve as a weak prior). The half-life H is chosen
// from HalfLives by the prequential log score: each piece of evidence predicted from
// the earlier evidence of its case, aged to its time, summed.
const (
	alphaObserve = 10 // pseudo-observations per row pooling a source's table to its hand-set form
	alphaPrior   = 20 // pseudo-cases pooling a prior to its parent
	alphaMargin  = 5  // pseudo-assessments pooling a margin rate to 1/2
	pseudoCurve  = 2  // pseudo-outcomes per level difference pooling the threshold curve

	// MinObservations is the (weighted) number of observations a source, or the
	// assessments, need before their likelihood is fitted; below it the hand-set form
	// is kept and Fit says so.
	MinObservations = 50
	// MinPriorCases is the number of cases below which a competency's prior is
	// reported as resting mostly on its area's (it is pooled either way).
	MinPriorCases = 20

	// minScoreGain is how much better (in mean log score per prediction) a shorter
	// half-life must predict to be preferred to a longer one: ageing is not assumed.
	minScoreGain = 0

	tableFloor  = 1e-4 // least probability a fitted table entry may hold
	emTolerance = 1e-5 // change in mean log-likelihood per case at which EM has converged
)

// HalfLives are the ageing half-lives Fit chooses among (0: no ageing).
var HalfLives = []time.Duration{0, 5 * year, 3 * year, 2 * year, year, year / 2, year / 4, year / 8}

const year = 365 * 24 * time.Hour

// Fit returns the parameters that maximise the marginal likelihood of the cases'
// evidence over the latent levels (see the comment above), starting from start, and a
// report of what it did. start supplies the hand-set forms that thin data keeps and
// that tables are pooled towards. The result has start's Version; the caller numbers
// it. Fit is deterministic in its inputs.
func Fit(start Params, cases []Case, o FitOptions) (Params, FitReport) {
	start.Fitted = nil
	data, report := prepareCases(start, cases)
	if len(data) == 0 {
		report.Notes = append(report.Notes, "no usable evidence: the hand-set model is kept")
		report.Converged = true
		return start, report
	}
	maxIter := o.MaxIterations
	if maxIter <= 0 {
		maxIter = 100
	}
	var best Params
	var bestScore float64
	var bestRun emRun
	scores := make([]string, 0, len(HalfLives))
	p := start
	for _, h := range HalfLives {
		p.HalfLife = h
		run := runEM(start, p, data, o.Groups, maxIter)
		p = run.params // the next half-life starts from this fit
		preds := predictions(run.params, data)
		hBest := math.Inf(-1)
		for _, r := range HalfLives {
			q := run.params
			q.ReadHalfLife = r
			score := preds.score(q)
			hBest = max(hBest, score)
			if bestRun.iterations == 0 || score > bestScore+minScoreGain {
				best, bestScore, bestRun = q, score, run
			}
		}
		scores = append(scores, fmt.Sprintf("%s %.4f", halfLifeName(h), hBest))
	}
	report.Iterations, report.Converged, report.LogLikelihood = bestRun.iterations, bestRun.converged, bestRun.logLik
	report.Notes = append(report.Notes, fmt.Sprintf("half-life %s, read half-life %s, chosen by the prequential log score, each piece of evidence predicted from those before it (by half-life, with its best read half-life: %s)",
		halfLifeName(best.HalfLife), halfLifeName(best.ReadHalfLife), strings.Join(scores, ", ")))
	report.Notes = append(report.Notes, bestRun.notes...)
	if !bestRun.converged {
		report.Notes = append(report.Notes, fmt.Sprintf("EM did not converge in %d iterations", maxIter))
	}
	return best, report
}

// fitCase is a Case prepared for fitting: its usable evidence in canonical order,
// each row also as an observation code (see obsCode) and its age in hours relative
// to the newest.
type fitCase struct {
	competency int64
	required   int
	rows       []models.Evidence
	codes      []int32     // -1: a row with a likelihood of its own (fixed)
	fixed      [][]float64 // by row: that likelihood's logarithm, nil for coded rows
	ages       []float64
}

// prepareCases keeps the usable evidence of each case and counts what there is.
func prepareCases(p Params, cases []Case) ([]fitCase, FitReport) {
	var r FitReport
	learners := map[int64]bool{}
	data := make([]fitCase, 0, len(cases))
	for _, c := range cases {
		rows := sortedUsable(p, c.Evidence)
		if len(rows) == 0 {
			continue
		}
		learners[c.LearnerID] = true
		r.Evidence += len(rows)
		fc := fitCase{competency: c.CompetencyID, required: clampInt(c.Required, 0, p.Levels-1), rows: rows,
			codes: make([]int32, len(rows)), fixed: make([][]float64, len(rows)), ages: make([]float64, len(rows))}
		newest := rows[len(rows)-1].ObservedAt
		for i, e := range rows {
			fc.codes[i] = p.obsCode(e)
			if len(e.Likelihood) > 0 { // an adaptive assessment's: not a parameter to fit
				fc.codes[i] = -1
				fc.fixed[i] = make([]float64, p.Levels)
				p.logLikelihood(fc.fixed[i], e)
			}
			fc.ages[i] = newest.Sub(e.ObservedAt).Hours()
		}
		data = append(data, fc)
	}
	r.Cases, r.Learners = len(data), len(learners)
	return data, r
}

// Observation codes: a rating, completion, certification or event at L is
// source·(K-1) + L-1; an assessment at L with outcome y (1 pass) and margin class m
// (0 no score, 1 clear, 2 not clear) is 5·(K-1) + ((L-1)·2 + y)·3 + m.
func (p Params) obsCode(e models.Evidence) int32 {
	top := p.Levels - 1
	if e.Source != models.Assessment {
		return int32(slices.Index(observedSources, sourceOf(e))*top + e.Level - 1)
	}
	y, m := 1, 0
	if e.Score != nil {
		if *e.Score < p.PassMark {
			y = 0
		}
		m = 2
		if p.marginClear(*e.Score) {
			m = 1
		}
	}
	return int32(len(observedSources)*top + ((e.Level-1)*2+y)*3 + m)
}

// decodeObs inverts obsCode: the source index (len(observedSources) for an
// assessment), the level, and for an assessment the outcome and margin class.
func decodeObs(code int32, top int) (src, level, y, m int) {
	c, n := int(code), len(observedSources)*top
	if c < n {
		return c / top, c%top + 1, 0, 0
	}
	c -= n
	m = c % 3
	c /= 3
	return len(observedSources), c/2 + 1, c % 2, m
}

// logTable returns log P(observation | l) for every level and observation code under
// f (which has a table for every source: the caller fills missing ones with the
// hand-set form) and p's assessment threshold.
func (p Params) logTable(f *Fitted) [][]float64 {
	k, top := p.Levels, p.Levels-1
	n := len(observedSources)*top + top*2*3
	t := make([][]float64, k)
	for l := range t {
		t[l] = make([]float64, n)
		for code := range n {
			src, level, y, m := decodeObs(int32(code), top)
			var q float64
			if src < len(observedSources) {
				q = f.Observe[observedSources[src]][l][level-1]
			} else {
				q = f.Chosen[l][level-1]
				pass := p.Assessment.Prob(level, l)
				if y == 0 {
					pass = 1 - pass
				}
				q *= pass
				if m > 0 {
					mc := f.Margin[y][clampInt(l-level, -2, 2)+2]
					if m == 2 {
						mc = 1 - mc
					}
					q *= mc
				}
			}
			t[l][code] = math.Log(max(q, probFloor))
		}
	}
	return t
}

// complete returns f with every missing table filled with hand's form (the EM's
// working model; thin sources stay at it).
func (hand Params) complete(f *Fitted) *Fitted {
	out := &Fitted{Observe: map[models.EvidenceSource][][]float64{}, Chosen: uniformRows(hand.Levels, hand.Levels-1),
		Margin: [2][5]float64{{0.5, 0.5, 0.5, 0.5, 0.5}, {0.5, 0.5, 0.5, 0.5, 0.5}}}
	for _, src := range observedSources {
		out.Observe[src] = hand.observeDefault(src)
	}
	if f != nil {
		for src, t := range f.Observe {
			out.Observe[src] = t
		}
		if f.Chosen != nil {
			out.Chosen, out.Margin = f.Chosen, f.Margin
		}
		out.Priors, out.Pooled = f.Priors, f.Pooled
	}
	return out
}

// emRun is the outcome of EM at one half-life.
type emRun struct {
	params     Params
	iterations int
	converged  bool
	logLik     float64
	notes      []string
}

// emStats are the expected counts of one E-step.
type emStats struct {
	k       int
	prior   map[int64][][]float64 // [c][r][l]
	observe map[models.EvidenceSource][][]float64
	sourceN map[models.EvidenceSource]float64
	chosen  [][]float64 // [l][L-1]
	pass    []float64   // by l-L+K-1
	total   []float64
	clear   [2][5]float64 // by outcome and clamp(l-L,-2,2)+2
	marginN [2][5]float64
	assessN float64
	logLik  float64
}

func newStats(k int) *emStats {
	s := &emStats{k: k, prior: map[int64][][]float64{}, observe: map[models.EvidenceSource][][]float64{},
		sourceN: map[models.EvidenceSource]float64{}, chosen: zeroRows(k, k-1),
		pass: make([]float64, 2*k-1), total: make([]float64, 2*k-1)}
	for _, src := range observedSources {
		s.observe[src] = zeroRows(k, k-1)
	}
	return s
}

func zeroRows(k, n int) [][]float64 {
	t := make([][]float64, k)
	for l := range t {
		t[l] = make([]float64, n)
	}
	return t
}

// runEM runs EM at p.HalfLife from p (whose Fitted, if any, is the warm start); hand
// holds the hand-set forms.
func runEM(hand, p Params, data []fitCase, groups map[int64]CompetencyGroup, maxIter int) emRun {
	k := p.Levels
	run := emRun{params: p}
	prev := math.Inf(-1)
	logp := make([]float64, k)
	weights := make([][]float64, len(data))
	for n, c := range data {
		weights[n] = make([]float64, len(c.ages))
		for i, a := range c.ages {
			weights[n][i] = p.weight(time.Duration(a * float64(time.Hour)))
		}
	}
	for it := 1; it <= maxIter; it++ {
		table := p.logTable(hand.complete(p.Fitted))
		st := newStats(k)
		for n, c := range data {
			p.priorFor(logp, c.competency, c.required)
			for l := range logp {
				logp[l] = math.Log(logp[l])
			}
			for i, code := range c.codes {
				w := weights[n][i]
				if code < 0 {
					for l := range logp {
						logp[l] += w * c.fixed[i][l]
					}
					continue
				}
				for l := range logp {
					logp[l] += w * table[l][code]
				}
			}
			m := slices.Max(logp)
			var z float64
			for l := range logp {
				logp[l] = math.Exp(logp[l] - m)
				z += logp[l]
			}
			st.logLik += m + math.Log(z)
			for l := range logp {
				logp[l] /= z
			}
			st.add(p, c, weights[n], logp)
		}
		cur := st.logLik / float64(len(data))
		run.iterations, run.logLik = it, cur
		p, run.notes = st.maximise(hand, p, groups)
		if it > 2 && math.Abs(cur-prev) < emTolerance {
			run.converged = true
			break
		}
		prev = cur
	}
	run.params = p
	return run
}

// add adds case c's expected counts under its posterior q.
func (st *emStats) add(p Params, c fitCase, weights, q []float64) {
	pr := st.prior[c.competency]
	if pr == nil {
		pr = zeroRows(st.k, st.k)
		st.prior[c.competency] = pr
	}
	for l, v := range q {
		pr[c.required][l] += v
	}
	top := st.k - 1
	for i, code := range c.codes {
		if code < 0 {
			continue // a fixed likelihood has nothing to count
		}
		w := weights[i]
		src, level, y, m := decodeObs(code, top)
		if src < len(observedSources) {
			s := observedSources[src]
			t := st.observe[s]
			for l, v := range q {
				t[l][level-1] += w * v
			}
			st.sourceN[s] += w
			continue
		}
		st.assessN += w
		for l, v := range q {
			wv := w * v
			st.chosen[l][level-1] += wv
			d := l - level + top
			st.total[d] += wv
			if y == 1 {
				st.pass[d] += wv
			}
			if m > 0 {
				b := clampInt(l-level, -2, 2) + 2
				st.marginN[y][b] += wv
				if m == 1 {
					st.clear[y][b] += wv
				}
			}
		}
	}
}

// maximise returns the parameters that maximise the expected complete-data log
// posterior given the counts (the M-step), and notes on what kept its hand-set form.
func (st *emStats) maximise(hand, cur Params, groups map[int64]CompetencyGroup) (Params, []string) {
	p := cur
	f := &Fitted{Observe: map[models.EvidenceSource][][]float64{}}
	var notes []string
	for _, src := range observedSources {
		if n := st.sourceN[src]; n < MinObservations {
			notes = append(notes, fmt.Sprintf("%s: %.0f weighted observations (< %d): hand-set likelihood kept", src, n, MinObservations))
			continue
		}
		f.Observe[src] = pooledRows(st.observe[src], hand.observeDefault(src), alphaObserve)
	}
	if st.assessN < MinObservations {
		notes = append(notes, fmt.Sprintf("ASSESSMENT: %.0f weighted observations (< %d): hand-set threshold kept", st.assessN, MinObservations))
	} else {
		f.Chosen = pooledRows(st.chosen, uniformRows(st.k, st.k-1), alphaObserve)
		var clamped bool
		p.Assessment, clamped = fitThreshold(hand.Assessment, cur.Assessment, st.pass, st.total, st.k)
		if clamped {
			notes = append(notes, fmt.Sprintf("ASSESSMENT: threshold clamped to slip %.3f, guess %.3f, discrimination %.2f",
				p.Assessment.Slip, p.Assessment.Guess, p.Assessment.Discrimination))
		}
		for y := range 2 {
			for b := range 5 {
				f.Margin[y][b] = (st.clear[y][b] + alphaMargin*0.5) / (st.marginN[y][b] + alphaMargin)
			}
		}
	}
	f.Pooled, f.Priors, notes = st.pooledPriors(hand, groups, notes)
	p.Fitted = f
	return p, notes
}

// normalise scales xs to sum to 1.
func normalise(xs []float64) {
	var z float64
	for _, x := range xs {
		z += x
	}
	for i := range xs {
		xs[i] /= z
	}
}
