package recommender

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/openkarmayogi/karmayogi/models"
)

// # Course effects
//
// A catalogue claim "course c takes competency k from level f to level t" is checked
// against what happens to the people who complete c: their evidence in k before and
// after they completed it, compared with the same span for similar learners who did
// not take it (a difference in differences, matched on the level their roles require
// of the competency). The result
// is shrunk towards the claim while the completers are few, and becomes the Efficacy
// of the recommender's Impart.

// EffectClaim is what the catalogue claims of one course in one competency.
type EffectClaim struct {
	CourseID, CompetencyID int64
	From, To               int
}

// EffectOptions are the thresholds and prior strength of the course-effect estimate.
// DefaultEffectOptions documents the values in use.
type EffectOptions struct {
	// PriorCompleters is n0, the weight of the claim in pseudo-completers: the
	// estimate is (n·raw + n0·claim)/(n + n0).
	PriorCompleters float64
	// MinCompleters is the fewest completers (each with evidence before and after
	// completing) on which a course's claim is estimated at all; with fewer, the claim
	// is kept.
	MinCompleters int
	// MinControls is the fewest control learners (evidence before and after their
	// pseudo-time) a comparison needs; with fewer, the claim is kept.
	MinControls int
	// MinBandControls is the fewest controls a band needs for its own mean; a band
	// with fewer is compared with all the controls together.
	MinBandControls int
	// MaxBandControls caps the controls kept in each band (AddControl refuses more),
	// which bounds the work over a large population.
	MaxBandControls int
	// MinClaim is the smallest claimed expected gain (in levels) a ratio is taken
	// against: completers almost all outside [From, To) say nothing of the claim.
	MinClaim float64
	// ContradictShare: a claim is contradicted when the whole interval of the
	// estimate lies below ContradictShare × the claimed gain.
	ContradictShare float64
	// IntervalMass is the probability of the interval (0.8).
	IntervalMass float64
	// MinEfficacy is the smallest efficacy given to the recommender (a course is never
	// taken to do nothing at all).
	MinEfficacy float64
	// MinSD floors the standard deviation of a group's changes, in levels, so that a
	// handful of identical changes does not give an interval of width zero.
	MinSD float64
}

// DefaultEffectOptions returns the options in use:
//
//	PriorCompleters 10, MinCompleters 5, MinControls 5, MinBandControls 3,
//	MaxBandControls 400, MinClaim 0.1, ContradictShare 0.5, IntervalMass 0.8,
//	MinEfficacy 0.05, MinSD 0.1
func DefaultEffectOptions() EffectOptions {
	return EffectOptions{
		PriorCompleters: 10,
		MinCompleters:   5,
		MinControls:     5,
		MinBandControls: 3,
		MaxBandControls: 400,
		MinClaim:        0.1,
		ContradictShare: 0.5,
		IntervalMass:    0.8,
		MinEfficacy:     0.05,
		MinSD:           0.1,
	}
}

// CourseEffect is the estimated effect of one course on one competency it claims.
type CourseEffect struct {
	EffectClaim
	// Claimed is the gain the claim promises these completers, in levels: the mean
	// over them of Σ_{l>=From} P_before(l)·max(0, To - l) (readiness and what they
	// already held priced in), or To - From when nobody completed it.
	Claimed float64
	// Raw is the difference in differences before shrinkage (0 when not Estimated).
	Raw float64
	// Gain is the estimated gain in levels, shrunk towards Claimed; Low and High
	// bound its interval (IntervalMass). Without an estimate all three are Claimed.
	Gain, Low, High float64
	// Learners is the number of completers with evidence before and after completing;
	// Controls the number of control learners compared with them.
	Learners, Controls int
	// Estimated is false when the data are too thin and the claim is kept.
	Estimated bool
	// Contradicted: High < ContradictShare·Claimed.
	Contradicted bool
	// Efficacy is clamp(Gain/Claimed, MinEfficacy, 1) when Estimated, else 0 (no
	// estimate: the recommender takes the claim at its word; see Impart).
	Efficacy float64
}

// effectBands is the number of bands learners are matched on: the level their roles
// require of the competency, 0 (none) to 5.
const effectBands = 6

// effectMoments are the running sums of one group's changes in one band.
type effectMoments struct {
	n          int
	sum, sumSq float64
}

func (m *effectMoments) add(x float64) {
	m.n++
	m.sum += x
	m.sumSq += x * x
}

func (m effectMoments) mean() float64 { return m.sum / float64(m.n) }

// ss is the sum of squared deviations from the mean.
func (m effectMoments) ss() float64 {
	if m.n == 0 {
		return 0
	}
	return max(m.sumSq-m.sum*m.sum/float64(m.n), 0)
}

// EffectAccumulator gathers the completers and controls of one claim one learner at
// a time, keeping only running sums per level band, so that a population of any size
// streams through it. It is not safe for concurrent use.
type EffectAccumulator struct {
	p       Params
	o       EffectOptions
	claim   EffectClaim
	treated [effectBands]effectMoments
	control [effectBands]effectMoments
	claimed float64 // Σ of the completers' claimed gains
}

// NewEffectAccumulator returns an empty accumulator for claim, estimating levels with
// p (under the uniform prior of no requirement).
func NewEffectAccumulator(p Params, o EffectOptions, claim EffectClaim) *EffectAccumulator {
	return &EffectAccumulator{p: p, o: o, claim: claim}
}

// change returns the change of a learner's posterior mean level from before to
// after, and the distribution before, or ok = false when either side has no usable
// evidence. COURSE_COMPLETION evidence is left out of both sides: a completion's
// evidence is the catalogue's claim, not a measurement of it. Each side then keeps its
// k = min(|before|, |after|) pieces of evidence nearest the split (the latest before,
// the earliest after), so that both are measured on as much evidence:
//
//	μ_before = Σ_l l·P(l | before_k),  μ_after = Σ_l l·P(l | after_k)
//	change   = μ_after - μ_before
//
// where P(· | E) is EstimateProficiency(p, 0, E): each side on its own evidence, under
// the prior of no requirement, so the two are measured alike. (A posterior mean
// regresses towards the middle of the scale the more, the less evidence it rests on:
// unequal sides would show a change where there is none, the larger the further the
// learner's level lies from the middle.)
func (a *EffectAccumulator) change(before, after []models.Evidence) (d float64, dist []float64, ok bool) {
	before, after = a.measurements(before), a.measurements(after)
	if len(before) == 0 || len(after) == 0 {
		return 0, nil, false
	}
	k := min(len(before), len(after))
	slices.SortStableFunc(before, compareEvidence)
	slices.SortStableFunc(after, compareEvidence)
	before, after = before[len(before)-k:], after[:k]
	b := EstimateProficiency(a.p, 0, before).Distribution
	return effectMean(EstimateProficiency(a.p, 0, after).Distribution) - effectMean(b), b, true
}

// effectBand clamps a required level to a band.
func effectBand(required int) int { return min(max(required, 0), effectBands-1) }

// measurements returns the usable evidence other than COURSE_COMPLETION.
func (a *EffectAccumulator) measurements(in []models.Evidence) []models.Evidence {
	out := make([]models.Evidence, 0, len(in))
	for _, e := range in {
		if e.Source != models.CourseCompletion && a.p.usable(e) {
			out = append(out, e)
		}
	}
	return out
}

// AddCompleter adds a learner who completed the course, with the level their roles
// require of the claimed competency (0: none; the band they are matched in) and their
// evidence in it before and after completing the course. It reports whether the
// learner counted (both sides hold evidence other than COURSE_COMPLETION).
//
// Learners are matched on the requirement of their roles, not on their level before:
// a band of the measured level before would gather completers who are truly low (they
// chose a course at their level) with controls who only measured low by chance and
// drift back up, and the difference would be that regression, not the course.
func (a *EffectAccumulator) AddCompleter(required int, before, after []models.Evidence) bool {
	d, dist, ok := a.change(before, after)
	if !ok {
		return false
	}
	a.treated[effectBand(required)].add(d)
	a.claimed += claimedGain(dist, a.claim.From, a.claim.To)
	return true
}

// AddControl adds a learner who did not take the course, with the level their roles
// require of the claimed competency and their evidence in it before and after a
// pseudo-time (see PseudoTime). It reports whether the learner counted: their band
// holds fewer than MaxBandControls controls and both sides hold evidence other than
// COURSE_COMPLETION.
func (a *EffectAccumulator) AddControl(required int, before, after []models.Evidence) bool {
	band := effectBand(required)
	if a.o.MaxBandControls > 0 && a.control[band].n >= a.o.MaxBandControls {
		return false
	}
	d, _, ok := a.change(before, after)
	if !ok {
		return false
	}
	a.control[band].add(d)
	return true
}

// Completers returns how many completers have counted so far.
func (a *EffectAccumulator) Completers() int { return effectCount(a.treated) }

func effectCount(g [effectBands]effectMoments) int {
	n := 0
	for _, m := range g {
		n += m.n
	}
	return n
}

// claimedGain is the gain the claim promises a learner with distribution dist:
// the mass at levels l >= from moves up to to (Project), so
//
//	g = Σ_{l>=from} P(l)·max(0, to - l)
func claimedGain(dist []float64, from, to int) float64 {
	var g float64
	for l := max(from, 0); l < to && l < len(dist); l++ {
		g += dist[l] * float64(to-l)
	}
	return g
}

// effectMean is Σ_l l·P(l).
func effectMean(dist []float64) float64 {
	var m float64
	for l, q := range dist {
		m += float64(l) * q
	}
	return m
}

// Estimate returns the course effect from what was added. With n completers in bands
// b (the required level; n_b each, n = Σ n_b) and controls (m_b each, m = Σ m_b), d̄
// the mean change of a group in a band:
//
//	raw   = Σ_b (n_b/n)·(d̄_T,b - d̄_C,b')      b' = b if m_b >= MinBandControls, else all controls
//	s²_T  = Σ_b Σ_i (d_i - d̄_T,b)² / (n - B_T)   (pooled within bands; s_T >= MinSD)
//	s²_C  = Σ_b Σ_j (d_j - d̄_C,b)² / (m - B_C)   (s_C >= MinSD)
//	SE²   = s²_T/n + s²_C·Σ_b (n_b/n)²/m_b'
//	q     = the (1+IntervalMass)/2 quantile of Student's t with the Welch–Satterthwaite
//	        degrees of freedom (a normal once they are many)
//	λ     = n/(n + PriorCompleters)
//	Gain  = λ·raw + (1-λ)·Claimed,  [Low, High] = Gain ∓ λ·q·SE
//
// B_T and B_C count the bands a group occupies. The claim is kept (Estimated false,
// Gain = Low = High = Claimed, Efficacy 0) when n < MinCompleters, m < MinControls or
// Claimed < MinClaim. Otherwise Contradicted = High < ContradictShare·Claimed and
// Efficacy = clamp(Gain/Claimed, MinEfficacy, 1).
func (a *EffectAccumulator) Estimate() CourseEffect {
	o := a.o
	n, m := effectCount(a.treated), effectCount(a.control)
	out := CourseEffect{EffectClaim: a.claim, Learners: n, Controls: m, Claimed: float64(a.claim.To - a.claim.From)}
	if n > 0 {
		out.Claimed = a.claimed / float64(n)
	}
	keep := func() CourseEffect {
		out.Gain, out.Low, out.High = out.Claimed, out.Claimed, out.Claimed
		return out
	}
	if n < max(o.MinCompleters, 2) || m < max(o.MinControls, 2) || out.Claimed < o.MinClaim {
		return keep()
	}

	var pooled effectMoments
	var ssT, ssC float64
	bandsT, bandsC := 0, 0
	for b := range effectBands {
		pooled.n += a.control[b].n
		pooled.sum += a.control[b].sum
		pooled.sumSq += a.control[b].sumSq
		if a.treated[b].n > 0 {
			bandsT++
			ssT += a.treated[b].ss()
		}
		if a.control[b].n > 0 {
			bandsC++
			ssC += a.control[b].ss()
		}
	}
	varT := max(ssT/float64(max(n-bandsT, 1)), o.MinSD*o.MinSD)
	varC := max(ssC/float64(max(m-bandsC, 1)), o.MinSD*o.MinSD)

	var raw, ctrlVar float64 // ctrlVar = Σ_b w_b²/m_b'
	for b := range effectBands {
		t := a.treated[b]
		if t.n == 0 {
			continue
		}
		w := float64(t.n) / float64(n)
		c := a.control[b]
		if c.n < max(o.MinBandControls, 1) {
			c = pooled
		}
		raw += w * (t.mean() - c.mean())
		ctrlVar += w * w / float64(c.n)
	}
	vt, vc := varT/float64(n), varC*ctrlVar
	se := math.Sqrt(vt + vc)
	df := float64(n + m - 2)
	if den := vt*vt/float64(n-1) + vc*vc/float64(m-1); den > 0 {
		df = (vt + vc) * (vt + vc) / den
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: max(df, 1)}.Quantile((1 + o.IntervalMass) / 2)

	lambda := float64(n) / (float64(n) + o.PriorCompleters)
	out.Estimated = true
	out.Raw = raw
	out.Gain = lambda*raw + (1-lambda)*out.Claimed
	out.Low, out.High = out.Gain-lambda*q*se, out.Gain+lambda*q*se
	out.Contradicted = out.High < o.ContradictShare*out.Claimed
	out.Efficacy = min(max(out.Gain/out.Claimed, o.MinEfficacy), 1)
	return out
}

// EffectSample is one learner's evidence in a claimed competency, split at the time
// of their completion (a completer) or at a pseudo-time (a control): see SplitAt.
// Required is the level their roles require of the competency (0: none).
type EffectSample struct {
	Required      int
	Before, After []models.Evidence
}

// EstimateCourseEffect is the EffectAccumulator over completers and controls given in
// full (controls beyond a band's MaxBandControls are ignored in the order given).
func EstimateCourseEffect(p Params, o EffectOptions, claim EffectClaim, completers, controls []EffectSample) CourseEffect {
	a := NewEffectAccumulator(p, o, claim)
	for _, s := range completers {
		a.AddCompleter(s.Required, s.Before, s.After)
	}
	for _, s := range controls {
		a.AddControl(s.Required, s.Before, s.After)
	}
	return a.Estimate()
}

// SplitAt splits one learner's evidence in one competency at time at: Before holds what
// was observed strictly before it, After what was observed at it or later.
// COURSE_COMPLETION evidence goes to neither.
func SplitAt(evidence []models.Evidence, at time.Time) EffectSample {
	var s EffectSample
	for _, e := range evidence {
		switch {
		case e.Source == models.CourseCompletion:
		case e.ObservedAt.Before(at):
			s.Before = append(s.Before, e)
		default:
			s.After = append(s.After, e)
		}
	}
	return s
}

// PseudoTime returns the time at which a control learner's evidence is split for a
// course: one of the course's completion times (times, non-empty), picked by a hash of
// the learner and course IDs, so the controls' spans follow the completers' and the
// same inputs always pick the same time.
func PseudoTime(learnerID, courseID int64, times []time.Time) time.Time {
	h := effectHash(uint64(learnerID)*0x9e3779b97f4a7c15 ^ uint64(courseID))
	return times[h%uint64(len(times))]
}

// effectHash is the SplitMix64 finaliser, a fast well-mixed 64-bit hash.
func effectHash(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
