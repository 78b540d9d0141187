package recommender

import "github.com/openkarmayogi/karmayogi/models"

// PeerEvent is what one learner holding a role did with one course: the input of the
// peer signal, which the service recomputes on a schedule from enrolments.
type PeerEvent struct {
	RoleID, CourseID int64
	// Completed and Dismissed say how the enrolment (or suggestion) ended; neither:
	// still enrolled, or dropped.
	Completed, Dismissed bool
	// Rating is the stars the learner gave the course, 1..5, or 0 for none.
	Rating int
	// HadGap is the learner's weighted gap on the course's competencies when they
	// enrolled (>= 0).
	HadGap float64
}

// The constants of PeerSignals (the weight's are models.PeerOutcome.Weight's).
const (
	// PeerNoGapWeight is the weight of an event from a learner without a gap on the
	// course's competencies; one with a gap of PeerFullGap or more weighs 1.
	PeerNoGapWeight = models.PeerNoGapWeight
	PeerFullGap     = models.PeerFullGap
	// PeerShrink is the number of imaginary neutral events every signal is shrunk
	// with, so that a few events cannot make a strong signal.
	PeerShrink = 5.0
)

// PeerSignals returns the peer signal of each (role, course) with events, in [0, 1]:
//
//	s = max(0, Σ_i u_i·o_i) / (Σ_i u_i + PeerShrink)
//	u_i = PeerNoGapWeight + (1 - PeerNoGapWeight)·min(1, HadGap_i/PeerFullGap)
//	o_i = (c_i + (Rating_i - 3)/2) / 2 when rated, c_i otherwise
//	c_i = +1 if completed, -1 if dismissed, 0 otherwise (both: 0)
//
// (u_i is models.PeerOutcome.Weight, o_i its Value.) So each event's outcome o_i
// lies in [-1, 1]: completions and high ratings raise the signal, dismissals and low
// ratings (below 3 stars) lower it; events of learners who had a gap on the course's
// competencies weigh up to four times as much as those of learners who had none
// (whose completion says little about what the course teaches); and the PeerShrink
// imaginary events of outcome 0 pull a signal with few events toward 0, which is
// also the value of a (role, course) without any. A negative balance is clamped to 0
// (the signal only promotes). A rating outside 1..5 counts as none; a HadGap that is
// negative or NaN counts as 0. The result depends only on the multiset of events (up
// to rounding in the last place).
func PeerSignals(events []PeerEvent) map[PeerKey]float64 {
	sums := make(map[PeerKey]*models.PeerSum)
	for _, e := range events {
		k := PeerKey{RoleID: e.RoleID, CourseID: e.CourseID}
		a := sums[k]
		if a == nil {
			a = &models.PeerSum{RoleID: e.RoleID, CourseID: e.CourseID}
			sums[k] = a
		}
		o := models.PeerOutcome{Completed: e.Completed, Dismissed: e.Dismissed, Rating: e.Rating, HadGap: e.HadGap}
		a.AddEvent(1, o.Weight(), o.Value())
	}
	out := make(map[PeerKey]float64, len(sums))
	for k, a := range sums {
		out[k] = peerSignal(a)
	}
	return out
}

// PeerSignalsFromSums is PeerSignals from the events' sums per (role, course)
// (models.PeerSum: Σ u_i and Σ u_i·o_i), as the store keeps them; a sum without
// events gives no signal.
func PeerSignalsFromSums(sums []models.PeerSum) map[PeerKey]float64 {
	out := make(map[PeerKey]float64, len(sums))
	for i := range sums {
		if sums[i].Events > 0 {
			out[PeerKey{RoleID: sums[i].RoleID, CourseID: sums[i].CourseID}] = peerSignal(&sums[i])
		}
	}
	return out
}

func peerSignal(a *models.PeerSum) float64 { return max(0, a.Outcome) / (a.Weight + PeerShrink) }
