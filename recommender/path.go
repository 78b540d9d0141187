package recommender

import (
	"cmp"
	"slices"
	"time"
)

// Assigned is a course assigned to the learner by a plan, due at Due.
type Assigned struct {
	CourseID int64
	Due      time.Time
}

// Step is one course of a learning path.
type Step struct {
	CourseID int64
	Order    int // 1..n
	// CumulativeHours is the hours of this step and every step before it.
	CumulativeHours float64
	// Gaps are what the course does for the learner given the steps before it
	// (the projected state), largest GapClosed first.
	Gaps []Contribution
	// Due is set when the course is assigned by a plan.
	Due *time.Time
}

// Path is a learning path.
type Path struct {
	Steps      []Step
	TotalHours float64
	// GapBefore and GapAfter are Σ_j w_j·E[max(0, r_j - L)] over the requirements,
	// before the path and after completing every step (on the projected distributions).
	GapBefore, GapAfter float64
	// Unmet are the requirements whose gap stays above 1e-9 after the path and that no
	// course in the catalogue can close (none imparts the competency with To >= the
	// required level); each Gap is the residual, on the projected distribution.
	Unmet []Gap
}

// minHours is the duration a course of zero (or missing) hours is priced at when
// dividing by hours, so that the ratio stays finite.
const minHours = 1e-6

// LearningPath returns an ordered path of courses for a learner within budgetHours
// (<= 0: no budget).
//
// Assigned courses come first, in due order (then by course ID): each known, not
// excluded course once, skipped if it no longer fits the budget. Then a budgeted
// greedy: at each step, from the state projected through every step so far (Project),
// take the course with the largest marginal gain per hour
//
//	Δ(course) / max(hours, 1e-6),  Δ = Σ_j w_j·GapClosed(P_j, r_j, from_j, to_j)
//
// among the courses not excluded, not outside the learner's domains (as in
// Recommend; an assigned course is kept whatever its domain), not yet taken, with
// Δ > 1e-9 and hours within the
// budget left (ties: the larger Δ, then the lower course ID); stop when there is none.
// Readiness is respected across steps: a 2->4 course becomes useful once a 0->2 course
// has moved the mass up. With a budget, the greedy is checked against the best single
// course that fits (the classic bound for budgeted greedy: the better of the two is
// within a constant factor of the optimum): if that course, followed by the greedy fill
// of the budget it leaves, closes more gap than the greedy path, that path is returned
// instead. No course is repeated and the total never exceeds the budget.
func (c *Catalogue) LearningPath(p Params, l Learner, budgetHours float64, assigned []Assigned) Path {
	s := newLearnerState(p, l)
	limited := budgetHours > 0
	path := Path{GapBefore: s.weightedGap()}
	taken := make([]bool, len(c.courses))

	plan := slices.Clone(assigned)
	slices.SortStableFunc(plan, func(a, b Assigned) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.CourseID, b.CourseID)
	})
	var used float64
	for _, a := range plan {
		i, ok := c.index[a.CourseID]
		if !ok || taken[i] || l.Exclude[a.CourseID] {
			continue
		}
		h := c.hours(i)
		if limited && used+h > budgetHours {
			continue
		}
		taken[i] = true
		used += h
		due := a.Due
		path.Steps = append(path.Steps, c.step(&s, i, used, &due))
	}

	g := greedy{c: c, exclude: l.Exclude, blocked: c.offDomain(l.Focus.Domains), limited: limited, budget: budgetHours, gain: make([]float64, len(c.courses))}
	base := s.clone()
	steps, usedG := g.run(&s, slices.Clone(taken), used)
	if limited {
		if i, ok := g.bestSingle(&base, taken, used); ok {
			alt := base.clone()
			altTaken := slices.Clone(taken)
			altTaken[i] = true
			first := c.step(&alt, i, used+c.hours(i), nil)
			altSteps, usedA := g.run(&alt, altTaken, used+c.hours(i))
			if alt.weightedGap() < s.weightedGap()-gainTol {
				s, usedG = alt, usedA
				steps = append([]Step{first}, altSteps...)
			}
		}
	}
	path.Steps = append(path.Steps, steps...)
	for k := range path.Steps {
		path.Steps[k].Order = k + 1
	}
	path.TotalHours = usedG
	path.GapAfter = s.weightedGap()
	for j, r := range s.reqs {
		if ExpectedGap(s.dists[j], r.Level) > gainTol && c.maxTo[r.CompetencyID] < r.Level {
			path.Unmet = append(path.Unmet, gapOf(r, slices.Clone(s.dists[j])))
		}
	}
	return path
}

// hours returns the duration of course i, 0 if it is not positive.
func (c *Catalogue) hours(i int32) float64 {
	if h := c.courses[i].Hours; h > 0 {
		return h
	}
	return 0
}

// step records course i as a step from state s (its contributions), then projects s
// through it. cumulative is the hours up to and including it.
func (c *Catalogue) step(s *learnerState, i int32, cumulative float64, due *time.Time) Step {
	course := &c.courses[i]
	st := Step{CourseID: course.ID, CumulativeHours: cumulative, Gaps: s.contributions(course), Due: due}
	s.apply(course)
	return st
}

// greedy is the budgeted greedy of LearningPath.
type greedy struct {
	c       *Catalogue
	exclude map[int64]bool
	blocked []bool // courses outside the learner's domains (nil: none)
	limited bool
	budget  float64
	gain    []float64 // scratch, zero between calls
	touched []int32   // scratch
}

// candidates fills g.gain with the marginal gains from state s and calls fn for each
// eligible course (not taken, not excluded, Δ > 1e-9, fits in the budget left).
func (g *greedy) candidates(s *learnerState, taken []bool, used float64, fn func(i int32, gain, hours float64)) {
	g.touched = g.c.accumulate(s, g.gain, g.touched[:0])
	for _, i := range g.touched {
		gain := g.gain[i]
		g.gain[i] = 0
		if taken[i] || gain <= gainTol || g.exclude[g.c.courses[i].ID] || (g.blocked != nil && g.blocked[i]) {
			continue
		}
		h := g.c.hours(i)
		if g.limited && used+h > g.budget {
			continue
		}
		fn(i, gain, h)
	}
}

// run extends state s greedily (largest Δ per hour first) and returns the steps taken
// and the hours used in total. taken is updated.
func (g *greedy) run(s *learnerState, taken []bool, used float64) ([]Step, float64) {
	var steps []Step
	for {
		best, bestRatio, bestGain := int32(-1), 0.0, 0.0
		g.candidates(s, taken, used, func(i int32, gain, h float64) {
			ratio := gain / max(h, minHours)
			if best < 0 || ratio > bestRatio || (ratio == bestRatio && (gain > bestGain || (gain == bestGain && i < best))) {
				best, bestRatio, bestGain = i, ratio, gain
			}
		})
		if best < 0 {
			return steps, used
		}
		taken[best] = true
		used += g.c.hours(best)
		steps = append(steps, g.c.step(s, best, used, nil))
	}
}

// bestSingle returns the eligible course with the largest Δ from state s (ties: the
// fewer hours, then the lower ID).
func (g *greedy) bestSingle(s *learnerState, taken []bool, used float64) (int32, bool) {
	best, bestGain, bestHours := int32(-1), 0.0, 0.0
	g.candidates(s, taken, used, func(i int32, gain, h float64) {
		if best < 0 || gain > bestGain || (gain == bestGain && (h < bestHours || (h == bestHours && i < best))) {
			best, bestGain, bestHours = i, gain, h
		}
	})
	return best, best >= 0
}

// CohortSuggestion is a course suggested for a cohort of learners.
type CohortSuggestion struct {
	CourseID int64
	// LearnersHelped is the number of learners the course closes gap for (> 1e-9),
	// given the courses suggested before it.
	LearnersHelped int
	// TotalGapClosed is the expected weighted gap it closes, summed over them.
	TotalGapClosed float64
}

// CohortSuggestions returns the courses that close the most total weighted gap over a
// cohort, by greedy cover: each round takes the course with the largest
//
//	Σ_u Δ_u(course)   (Δ_u as in LearningPath, for learner u not excluding it)
//
// (ties: the lower course ID), then projects every learner it helps through it, so the
// next round counts only the gap left (and the readiness gained). It stops after first
// courses (first <= 0: no limit) or when no course helps anyone. Hours do not enter.
// The cost is O(rounds · Σ_u postings of u's required competencies).
func (c *Catalogue) CohortSuggestions(p Params, learners []Learner, first int) []CohortSuggestion {
	states := make([]learnerState, len(learners))
	for u, l := range learners {
		states[u] = newLearnerState(p, l)
	}
	gain := make([]float64, len(c.courses))
	total := make([]float64, len(c.courses))
	helped := make([]int, len(c.courses))
	chosen := make([]bool, len(c.courses))
	var touched, all []int32
	var out []CohortSuggestion
	for first <= 0 || len(out) < first {
		all = all[:0]
		for u := range states {
			touched = c.accumulate(&states[u], gain, touched[:0])
			for _, i := range touched {
				g := gain[i]
				gain[i] = 0
				if chosen[i] || g <= gainTol || learners[u].Exclude[c.courses[i].ID] {
					continue
				}
				if helped[i] == 0 {
					all = append(all, i)
				}
				total[i] += g
				helped[i]++
			}
		}
		best := int32(-1)
		for _, i := range all {
			if best < 0 || total[i] > total[best] || (total[i] == total[best] && i < best) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, CohortSuggestion{CourseID: c.courses[best].ID, LearnersHelped: helped[best], TotalGapClosed: total[best]})
		for _, i := range all {
			total[i], helped[i] = 0, 0
		}
		chosen[best] = true
		course := &c.courses[best]
		for u := range states {
			if !learners[u].Exclude[course.ID] && states[u].gain(course) > gainTol {
				states[u].apply(course)
			}
		}
	}
	return out
}
