package evaluate

import (
	"slices"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// gainTol is the gain below which a course is taken to close nothing, as in the
// recommender.
const gainTol = 1e-9

// levelState is a learner's requirements with a distribution per requirement: the
// true levels as point masses, then projected through the courses taken.
type levelState struct {
	k     int                       // levels
	reqs  []recommender.Requirement // sorted by competency
	dists [][]float64               // dists[j]: distribution for reqs[j]
}

// clone returns a deep copy of s (distributions included).
func (s *levelState) clone() levelState {
	out := levelState{k: s.k, reqs: s.reqs, dists: make([][]float64, len(s.dists))}
	for j, d := range s.dists {
		out.dists[j] = slices.Clone(d)
	}
	return out
}

// find returns the index of the requirement on a competency, or -1.
func (s *levelState) find(competencyID int64) int {
	for j := range s.reqs {
		if s.reqs[j].CompetencyID == competencyID {
			return j
		}
	}
	return -1
}

// weightedGap returns Σ_j w_j·E_{P_j}[max(0, r_j - L)].
func (s *levelState) weightedGap() float64 {
	var g float64
	for j, r := range s.reqs {
		g += r.Weight * recommender.ExpectedGap(s.dists[j], r.Level)
	}
	return g
}

// posting is one course imparting a competency, as the catalogue scores it: its
// efficacy is the course effect the catalogue holds (1 when unset).
type posting struct {
	course   int32
	from, to int
	efficacy float64
}

// columns returns, per competency, the courses imparting it in course order.
func columns(courses []recommender.Course) map[int64][]posting {
	out := make(map[int64][]posting)
	for i, c := range courses {
		for _, im := range c.Imparts {
			e := 1.0
			if im.Efficacy > 0 && im.Efficacy <= 1 {
				e = im.Efficacy
			}
			out[im.CompetencyID] = append(out[im.CompetencyID], posting{course: int32(i), from: im.From, to: im.To, efficacy: e})
		}
	}
	return out
}

// accumulate adds to gain[i] the expected weighted gap course i closes from state s,
// e·w_j·GapClosed(P_j, r_j, f, t) summed over the requirements in order (the sums of
// the catalogue's scoring, term for term), and returns touched with the courses it
// touched appended, each once. gain must be zero on entry for untouched courses.
func (w *simWorld) accumulate(s *levelState, gain []float64, touched []int32) []int32 {
	for j, r := range s.reqs {
		dist := s.dists[j]
		if recommender.ExpectedGap(dist, r.Level) <= gainTol {
			continue
		}
		for _, ps := range w.columns[r.CompetencyID] {
			if ps.to >= s.k {
				continue // a level the parameters do not have
			}
			v := ps.efficacy * (r.Weight * recommender.GapClosed(dist, r.Level, ps.from, ps.to))
			if v <= 0 {
				continue
			}
			if gain[ps.course] == 0 {
				touched = append(touched, ps.course)
			}
			gain[ps.course] += v
		}
	}
	return touched
}
