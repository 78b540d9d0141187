package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestLatest(t *testing.T) {
	keys := []string{"a", "b", "a", "c", "b", "a"}
	for _, tc := range []struct {
		name string
		idxs []int
		want []int
	}{
		{"None", nil, []int{}},
		{"AllDistinct", []int{0, 1, 3}, []int{0, 1, 3}},
		{"TheLastOfEachKey", []int{0, 1, 2, 3, 4, 5}, []int{3, 4, 5}},
		{"OnlyTheValidCount", []int{0, 1, 2, 3}, []int{1, 2, 3}},
	} {
		if got := domain.Latest(tc.idxs, func(i int) string { return keys[i] }); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Latest = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSameEnrolment(t *testing.T) {
	later := t0.Add(time.Hour)
	old := &models.Enrolment{Status: models.Completed, Progress: 1, EnrolledAt: t0, CompletedAt: &later}
	same := *old
	elsewhere := later.In(domain.IST) // the same instant elsewhere
	for _, tc := range []struct {
		name string
		e    models.Enrolment
		want bool
	}{
		{"Same", same, true},
		{"TheSameInstantsElsewhere", models.Enrolment{Status: models.Completed, Progress: 1, EnrolledAt: t0.In(domain.IST), CompletedAt: &elsewhere}, true},
		{"Status", models.Enrolment{Status: models.InProgress, Progress: 1, EnrolledAt: t0, CompletedAt: &later}, false},
		{"Progress", models.Enrolment{Status: models.Completed, Progress: 0.5, EnrolledAt: t0, CompletedAt: &later}, false},
		{"EnrolledAt", models.Enrolment{Status: models.Completed, Progress: 1, EnrolledAt: later, CompletedAt: &later}, false},
		{"CompletedAt", models.Enrolment{Status: models.Completed, Progress: 1, EnrolledAt: t0, CompletedAt: &t0}, false},
		{"NoCompletion", models.Enrolment{Status: models.Completed, Progress: 1, EnrolledAt: t0}, false},
	} {
		if got := domain.SameEnrolment(old, &tc.e); got != tc.want {
			t.Errorf("%s: SameEnrolment = %v, want %v", tc.name, got, tc.want)
		}
	}
}
