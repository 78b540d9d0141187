package recommender_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestWithRequirementEqualsDirectEstimate: applying a role's prior to the stored
// (uniform-prior) estimate gives the estimate made with that prior from the start.
func TestWithRequirementEqualsDirectEstimate(t *testing.T) {
	p := recommender.DefaultParams()
	rng := rand.New(rand.NewPCG(7, 7))
	sources := []models.EvidenceSource{models.Assessment, models.SelfRating, models.SupervisorRating, models.CourseCompletion, models.Certification}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for trial := range 200 {
		var ev []models.Evidence
		for range rng.IntN(6) {
			e := models.Evidence{Source: sources[rng.IntN(len(sources))], Level: 1 + rng.IntN(5),
				ObservedAt: t0.Add(time.Duration(rng.IntN(900)) * 24 * time.Hour)}
			if e.Source == models.Assessment {
				s := rng.Float64()
				e.Score = &s
			}
			ev = append(ev, e)
		}
		stored := recommender.EstimateProficiency(p, 0, ev)
		for r := 0; r <= 5; r++ {
			want := recommender.EstimateProficiency(p, r, ev)
			got := recommender.WithRequirement(p, stored.Distribution, r, stored.UpdatedAt)
			for l := range want.Distribution {
				if math.Abs(got.Distribution[l]-want.Distribution[l]) > 1e-12 {
					t.Fatalf("trial %d, required %d: P(%d) = %v, want %v", trial, r, l, got.Distribution[l], want.Distribution[l])
				}
			}
			if got.Level != want.Level || got.Low != want.Low || got.High != want.High || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Fatalf("trial %d, required %d: summary %+v, want %+v", trial, r, got, want)
			}
		}
	}
}

func TestWithRequirementNoEvidenceIsPrior(t *testing.T) {
	p := recommender.DefaultParams()
	got := recommender.WithRequirement(p, nil, 3, time.Time{})
	for l, want := range p.Prior(3) {
		if math.Abs(got.Distribution[l]-want) > 1e-15 {
			t.Fatalf("P(%d) = %v, want the prior %v", l, got.Distribution[l], want)
		}
	}
}
