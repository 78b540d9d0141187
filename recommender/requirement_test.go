package recommender_test

import (
	"math"
	"math/rand/v2"
	"slices"
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
			got := recommender.WithRequirement(p, 1, stored.Distribution, r, stored.UpdatedAt)
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
	got := recommender.WithRequirement(p, 1, nil, 3, time.Time{})
	for l, want := range p.Prior(3) {
		if math.Abs(got.Distribution[l]-want) > 1e-15 {
			t.Fatalf("P(%d) = %v, want the prior %v", l, got.Distribution[l], want)
		}
	}
}

// TestLevelIsTheLearnersOwn measures one learner's estimate against three roles that
// require a competency at levels 2, 3 and 4: the gap changes with the role, the level
// and distribution never do (they are read under the learner's own roles' prior).
func TestLevelIsTheLearnersOwn(t *testing.T) {
	p := recommender.DefaultParams()
	held := map[int64]int{7: 2}
	for _, stored := range [][]float64{nil, {0.1, 0.2, 0.4, 0.2, 0.05, 0.05}} {
		var first recommender.Gap
		for i, required := range []int{2, 3, 4} {
			l := recommender.Learner{
				Requirements: []recommender.Requirement{{CompetencyID: 7, Level: required, Weight: 1}},
				Stored:       map[int64][]float64{7: stored},
				Held:         held,
			}
			g := recommender.Gaps(p, l)[0]
			if i == 0 {
				first = g
				continue
			}
			if g.Current != first.Current || !slices.Equal(g.Distribution, first.Distribution) {
				t.Errorf("stored %v, against level %d: level %d %v, against level 2: %d %v", stored, required, g.Current, g.Distribution, first.Current, first.Distribution)
			}
			if !(g.Gap > first.Gap) {
				t.Errorf("stored %v: gap against level %d is %.3f, not above %.3f against level 2", stored, required, g.Gap, first.Gap)
			}
		}
	}
}

// TestAgedFadesTowardsThePrior: a lone assessment read years later says less about
// the level than read on the day, at the read half-life's rate, and nothing fades
// when ageing is off.
func TestAgedFadesTowardsThePrior(t *testing.T) {
	p := recommender.DefaultParams()
	p.ReadHalfLife = 365 * 24 * time.Hour
	day := time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC)
	s := 0.9
	stored := recommender.EstimateProficiency(p, 0, []models.Evidence{{Source: models.Assessment, Level: 4, Score: &s, ObservedAt: day}}).Distribution
	fresh := recommender.WithRequirement(p, 1, stored, 2, day)
	later := recommender.WithRequirement(p, 1, recommender.Aged(p, stored, day, day.Add(8*365*24*time.Hour)), 2, day)
	prior := p.PriorFor(1, 2)
	if !(atLeast(later.Distribution, 4) < atLeast(fresh.Distribution, 4)) || !(atLeast(later.Distribution, 4) > atLeast(prior, 4)) {
		t.Errorf("P(>= 4): fresh %.3f, eight years on %.3f, prior %.3f; want it between", atLeast(fresh.Distribution, 4), atLeast(later.Distribution, 4), atLeast(prior, 4))
	}
	half := recommender.Aged(p, stored, day, day.Add(p.ReadHalfLife))
	for l := range stored {
		want := math.Sqrt(stored[l])
		var z float64
		for _, q := range stored {
			z += math.Sqrt(q)
		}
		if math.Abs(half[l]-want/z) > 1e-12 {
			t.Fatalf("one read half-life on, P(%d) = %v, want the square root normalised %v", l, half[l], want/z)
		}
	}
	p.ReadHalfLife = 0
	if got := recommender.Aged(p, stored, day, day.Add(8*365*24*time.Hour)); !slices.Equal(got, stored) {
		t.Errorf("ageing off changed the estimate: %v, want %v", got, stored)
	}
}
