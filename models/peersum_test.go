package models_test

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/models"
)

// TestPeerSum: the sums the store keeps, the loader sums and the recommender
// reads, as events come, go and sums merge.
func TestPeerSum(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(s *models.PeerSum)
		want models.PeerSum
	}{
		{"AnEvent", func(s *models.PeerSum) { s.AddEvent(1, 0.5, -1) }, models.PeerSum{Events: 1, Weight: 0.5, Outcome: -0.5}},
		{"TwoEvents", func(s *models.PeerSum) { s.AddEvent(1, 0.5, 1); s.AddEvent(1, 2, 0.25) }, models.PeerSum{Events: 2, Weight: 2.5, Outcome: 1}},
		{"AnEventTakenAway", func(s *models.PeerSum) { s.AddEvent(1, 2, 0.25); s.AddEvent(-1, 2, 0.25) }, models.PeerSum{}},
		{"AnEventChanged", func(s *models.PeerSum) { s.AddEvent(1, 1, 1); s.AddEvent(-1, 1, 1); s.AddEvent(1, 0.25, 1) },
			models.PeerSum{Events: 1, Weight: 0.25, Outcome: 0.25}},
		{"SumsMerged", func(s *models.PeerSum) {
			s.AddEvent(1, 1, 0.5)
			s.Add(models.PeerSum{RoleID: 9, CourseID: 9, Events: 3, Weight: 1.5, Outcome: -0.5})
		}, models.PeerSum{Events: 4, Weight: 2.5, Outcome: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := models.PeerSum{}
			tc.do(&s)
			if s != tc.want {
				t.Errorf("%+v, want %+v", s, tc.want)
			}
		})
	}
}
