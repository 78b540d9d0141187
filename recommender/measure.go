package recommender

import (
	"cmp"
	"slices"
)

// What a cohort (an organisation's role holders) is measured against, and the
// reasons a learner is measured against what they are.

// MaxCohortRequirements is the most requirements a cold-start list is measured
// against (see CohortRequirements).
const MaxCohortRequirements = 12

// CohortRequirements returns what a learner without a role is measured against: the
// requirements of the roles their cohort holds (holders[r]: how many of the cohort
// hold role r; reqs[r]: r's requirements, with RoleName), weighted by how many hold
// them. With H = Σ_r holders[r], for each competency c required by some held role
//
//	weight_c = Σ_r (holders[r]/H)·w_{r,c}
//	level_c  = the level of the most-held role requiring c (ties: the higher level)
//
// RoleName is that role's. The MaxCohortRequirements of the largest weight are kept
// (ties: the lower competency ID), sorted by competency ID. Roles without holders or
// requirements contribute nothing; no holders give none.
func CohortRequirements(holders map[int64]int, reqs map[int64][]Requirement) []Requirement {
	total := 0
	for _, n := range holders {
		total += max(n, 0)
	}
	if total == 0 {
		return nil
	}
	type agg struct {
		r       Requirement
		holders int
	}
	byComp := map[int64]*agg{}
	roles := make([]int64, 0, len(holders))
	for r := range holders {
		roles = append(roles, r)
	}
	slices.Sort(roles) // a deterministic order of summation
	for _, role := range roles {
		n := holders[role]
		if n <= 0 {
			continue
		}
		share := float64(n) / float64(total)
		for _, q := range reqs[role] {
			if q.Level < 1 || !(q.Weight > 0) {
				continue
			}
			a := byComp[q.CompetencyID]
			if a == nil {
				a = &agg{r: Requirement{CompetencyID: q.CompetencyID}}
				byComp[q.CompetencyID] = a
			}
			a.r.Weight += share * q.Weight
			if n > a.holders || (n == a.holders && q.Level > a.r.Level) {
				a.holders, a.r.Level, a.r.RoleName = n, q.Level, q.RoleName
			}
		}
	}
	out := make([]Requirement, 0, len(byComp))
	for _, a := range byComp {
		out = append(out, a.r)
	}
	slices.SortFunc(out, func(a, b Requirement) int {
		if c := cmp.Compare(b.Weight, a.Weight); c != 0 {
			return c
		}
		return cmp.Compare(a.CompetencyID, b.CompetencyID)
	})
	out = out[:min(len(out), MaxCohortRequirements)]
	slices.SortFunc(out, func(a, b Requirement) int { return cmp.Compare(a.CompetencyID, b.CompetencyID) })
	return out
}

// measuredAgainst returns l measured against reqs (its requirements and interests),
// its estimates still read under the prior of its own roles: Held, or, when Held is
// nil, the levels of l.Requirements (a competency only an interest names has none).
func (l Learner) measuredAgainst(reqs []Requirement) Learner {
	out := l
	out.Requirements = reqs
	if out.Held == nil {
		out.Held = make(map[int64]int, len(l.Requirements))
		for _, r := range l.Requirements {
			out.Held[r.CompetencyID] = max(out.Held[r.CompetencyID], r.Level)
		}
	}
	return out
}

// noEvidence is how an explanation says the level of a competency rests on no
// evidence at all (the key of its phrase): it is the population prior of people whose
// roles require it as the learner's own do, or of people whose roles do not require it.
func noEvidence(l Learner, competencyID int64) string {
	held := l.Held[competencyID]
	if l.Held == nil {
		for _, r := range l.Requirements {
			if r.CompetencyID == competencyID {
				held = r.Level
			}
		}
	}
	if held > 0 {
		return "rec.assumed_role"
	}
	return "rec.assumed_other"
}
