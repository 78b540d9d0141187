package evaluate

import (
	"math"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// The list measures of EvaluateRecommendation: how well a ranking holds together as a
// list, the gain of each course counting only what it adds after the courses above
// it, on the hidden true levels and efficacies.

// listTop is the length of the lists the measures read, and listSet the size of the
// set whose share of the oracle's is reported.
const (
	listTop = 10
	listSet = 5
)

// listMeasures accumulates the list measures of each method over learners. Methods
// are indexed as in EvaluateRecommendation, with one more at the end: the independent
// ranking (ours_independent).
type listMeasures struct {
	learners       int       // learners with an oracle gain
	marginal       []float64 // Σ marginal NDCG@10
	set, oracleSet []float64 // Σ true gap closed by the top-listSet set; the oracle's
	ndcg           float64   // Σ plain NDCG@10 of the independent ranking
	ndcgN          int
	closed, hours  float64 // the independent ranking within the budget
}

func newListMeasures(methods int) *listMeasures {
	return &listMeasures{marginal: make([]float64, methods+1), set: make([]float64, methods+1), oracleSet: make([]float64, methods+1)}
}

// add scores one learner: rankings are the methods' (in method order), independent
// the independent ranking; rel and idcg are the plain relevances and ideal DCG@10 of
// EvaluateRecommendation (idcg <= 0: no course is relevant).
//
// The oracle is the greedy sequence on the truth: from the true state T (point
// masses at the true levels), each next course is the one of the largest true
// marginal gain
//
//	g_i(T) = e_i·Σ_j w_j·GapClosed(T_j, r_j, f, t)   (e_i the hidden efficacy for the role)
//
// (ties: the lower index; excluded courses are not taken), T then projected through it
// (T' = (1-e)·T + e·Project(T)). For a ranking R, g_k is the true marginal gain of R_k
// after R_1..R_{k-1} are taken, and
//
//	marginal NDCG@10 = Σ_{k<=10} g_k/log2(k+1) / Σ_{k<=10} g*_k/log2(k+1)
//	top-5 share      = Σ_learners Σ_{k<=5} g_k / Σ_learners Σ_{k<=5} g*_k
//
// with g*_k the oracle's. The greedy oracle is a reference, not a proven optimum, so
// a ranking could in principle score above 1.
func (m *listMeasures) add(w *simWorld, sl simLearner, truth levelState, rel []float64, idcg float64, rankings [][]int32, independent []int32) {
	oracle := m.oracle(w, sl, truth)
	if len(oracle) == 0 {
		return
	}
	ideal, idealSet := m.sequence(w, sl, truth, oracle)
	if ideal <= 0 {
		return
	}
	m.learners++
	for k, r := range append(rankings[:len(rankings):len(rankings)], independent) {
		d, set := m.sequence(w, sl, truth, r)
		m.marginal[k] += d / ideal
		m.set[k] += set
		m.oracleSet[k] += idealSet
	}
	if idcg > 0 {
		m.ndcg += dcg10(rel, independent) / idcg
		m.ndcgN++
	}
	c, h := trueClosed(w, sl, truth, withinBudget(w, independent, EvalBudgetHours))
	m.closed += c
	m.hours += h
}

// sequence returns the marginal DCG@10 of a ranking on the truth and the true gap its
// first listSet courses close together.
func (m *listMeasures) sequence(w *simWorld, sl simLearner, truth levelState, ranking []int32) (dcg, set float64) {
	s := truth.clone()
	for k, i := range ranking[:min(listTop, len(ranking))] {
		g := listGain(w, sl, &s, i)
		dcg += g / math.Log2(float64(k+2))
		if k < listSet {
			set += g
		}
		listApply(w, sl, &s, i)
	}
	return dcg, set
}

// oracle returns the greedy sequence of listTop courses on the truth (see add).
func (m *listMeasures) oracle(w *simWorld, sl simLearner, truth levelState) []int32 {
	s := truth.clone()
	taken := make(map[int32]bool, listTop)
	var out []int32
	for range listTop {
		best, bestGain := int32(-1), gainTol
		for _, i := range w.byRole[sl.role] {
			if taken[i] || sl.learner.Exclude[w.courses[i].ID] {
				continue
			}
			if g := listGain(w, sl, &s, i); g > bestGain {
				best, bestGain = i, g
			}
		}
		if best < 0 {
			break
		}
		taken[best] = true
		out = append(out, best)
		listApply(w, sl, &s, best)
	}
	return out
}

// listGain is g_i(s): the true weighted gap course i closes from state s.
func listGain(w *simWorld, sl simLearner, s *levelState, i int32) float64 {
	var g float64
	for _, im := range w.courses[i].Imparts {
		if j := s.find(im.CompetencyID); j >= 0 {
			g += s.reqs[j].Weight * recommender.GapClosed(s.dists[j], s.reqs[j].Level, im.From, im.To)
		}
	}
	return w.efficacy[sl.role][i] * g
}

// listApply projects s through course i with its hidden efficacy.
func listApply(w *simWorld, sl simLearner, s *levelState, i int32) {
	e := w.efficacy[sl.role][i]
	for _, im := range w.courses[i].Imparts {
		if j := s.find(im.CompetencyID); j >= 0 {
			recommender.ProjectWith(s.dists[j], im.From, im.To, e)
		}
	}
}

// fill writes the list measures into ev, whose methods are in the order given.
func (m *listMeasures) fill(ev *RecommendationEvaluation, methods []*RecommendationMetrics) {
	methods = append(methods, &ev.OursIndependent)
	for k, out := range methods {
		if m.learners > 0 {
			out.MarginalNDCG10 = m.marginal[k] / float64(m.learners)
		}
		if m.oracleSet[k] > 0 {
			out.Top5Share = m.set[k] / m.oracleSet[k]
		}
	}
	if m.ndcgN > 0 {
		ev.OursIndependent.NDCG10 = m.ndcg / float64(m.ndcgN)
	}
	if m.hours > 0 {
		ev.OursIndependent.GapClosedPerHour = m.closed / m.hours
	}
}
