package domain

import (
	"math"

	"github.com/openkarmayogi/karmayogi/models"
)

// Seats and waiting lists. A batch has numbered seats 1..Seats; a request holds
// one exactly while CONFIRMED or COMPLETED. A request that needs no (more)
// approval takes the lowest free seat, or joins the end of the waiting list when
// none is free; a seat freed goes to the first waiting, first come first served.
// An event session's places work the same way without numbers. A seat holder's
// progress is the share of the batch's sessions attended, and attending the share
// the batch requires completes the course. The store applies these under the
// batch's (or session's) row lock, so what it read stays true.

// Seats is which seats of a batch are taken.
type Seats struct {
	seats int
	taken map[int]bool
	low   int // no seat below low is free
}

// NewSeats returns the seats of a batch of n seats, of which those numbered taken are taken.
func NewSeats(n int, taken []int) *Seats {
	s := &Seats{seats: n, taken: make(map[int]bool, len(taken)), low: 1}
	for _, t := range taken {
		s.taken[t] = true
	}
	return s
}

// Taken is how many seats are taken; a batch cannot have fewer seats.
func (s *Seats) Taken() int { return len(s.taken) }

// Free is how many seats remain.
func (s *Seats) Free() int { return max(0, s.seats-len(s.taken)) }

// Take returns the lowest free seat number and marks it taken; false when the batch is full.
func (s *Seats) Take() (int, bool) {
	if s.Free() == 0 {
		return 0, false
	}
	for n := s.low; n <= s.seats; n++ {
		if !s.taken[n] {
			s.taken[n], s.low = true, n+1
			return n, true
		}
	}
	return 0, false
}

// Release frees seat n.
func (s *Seats) Release(n int) {
	delete(s.taken, n)
	s.low = min(s.low, n)
}

// SeatStep is what an approver's decision does to a pending seat request.
type SeatStep int

const (
	SeatRefused  SeatStep = iota + 1 // rejected: the request ends
	SeatApproved                     // the last approval the policy needs: the request is placed
	SeatAwaiting                     // approved, and awaits the policy's next approver
)

// DecideSeat returns what a decision does to a pending request that has
// approvals of the steps its batch's policy needs.
func DecideSeat(approvals int, policy models.EnrolmentPolicy, approve bool) SeatStep {
	switch {
	case !approve:
		return SeatRefused
	case approvals+1 >= policy.Steps():
		return SeatApproved
	}
	return SeatAwaiting
}

// FreePlaces returns how many places of an event session of capacity (nil:
// unlimited, limited false) are free with taken registered: a learner registering
// for a full session waits, and a place freed goes to the first waiting.
func FreePlaces(capacity *int, taken int) (n int, limited bool) {
	if capacity == nil {
		return 0, false
	}
	return max(0, *capacity-taken), true
}

// attendanceEpsilon absorbs rounding in required attendance × sessions, so that
// 0.7 of 10 sessions asks for 7, not 8.
const attendanceEpsilon = 1e-9

// AttendanceProgress returns the progress of a seat holder who attended attended
// of a batch's total sessions, when the batch asks for the share required of them:
// the share attended, or 1 and complete once they attended the sessions required
// (the share rounded up: 0.7 of 10 is 7, 0.75 of 10 is 8). Below the sessions
// required the share stays below 1.
func AttendanceProgress(attended, total int, required float64) (share float64, complete bool) {
	need := int(math.Ceil(required*float64(total) - attendanceEpsilon))
	if attended >= need {
		return 1, true
	}
	return float64(attended) / float64(total), false
}
