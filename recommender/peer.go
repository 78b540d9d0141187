package recommender

import "math"

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

// The constants of PeerSignals.
const (
	// PeerNoGapWeight is the weight of an event from a learner without a gap on the
	// course's competencies; one with a gap of PeerFullGap or more weighs 1.
	PeerNoGapWeight = 0.25
	PeerFullGap     = 1.0
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
// So each event's outcome o_i lies in [-1, 1]: completions and high ratings raise the
// signal, dismissals and low ratings (below 3 stars) lower it; events of learners who
// had a gap on the course's competencies weigh up to four times as much as those of
// learners who had none (whose completion says little about what the course teaches);
// and the PeerShrink imaginary events of outcome 0 pull a signal with few events toward
// 0, which is also the value of a (role, course) without any. A negative balance is
// clamped to 0 (the signal only promotes). A rating outside 1..5 counts as none; a
// HadGap that is negative or NaN counts as 0. The result depends only on the multiset
// of events (up to rounding in the last place).
func PeerSignals(events []PeerEvent) map[PeerKey]float64 {
	type acc struct{ num, den float64 }
	sums := make(map[PeerKey]*acc)
	for _, e := range events {
		k := PeerKey{RoleID: e.RoleID, CourseID: e.CourseID}
		a := sums[k]
		if a == nil {
			a = &acc{}
			sums[k] = a
		}
		gap := e.HadGap
		if !(gap > 0) {
			gap = 0
		}
		u := PeerNoGapWeight + (1-PeerNoGapWeight)*math.Min(1, gap/PeerFullGap)
		var o float64
		if e.Completed {
			o++
		}
		if e.Dismissed {
			o--
		}
		if e.Rating >= 1 && e.Rating <= 5 {
			o = (o + float64(e.Rating-3)/2) / 2
		}
		a.num += u * o
		a.den += u
	}
	out := make(map[PeerKey]float64, len(sums))
	for k, a := range sums {
		out[k] = max(0, a.num) / (a.den + PeerShrink)
	}
	return out
}
