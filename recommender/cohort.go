package recommender

// CohortGroup aggregates the learners in scope who share one requirement (a
// competency and a required level): how many are at each current level, and the sum
// of their distributions (under the requirement's prior), each weighted by the
// requirement's weight for that learner. Because both the gap a course closes
// (GapClosed) and the projection after it (Project) are linear in the distribution,
// a cohort's total weighted gap closed is exact from these sums, however many
// learners there are: a gap report over a million learners needs a few hundred groups.
type CohortGroup struct {
	CompetencyID int64
	Required     int
	Levels       [6]int     // learners by current level (the median)
	WeightedMass [6]float64 // Σ over learners of weight × P(level)
}

// CohortCover returns the courses that close the most total weighted gap over the
// groups, by greedy cover: each round takes the course with the largest
//
//	Σ_{(c, from, to) imparted} Σ_{groups g of c} GapClosed(g.WeightedMass, g.Required, from, to)
//
// (ties to the lower course ID), then projects the groups of its competencies as if
// every learner took it, so the next round counts only the gap left and the readiness
// gained. LearnersHelped counts, in the course's competency where the most are helped,
// the learners whose current level is at least its from level and below both its to
// level and their required level. It stops after first courses (first <= 0: no limit)
// or when no course closes more than 1e-9.
func (c *Catalogue) CohortCover(groups []CohortGroup, first int) []CohortSuggestion {
	state := make([]CohortGroup, len(groups))
	copy(state, groups)
	byCompetency := map[int64][]int{}
	for i, g := range state {
		byCompetency[g.CompetencyID] = append(byCompetency[g.CompetencyID], i)
	}
	taken := make([]bool, len(c.courses))
	var out []CohortSuggestion
	for first <= 0 || len(out) < first {
		best, bestGain := -1, 1e-9
		for i, course := range c.courses {
			if taken[i] {
				continue
			}
			var gain float64
			for _, im := range course.Imparts {
				for _, g := range byCompetency[im.CompetencyID] {
					gain += im.efficacy() * GapClosed(state[g].WeightedMass[:], state[g].Required, im.From, im.To)
				}
			}
			if gain > bestGain {
				best, bestGain = i, gain
			}
		}
		if best < 0 {
			return out
		}
		taken[best] = true
		helped := 0
		for _, im := range c.courses[best].Imparts {
			n := 0
			for _, g := range byCompetency[im.CompetencyID] {
				s := &state[g]
				for l := im.From; l < min(im.To, s.Required); l++ {
					n += s.Levels[l]
				}
				ProjectWith(s.WeightedMass[:], im.From, im.To, im.efficacy())
				moved := 0
				for l := im.From; l < im.To; l++ {
					moved, s.Levels[l] = moved+s.Levels[l], 0
				}
				s.Levels[im.To] += moved
			}
			helped = max(helped, n)
		}
		out = append(out, CohortSuggestion{CourseID: c.courses[best].ID, LearnersHelped: helped, TotalGapClosed: bestGain})
	}
	return out
}

// Reaches reports whether some course imparts the competency up to at least level.
func (c *Catalogue) Reaches(competencyID int64, level int) bool {
	return c.maxTo[competencyID] >= level
}
