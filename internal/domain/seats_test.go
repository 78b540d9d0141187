package domain_test

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestSeats(t *testing.T) {
	s := domain.NewSeats(4, []int{2, 4})
	if s.Taken() != 2 || s.Free() != 2 {
		t.Fatalf("taken %d, free %d; want 2, 2", s.Taken(), s.Free())
	}
	for _, want := range []int{1, 3} { // the lowest free first
		if n, ok := s.Take(); !ok || n != want {
			t.Fatalf("Take = %d, %v; want %d", n, ok, want)
		}
	}
	if n, ok := s.Take(); ok || s.Free() != 0 {
		t.Fatalf("Take on a full batch = %d, %v", n, ok)
	}
	s.Release(2)
	if n, ok := s.Take(); !ok || n != 2 {
		t.Errorf("Take after Release(2) = %d, %v", n, ok)
	}
}

// TestSeatsReduced: a batch whose seats were cut below a taken number has no
// free seat until the holder of that number moves to a free one.
func TestSeatsReduced(t *testing.T) {
	s := domain.NewSeats(3, []int{1, 5})
	if s.Free() != 1 {
		t.Fatalf("free %d, want 1", s.Free())
	}
	s.Release(5)
	if n, ok := s.Take(); !ok || n != 2 {
		t.Errorf("Take = %d, %v; want 2", n, ok)
	}
	if n, ok := s.Take(); !ok || n != 3 {
		t.Errorf("Take = %d, %v; want 3", n, ok)
	}
	if _, ok := s.Take(); ok {
		t.Error("Take on a full batch succeeded")
	}
}

func TestDecideSeat(t *testing.T) {
	for _, tc := range []struct {
		name      string
		approvals int
		policy    models.EnrolmentPolicy
		approve   bool
		want      domain.SeatStep
	}{
		{"Rejected", 0, models.PolicyOneStep, false, domain.SeatRefused},
		{"RejectedAtTheSecondStep", 1, models.PolicyTwoStep, false, domain.SeatRefused},
		{"OneStepApproved", 0, models.PolicyOneStep, true, domain.SeatApproved},
		{"TwoStepFirstApproval", 0, models.PolicyTwoStep, true, domain.SeatAwaiting},
		{"TwoStepSecondApproval", 1, models.PolicyTwoStep, true, domain.SeatApproved},
		{"OpenNeedsNone", 0, models.PolicyOpen, true, domain.SeatApproved},
	} {
		if got := domain.DecideSeat(tc.approvals, tc.policy, tc.approve); got != tc.want {
			t.Errorf("%s: DecideSeat = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFreePlaces(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity *int
		taken    int
		free     int
		limited  bool
	}{
		{"Unlimited", nil, 500, 0, false},
		{"Room", ptr(10), 7, 3, true},
		{"Full", ptr(10), 10, 0, true},
		{"OverFull", ptr(10), 12, 0, true}, // a capacity cut below the registered
	} {
		free, limited := domain.FreePlaces(tc.capacity, tc.taken)
		if free != tc.free || limited != tc.limited {
			t.Errorf("%s: FreePlaces = %d, %v; want %d, %v", tc.name, free, limited, tc.free, tc.limited)
		}
	}
}

func TestAttendanceProgress(t *testing.T) {
	for _, tc := range []struct {
		name            string
		attended, total int
		required        float64
		share           float64
		complete        bool
	}{
		{"NoneYet", 0, 10, 0.7, 0, false},
		{"SevenOfTenAtSeventyPercent", 7, 10, 0.7, 1, true}, // 0.7 × 10 rounds to 7, not 8
		{"SixOfTen", 6, 10, 0.7, 0.6, false},
		{"SevenOfTenAtSeventyFivePercent", 7, 10, 0.75, 0.7, false}, // 7.5 rounds up to 8
		{"EightOfTenAtSeventyFivePercent", 8, 10, 0.75, 1, true},
		{"AllRequired", 2, 3, 1, 2.0 / 3, false},
		{"AllAttended", 3, 3, 1, 1, true},
		{"NothingRequired", 0, 4, 0, 1, true},
	} {
		share, complete := domain.AttendanceProgress(tc.attended, tc.total, tc.required)
		if share != tc.share || complete != tc.complete {
			t.Errorf("%s: AttendanceProgress = %v, %v; want %v, %v", tc.name, share, complete, tc.share, tc.complete)
		}
	}
}
