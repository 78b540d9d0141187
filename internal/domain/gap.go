package domain

import (
	"slices"

	"github.com/openkarmayogi/karmayogi/models"
)

// The gap arithmetic. A learner's gap rows (learner_gaps) are one per requirement
// of their roles, each their stored proficiency distribution under the
// requirement's prior; the rollups (gap_rollups) sum those rows by organisation
// and requirement. The store computes both in SQL (gapSQL, rollupSums) so that a
// report reads only sums; these functions are the same arithmetic in Go, for the
// bulk loader, which derives the rows of learners it holds in memory and must
// leave the tables as the store would.

// Need is a competency a learner's roles require: of two roles requiring it, the
// higher level and the higher weight.
type Need struct {
	CompetencyID int64
	Required     int
	Weight       float64
}

// RequiredLevels is RoleNeeds's levels by competency: the highest level the
// roles require in each.
func RequiredLevels(roles []int64, reqs map[int64][]models.RoleRequirement) map[int64]int {
	needs := RoleNeeds(roles, reqs)
	out := make(map[int64]int, len(needs))
	for _, n := range needs {
		out[n.CompetencyID] = n.Required
	}
	return out
}

// RoleNeeds returns what the roles require (reqs: each role's requirements), in
// the order the roles and their requirements first name each competency.
func RoleNeeds(roles []int64, reqs map[int64][]models.RoleRequirement) []Need {
	var out []Need
	for _, role := range roles {
		for _, rr := range reqs[role] {
			if i := slices.IndexFunc(out, func(n Need) bool { return n.CompetencyID == rr.CompetencyID }); i >= 0 {
				out[i].Required, out[i].Weight = max(out[i].Required, rr.RequiredLevel), max(out[i].Weight, rr.Weight)
			} else {
				out = append(out, Need{rr.CompetencyID, rr.RequiredLevel, rr.Weight})
			}
		}
	}
	return out
}

// gapMedianLevel is the threshold of gapSQL's level: 0.5 - 1e-9, which
// PostgreSQL computes in numeric and compares as the nearest double, as Go's
// exact constant arithmetic gives it.
const gapMedianLevel = 0.5 - 1e-9

// LearnerGap is gapSQL's arithmetic for one requirement of level r, operation by
// operation and in the same order, so the doubles are the same: the stored
// distribution p (nil: none, read as all ones) under the requirement's prior q,
//
//	u_l = q_l · p_l,  z = ((((u_0 + u_1) + u_2) + u_3) + u_4) + u_5,  d_l = u_l / z
//	gap = Σ_{l<r} (r − l) · d_l, summed from l = 0 up
//	level = the smallest l with d_0 + … + d_l >= 0.5 − 1e-9, else 5
//
// The explicit conversions keep the compiler from fusing a multiply and an add,
// which PostgreSQL does not do.
func LearnerGap(q [6]float64, p *[6]float64, r int) (d [6]float64, gap float64, level int) {
	var u [6]float64
	for l := range u {
		pl := 1.0
		if p != nil {
			pl = p[l]
		}
		u[l] = float64(q[l] * pl)
	}
	z := u[0]
	for l := 1; l < 6; l++ {
		z = float64(z + u[l])
	}
	for l := range d {
		d[l] = float64(u[l] / z)
	}
	for l := range 5 {
		var t float64
		if r > l {
			t = float64(float64(r-l) * d[l])
		}
		gap = float64(gap + t)
	}
	level = 5
	c := 0.0
	for l := range 5 {
		c = float64(c + d[l])
		if c >= gapMedianLevel {
			level = l
			break
		}
	}
	return d, gap, level
}

// RollupKey is a row of gap_rollups: an organisation's learners' gaps in a
// competency required at a level.
type RollupKey struct {
	OrganisationID, CompetencyID int64
	Required                     int
}

// RollupSum is the sums of a row of gap_rollups, as rollupSums computes them.
type RollupSum struct {
	Learners, WithGap   int64
	SumGap, SumWeighted float64
	Levels              [6]int64   // learners by median level
	WeightedMass        [6]float64 // Σ weight · d_l
}

// AddRow adds a learner's gap row (LearnerGap's d, gap and level, of a requirement
// of the weight): a learner counts as with a gap above half a level.
func (s *RollupSum) AddRow(weight float64, d [6]float64, gap float64, level int) {
	s.Learners++
	if gap > 0.5 {
		s.WithGap++
	}
	s.SumGap += gap
	s.SumWeighted += float64(weight * gap)
	s.Levels[level]++
	for l, x := range d {
		s.WeightedMass[l] += float64(weight * x)
	}
}

// Add adds the sums o.
func (s *RollupSum) Add(o *RollupSum) {
	s.Learners += o.Learners
	s.WithGap += o.WithGap
	s.SumGap += o.SumGap
	s.SumWeighted += o.SumWeighted
	for l := range s.Levels {
		s.Levels[l] += o.Levels[l]
		s.WeightedMass[l] += o.WeightedMass[l]
	}
}

// HadGap is a peer event's weighted gap (models.PeerOutcome.HadGap) for a learner
// holding a role with requirements reqs, on a course imparting imparts, at the
// learner's stored levels (by competency; none: 0): Σ (required − level) · weight
// over the course's competencies the role requires above the learner's level.
// The store reads it in SQL (peerOutcomesSQL); the sums agree up to rounding.
func HadGap(imparts []models.CourseCompetency, reqs []models.RoleRequirement, levels map[int64]int) float64 {
	var gap float64
	for _, cc := range imparts {
		for _, rr := range reqs {
			if rr.CompetencyID == cc.CompetencyID && rr.RequiredLevel > levels[cc.CompetencyID] {
				gap += float64(rr.RequiredLevel-levels[cc.CompetencyID]) * rr.Weight
			}
		}
	}
	return gap
}
