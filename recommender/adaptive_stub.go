package recommender

// TEMPORARY: a minimal adaptive-test engine so the API compiles and works before
// the real one lands; replaced by the engine at merge (branch h16engine, files
// recommender/adaptive*.go). Keep the API exactly as the engine's.

import (
	"math"
	"math/rand/v2"
)

// Item is an assessment item on the level scale. Discrimination 0: not calibrated.
type Item struct {
	ID                         int64
	Level                      int
	Options                    int
	Discrimination, Difficulty float64
}

// ItemProb is the probability that an examinee at level l answers the item
// correctly: three-parameter logistic, guessing 1/Options.
func ItemProb(it Item, l int) float64 {
	a, b := it.Discrimination, it.Difficulty
	if a == 0 {
		a, b = 1.7, float64(it.Level)-0.5
	}
	c := 0.0
	if it.Options > 0 {
		c = 1 / float64(it.Options)
	}
	return c + (1-c)/(1+math.Exp(-a*(float64(l)-b)))
}

// Response is one answered item.
type Response struct {
	ItemID  int64
	Correct bool
}

// ResponseLikelihood is the likelihood of the responses at each level 0..levels-1,
// normalised to a maximum of 1.
func ResponseLikelihood(items map[int64]Item, rs []Response, levels int) []float64 {
	out := make([]float64, levels)
	for l := range out {
		out[l] = 1
		for _, r := range rs {
			p := ItemProb(items[r.ItemID], l)
			if !r.Correct {
				p = 1 - p
			}
			out[l] *= p
		}
	}
	return normaliseMax(out)
}

func normaliseMax(v []float64) []float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	if m > 0 {
		for i := range v {
			v[i] /= m
		}
	}
	return v
}

func normaliseSum(v []float64) []float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	if s > 0 {
		for i := range v {
			v[i] /= s
		}
	}
	return v
}

// AdaptiveOptions configure item selection and stopping.
type AdaptiveOptions struct {
	MaxItems                      int
	StopSD, NearBest, MaxExposure float64
}

// DefaultAdaptiveOptions: at most 15 items, stop below a standard deviation of 0.45.
func DefaultAdaptiveOptions() AdaptiveOptions {
	return AdaptiveOptions{MaxItems: 15, StopSD: 0.45, NearBest: 0.9, MaxExposure: 0.3}
}

// Posterior updates prior by the responses.
func Posterior(prior []float64, items map[int64]Item, rs []Response) []float64 {
	lk := ResponseLikelihood(items, rs, len(prior))
	out := make([]float64, len(prior))
	for l := range out {
		out[l] = prior[l] * lk[l]
	}
	return normaliseSum(out)
}

func variance(p []float64) float64 {
	m, m2 := 0.0, 0.0
	for l, x := range p {
		m += float64(l) * x
		m2 += float64(l*l) * x
	}
	return max(0, m2-m*m)
}

// NextItem picks the unasked item with the largest expected reduction in posterior
// variance (the stub has no exposure control and no randomisation).
func NextItem(post []float64, bank []Item, asked map[int64]bool, exposure map[int64]float64, rng *rand.Rand, o AdaptiveOptions) (Item, bool) {
	best, found, bestV := Item{}, false, math.Inf(1)
	for _, it := range bank {
		if asked[it.ID] {
			continue
		}
		pc := 0.0
		right, wrong := make([]float64, len(post)), make([]float64, len(post))
		for l, x := range post {
			p := ItemProb(it, l)
			pc += x * p
			right[l], wrong[l] = x*p, x*(1-p)
		}
		ev := pc*variance(normaliseSum(right)) + (1-pc)*variance(normaliseSum(wrong))
		if ev < bestV {
			best, found, bestV = it, true, ev
		}
	}
	return best, found
}

// Done reports whether a test with posterior post after n items stops.
func Done(post []float64, n int, o AdaptiveOptions) bool {
	return math.Sqrt(variance(post)) < o.StopSD || n >= o.MaxItems
}

// AdaptiveResult is a test's outcome.
type AdaptiveResult struct {
	Distribution  []float64
	Level         int
	StandardError float64
}

// ResultOf reads the result off a posterior: the most probable level and the
// posterior's standard deviation.
func ResultOf(post []float64) AdaptiveResult {
	lvl := 0
	for l, x := range post {
		if x > post[lvl] {
			lvl = l
		}
	}
	return AdaptiveResult{Distribution: append([]float64(nil), post...), Level: lvl, StandardError: math.Sqrt(variance(post))}
}

// ItemResponses is one examinee's responses, with the prior they started from.
type ItemResponses struct {
	Examinee  int64
	Prior     []float64
	Responses []Response
}

// ItemReport describes a calibrated item.
type ItemReport struct {
	ItemID                     int64
	Responses                  int
	Discrimination, Difficulty float64
	Problems                   []string
}

// CalibrateItems returns the bank unchanged in the stub.
func CalibrateItems(bank []Item, attempts []ItemResponses) ([]Item, []ItemReport) {
	return append([]Item(nil), bank...), nil
}
