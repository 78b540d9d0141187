package recommender_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/openkarmayogi/karmayogi/recommender"
)

func TestPeerSignals(t *testing.T) {
	key := recommender.PeerKey{RoleID: 1, CourseID: 2}
	ev := func(completed, dismissed bool, rating int, gap float64) recommender.PeerEvent {
		return recommender.PeerEvent{RoleID: 1, CourseID: 2, Completed: completed, Dismissed: dismissed, Rating: rating, HadGap: gap}
	}
	for _, tc := range []struct {
		name   string
		events []recommender.PeerEvent
		want   float64
	}{
		// u = 1, o = 1: 1/(1+5).
		{"OneCompletionWithGap", []recommender.PeerEvent{ev(true, false, 0, 2)}, 1.0 / 6},
		// u = 0.25: 0.25/5.25.
		{"OneCompletionWithoutGap", []recommender.PeerEvent{ev(true, false, 0, 0)}, 0.25 / 5.25},
		// o = (1 + 1)/2 = 1 and (1 - 1)/2 = 0.
		{"RatedFiveAndOne", []recommender.PeerEvent{ev(true, false, 5, 1), ev(true, false, 1, 1)}, 1.0 / 7},
		// u = 0.25 + 0.75·0.5 = 0.625.
		{"HalfGap", []recommender.PeerEvent{ev(true, false, 0, 0.5)}, 0.625 / 5.625},
		{"Dismissals", []recommender.PeerEvent{ev(false, true, 0, 1), ev(true, false, 0, 1)}, 0},
		{"NegativeClamped", []recommender.PeerEvent{ev(false, true, 1, 1)}, 0},
		{"BadRatingAndGapIgnored", []recommender.PeerEvent{ev(true, false, 9, math.NaN())}, 0.25 / 5.25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := recommender.PeerSignals(tc.events)
			if len(got) != 1 || math.Abs(got[key]-tc.want) > 1e-15 {
				t.Errorf("PeerSignals = %v, want %v", got, tc.want)
			}
		})
	}
	if got := recommender.PeerSignals(nil); len(got) != 0 {
		t.Errorf("PeerSignals(nil) = %v", got)
	}
}

// TestPeerSignalsProperties: every signal is in [0, 1); adding a completion rated 5
// by a learner with a gap never lowers it, adding a dismissal never raises it, and
// many consistent completions approach 1.
func TestPeerSignalsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := range 500 {
		var events []recommender.PeerEvent
		for range rng.IntN(30) {
			events = append(events, recommender.PeerEvent{
				RoleID: int64(1 + rng.IntN(2)), CourseID: int64(1 + rng.IntN(3)),
				Completed: rng.IntN(2) == 0, Dismissed: rng.IntN(4) == 0,
				Rating: rng.IntN(6), HadGap: 2 * rng.Float64() * float64(rng.IntN(2)),
			})
		}
		base := recommender.PeerSignals(events)
		for k, s := range base {
			if s < 0 || s >= 1 {
				t.Fatalf("trial %d: signal %v for %v", trial, s, k)
			}
		}
		k := recommender.PeerKey{RoleID: 1, CourseID: 1}
		up := recommender.PeerSignals(append(events, recommender.PeerEvent{RoleID: 1, CourseID: 1, Completed: true, Rating: 5, HadGap: 1}))
		down := recommender.PeerSignals(append(events, recommender.PeerEvent{RoleID: 1, CourseID: 1, Dismissed: true, HadGap: 1}))
		if up[k] < base[k] || down[k] > base[k] {
			t.Fatalf("trial %d: %v, with a completion %v, with a dismissal %v", trial, base[k], up[k], down[k])
		}
	}
	var many []recommender.PeerEvent
	for range 1000 {
		many = append(many, recommender.PeerEvent{RoleID: 1, CourseID: 1, Completed: true, Rating: 5, HadGap: 3})
	}
	if s := recommender.PeerSignals(many)[recommender.PeerKey{RoleID: 1, CourseID: 1}]; s < 0.99 {
		t.Errorf("1000 top completions give %v, want close to 1", s)
	}
}
