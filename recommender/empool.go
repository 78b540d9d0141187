package recommender

import (
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/optimize"
)

// Pooling the fitted tables towards the hand-set ones, the fitted assessment
// threshold, and the held-out predictions that choose the half-life (Fit, em.go).

// pooledRows returns each row of counts pooled towards the same row of base with
// alpha pseudo-counts, floored at tableFloor and normalised.
func pooledRows(counts, base [][]float64, alpha float64) [][]float64 {
	out := make([][]float64, len(counts))
	for l, row := range counts {
		out[l] = make([]float64, len(row))
		var n float64
		for _, v := range row {
			n += v
		}
		var z float64
		for o, v := range row {
			out[l][o] = max((v+alpha*base[l][o])/(n+alpha), tableFloor)
			z += out[l][o]
		}
		for o := range out[l] {
			out[l][o] /= z
		}
	}
	return out
}

// pooledPriors pools the per-competency prior counts up the hierarchy competency ->
// area -> type -> all -> hand-set Prior(r), and back down.
func (st *emStats) pooledPriors(hand Params, groups map[int64]CompetencyGroup, notes []string) ([][]float64, map[int64][][]float64, []string) {
	k := st.k
	sum := func(ids []int64) [][]float64 {
		t := zeroRows(k, k)
		for _, c := range ids {
			for r := range k {
				for l := range k {
					t[r][l] += st.prior[c][r][l]
				}
			}
		}
		return t
	}
	ids := make([]int64, 0, len(st.prior))
	for c := range st.prior {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	base := make([][]float64, k)
	for r := range k {
		base[r] = hand.Prior(r)
	}
	all := pooledRows(sum(ids), base, alphaPrior)

	byType, byArea := map[string][]int64{}, map[[2]string][]int64{}
	for _, c := range ids {
		g := groups[c]
		byType[g.Type] = append(byType[g.Type], c)
		byArea[[2]string{g.Type, g.Area}] = append(byArea[[2]string{g.Type, g.Area}], c)
	}
	typePrior := map[string][][]float64{}
	for t, members := range byType {
		typePrior[t] = pooledRows(sum(members), all, alphaPrior)
	}
	areaPrior := map[[2]string][][]float64{}
	for a, members := range byArea {
		areaPrior[a] = pooledRows(sum(members), typePrior[a[0]], alphaPrior)
	}
	out := make(map[int64][][]float64, len(ids))
	var thin int
	for _, c := range ids {
		g := groups[c]
		out[c] = pooledRows(st.prior[c], areaPrior[[2]string{g.Type, g.Area}], alphaPrior)
		var n float64
		for r := range k {
			for l := range k {
				n += st.prior[c][r][l]
			}
		}
		if n < MinPriorCases {
			thin++
		}
	}
	if thin > 0 {
		notes = append(notes, fmt.Sprintf("priors: %d of %d competencies have fewer than %d cases and rest mostly on their area's and type's", thin, len(ids), MinPriorCases))
	}
	return all, out, notes
}

// Bounds on the fitted assessment threshold.
const (
	minSlipGuess, maxSlipGuess = 0.005, 0.45
	minDiscrim, maxDiscrim     = 0.5, 12
)

// fitThreshold maximises Σ_d pass_d·log q(d) + (total_d - pass_d)·log(1-q(d)) over
// slip, guess and discrimination, with pseudoCurve pseudo-outcomes per level
// difference from the hand-set curve, and clamps the result to sane bounds
// (reporting whether it had to).
func fitThreshold(hand, from Threshold, pass, total []float64, k int) (Threshold, bool) {
	// d ranges over l-L = -(k-1)..k-1; q(d) = Guess + (1-Guess-Slip)·σ(a·(d+0.5)).
	curve := func(t Threshold, d int) float64 {
		return t.Guess + (1-t.Guess-t.Slip)/(1+math.Exp(-t.Discrimination*(float64(d)+0.5)))
	}
	decode := func(x []float64) Threshold {
		sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
		return Threshold{Slip: 0.5 * sig(x[0]), Guess: 0.5 * sig(x[1]), Discrimination: math.Exp(x[2])}
	}
	logit := func(v float64) float64 { v = min(max(2*v, 1e-6), 1-1e-6); return math.Log(v / (1 - v)) }
	objective := func(x []float64) float64 {
		t := decode(x)
		var f float64
		for i := range pass {
			d := i - (k - 1)
			q := min(max(curve(t, d), 1e-9), 1-1e-9)
			q0 := curve(hand, d)
			ps, n := pass[i]+pseudoCurve*q0, total[i]+pseudoCurve
			f -= ps*math.Log(q) + (n-ps)*math.Log(1-q)
		}
		return f
	}
	x0 := []float64{logit(from.Slip), logit(from.Guess), math.Log(from.Discrimination)}
	res, err := optimize.Minimize(optimize.Problem{Func: objective}, x0, &optimize.Settings{FuncEvaluations: 2000}, &optimize.NelderMead{})
	t := hand
	if err == nil || res != nil {
		t = decode(res.X)
	}
	c := Threshold{
		Slip:           min(max(t.Slip, minSlipGuess), maxSlipGuess),
		Guess:          min(max(t.Guess, minSlipGuess), maxSlipGuess),
		Discrimination: min(max(t.Discrimination, minDiscrim), maxDiscrim),
	}
	return c, c != t
}

// prediction is one piece of evidence to predict from the evidence of its case
// before it: that evidence as stored (its log-likelihood tempered relative to its
// newest), how long before the predicted evidence the newest was, and the predicted
// evidence's log-likelihood by level.
type prediction struct {
	competency int64
	required   int
	stored, ll []float64
	age        time.Duration
}

type predictionSet []prediction

// predictions returns every piece of evidence but the first of each case, as a
// prediction from the case's earlier evidence under p (whose ReadHalfLife is not used).
func predictions(p Params, data []fitCase) predictionSet {
	var out predictionSet
	for _, c := range data {
		for n := 1; n < len(c.rows); n++ {
			pr := prediction{competency: c.competency, required: c.required, stored: p.temperedLogLik(c.rows[:n]), ll: make([]float64, p.Levels)}
			p.logLikelihood(pr.ll, c.rows[n])
			pr.age = c.rows[n].ObservedAt.Sub(c.rows[n-1].ObservedAt)
			out = append(out, pr)
		}
	}
	return out
}

// score returns the prequential log score of p: the mean log-probability p gives each
// predicted piece of evidence from the earlier evidence of its case, stored and then
// read at its time (Params.read) as the service would.
func (ps predictionSet) score(p Params) float64 {
	if len(ps) == 0 {
		return 0
	}
	var sum float64
	for _, pr := range ps {
		post := p.read(pr.competency, pr.required, pr.stored, pr.age)
		var q float64
		for l, v := range post {
			q += v * math.Exp(pr.ll[l])
		}
		sum += math.Log(max(q, probFloor))
	}
	return sum / float64(len(ps))
}

// halfLifeName prints a half-life in days, or "none".
func halfLifeName(h time.Duration) string {
	if h <= 0 {
		return "none"
	}
	return fmt.Sprintf("%.0fd", h.Hours()/24)
}
