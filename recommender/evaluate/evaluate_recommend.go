package evaluate

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// RecommendationMetrics scores one recommendation method against the hidden truth.
type RecommendationMetrics struct {
	// NDCG10 is the mean NDCG@10 of the method's ranking, the relevance of a course
	// being the true weighted gap it would close for the learner.
	NDCG10 float64 `json:"ndcg10"`
	// GapClosedPerHour is the true weighted gap closed by the method's courses within
	// the evaluation budget, per hour used.
	GapClosedPerHour float64 `json:"gapClosedPerHour"`
	// GapClosed20h is the mean true weighted gap closed per learner by the method's
	// courses within a 20-hour budget (ours: its 20-hour learning path).
	GapClosed20h float64 `json:"gapClosed20h"`
	// MarginalNDCG10 and Top5Share are the list measures (evaluate_lists.go): NDCG@10
	// with each course's gain counting only what it adds after the courses above it,
	// against the greedy oracle on the truth, and the true gap the first five close
	// together as a share of what the oracle's first five close.
	MarginalNDCG10 float64 `json:"marginalNdcg10"`
	Top5Share      float64 `json:"top5Share"`
}

// RecommendationEvaluation compares the recommender with the baselines on simulated
// learners. As JSON it is one object with the method names as keys.
type RecommendationEvaluation struct {
	// Learners is the number of simulated learners; Scored, those some course could
	// help (the NDCG is averaged over them); Courses, the size of the catalogue.
	Learners int `json:"-"`
	Scored   int `json:"-"`
	Courses  int `json:"-"`
	// Ours is Recommend (ranking) and LearningPath (gap closed per hour).
	Ours RecommendationMetrics `json:"ours"`
	// OursNoPeer is Recommend without the peer signal; its courses taken in rank order.
	OursNoPeer RecommendationMetrics `json:"ours_no_peer"`
	// Popular ranks every course by enrolments.
	Popular RecommendationMetrics `json:"popular"`
	// Random ranks every course at random.
	Random RecommendationMetrics `json:"random"`
	// IGOTRule is the iGOT rule: gap = required - latest self-declared level; a course
	// helps if it imparts a gapped competency to at least the required level; helpful
	// courses ranked by gapped competencies covered, then enrolments.
	IGOTRule RecommendationMetrics `json:"igot_rule"`
	// OursIndependent ranks every course on its own expected gap closed (with quality
	// and peers), as Recommend did before lists were built on marginal value; its
	// courses taken in rank order.
	OursIndependent RecommendationMetrics `json:"ours_independent"`
}

// EvalBudgetHours is the learning budget of the gap-closed-per-hour metric;
// EvalShortBudgetHours that of GapClosed20h.
const (
	EvalBudgetHours      = 40
	EvalShortBudgetHours = 20
)

// EvaluateRecommendation is EvaluateRecommendationIn the default world with the
// hand-set parameters.
func EvaluateRecommendation(learners int, seed int64) RecommendationEvaluation {
	return EvaluateRecommendationIn(DefaultWorld(), recommender.DefaultParams(), learners, seed)
}

// EvaluateRecommendationIn simulates a world (competencies, roles, a catalogue of 420
// courses with hidden efficacies, and peers of each role whose completions, ratings
// and dismissals follow the true gain a course gave them and feed PeerSignals and the
// ratings) and learners of its roles with hidden true levels whose noisy evidence goes
// through the real estimator with parameters p (EstimateProficiency, stored under the
// uniform prior; in the proficiency world pw, see simulateWorldCase), and scores each
// method:
//
//   - relevance of course i for a learner: rel_i = e_i·Σ_j w_j·max(0, closed_j), the
//     true weighted gap it would close from the true levels, e_i its hidden efficacy
//     for the learner's role; excluded courses have none and are not ranked;
//   - NDCG10 = mean over learners with some relevant course of DCG@10/IDCG@10,
//     DCG@10 = Σ_{k=1..10} rel_(k)/log2(k+1);
//   - GapClosedPerHour = Σ_learners closed / Σ_learners hours: the courses of the
//     method's learning path (ours) or its ranking taken in order, each if it still
//     fits the EvalBudgetHours budget (the rest), applied to the true levels in turn
//     (P' = (1-e)·P + e·Project(P) per competency), closed the true weighted gap
//     before minus after.
//
// The result is deterministic in (learners, seed); learners <= 0 gives a zero value.
func EvaluateRecommendationIn(pw World, p recommender.Params, learners int, seed int64) RecommendationEvaluation {
	if learners <= 0 {
		return RecommendationEvaluation{}
	}
	w := simulateWorld(seed, pw)
	offsets := competencyOffsets(seed, worldCompetencies)
	cat := w.catalogue
	draw := rand.New(rand.NewPCG(uint64(seed), 0x6c6561726e657273)) // "learners"
	rng := rand.New(rand.NewPCG(uint64(seed), 0x72616e646f6d21))    // "random!"

	popular := make([]int32, len(w.courses))
	for i := range popular {
		popular[i] = int32(i)
	}
	slices.SortStableFunc(popular, func(a, b int32) int {
		return cmp.Compare(w.courses[b].Enrolments, w.courses[a].Enrolments)
	})

	const (
		ours = iota
		oursNoPeer
		pop
		random
		igot
		methods
	)
	var ndcg [methods]float64
	var closed, hours, closed20 [methods]float64
	ev := RecommendationEvaluation{Learners: learners, Courses: cat.Len()}
	rel := make([]float64, len(w.courses))
	lists := newListMeasures(methods)
	var independent20 float64
	for u := range learners {
		sl := simulateRecommendLearner(w, pw, offsets, p, draw, u)
		l := sl.learner
		truth := trueState(p, sl)
		for i := range rel {
			rel[i] = 0
		}
		for _, i := range w.accumulate(&truth, rel, nil) {
			if l.Exclude[w.courses[i].ID] {
				rel[i] = 0
			} else {
				rel[i] *= w.efficacy[sl.role][i]
			}
		}

		var rankings [methods][]int32
		for _, m := range []int{ours, oursNoPeer} {
			recs := cat.Recommend(p, l, 0, recommender.ScoreOptions{NoPeer: m == oursNoPeer})
			for _, r := range recs {
				rankings[m] = append(rankings[m], w.position(r.CourseID))
			}
		}
		for _, i := range popular {
			if !l.Exclude[w.courses[i].ID] {
				rankings[pop] = append(rankings[pop], i)
			}
		}
		rankings[random] = slices.Clone(rankings[pop])
		rng.Shuffle(len(rankings[random]), func(a, b int) {
			rankings[random][a], rankings[random][b] = rankings[random][b], rankings[random][a]
		})
		rankings[igot] = igotRanking(w, sl, popular)
		independent := cat.RecommendIndependent(p, l, 0, recommender.ScoreOptions{})
		lists.add(w, sl, truth, rel, dcg10(rel, idealOrder(rel)), rankings[:], independent)
		c20, _ := trueClosed(w, sl, truth, withinBudget(w, independent, EvalShortBudgetHours))
		independent20 += c20

		if idcg := dcg10(rel, idealOrder(rel)); idcg > 0 {
			ev.Scored++
			for m := range methods {
				ndcg[m] += dcg10(rel, rankings[m]) / idcg
			}
		}

		path := cat.LearningPath(p, l, EvalBudgetHours, nil)
		var sequences [methods][]int32
		for _, st := range path.Steps {
			sequences[ours] = append(sequences[ours], w.position(st.CourseID))
		}
		for m := oursNoPeer; m < methods; m++ {
			sequences[m] = withinBudget(w, rankings[m], EvalBudgetHours)
		}
		for m := range methods {
			c, h := trueClosed(w, sl, truth, sequences[m])
			closed[m] += c
			hours[m] += h
		}
		short := cat.LearningPath(p, l, EvalShortBudgetHours, nil)
		var shortSeq []int32
		for _, st := range short.Steps {
			shortSeq = append(shortSeq, w.position(st.CourseID))
		}
		c, _ := trueClosed(w, sl, truth, shortSeq)
		closed20[ours] += c
		for m := oursNoPeer; m < methods; m++ {
			c, _ := trueClosed(w, sl, truth, withinBudget(w, rankings[m], EvalShortBudgetHours))
			closed20[m] += c
		}
	}
	metric := func(m int) RecommendationMetrics {
		var out RecommendationMetrics
		if ev.Scored > 0 {
			out.NDCG10 = ndcg[m] / float64(ev.Scored)
		}
		if hours[m] > 0 {
			out.GapClosedPerHour = closed[m] / hours[m]
		}
		out.GapClosed20h = closed20[m] / float64(learners)
		return out
	}
	ev.Ours, ev.OursNoPeer, ev.Popular, ev.Random, ev.IGOTRule = metric(ours), metric(oursNoPeer), metric(pop), metric(random), metric(igot)
	lists.fill(&ev, []*RecommendationMetrics{&ev.Ours, &ev.OursNoPeer, &ev.Popular, &ev.Random, &ev.IGOTRule})
	ev.OursIndependent.GapClosed20h = independent20 / float64(learners)
	return ev
}

// trueState is a learner's true levels as a levelState of point masses.
func trueState(p recommender.Params, sl simLearner) levelState {
	s := levelState{k: p.Levels, reqs: sl.learner.Requirements, dists: make([][]float64, len(sl.levels))}
	for j, l := range sl.levels {
		s.dists[j] = make([]float64, p.Levels)
		s.dists[j][l] = 1
	}
	return s
}

// trueClosed applies courses in order to a copy of the true state, each working with
// its hidden efficacy (P' = (1-e)·P + e·Project(P)), and returns the true weighted gap
// closed and the hours taken.
func trueClosed(w *simWorld, sl simLearner, truth levelState, courses []int32) (closed, hours float64) {
	s := truth.clone()
	before := s.weightedGap()
	moved := make([]float64, s.k)
	for _, i := range courses {
		course := &w.courses[i]
		hours += course.Hours
		e := w.efficacy[sl.role][i]
		for _, im := range course.Imparts {
			j := s.find(im.CompetencyID)
			if j < 0 {
				continue
			}
			copy(moved, s.dists[j])
			recommender.Project(moved, im.From, im.To)
			for l := range moved {
				s.dists[j][l] = (1-e)*s.dists[j][l] + e*moved[l]
			}
		}
	}
	return before - s.weightedGap(), hours
}

// withinBudget returns the courses of a ranking taken in order, each if it fits the
// budget that remains.
func withinBudget(w *simWorld, ranking []int32, budget float64) []int32 {
	var out []int32
	var used float64
	for _, i := range ranking {
		if h := w.courses[i].Hours; used+h <= budget {
			out = append(out, i)
			used += h
		}
	}
	return out
}

// igotRanking ranks courses by the iGOT rule for a learner: the gap of requirement j
// is r_j minus the latest self-declared level (0 without one); a course helps if it
// imparts a gapped competency with To >= r_j; helpful courses are ranked by the number
// of gapped competencies they cover so, then by popularity (the popular order).
func igotRanking(w *simWorld, sl simLearner, popular []int32) []int32 {
	reqs := sl.learner.Requirements
	covered := make(map[int32]int)
	for _, i := range popular {
		if sl.learner.Exclude[w.courses[i].ID] {
			continue
		}
		for _, im := range w.courses[i].Imparts {
			j, ok := slices.BinarySearchFunc(reqs, im.CompetencyID, byCompetency)
			if ok && reqs[j].Level-sl.selfLevel[j] > 0 && im.To >= reqs[j].Level {
				covered[i]++
			}
		}
	}
	var out []int32
	for _, i := range popular {
		if covered[i] > 0 {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int32) int { return cmp.Compare(covered[b], covered[a]) })
	return out
}

// idealOrder returns the relevant courses by relevance, higher first.
func idealOrder(rel []float64) []int32 {
	var out []int32
	for i, r := range rel {
		if r > 0 {
			out = append(out, int32(i))
		}
	}
	slices.SortFunc(out, func(a, b int32) int {
		if c := cmp.Compare(rel[b], rel[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out
}

// dcg10 returns Σ_{k=1..10} rel[ranking[k-1]] / log2(k+1).
func dcg10(rel []float64, ranking []int32) float64 {
	var d float64
	for k, i := range ranking[:min(10, len(ranking))] {
		d += rel[i] / math.Log2(float64(k+2))
	}
	return d
}
