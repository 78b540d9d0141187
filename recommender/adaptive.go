package recommender

import (
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultDiscrimination is the discrimination a of an item that has not been calibrated
// (Item.Discrimination == 0). With a = 2 and b = L - 0.5, an item written for level L
// is answered correctly by someone at level L with probability c + (1-c)·σ(1) and by
// someone at level L-1 with probability c + (1-c)·σ(-1): 0.80 and 0.45 for four options.
const DefaultDiscrimination = 2.0

// Item is an assessment item as the engine sees it.
type Item struct {
	ID int64
	// Level is the level the item was written for, 1..5.
	Level int
	// Options is the number of options, 2..6: the guessing floor is c = 1/Options.
	// Options < 2 is taken as no guessing floor (c = 0).
	Options int
	// Discrimination is a; 0 means not calibrated: DefaultDiscrimination is used.
	Discrimination float64
	// Difficulty is b on the level scale; it is used only when Discrimination != 0
	// (calibrated), else b = Level - 0.5.
	Difficulty float64
}

// Calibrated reports whether it carries fitted parameters (Discrimination != 0).
func (it Item) Calibrated() bool { return it.Discrimination != 0 }

// Params returns the (a, b) ItemProb uses: the fitted values when it is calibrated,
// else (DefaultDiscrimination, Level - 0.5).
func (it Item) Params() (a, b float64) {
	if it.Calibrated() {
		return it.Discrimination, it.Difficulty
	}
	return DefaultDiscrimination, float64(it.Level) - 0.5
}

// guess returns the guessing floor c = 1/Options (0 for Options < 2).
func (it Item) guess() float64 {
	if it.Options < 2 {
		return 0
	}
	return 1 / float64(it.Options)
}

// ItemProb returns P(correct | true level l) under a three-parameter logistic model
// whose guessing floor is fixed by the number of options:
//
//	P(l) = c + (1-c)·σ(a·(l - b)),  c = 1/Options,  σ(x) = 1/(1+exp(-x))
//
// with (a, b) from it.Params. P rises from c far below b to 1 far above it (for a > 0).
func ItemProb(it Item, l int) float64 {
	a, b := it.Params()
	c := it.guess()
	return c + (1-c)/(1+math.Exp(-a*(float64(l)-b)))
}

// itemProbs fills p[l] with ItemProb(it, l) for l = 0..len(p)-1.
func itemProbs(p []float64, it Item) {
	a, b := it.Params()
	c := it.guess()
	for l := range p {
		p[l] = c + (1-c)/(1+math.Exp(-a*(float64(l)-b)))
	}
}

// Response is one answered item: whether the chosen option was the correct one.
type Response struct {
	ItemID  int64
	Correct bool
}

// ResponseLikelihood returns L(l) for each level l = 0..levels-1, the likelihood of the
// responses normalised to a maximum of 1:
//
//	L(l) = Π_i P_i(l)^y_i · (1 - P_i(l))^(1-y_i) / max_l' Π_i (...)
//
// where P_i = ItemProb of the item of response i and y_i = 1 when it was correct. It is
// computed in logs, so it does not underflow however many responses there are, and each
// factor is floored at 1e-12 (as the estimator does). Responses whose item is not in
// items are ignored; with none left every L(l) is 1. This is what goes into
// models.Evidence.Likelihood.
func ResponseLikelihood(items map[int64]Item, rs []Response, levels int) []float64 {
	ll := make([]float64, levels)
	p := make([]float64, levels)
	for _, r := range rs {
		it, ok := items[r.ItemID]
		if !ok {
			continue
		}
		itemProbs(p, it)
		for l, q := range p {
			if !r.Correct {
				q = 1 - q
			}
			ll[l] += math.Log(max(q, probFloor))
		}
	}
	peak := slices.Max(ll)
	for l := range ll {
		ll[l] = math.Exp(ll[l] - peak)
	}
	return ll
}

// Posterior returns the posterior over levels after the responses:
//
//	post(l) = prior(l)·L(l) / Σ_l' prior(l')·L(l')
//
// with L = ResponseLikelihood(items, rs, len(prior)). The number of levels is len(prior).
// A prior that sums to 0 (or a product that does) is replaced by the uniform
// distribution. prior is not modified.
func Posterior(prior []float64, items map[int64]Item, rs []Response) []float64 {
	post := ResponseLikelihood(items, rs, len(prior))
	var z float64
	for l := range post {
		post[l] *= max(prior[l], 0)
		z += post[l]
	}
	if !(z > 0) {
		for l := range post {
			post[l] = 1 / float64(len(post))
		}
		return post
	}
	for l := range post {
		post[l] /= z
	}
	return post
}

// AdaptiveOptions configure an adaptive test.
type AdaptiveOptions struct {
	// MaxItems is the most items a test asks (default 15).
	MaxItems int `json:"maxItems"`
	// StopSD: the test stops once the posterior standard deviation, in levels, is below
	// it (default 0.4: a posterior on two adjacent levels has SD √(p(1-p)), which is
	// below 0.4 only when one of them holds more than 80%).
	StopSD float64 `json:"stopSD"`
	// NearBest: the items whose expected variance reduction is at least NearBest times
	// the best one's are the candidates, one of which is drawn at random (default 0.9).
	NearBest float64 `json:"nearBest"`
	// MaxExposure: an item shown to more than this share of recent attempts is skipped
	// while items at or below it remain (default 0.25).
	MaxExposure float64 `json:"maxExposure"`
	// MinItems is the fewest items a test asks before StopSD may stop it (default 1),
	// so that a sharp passbook prior does not end a test before its first item.
	// MaxItems overrides it. 0 lets a test stop before any item.
	MinItems int `json:"minItems"`
}

// DefaultAdaptiveOptions returns MaxItems 15, StopSD 0.4, NearBest 0.9,
// MaxExposure 0.25, MinItems 1.
func DefaultAdaptiveOptions() AdaptiveOptions {
	return AdaptiveOptions{MaxItems: 15, StopSD: 0.4, NearBest: 0.9, MaxExposure: 0.25, MinItems: 1}
}

// meanVar returns the mean and variance of the level under the (normalised) dist.
func meanVar(dist []float64) (mean, variance float64) {
	for l, q := range dist {
		mean += q * float64(l)
	}
	for l, q := range dist {
		d := float64(l) - mean
		variance += q * d * d
	}
	return mean, variance
}

// SD returns the standard deviation of the level under dist, a distribution over
// levels 0..len(dist)-1 that sums to 1: √(Σ_l dist(l)·(l - μ)²), μ = Σ_l dist(l)·l.
func SD(dist []float64) float64 {
	_, v := meanVar(dist)
	return math.Sqrt(max(v, 0))
}

// VarianceReduction returns the expected reduction in the posterior variance of the
// level from asking it at the posterior post:
//
//	ΔV = Var(post) - [ p₁·Var(post | correct) + (1-p₁)·Var(post | wrong) ]
//	p₁ = Σ_l post(l)·P(l),  post(l | correct) ∝ post(l)·P(l),  post(l | wrong) ∝ post(l)·(1-P(l))
//
// with P = ItemProb(it, ·). ΔV >= 0 (up to rounding). post must sum to 1.
func VarianceReduction(post []float64, it Item) float64 {
	var buf [16]float64
	p := scratch(buf[:], len(post))
	itemProbs(p, it)
	_, v := meanVar(post)
	return v - expectedVariance(post, p)
}

// expectedVariance returns p₁·Var(post | correct) + (1-p₁)·Var(post | wrong) given the
// item's P(l) in p. It uses E[Var] = Σ_y Σ_l post(l)·P(y|l)·l² - Σ_y (Σ_l post(l)·P(y|l)·l)² / P(y).
func expectedVariance(post, p []float64) float64 {
	var p1, m1, s1, p0, m0, s0 float64
	for l, q := range post {
		x := float64(l)
		w1 := q * p[l]
		w0 := q - w1
		p1 += w1
		m1 += w1 * x
		s1 += w1 * x * x
		p0 += w0
		m0 += w0 * x
		s0 += w0 * x * x
	}
	ev := s1 + s0
	if p1 > 0 {
		ev -= m1 * m1 / p1
	}
	if p0 > 0 {
		ev -= m0 * m0 / p0
	}
	return ev
}

// NextItem returns the next item to ask at the posterior post, chosen from bank:
//
//  1. eligible items: those not in asked whose exposure (the share of recent attempts
//     that showed them; missing means 0) is at most o.MaxExposure; if none is, every
//     item not in asked;
//  2. each is scored by its expected reduction in posterior variance, ΔV (see
//     VarianceReduction), the criterion: it targets the standard error the test stops
//     on, and unlike Fisher information at a point it accounts for the whole posterior;
//  3. the candidates are the eligible items with ΔV >= o.NearBest·max ΔV, and one of
//     them is drawn uniformly with rng (in bank order, so a given rng state gives a given
//     item).
//
// ok is false when no item is left. It allocates one score per item and computes Levels
// exponentials per item (see BenchmarkNextItem and docs/assessments.md for its speed).
func NextItem(post []float64, bank []Item, asked map[int64]bool, exposure map[int64]float64, rng *rand.Rand, o AdaptiveOptions) (Item, bool) {
	var buf [16]float64
	p := scratch(buf[:], len(post))
	_, v := meanVar(post)

	// Score every remaining item, keeping the best score among those under the exposure
	// cap and among all of them; then count the candidates and draw one.
	scores := make([]float64, len(bank))
	bestCapped, bestAll := math.Inf(-1), math.Inf(-1)
	for i, it := range bank {
		if asked[it.ID] {
			scores[i] = math.NaN()
			continue
		}
		itemProbs(p, it)
		s := v - expectedVariance(post, p)
		scores[i] = s
		bestAll = max(bestAll, s)
		if exposure[it.ID] <= o.MaxExposure {
			bestCapped = max(bestCapped, s)
		}
	}
	if math.IsInf(bestAll, -1) {
		return Item{}, false
	}
	capped := !math.IsInf(bestCapped, -1)
	best := bestAll
	if capped {
		best = bestCapped
	}
	cut := o.NearBest * best
	if best <= 0 {
		cut = best // nothing informs: every eligible item at the best score is a candidate
	}
	candidate := func(i int) bool {
		s := scores[i]
		if math.IsNaN(s) || s < cut {
			return false
		}
		return !capped || exposure[bank[i].ID] <= o.MaxExposure
	}
	n := 0
	for i := range bank {
		if candidate(i) {
			n++
		}
	}
	k := 0
	if n > 1 && rng != nil {
		k = rng.IntN(n)
	}
	for i := range bank {
		if candidate(i) {
			if k == 0 {
				return bank[i], true
			}
			k--
		}
	}
	return Item{}, false // not reached: the best item is a candidate
}

// Done reports whether a test whose posterior is post after n answers stops:
//
//	n >= o.MaxItems,  or  SD(post) < o.StopSD and n >= o.MinItems
func Done(post []float64, n int, o AdaptiveOptions) bool {
	if n >= o.MaxItems {
		return true
	}
	return n >= o.MinItems && SD(post) < o.StopSD
}

// AdaptiveResult is the outcome of an adaptive test.
type AdaptiveResult struct {
	// Distribution is the posterior over levels 0..Levels-1 (a copy).
	Distribution []float64 `json:"distribution"`
	// Level is its median (see Median).
	Level int `json:"level"`
	// StandardError is its standard deviation in levels (see SD).
	StandardError float64 `json:"standardError"`
}

// ResultOf returns the result of a test that ended at the posterior post.
func ResultOf(post []float64) AdaptiveResult {
	return AdaptiveResult{Distribution: slices.Clone(post), Level: Median(post), StandardError: SD(post)}
}

// scratch returns the first n of buf, or a new slice of n when buf is too short: the
// per-level item probabilities without an allocation for the usual six levels.
func scratch(buf []float64, n int) []float64 {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]float64, n)
}
