package recommender

import (
	"cmp"
	"slices"
	"time"
)

// Requirement is what a role requires of one competency.
type Requirement struct {
	CompetencyID int64
	Level        int     // 1..5
	Weight       float64 // > 0
	RoleName     string  // the role it comes from, for explanations
}

// MergeRequirements returns one requirement per competency from the requirements of
// several roles: where roles require one competency, the result has the higher Level
// and the higher Weight (each maximised on its own), and the RoleName of the
// requirement with the higher level (on equal levels, the one with the higher weight,
// then the first given). The result is sorted by CompetencyID; reqs is not modified.
func MergeRequirements(reqs []Requirement) []Requirement {
	out := make([]Requirement, 0, len(reqs))
	at := make(map[int64]int, len(reqs))
	for _, r := range reqs {
		i, ok := at[r.CompetencyID]
		if !ok {
			at[r.CompetencyID] = len(out)
			out = append(out, r)
			continue
		}
		m := &out[i]
		if r.Level > m.Level || (r.Level == m.Level && r.Weight > m.Weight) {
			m.RoleName = r.RoleName
		}
		m.Level = max(m.Level, r.Level)
		m.Weight = max(m.Weight, r.Weight)
	}
	slices.SortFunc(out, func(a, b Requirement) int { return cmp.Compare(a.CompetencyID, b.CompetencyID) })
	return out
}

// Gap is the shortfall of one learner against one requirement.
type Gap struct {
	CompetencyID int64
	Required     int
	// Current is the median level of Distribution.
	Current int
	// Gap is the expected shortfall E[max(0, Required - level)] under Distribution,
	// unweighted (see ExpectedGap).
	Gap      float64
	Weight   float64
	RoleName string
	// Distribution is the proficiency the gap is measured on: the stored estimate read
	// under the prior of Required (WithRequirement), len Params.Levels.
	Distribution []float64
}

// Gaps returns the gap of a learner for each of l.Requirements, in requirement order.
// l.Stored holds the learner's stored estimates (made under the uniform prior, aged
// to the time of reading) by competency; a competency without one (nil: no evidence)
// is read as the prior. For requirement (c, r), with h the level the learner's own
// roles require of c (l.Held, or r when l.Held is nil):
//
//	P         = WithRequirement(p, c, stored[c], h).Distribution
//	Gap       = E_P[max(0, r - L)] = Σ_l P(l)·max(0, r - l)
//	Current   = Median(P)
//
// A required level above the top level is clamped to it (also in Required).
func Gaps(p Params, l Learner) []Gap {
	out := make([]Gap, len(l.Requirements))
	for i, r := range l.Requirements {
		out[i] = gapOf(r, requirementDist(p, r, l.heldLevel(r), l.Stored[r.CompetencyID]))
	}
	return out
}

// requirementDist returns the distribution of a stored estimate for requirement r,
// read under the prior of the level held (clamped) that the learner's own roles
// require.
func requirementDist(p Params, r Requirement, held int, stored []float64) []float64 {
	return WithRequirement(p, r.CompetencyID, stored, clampInt(held, 0, p.Levels-1), time.Time{}).Distribution
}

// gapOf returns the gap of requirement r measured on dist (which it keeps).
func gapOf(r Requirement, dist []float64) Gap {
	level := clampInt(r.Level, 0, len(dist)-1)
	return Gap{
		CompetencyID: r.CompetencyID,
		Required:     level,
		Current:      Median(dist),
		Gap:          ExpectedGap(dist, level),
		Weight:       r.Weight,
		RoleName:     r.RoleName,
		Distribution: dist,
	}
}

// Project applies a course that imparts a competency from level from to level to to
// a distribution over levels, in place: every level l >= from moves up to max(l, to),
// a level below from is left unchanged (the learner was not ready):
//
//	P'(l') = Σ_l P(l)·[(l >= from && l' == max(l, to)) || (l < from && l' == l)]
//
// It does nothing unless 0 <= from < to < len(dist).
func Project(dist []float64, from, to int) {
	if from < 0 || to <= from || to >= len(dist) {
		return
	}
	var moved float64
	for l := from; l < to; l++ {
		moved += dist[l]
		dist[l] = 0
	}
	dist[to] += moved
}

// ProjectWith applies a course that works with probability e (0..1): the mixture
// P' = (1-e)·P + e·Project(P), in place. e >= 1 is Project.
func ProjectWith(dist []float64, from, to int, e float64) {
	if e >= 1 {
		Project(dist, from, to)
		return
	}
	if from < 0 || to <= from || to >= len(dist) || e <= 0 {
		return
	}
	var moved float64
	for l := from; l < to; l++ {
		m := e * dist[l]
		moved += m
		dist[l] -= m
	}
	dist[to] += moved
}

// GapClosed returns the expected gap against required level r that completing a
// course imparting from -> to closes on distribution P (Project):
//
//	E_P[max(0, r-L)] - E_P'[max(0, r-L)] = Σ_{from <= l < to} P(l)·(max(0, r-l) - max(0, r-to))
//
// which prices readiness exactly: only the mass at or above from moves. It is >= 0,
// and 0 unless 0 <= from < to < len(P).
func GapClosed(dist []float64, required, from, to int) float64 {
	if from < 0 || to <= from || to >= len(dist) {
		return 0
	}
	after := max(0, required-to)
	var g float64
	for l := from; l < to; l++ {
		if d := required - l; d > after {
			g += dist[l] * float64(d-after)
		}
	}
	return g
}
