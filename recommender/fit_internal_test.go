package recommender

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// sampleFromModel draws n learners' cases from the model p itself (no drift): a level
// from the prior of the case's competency and requirement, then evidence from each
// source's likelihood. It is the well-specified world on which Fit must recover p.
func sampleFromModel(p Params, n int, seed uint64) []Case {
	rng := rand.New(rand.NewPCG(seed, 7))
	f := p.complete(p.Fitted)
	top := p.Levels - 1
	draw := func(weights []float64) int { return pick(rng, weights) }
	var out []Case
	for u := range n {
		for range 1 + rng.IntN(3) {
			c := Case{LearnerID: int64(u + 1), CompetencyID: int64(1 + rng.IntN(6)), Required: rng.IntN(p.Levels)}
			l := draw(p.PriorFor(c.CompetencyID, c.Required))
			at := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
			for range 1 + rng.IntN(6) {
				at = at.Add(60 * 24 * time.Hour)
				e := models.Evidence{LearnerID: c.LearnerID, CompetencyID: c.CompetencyID, ObservedAt: at}
				src := rng.IntN(len(observedSources) + 2) // assessments twice as often
				if src < len(observedSources) {
					e.Source = observedSources[src]
					e.Level = 1 + draw(f.Observe[e.Source][l])
				} else {
					e.Source = models.Assessment
					e.Level = 1 + draw(f.Chosen[l])
					pass := rng.Float64() < p.Assessment.Prob(e.Level, l)
					clear := rng.Float64() < f.Margin[b2i(pass)][clampInt(l-e.Level, -2, 2)+2]
					var s float64
					switch {
					case pass && clear:
						s = 0.9
					case pass:
						s = 0.65
					case clear:
						s = 0.1
					default:
						s = 0.5
					}
					e.Score = &s
				}
				c.Evidence = append(c.Evidence, e)
			}
			out = append(out, c)
		}
	}
	_ = top
	return out
}

// pick returns an index drawn with probability proportional to weights.
func pick(rng *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	u := rng.Float64() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFitRecoversKnownParameters fits on evidence drawn from a model with known
// tables, priors and threshold, unlike the hand-set defaults, and checks the fitted
// ones are within stated tolerances: every table entry within 0.06, slip and guess
// within 0.05, the discrimination within 35%, and no ageing chosen.
func TestFitRecoversKnownParameters(t *testing.T) {
	truth := DefaultParams()
	truth.HalfLife = 0
	truth.Assessment = Threshold{Slip: 0.04, Guess: 0.2, Discrimination: 2.5}
	f := truth.complete(nil)
	shifted := truth
	shifted.Self = Rating{Bias: -0.7, SD: 0.7, Outlier: 0.05} // unlike the default +0.5
	f.Observe[models.SelfRating] = shifted.observeDefault(models.SelfRating)
	f.Chosen = make([][]float64, truth.Levels)
	for l := range f.Chosen {
		f.Chosen[l] = make([]float64, truth.Levels-1)
		for L := range f.Chosen[l] {
			f.Chosen[l][L] = math.Exp(-math.Abs(float64(L + 1 - l)))
		}
		normalise(f.Chosen[l])
	}
	f.Margin = [2][5]float64{{0.1, 0.1, 0.3, 0.7, 0.7}, {0.1, 0.1, 0.6, 0.7, 0.8}}
	f.Pooled = make([][]float64, truth.Levels)
	for r := range f.Pooled {
		f.Pooled[r] = truth.Prior(max(r, 1))
	}
	truth.Fitted = f

	cases := sampleFromModel(truth, 20000, 1)
	groups := map[int64]CompetencyGroup{}
	for c := int64(1); c <= 6; c++ {
		groups[c] = CompetencyGroup{Type: "BEHAVIOURAL", Area: "A"}
	}
	got, report := Fit(DefaultParams(), cases, FitOptions{Groups: groups})
	if !report.Converged {
		t.Fatalf("did not converge: %+v", report)
	}
	if got.HalfLife != 0 {
		t.Errorf("half-life %v chosen for evidence that does not age", got.HalfLife)
	}
	a := got.Assessment
	if math.Abs(a.Slip-0.04) > 0.05 || math.Abs(a.Guess-0.2) > 0.05 || math.Abs(a.Discrimination-2.5)/2.5 > 0.35 {
		t.Errorf("threshold %+v, want slip 0.04, guess 0.2, discrimination 2.5", a)
	}
	within := func(name string, want, got [][]float64) {
		t.Helper()
		for l := range want {
			for o := range want[l] {
				if d := math.Abs(want[l][o] - got[l][o]); d > 0.06 {
					t.Errorf("%s[%d][%d] = %.3f, want %.3f", name, l, o, got[l][o], want[l][o])
				}
			}
		}
	}
	for _, src := range []models.EvidenceSource{models.SelfRating, models.SupervisorRating} {
		within(string(src), f.Observe[src], got.Fitted.Observe[src])
	}
	within("chosen", f.Chosen, got.Fitted.Chosen)
	within("pooled prior", f.Pooled, got.Fitted.Pooled)
}
