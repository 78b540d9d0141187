package store

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"

	"github.com/openkarmayogi/karmayogi/models"
)

// Deriving a closed batch's rows: what the bulk path computes in SQL or by
// re-estimating, computed here once per learner from their final record, which
// gives the same rows: every change to a pair's evidence re-estimates it from all
// of the pair's evidence, and every change to a learner's proficiencies or roles
// recomputes all of their gap rows, so only the final record counts.

// rollupKey is a row of gap_rollups.
type rollupKey struct {
	org, competency int64
	required        int
}

// rollupSum is the sums of a row of gap_rollups, as rollupSums computes them.
type rollupSum struct {
	learners, withGap   int64
	sumGap, sumWeighted float64
	levels              [6]int64
	weightedMass        [6]float64
}

func (s *rollupSum) add(o *rollupSum) {
	s.learners += o.learners
	s.withGap += o.withGap
	s.sumGap += o.sumGap
	s.sumWeighted += o.sumWeighted
	for l := range s.levels {
		s.levels[l] += o.levels[l]
		s.weightedMass[l] += o.weightedMass[l]
	}
}

// gapMedianLevel is the threshold of gapSQL's level: 0.5 - 1e-9, which
// PostgreSQL computes in numeric and compares as the nearest double, as Go's
// exact constant arithmetic gives it.
const gapMedianLevel = 0.5 - 1e-9

// learnerGap is gapSQL's arithmetic for one requirement of level r, operation by
// operation and in the same order, so the doubles are the same: the stored
// distribution p (nil: none, read as all ones) under the requirement's prior q,
//
//	u_l = q_l · p_l,  z = ((((u_0 + u_1) + u_2) + u_3) + u_4) + u_5,  d_l = u_l / z
//	gap = Σ_{l<r} (r − l) · d_l, summed from l = 0 up
//	level = the smallest l with d_0 + … + d_l >= 0.5 − 1e-9, else 5
//
// The explicit conversions keep the compiler from fusing a multiply and an add,
// which PostgreSQL does not do.
func learnerGap(q [6]float64, p *[6]float64, r int) (d [6]float64, gap float64, level int) {
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

// derive encodes the rows of a closed batch of learners and sums its gap rows.
func (l *Loader) derive(batch []*loadLearner) *loadOutput {
	out := l.newOutput()
	r := &out.rows
	var byCompetency []models.Evidence
	profs := map[int64]*[6]float64{}
	levels := map[int64]int{}
	type need struct {
		competency int64
		required   int
		weight     float64
	}
	var needs []need
	for _, ll := range batch {
		t := &r[tLearners]
		t.row(9)
		t.int8(ll.id)
		t.text(ll.code)
		t.text(ll.name)
		t.text(ll.email)
		t.text(ll.designation)
		t.int8(ll.orgID)
		t.int8(ll.version)
		t.timestamptz(ll.createdAt)
		t.timestamptz(ll.updatedAt)
		for _, role := range ll.roles {
			t := &r[tLearnerRoles]
			t.row(2)
			t.int8(ll.id)
			t.int8(role)
		}
		t = &r[tEvidence]
		for _, e := range ll.evidence {
			t.row(9)
			t.int8(e.ID)
			t.int8(e.LearnerID)
			t.int8(e.CompetencyID)
			t.text(string(e.Source))
			t.int4(e.Level)
			t.optFloat8(e.Score)
			t.timestamptz(e.ObservedAt)
			t.timestamptz(e.CreatedAt)
			t.optText(string(e.Verification))
		}

		// Proficiencies: each pair's estimate from all of its evidence.
		byCompetency = append(byCompetency[:0], ll.evidence...)
		slices.SortStableFunc(byCompetency, func(a, b models.Evidence) int { return cmp.Compare(a.CompetencyID, b.CompetencyID) })
		clear(profs)
		clear(levels)
		t = &r[tProficiencies]
		for lo := 0; lo < len(byCompetency); {
			hi := lo + 1
			for hi < len(byCompetency) && byCompetency[hi].CompetencyID == byCompetency[lo].CompetencyID {
				hi++
			}
			p := l.db.estimator.Estimate(ll.id, byCompetency[lo].CompetencyID, byCompetency[lo:hi:hi])
			lo = hi
			var ps [6]float64
			if len(p.Distribution) == 6 {
				copy(ps[:], p.Distribution)
			}
			profs[p.CompetencyID] = &ps
			levels[p.CompetencyID] = p.Level
			dist, err := json.Marshal(p.Distribution)
			if err != nil {
				panic(err) // a []float64 from the estimator has no NaN or infinity
			}
			t.row(12)
			t.int8(p.LearnerID)
			t.int8(p.CompetencyID)
			t.int4(p.Level)
			t.float8(p.Confidence)
			t.text(string(dist))
			t.timestamptz(p.UpdatedAt)
			for _, x := range ps {
				t.float8(x)
			}
		}

		t = &r[tEnrolments]
		for _, e := range ll.enrolments {
			t.row(7)
			t.int8(e.ID)
			t.int8(e.LearnerID)
			t.int8(e.CourseID)
			t.text(string(e.Status))
			t.float8(e.Progress)
			t.timestamptz(e.EnrolledAt)
			t.optTimestamptz(e.CompletedAt)
		}
		t = &r[tCertificates]
		for _, c := range ll.certificates {
			t.row(7)
			t.int8(c.ID)
			t.int8(c.LearnerID)
			t.int8(c.CourseID)
			t.int8(c.EnrolmentID)
			t.text(c.VerificationCode)
			t.timestamptz(c.IssuedAt)
			t.text(string(c.Verification))
		}
		t = &r[tCourseRatings]
		for _, c := range ll.ratings {
			t.row(4)
			t.int8(c.LearnerID)
			t.int8(c.CourseID)
			t.int4(c.Stars)
			t.timestamptz(c.RatedAt)
		}
		t = &r[tAttendance]
		for _, a := range ll.attended {
			t.row(4)
			t.int8(a.SessionID)
			t.int8(a.LearnerID)
			t.timestamptz(a.RecordedAt)
			t.text(a.RecordedBy)
		}
		t = &r[tKarmaLedger]
		for _, e := range ll.ledger {
			t.row(9)
			t.int8(e.ID)
			t.int8(e.LearnerID)
			t.text(string(e.Reason))
			t.text(e.Subject)
			t.int4(e.Points)
			t.optInt8(e.CourseID)
			t.optInt8(e.EventID)
			t.text(e.Note)
			t.timestamptz(e.AwardedAt)
		}
		if ll.hasTotal {
			t := &r[tKarmaTotals]
			t.row(2)
			t.int8(ll.id)
			t.int4(ll.points)
		}

		// Gaps: the requirements of the learner's roles (of two on a competency, the
		// higher level and the higher weight), each under its prior.
		needs = needs[:0]
		for _, role := range ll.roles {
			for _, rr := range l.cat.reqs[role] {
				if i := slices.IndexFunc(needs, func(n need) bool { return n.competency == rr.CompetencyID }); i >= 0 {
					needs[i].required, needs[i].weight = max(needs[i].required, rr.RequiredLevel), max(needs[i].weight, rr.Weight)
				} else {
					needs = append(needs, need{rr.CompetencyID, rr.RequiredLevel, rr.Weight})
				}
			}
		}
		t = &r[tLearnerGaps]
		for _, n := range needs {
			d, gap, level := learnerGap(l.cat.priors[n.required-1], profs[n.competency], n.required)
			t.row(13)
			t.int8(ll.id)
			t.int8(n.competency)
			t.int8(ll.orgID)
			t.int4(n.required)
			t.float8(n.weight)
			t.float8(gap)
			t.int4(level)
			for _, x := range d {
				t.float8(x)
			}
			k := rollupKey{ll.orgID, n.competency, n.required}
			s := out.rollups[k]
			if s == nil {
				s = &rollupSum{}
				out.rollups[k] = s
			}
			s.learners++
			if gap > 0.5 {
				s.withGap++
			}
			s.sumGap += gap
			s.sumWeighted += float64(n.weight * gap)
			s.levels[level]++
			for lv, x := range d {
				s.weightedMass[lv] += float64(n.weight * x)
			}
		}
		l.derivePeers(ll, levels, &r[tPeerEvents], out.peers)
	}
	return out
}

// derivePeers adds a learner's peer events, one per role and enrolment (the loader
// writes no dismissals), and their sums: what refreshPeers reads with
// peerOutcomesSQL, with the gap summed in Go (the sums agree up to rounding).
func (l *Loader) derivePeers(ll *loadLearner, levels map[int64]int, t *copyRows, sums map[[2]int64]*models.PeerSum) {
	for _, e := range ll.enrolments {
		o := models.PeerOutcome{LearnerID: ll.id, CourseID: e.CourseID, Completed: e.Status == models.Completed}
		if r := ll.findRating(e.CourseID); r != nil {
			o.Rating = r.Stars
		}
		for _, role := range ll.roles {
			o.RoleID, o.HadGap = role, 0
			for _, cc := range l.cat.imparts[e.CourseID] {
				for _, rr := range l.cat.reqs[role] {
					if rr.CompetencyID == cc.CompetencyID && rr.RequiredLevel > levels[cc.CompetencyID] {
						o.HadGap += float64(rr.RequiredLevel-levels[cc.CompetencyID]) * rr.Weight
					}
				}
			}
			w, v := o.Weight(), o.Value()
			t.row(5)
			t.int8(ll.id)
			t.int8(role)
			t.int8(e.CourseID)
			t.float8(w)
			t.float8(v)
			k := [2]int64{role, e.CourseID}
			s := sums[k]
			if s == nil {
				s = &models.PeerSum{RoleID: role, CourseID: e.CourseID}
				sums[k] = s
			}
			s.Events++
			s.Weight += w
			s.Outcome += w * v
		}
	}
}

// encodePeerSums encodes the summed peer sums, once every batch is in.
func (l *Loader) encodePeerSums() *copyRows {
	keys := slices.SortedFunc(maps.Keys(l.peers), func(a, b [2]int64) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	t := &copyRows{}
	for _, k := range keys {
		s := l.peers[k]
		t.row(5)
		t.int8(k[0])
		t.int8(k[1])
		t.int8(s.Events)
		t.float8(s.Weight)
		t.float8(s.Outcome)
	}
	return t
}

// encodeRollups encodes the summed rollups, once every batch is in.
func (l *Loader) encodeRollups() *copyRows {
	keys := make([]rollupKey, 0, len(l.rollups))
	for k := range l.rollups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.org, b.org), cmp.Compare(a.competency, b.competency), cmp.Compare(a.required, b.required))
	})
	t := &copyRows{}
	for _, k := range keys {
		s := l.rollups[k]
		t.row(19)
		t.int8(k.org)
		t.int8(k.competency)
		t.int4(k.required)
		t.int8(s.learners)
		t.int8(s.withGap)
		t.float8(s.sumGap)
		t.float8(s.sumWeighted)
		for _, h := range s.levels {
			t.int8(h)
		}
		for _, m := range s.weightedMass {
			t.float8(m)
		}
	}
	return t
}
