package pgload

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// Deriving a closed batch's rows: what the bulk path computes in SQL or by
// re-estimating, computed here once per learner from their final record, which
// gives the same rows: every change to a pair's evidence re-estimates it from all
// of the pair's evidence, and every change to a learner's proficiencies or roles
// recomputes all of their gap rows, so only the final record counts.

// derive encodes the rows of a closed batch of learners and sums its gap rows.
func (l *Loader) derive(batch []*loadLearner) *loadOutput {
	out := l.newOutput()
	r := &out.rows
	var byCompetency []models.Evidence
	profs := map[int64]*[6]float64{}
	levels := map[int64]int{}
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
			p := l.db.Estimator().Estimate(ll.id, byCompetency[lo].CompetencyID, byCompetency[lo:hi:hi])
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

		// Gaps: each requirement of the learner's roles under its prior.
		t = &r[tLearnerGaps]
		for _, n := range domain.RoleNeeds(ll.roles, l.cat.reqs) {
			d, gap, level := domain.LearnerGap(l.cat.priors[n.Required-1], profs[n.CompetencyID], n.Required)
			t.row(13)
			t.int8(ll.id)
			t.int8(n.CompetencyID)
			t.int8(ll.orgID)
			t.int4(n.Required)
			t.float8(n.Weight)
			t.float8(gap)
			t.int4(level)
			for _, x := range d {
				t.float8(x)
			}
			k := domain.RollupKey{OrganisationID: ll.orgID, CompetencyID: n.CompetencyID, Required: n.Required}
			sum := out.rollups[k]
			if sum == nil {
				sum = &domain.RollupSum{}
				out.rollups[k] = sum
			}
			sum.AddRow(n.Weight, d, gap, level)
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
			o.RoleID, o.HadGap = role, domain.HadGap(l.cat.imparts[e.CourseID], l.cat.reqs[role], levels)
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
			s.AddEvent(1, w, v)
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
	keys := slices.SortedFunc(maps.Keys(l.rollups), func(a, b domain.RollupKey) int {
		return cmp.Or(cmp.Compare(a.OrganisationID, b.OrganisationID), cmp.Compare(a.CompetencyID, b.CompetencyID), cmp.Compare(a.Required, b.Required))
	})
	t := &copyRows{}
	for _, k := range keys {
		s := l.rollups[k]
		t.row(19)
		t.int8(k.OrganisationID)
		t.int8(k.CompetencyID)
		t.int4(k.Required)
		t.int8(s.Learners)
		t.int8(s.WithGap)
		t.float8(s.SumGap)
		t.float8(s.SumWeighted)
		for _, h := range s.Levels {
			t.int8(h)
		}
		for _, m := range s.WeightedMass {
			t.float8(m)
		}
	}
	return t
}
