package recommender

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// Calibration constants (see CalibrateItems and docs/assessments.md).
const (
	// CalibrationPseudoCount is the weight, in responses, of the written level: every
	// item's fit carries this many pseudo-responses, spread evenly over the levels and
	// answered as the uncalibrated curve (a = DefaultDiscrimination, b = Level - 0.5)
	// predicts. An item with n real responses is a blend in which the written level
	// weighs K/(K+n).
	CalibrationPseudoCount = 20
	// MinCalibrationResponses is the number of responses an item needs before
	// CalibrateItems gives it fitted parameters; below it the item stays at its written
	// level (returned unchanged).
	MinCalibrationResponses = 20
	// HighExposure is the share of attempts showing an item above which CalibrateItems
	// reports it: twice the selection's default MaxExposure, so an item reported has
	// escaped exposure control (usually because the bank is too small).
	HighExposure = 0.5
	// DiscriminationPriorSD is the SD of the Gaussian prior a ~ N(DefaultDiscrimination,
	// DiscriminationPriorSD²) every fit carries besides the pseudo-responses.
	DiscriminationPriorSD = 0.5
)

// Problems CalibrateItems reports in ItemReport.Problems.
const (
	ProblemNegativeDiscrimination = "negative discrimination"
	ProblemNeverCorrect           = "never answered correctly"
	ProblemAlwaysCorrect          = "always answered correctly"
	ProblemHighExposure           = "very high exposure"
)

// ItemResponses are one examinee's responses to the items of one competency, with the
// examinee's prior over levels 0..Levels-1 (the passbook posterior when the test began;
// nil means uniform over 6 levels).
type ItemResponses struct {
	Examinee  int64
	Prior     []float64
	Responses []Response
}

// ItemReport is what calibration found for one item.
type ItemReport struct {
	ItemID int64 `json:"itemId"`
	// Responses is the number of responses to the item.
	Responses int `json:"responses"`
	// Discrimination and Difficulty are the fitted (shrunk) a and b, reported even when
	// the item has fewer than MinCalibrationResponses responses and stays uncalibrated.
	Discrimination float64 `json:"discrimination"`
	Difficulty     float64 `json:"difficulty"`
	// Calibrated is whether the returned item carries them.
	Calibrated bool `json:"calibrated"`
	// Problems lists what is wrong with the item (the Problem* constants); empty when
	// nothing is.
	Problems []string `json:"problems"`
}

// itemStats are an item's expected counts over levels: n[l] expected responses from
// examinees at level l, r[l] expected correct ones.
type itemStats struct{ n, r []float64 }

// CalibrateItems fits each item's (a, b) of the model of ItemProb by marginal maximum
// likelihood over the examinees' latent levels, with EM:
//
//	E step: q_e(l) ∝ π_e(l) · Π_{i answered by e} P_i(l)^y · (1-P_i(l))^(1-y)
//	        n_i(l) = Σ_e q_e(l),  r_i(l) = Σ_e q_e(l)·y_ei          (over e answering i)
//	M step: (a_i, b_i) = argmax Σ_l r'_i(l)·log P_i(l) + (n'_i(l) - r'_i(l))·log(1 - P_i(l))
//	        n'_i(l) = n_i(l) + K/Levels,  r'_i(l) = r_i(l) + (K/Levels)·P⁰_i(l)
//
// where π_e is the examinee's prior (ItemResponses.Prior), c_i = 1/Options stays fixed,
// P⁰_i is the uncalibrated curve (a = DefaultDiscrimination, b = Level - 0.5) and
// K = CalibrationPseudoCount: the pseudo-responses shrink every item towards its
// written level, strongly while it has few responses and hardly at all once n ≫ K. Each
// M step is a BFGS run (gonum/optimize) from the current values; EM stops when no
// parameter moves by more than 1e-4, or after 200 iterations. Fitted values are clamped
// to a ∈ [-10, 10], b ∈ [-5, Levels+4].
//
// It returns the bank with the fitted parameters on every item with at least
// MinCalibrationResponses responses (the others unchanged), in bank order, and a report
// per item in bank order. A report lists as Problems: a fitted a < 0; an item answered
// but never, or always, correctly; an item shown in more than HighExposure of the
// attempts that answered any item of the bank. Pass one competency's bank and attempts.
// Responses to items not in bank are ignored; so is a prior whose length differs from
// the first attempt's number of levels (the uniform prior is used instead).
func CalibrateItems(bank []Item, attempts []ItemResponses) ([]Item, []ItemReport) {
	levels := 6
	for _, at := range attempts {
		if len(at.Prior) >= 2 {
			levels = len(at.Prior)
			break
		}
	}
	index := make(map[int64]int, len(bank))
	for i, it := range bank {
		index[it.ID] = i
	}

	// Raw counts, for the report.
	count := make([]int, len(bank))
	correct := make([]int, len(bank))
	shown := make([]int, len(bank))
	active := 0
	seen := make([]bool, len(bank))
	for _, at := range attempts {
		answered := false
		for _, r := range at.Responses {
			i, ok := index[r.ItemID]
			if !ok {
				continue
			}
			answered = true
			count[i]++
			if r.Correct {
				correct[i]++
			}
			if !seen[i] {
				seen[i] = true
				shown[i]++
			}
		}
		for _, r := range at.Responses {
			if i, ok := index[r.ItemID]; ok {
				seen[i] = false
			}
		}
		if answered {
			active++
		}
	}

	// Working parameters and the shrinkage curves.
	a := make([]float64, len(bank))
	b := make([]float64, len(bank))
	c := make([]float64, len(bank))
	p0 := make([][]float64, len(bank))
	for i, it := range bank {
		a[i], b[i] = it.Params()
		c[i] = it.guess()
		p0[i] = make([]float64, levels)
		itemProbs(p0[i], Item{Level: it.Level, Options: it.Options})
	}
	uniform := make([]float64, levels)
	for l := range uniform {
		uniform[l] = math.Log(1 / float64(levels))
	}
	logPrior := make([][]float64, len(attempts))
	for e, at := range attempts {
		if len(at.Prior) != levels {
			logPrior[e] = uniform
			continue
		}
		lp := make([]float64, levels)
		for l, q := range at.Prior {
			lp[l] = math.Log(max(q, probFloor))
		}
		logPrior[e] = lp
	}

	st := make([]itemStats, len(bank))
	for i := range st {
		st[i] = itemStats{n: make([]float64, levels), r: make([]float64, levels)}
	}
	q := make([]float64, levels)
	probs := make([][]float64, len(bank))
	for i := range probs {
		probs[i] = make([]float64, levels)
	}
	w := float64(CalibrationPseudoCount) / float64(levels)
	for iter := 0; iter < 200; iter++ {
		for i := range bank {
			itemProbs(probs[i], Item{Options: bank[i].Options, Discrimination: nonzero(a[i]), Difficulty: b[i]})
			for l := range levels {
				st[i].n[l] = w
				st[i].r[l] = w * p0[i][l]
			}
		}
		// E step.
		for e, at := range attempts {
			copy(q, logPrior[e])
			for _, r := range at.Responses {
				i, ok := index[r.ItemID]
				if !ok {
					continue
				}
				for l := range q {
					pl := probs[i][l]
					if !r.Correct {
						pl = 1 - pl
					}
					q[l] += math.Log(max(pl, probFloor))
				}
			}
			peak := slices.Max(q)
			var z float64
			for l := range q {
				q[l] = math.Exp(q[l] - peak)
				z += q[l]
			}
			for _, r := range at.Responses {
				i, ok := index[r.ItemID]
				if !ok {
					continue
				}
				for l := range q {
					st[i].n[l] += q[l] / z
					if r.Correct {
						st[i].r[l] += q[l] / z
					}
				}
			}
		}
		// M step.
		var moved float64
		for i := range bank {
			if count[i] == 0 {
				continue
			}
			na, nb := fitItem(st[i], c[i], a[i], b[i], DefaultDiscrimination)
			na = min(max(na, -10), 10)
			nb = min(max(nb, -5), float64(levels+4))
			moved = max(moved, math.Abs(na-a[i]), math.Abs(nb-b[i]))
			a[i], b[i] = na, nb
		}
		if moved < 1e-4 {
			break
		}
	}

	out := slices.Clone(bank)
	reports := make([]ItemReport, len(bank))
	for i, it := range bank {
		rep := ItemReport{ItemID: it.ID, Responses: count[i], Discrimination: a[i], Difficulty: b[i], Problems: []string{}}
		if count[i] >= MinCalibrationResponses {
			out[i].Discrimination, out[i].Difficulty = nonzero(a[i]), b[i]
			rep.Calibrated = true
		}
		if count[i] > 0 && a[i] < 0 {
			rep.Problems = append(rep.Problems, ProblemNegativeDiscrimination)
		}
		if count[i] > 0 && correct[i] == 0 {
			rep.Problems = append(rep.Problems, ProblemNeverCorrect)
		}
		if count[i] > 0 && correct[i] == count[i] {
			rep.Problems = append(rep.Problems, ProblemAlwaysCorrect)
		}
		if active > 0 && float64(shown[i]) > HighExposure*float64(active) {
			rep.Problems = append(rep.Problems, ProblemHighExposure)
		}
		reports[i] = rep
	}
	return out, reports
}

// nonzero returns a, or a tiny positive value for a == 0 (which would mean "not
// calibrated").
func nonzero(a float64) float64 {
	if a == 0 {
		return 1e-9
	}
	return a
}

// fitItem maximises the expected complete-data log-likelihood of one item,
//
//	Σ_l r(l)·log P(l) + (n(l) - r(l))·log(1 - P(l)),  P(l) = c + (1-c)·σ(a·(l - b)),
//
// over (a, b) from (a0, b0) with BFGS, and returns (a0, b0) if the optimiser fails.
func fitItem(s itemStats, c, a0, b0, aPrior float64) (a, b float64) {
	f := func(x []float64) float64 {
		d := x[0] - aPrior
		v := d * d / (2 * DiscriminationPriorSD * DiscriminationPriorSD)
		for l := range s.n {
			sg := 1 / (1 + math.Exp(-x[0]*(float64(l)-x[1])))
			p := c + (1-c)*sg
			v -= s.r[l]*math.Log(max(p, probFloor)) + (s.n[l]-s.r[l])*math.Log(max(1-p, probFloor))
		}
		return v
	}
	grad := func(g, x []float64) {
		g[0], g[1] = (x[0]-aPrior)/(DiscriminationPriorSD*DiscriminationPriorSD), 0
		for l := range s.n {
			d := float64(l) - x[1]
			sg := 1 / (1 + math.Exp(-x[0]*d))
			p := min(max(c+(1-c)*sg, probFloor), 1-probFloor)
			dfdp := -(s.r[l]/p - (s.n[l]-s.r[l])/(1-p))
			ds := (1 - c) * sg * (1 - sg)
			g[0] += dfdp * ds * d
			g[1] -= dfdp * ds * x[0]
		}
	}
	res, err := optimize.Minimize(optimize.Problem{Func: f, Grad: grad}, []float64{a0, b0}, nil, &optimize.BFGS{})
	if err != nil && res == nil {
		return a0, b0
	}
	x := res.X
	if math.IsNaN(x[0]) || math.IsNaN(x[1]) || f(x) > f([]float64{a0, b0}) {
		return a0, b0
	}
	return x[0], x[1]
}
