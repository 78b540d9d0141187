package recommender_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

var now = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// ev returns evidence of the given source and level observed daysAgo days before now.
func ev(source models.EvidenceSource, level int, score *float64, daysAgo int) models.Evidence {
	at := now.AddDate(0, 0, -daysAgo)
	return models.Evidence{LearnerID: 1, CompetencyID: 7, Source: source, Level: level,
		Score: score, ObservedAt: at, CreatedAt: at}
}

func score(s float64) *float64 { return &s }

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

func mean(dist []float64) float64 {
	var m float64
	for l, q := range dist {
		m += float64(l) * q
	}
	return m
}

// klDivergence returns KL(p || q) in nats.
func klDivergence(p, q []float64) float64 {
	var d float64
	for i := range p {
		if p[i] > 0 {
			d += p[i] * math.Log(p[i]/q[i])
		}
	}
	return d
}

// atLeast returns P(level >= l).
func atLeast(dist []float64, l int) float64 { return sum(dist[l:]) }

func TestEstimateProficiencyDistribution(t *testing.T) {
	const tol = 1e-12
	p := recommender.DefaultParams()
	for _, tc := range []struct {
		name     string
		required int
		evidence []models.Evidence
	}{
		{"NoEvidence", 0, nil},
		{"NoEvidenceRequired3", 3, nil},
		{"Self", 2, []models.Evidence{ev(models.SelfRating, 5, nil, 0)}},
		{"Supervisor", 4, []models.Evidence{ev(models.SupervisorRating, 1, nil, 3)}},
		{"AssessmentPass", 1, []models.Evidence{ev(models.Assessment, 5, score(1), 0)}},
		{"AssessmentFail", 5, []models.Evidence{ev(models.Assessment, 1, score(0), 0)}},
		{"Course", 0, []models.Evidence{ev(models.CourseCompletion, 3, nil, 10)}},
		{"Certification", 3, []models.Evidence{ev(models.Certification, 5, nil, 0)}},
		{"Contradictory", 3, []models.Evidence{
			ev(models.Certification, 5, nil, 0), ev(models.Certification, 5, nil, 0),
			ev(models.Assessment, 1, score(0), 0), ev(models.Assessment, 1, score(0), 0),
		}},
		{"Mixed", 2, []models.Evidence{
			ev(models.SelfRating, 4, nil, 400), ev(models.SupervisorRating, 3, nil, 200),
			ev(models.Assessment, 3, score(0.7), 100), ev(models.CourseCompletion, 3, nil, 50),
			ev(models.Certification, 2, nil, 0),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := recommender.EstimateProficiency(p, tc.required, tc.evidence)
			if len(e.Distribution) != p.Levels {
				t.Fatalf("len(Distribution) = %d, want %d", len(e.Distribution), p.Levels)
			}
			for l, q := range e.Distribution {
				if q < 0 || math.IsNaN(q) {
					t.Errorf("Distribution[%d] = %v, want >= 0", l, q)
				}
			}
			if s := sum(e.Distribution); math.Abs(s-1) > tol {
				t.Errorf("sum(Distribution) = %v, want 1 within %g", s, tol)
			}
			if m := recommender.Median(e.Distribution); e.Level != m {
				t.Errorf("Level = %d, want median %d", e.Level, m)
			}
			if e.Confidence != e.Distribution[e.Level] {
				t.Errorf("Confidence = %v, want Distribution[Level] = %v", e.Confidence, e.Distribution[e.Level])
			}
			if !(e.Low <= e.Level && e.Level <= e.High) {
				t.Errorf("interval [%d, %d] does not contain Level %d", e.Low, e.High, e.Level)
			}
			if len(tc.evidence) == 0 && !e.UpdatedAt.IsZero() {
				t.Errorf("UpdatedAt = %v, want zero without evidence", e.UpdatedAt)
			}
		})
	}
}

func TestEstimateProficiencyNoEvidenceIsPrior(t *testing.T) {
	const tol = 1e-12
	p := recommender.DefaultParams()
	for _, tc := range []struct {
		required int
		wantMode int // argmax of the prior
	}{
		{-1, 0}, {0, 0}, {1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}, {9, 4},
	} {
		prior := p.Prior(tc.required)
		if s := sum(prior); math.Abs(s-1) > tol {
			t.Errorf("Prior(%d) sums to %v, want 1", tc.required, s)
		}
		if tc.required <= 0 {
			for l, q := range prior {
				if math.Abs(q-1.0/6) > tol {
					t.Errorf("Prior(%d)[%d] = %v, want uniform 1/6", tc.required, l, q)
				}
			}
		} else if mode := argmax(prior); mode != tc.wantMode {
			t.Errorf("mode of Prior(%d) = %d, want %d (centred at required - 0.5)", tc.required, mode, tc.wantMode)
		}
		e := recommender.EstimateProficiency(p, tc.required, nil)
		for l := range prior {
			if math.Abs(e.Distribution[l]-prior[l]) > tol {
				t.Errorf("required %d: Distribution[%d] = %v, want prior %v", tc.required, l, e.Distribution[l], prior[l])
			}
		}
	}
}

func argmax(xs []float64) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

func TestEstimateProficiencyIgnoresUnusableEvidence(t *testing.T) {
	p := recommender.DefaultParams()
	good := []models.Evidence{ev(models.SupervisorRating, 3, nil, 30), ev(models.Assessment, 2, score(0.9), 60)}
	want := recommender.EstimateProficiency(p, 3, good)
	for _, tc := range []struct {
		name string
		bad  models.Evidence
	}{
		{"ErrLevelZero", ev(models.SelfRating, 0, nil, 0)},
		{"ErrLevelAboveTop", ev(models.Certification, 6, nil, 0)},
		{"ErrEventLevelZero", ev(models.EventAttendance, 0, nil, 0)},
		{"ErrScoreAboveOne", ev(models.Assessment, 3, score(1.5), 0)},
		{"ErrScoreNegative", ev(models.Assessment, 3, score(-0.1), 0)},
		{"ErrScoreNaN", ev(models.Assessment, 3, score(math.NaN()), 0)},
		{"ErrUnknownSource", ev(models.EvidenceSource("PEER"), 3, nil, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := recommender.EstimateProficiency(p, 3, append([]models.Evidence{tc.bad}, good...))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("with %+v: got %+v, want %+v (evidence ignored)", tc.bad, got, want)
			}
		})
	}
}

func TestEstimateProficiencyAssessment(t *testing.T) {
	p := recommender.DefaultParams()
	for _, tc := range []struct {
		name     string
		required int
		score    *float64
		pass     bool
	}{
		{"PassNoScore", 0, nil, true},
		{"PassAtMark", 0, score(0.6), true},
		{"Pass0.8", 0, score(0.8), true},
		{"Pass1.0", 0, score(1), true},
		{"PassRequired2", 2, score(0.8), true},
		{"PassRequired3", 3, score(0.6), true},
		{"PassRequired4", 4, nil, true},
		{"FailJustBelow", 0, score(0.59), false},
		{"Fail0.3", 0, score(0.3), false},
		{"Fail0.0", 0, score(0), false},
		{"FailRequired2", 2, score(0.59), false},
		{"FailRequired3", 3, score(0.59), false},
		{"FailRequired4", 4, score(0.3), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := recommender.EstimateProficiency(p, tc.required, []models.Evidence{ev(models.Assessment, 3, tc.score, 0)})
			up := atLeast(e.Distribution, 3)
			if tc.pass && up <= 0.8 {
				t.Errorf("P(level >= 3) = %.4f after a pass, want > 0.8", up)
			}
			if !tc.pass && 1-up <= 0.8 {
				t.Errorf("P(level < 3) = %.4f after a fail, want > 0.8", 1-up)
			}
		})
	}
	// Against a prior centred far from the tested level one assessment need not reach
	// 0.8, but it always moves the probability the right way by a factor of at least 2.
	t.Run("MovesEveryPrior", func(t *testing.T) {
		for required := 0; required <= 5; required++ {
			prior := atLeast(p.Prior(required), 3)
			pass := recommender.EstimateProficiency(p, required, []models.Evidence{ev(models.Assessment, 3, score(0.6), 0)})
			fail := recommender.EstimateProficiency(p, required, []models.Evidence{ev(models.Assessment, 3, score(0.59), 0)})
			odds := func(q float64) float64 { return q / (1 - q) }
			if up := atLeast(pass.Distribution, 3); odds(up) < 2*odds(prior) {
				t.Errorf("required %d: pass takes P(level >= 3) from %.4f to %.4f, want odds at least doubled", required, prior, up)
			}
			if up := atLeast(fail.Distribution, 3); odds(1-up) < 2*odds(1-prior) {
				t.Errorf("required %d: fail takes P(level < 3) from %.4f to %.4f, want odds at least doubled", required, 1-prior, 1-up)
			}
		}
	})
	t.Run("HigherScoreIsStronger", func(t *testing.T) {
		prev := -1.0
		for _, s := range []float64{0.6, 0.7, 0.8, 0.9, 1} {
			e := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.Assessment, 3, score(s), 0)})
			if up := atLeast(e.Distribution, 3); up <= prev {
				t.Errorf("score %.1f: P(level >= 3) = %.4f, want > %.4f (score below)", s, up, prev)
			} else {
				prev = up
			}
		}
		prev = -1.0
		for _, s := range []float64{0.59, 0.45, 0.3, 0.15, 0} {
			e := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.Assessment, 3, score(s), 0)})
			if down := 1 - atLeast(e.Distribution, 3); down <= prev {
				t.Errorf("score %.2f: P(level < 3) = %.4f, want > %.4f (score above)", s, down, prev)
			} else {
				prev = down
			}
		}
	})
}

// TestEstimateProficiencySourceStrength checks that weaker sources move the estimate
// less. Ratings say "about L", so their movement is the KL divergence of the posterior
// from the prior; certification and course completion both say "attained L", so theirs
// is the posterior probability of level >= L.
func TestEstimateProficiencySourceStrength(t *testing.T) {
	p := recommender.DefaultParams()
	post := func(required int, e models.Evidence) []float64 {
		return recommender.EstimateProficiency(p, required, []models.Evidence{e}).Distribution
	}
	t.Run("SelfBelowSupervisor", func(t *testing.T) {
		for _, required := range []int{0, 1, 3, 5} {
			for level := 1; level <= 5; level++ {
				prior := p.Prior(required)
				self := klDivergence(post(required, ev(models.SelfRating, level, nil, 0)), prior)
				sup := klDivergence(post(required, ev(models.SupervisorRating, level, nil, 0)), prior)
				if !(self < sup) {
					t.Errorf("required %d, level %d: self rating moves %.4f nats, supervisor %.4f; want less",
						required, level, self, sup)
				}
			}
		}
	})
	t.Run("CourseBelowCertification", func(t *testing.T) {
		for _, required := range []int{0, 1, 3, 5} {
			for level := 1; level <= 5; level++ {
				course := atLeast(post(required, ev(models.CourseCompletion, level, nil, 0)), level)
				cert := atLeast(post(required, ev(models.Certification, level, nil, 0)), level)
				if !(course < cert) {
					t.Errorf("required %d, level %d: P(level >= %d) is %.4f after a course, %.4f after a certification; want less",
						required, level, level, course, cert)
				}
			}
		}
	})
	t.Run("SelfBiasedUpward", func(t *testing.T) {
		for level := 2; level <= 5; level++ {
			self := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.SelfRating, level, nil, 0)})
			sup := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.SupervisorRating, level, nil, 0)})
			if !(mean(self.Distribution) < mean(sup.Distribution)) {
				t.Errorf("level %d: mean after self rating %.3f, after supervisor %.3f; want self lower",
					level, mean(self.Distribution), mean(sup.Distribution))
			}
		}
	})
}

// TestEstimateProficiencyEventAttendance checks that attending an event session at
// level L is weak evidence of about L: it moves the distribution towards L (more mass
// within one level of L; the mean closer to L when it was over a level away — it is
// centred half a level below L), less than completing a course at L.
func TestEstimateProficiencyEventAttendance(t *testing.T) {
	p := recommender.DefaultParams()
	near := func(dist []float64, level int) float64 { return sum(dist[max(0, level-1):min(len(dist), level+2)]) }
	for _, required := range []int{0, 1, 3, 5} {
		prior := p.Prior(required)
		for level := 1; level <= 5; level++ {
			event := recommender.EstimateProficiency(p, required, []models.Evidence{ev(models.EventAttendance, level, nil, 0)}).Distribution
			course := recommender.EstimateProficiency(p, required, []models.Evidence{ev(models.CourseCompletion, level, nil, 0)}).Distribution
			if !(near(event, level) > near(prior, level)) {
				t.Errorf("required %d, level %d: P(within 1 of %d) %.4f after attending, %.4f before; want more",
					required, level, level, near(event, level), near(prior, level))
			}
			if d0, d := math.Abs(mean(prior)-float64(level)), math.Abs(mean(event)-float64(level)); d0 > 1 && !(d < d0) {
				t.Errorf("required %d, level %d: mean %.3f after attending, %.3f before; want closer to %d",
					required, level, mean(event), mean(prior), level)
			}
			if ke, kc := klDivergence(event, prior), klDivergence(course, prior); !(ke < kc/2) {
				t.Errorf("required %d, level %d: attending moves %.4f nats, a course %.4f; want less than half",
					required, level, ke, kc)
			}
			if !(near(event, level) < near(course, level)) {
				t.Errorf("required %d, level %d: P(within 1 of %d) %.4f after attending, %.4f after a course; want less",
					required, level, level, near(event, level), near(course, level))
			}
		}
	}
	// Weak evidence, not none: it ages, and several sessions add up, as any source does.
	t.Run("Accumulates", func(t *testing.T) {
		one := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.EventAttendance, 4, nil, 0)})
		three := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.EventAttendance, 4, nil, 0),
			ev(models.EventAttendance, 4, nil, 10), ev(models.EventAttendance, 4, nil, 20)})
		if !(mean(three.Distribution) > mean(one.Distribution)) {
			t.Errorf("mean after three sessions at 4 is %.3f, after one %.3f; want higher", mean(three.Distribution), mean(one.Distribution))
		}
	})
}

func TestEstimateProficiencyOrderIndependent(t *testing.T) {
	p := recommender.DefaultParams()
	rng := rand.New(rand.NewPCG(7, 11))
	sources := []models.EvidenceSource{models.Assessment, models.SelfRating, models.SupervisorRating,
		models.CourseCompletion, models.Certification, models.EventAttendance}
	for set := range 20 {
		var evidence []models.Evidence
		for i := range 12 {
			e := ev(sources[rng.IntN(len(sources))], 1+rng.IntN(5), nil, rng.IntN(4)*200) // shared dates
			if e.Source == models.Assessment && rng.IntN(4) > 0 {
				e.Score = score(float64(rng.IntN(11)) / 10)
			}
			e.ID = int64(i)
			evidence = append(evidence, e)
		}
		evidence = append(evidence, evidence[0], evidence[3]) // duplicates
		required := rng.IntN(6)
		want := recommender.EstimateProficiency(p, required, evidence)
		for range 100 {
			shuffled := append([]models.Evidence(nil), evidence...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := recommender.EstimateProficiency(p, required, shuffled); !reflect.DeepEqual(got, want) {
				t.Fatalf("set %d: shuffled estimate %+v, want %+v", set, got, want)
			}
		}
	}
}

func TestEstimateProficiencyAgeing(t *testing.T) {
	p := recommender.DefaultParams()
	oldLowNewHigh := []models.Evidence{ev(models.SupervisorRating, 1, nil, 3*365), ev(models.SupervisorRating, 4, nil, 0)}
	oldHighNewLow := []models.Evidence{ev(models.SupervisorRating, 4, nil, 3*365), ev(models.SupervisorRating, 1, nil, 0)}
	t.Run("NewerWins", func(t *testing.T) {
		up := recommender.EstimateProficiency(p, 0, oldLowNewHigh)
		down := recommender.EstimateProficiency(p, 0, oldHighNewLow)
		if up.Level < 3 || down.Level > 2 {
			t.Errorf("levels %d (newest 4) and %d (newest 1); want >= 3 and <= 2", up.Level, down.Level)
		}
	})
	t.Run("OlderCountsLess", func(t *testing.T) {
		const tol = 1e-12
		fresh := recommender.EstimateProficiency(p, 0, []models.Evidence{ev(models.SupervisorRating, 4, nil, 0)})
		prev := 0.0
		for _, age := range []int{0, 180, 365, 730, 1460} {
			e := recommender.EstimateProficiency(p, 0, []models.Evidence{
				ev(models.SupervisorRating, 4, nil, 0), ev(models.SupervisorRating, 1, nil, age)})
			d := mean(e.Distribution)
			if d <= prev {
				t.Errorf("age %d days: mean %.4f, want above %.4f (younger contradiction)", age, d, prev)
			}
			prev = d
		}
		if prev >= mean(fresh.Distribution)-tol {
			t.Errorf("4-year-old contradiction leaves mean %.4f, want below %.4f (no contradiction)", prev, mean(fresh.Distribution))
		}
	})
	t.Run("NoAgeingIsSymmetric", func(t *testing.T) {
		const tol = 1e-12
		q := p
		q.HalfLife = 0
		a := recommender.EstimateProficiency(q, 0, oldLowNewHigh)
		b := recommender.EstimateProficiency(q, 0, oldHighNewLow)
		for l := range a.Distribution {
			if math.Abs(a.Distribution[l]-b.Distribution[l]) > tol {
				t.Errorf("Distribution[%d] = %v and %v, want equal without ageing", l, a.Distribution[l], b.Distribution[l])
			}
		}
	})
	t.Run("AgeFromNewestEvidence", func(t *testing.T) {
		const shift = 10 * 365 * 24 * time.Hour
		base := recommender.EstimateProficiency(p, 2, oldLowNewHigh)
		shifted := make([]models.Evidence, len(oldLowNewHigh))
		for i, e := range oldLowNewHigh {
			e.ObservedAt = e.ObservedAt.Add(shift)
			shifted[i] = e
		}
		got := recommender.EstimateProficiency(p, 2, shifted)
		if !reflect.DeepEqual(got.Distribution, base.Distribution) {
			t.Errorf("shifting all evidence by 3650 days changed the distribution: %v, want %v", got.Distribution, base.Distribution)
		}
		if want := now.Add(shift); !got.UpdatedAt.Equal(want) {
			t.Errorf("UpdatedAt = %v, want %v (newest evidence)", got.UpdatedAt, want)
		}
	})
}

// bruteInterval returns the minimal width of a run holding mass and the largest mass
// among runs of that width.
func bruteInterval(dist []float64, mass float64) (width int, best float64) {
	for lo := range dist {
		for hi := lo; hi < len(dist); hi++ {
			var s float64
			for l := lo; l <= hi; l++ {
				s += dist[l]
			}
			if s < mass-1e-9 {
				continue
			}
			w := hi - lo + 1
			if width == 0 || w < width || (w == width && s > best) {
				width, best = w, s
			}
		}
	}
	return width, best
}

func TestInterval(t *testing.T) {
	const tol = 1e-12
	for _, tc := range []struct {
		name           string
		dist           []float64
		wantLo, wantHi int
	}{
		{"PointMass", []float64{0, 0, 1, 0, 0, 0}, 2, 2},
		{"OneLevelEnough", []float64{0.8, 0.2, 0, 0, 0, 0}, 0, 0},
		{"TwoLevels", []float64{0.1, 0.4, 0.4, 0.1, 0, 0}, 1, 2},
		{"TieOnWidthMoreMass", []float64{0.05, 0.1, 0.45, 0.35, 0.05, 0}, 2, 3},
		{"UniformTiesLower", []float64{1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6}, 0, 4},
		{"Bimodal", []float64{0.45, 0, 0, 0, 0.1, 0.45}, 0, 5},
		{"Top", []float64{0, 0, 0, 0.05, 0.15, 0.8}, 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := recommender.Interval(tc.dist, 0.8)
			if lo != tc.wantLo || hi != tc.wantHi {
				t.Errorf("Interval = [%d, %d], want [%d, %d]", lo, hi, tc.wantLo, tc.wantHi)
			}
		})
	}
	t.Run("BruteForce", func(t *testing.T) {
		p := recommender.DefaultParams()
		rng := rand.New(rand.NewPCG(3, 5))
		for i := range 2000 {
			// Random posteriors from random evidence, and random raw distributions.
			var dist []float64
			if i%2 == 0 {
				var evidence []models.Evidence
				for range rng.IntN(6) {
					evidence = append(evidence, ev(models.SupervisorRating, 1+rng.IntN(5), nil, rng.IntN(1000)))
				}
				dist = recommender.EstimateProficiency(p, rng.IntN(6), evidence).Distribution
			} else {
				dist = make([]float64, 6)
				for l := range dist {
					dist[l] = math.Pow(rng.Float64(), 3)
				}
				z := sum(dist)
				for l := range dist {
					dist[l] /= z
				}
			}
			lo, hi := recommender.Interval(dist, 0.8)
			held := sum(dist[lo : hi+1])
			width, best := bruteInterval(dist, 0.8)
			if hi-lo+1 != width || math.Abs(held-best) > tol || held < 0.8-1e-9 {
				t.Fatalf("%v: Interval = [%d, %d] holding %v; want width %d holding %v", dist, lo, hi, held, width, best)
			}
			if m := recommender.Median(dist); m < lo || m > hi {
				t.Fatalf("%v: Interval = [%d, %d] misses median %d", dist, lo, hi, m)
			}
		}
	})
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		dist []float64
		want int
	}{
		{[]float64{1, 0, 0, 0, 0, 0}, 0},
		{[]float64{0.5, 0.5, 0, 0, 0, 0}, 0},
		{[]float64{0.49, 0.02, 0.49, 0, 0, 0}, 1},
		{[]float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.5}, 4},
		{[]float64{0, 0, 0, 0, 0, 1}, 5},
	} {
		if got := recommender.Median(tc.dist); got != tc.want {
			t.Errorf("Median(%v) = %d, want %d", tc.dist, got, tc.want)
		}
	}
}

func TestExpectedGap(t *testing.T) {
	const tol = 1e-12
	uniform := []float64{1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6}
	for _, tc := range []struct {
		name     string
		dist     []float64
		required int
		want     float64
	}{
		{"PointBelow", []float64{0, 0, 1, 0, 0, 0}, 4, 2},
		{"PointAt", []float64{0, 0, 0, 0, 1, 0}, 4, 0},
		{"PointAbove", []float64{0, 0, 0, 1, 0, 0}, 1, 0},
		{"NoRequirement", uniform, 0, 0},
		{"NegativeRequirement", uniform, -2, 0},
		{"UniformTop", uniform, 5, 2.5},
		{"UniformMiddle", uniform, 3, 1},
		{"Split", []float64{0, 0.5, 0, 0.5, 0, 0}, 3, 1},
		{"Spread", []float64{0.1, 0.2, 0.3, 0.4, 0, 0}, 4, 0.1*4 + 0.2*3 + 0.3*2 + 0.4*1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := recommender.ExpectedGap(tc.dist, tc.required); math.Abs(got-tc.want) > tol {
				t.Errorf("ExpectedGap(%v, %d) = %v, want %v", tc.dist, tc.required, got, tc.want)
			}
		})
	}
}

func TestEstimateAll(t *testing.T) {
	p := recommender.DefaultParams()
	a := ev(models.SupervisorRating, 4, nil, 10)
	a.CompetencyID = 1
	b := ev(models.Assessment, 2, score(0.3), 5)
	b.CompetencyID = 2
	c := ev(models.SelfRating, 5, nil, 0)
	c.CompetencyID = 1
	required := map[int64]int{1: 3, 3: 4}
	got := recommender.EstimateAll(p, required, []models.Evidence{a, b, c})
	want := map[int64]recommender.Estimate{
		1: recommender.EstimateProficiency(p, 3, []models.Evidence{c, a}),
		2: recommender.EstimateProficiency(p, 0, []models.Evidence{b}),
		3: recommender.EstimateProficiency(p, 4, nil),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EstimateAll = %+v, want %+v", got, want)
	}
}

func TestEstimateProficiencyToModel(t *testing.T) {
	p := recommender.DefaultParams()
	e := recommender.EstimateProficiency(p, 2, []models.Evidence{ev(models.Certification, 3, nil, 0)})
	m := e.Proficiency(11, 7)
	want := models.Proficiency{LearnerID: 11, CompetencyID: 7, Level: e.Level, Confidence: e.Confidence,
		Distribution: e.Distribution, UpdatedAt: now, IntervalLow: e.Low, IntervalHigh: e.High}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Proficiency = %+v, want %+v", m, want)
	}
	m.Distribution[0] = 42
	if e.Distribution[0] == 42 {
		t.Error("Proficiency shares the distribution with the estimate; want a copy")
	}
}

func BenchmarkEstimate(b *testing.B) {
	p := recommender.DefaultParams()
	evidence := []models.Evidence{
		ev(models.SelfRating, 4, nil, 900), ev(models.SupervisorRating, 3, nil, 800),
		ev(models.Assessment, 3, score(0.55), 700), ev(models.CourseCompletion, 3, nil, 600),
		ev(models.Assessment, 3, score(0.8), 500), ev(models.SelfRating, 4, nil, 400),
		ev(models.SupervisorRating, 4, nil, 300), ev(models.Certification, 3, nil, 200),
		ev(models.Assessment, 4, score(0.65), 100), ev(models.SelfRating, 5, nil, 0),
	}
	b.ReportAllocs()
	for b.Loop() {
		recommender.EstimateProficiency(p, 3, evidence)
	}
}

// TestSelfReportedCompletionWeighsLess: a completion nobody verified moves an
// estimate less than one a provider verified.
func TestSelfReportedCompletionWeighsLess(t *testing.T) {
	p := recommender.DefaultParams()
	verified := ev(models.CourseCompletion, 4, nil, 0)
	verified.Verification = models.VerifiedByProvider
	self := verified
	self.Verification = models.SelfReported
	v := recommender.EstimateProficiency(p, 0, []models.Evidence{verified})
	s := recommender.EstimateProficiency(p, 0, []models.Evidence{self})
	if !(atLeast(s.Distribution, 4) < atLeast(v.Distribution, 4)) || !(atLeast(s.Distribution, 4) > 2.0/6) {
		t.Errorf("P(>= 4): self-reported %.3f, verified %.3f, uniform 0.333; want the self-reported between", atLeast(s.Distribution, 4), atLeast(v.Distribution, 4))
	}
}

// TestAdaptiveAssessmentLikelihood: ASSESSMENT evidence that carries the likelihood of
// its item responses moves the estimate by that likelihood, not by a pass at its level.
func TestAdaptiveAssessmentLikelihood(t *testing.T) {
	p := recommender.DefaultParams()
	e := ev(models.Assessment, 1, nil, 0) // tested at level 1, but the responses say 4
	e.Likelihood = []float64{0.001, 0.01, 0.05, 0.3, 1, 0.4}
	got := recommender.EstimateProficiency(p, 0, []models.Evidence{e})
	var z float64
	for _, q := range e.Likelihood {
		z += q
	}
	for l, q := range e.Likelihood {
		if math.Abs(got.Distribution[l]-q/z) > 1e-9 {
			t.Fatalf("P(%d) = %v, want the responses' normalised likelihood %v", l, got.Distribution[l], q/z)
		}
	}
	bad := e
	bad.Likelihood = []float64{1, 2}
	if est := recommender.EstimateProficiency(p, 0, []models.Evidence{bad}); !est.UpdatedAt.IsZero() {
		t.Errorf("a likelihood of the wrong length was used: %+v", est)
	}
}
