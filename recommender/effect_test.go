package recommender_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// effectWorld simulates the completers and controls of one claim, from level 1 to 4.
// Every learner has a hidden level (1, 2 or 3, alike in both groups) and four
// observations on each side of their (pseudo-)time: two assessments near their level
// (one in ten answered against it) and two supervisor ratings off by a level one time
// in five; their roles require one level above it. A completer ready for the course (all are: levels 1..3 >= From) reaches To
// with probability efficacy. After the time, supervisors rate everyone half a level
// higher one time in two (a drift the controls share), and completers carry their
// COURSE_COMPLETION evidence at To, which must not count.
type effectWorld struct {
	rng       *rand.Rand
	from, to  int
	efficacy  float64
	trueGains float64 // Σ over completers of the true change of level
}

var effectT0 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func (w *effectWorld) observe(level int, at time.Time, drift bool) []models.Evidence {
	var out []models.Evidence
	for i := range 2 {
		tested := min(max(level+w.rng.IntN(3)-1, 1), 5)
		pass := level >= tested
		if w.rng.Float64() < 0.1 {
			pass = !pass
		}
		score := 0.3
		if pass {
			score = 0.8
		}
		out = append(out, models.Evidence{Source: models.Assessment, Level: tested, Score: &score,
			ObservedAt: at.Add(time.Duration(i) * 24 * time.Hour)})
		rated := level
		switch u := w.rng.Float64(); {
		case u < 0.1:
			rated--
		case u < 0.2:
			rated++
		}
		if drift && w.rng.Float64() < 0.5 {
			rated++
		}
		out = append(out, models.Evidence{Source: models.SupervisorRating, Level: min(max(rated, 1), 5),
			ObservedAt: at.Add(time.Duration(i)*24*time.Hour + time.Hour)})
	}
	return out
}

func (w *effectWorld) completer() recommender.EffectSample {
	l := 1 + w.rng.IntN(3)
	after := l
	if w.rng.Float64() < w.efficacy {
		after = max(l, w.to)
	}
	w.trueGains += float64(after - l)
	s := recommender.EffectSample{
		Required: l + 1,
		Before:   w.observe(l, effectT0.AddDate(0, -3, 0), false),
		After:    w.observe(after, effectT0.AddDate(0, 2, 0), true),
	}
	s.After = append(s.After, models.Evidence{Source: models.CourseCompletion, Level: w.to, ObservedAt: effectT0})
	return s
}

func (w *effectWorld) control() recommender.EffectSample {
	l := 1 + w.rng.IntN(3)
	return recommender.EffectSample{
		Required: l + 1,
		Before:   w.observe(l, effectT0.AddDate(0, -3, 0), false),
		After:    w.observe(l, effectT0.AddDate(0, 2, 0), true),
	}
}

// run simulates n completers and m controls and estimates the effect; it returns the
// estimate and the completers' true mean gain.
func (w *effectWorld) run(n, m int) (recommender.CourseEffect, float64) {
	var completers, controls []recommender.EffectSample
	for range n {
		completers = append(completers, w.completer())
	}
	for range m {
		controls = append(controls, w.control())
	}
	claim := recommender.EffectClaim{CourseID: 1, CompetencyID: 2, From: w.from, To: w.to}
	e := recommender.EstimateCourseEffect(recommender.DefaultParams(), recommender.DefaultEffectOptions(), claim, completers, controls)
	return e, w.trueGains / float64(max(n, 1))
}

// TestCourseEffectRecovery: on simulated completers and controls, the estimated gain
// is within 0.35 levels of the true mean gain, the efficacy within 0.2 of the truth
// where the course works at all, and a course that does not work is contradicted.
// The estimate is a difference of posterior means, which regress towards the middle
// of the scale on four observations a side: it errs low by up to a quarter of the gain.
func TestCourseEffectRecovery(t *testing.T) {
	for _, tc := range []struct {
		name         string
		efficacy     float64
		contradicted bool
	}{
		{"Works", 1, false},
		{"WorksHalf", 0.5, false},
		{"DoesNotWork", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &effectWorld{rng: rand.New(rand.NewPCG(7, 11)), from: 1, to: 4, efficacy: tc.efficacy}
			e, truth := w.run(300, 900)
			t.Logf("true gain %.3f, raw %.3f, gain %.3f [%.3f, %.3f], claimed %.3f, efficacy %.3f, n %d, controls %d",
				truth, e.Raw, e.Gain, e.Low, e.High, e.Claimed, e.Efficacy, e.Learners, e.Controls)
			if !e.Estimated || e.Learners != 300 || e.Controls < 500 {
				t.Fatalf("not estimated on 300 completers: %+v", e)
			}
			if math.Abs(e.Raw-truth) > 0.35 {
				t.Errorf("raw gain %.3f, true %.3f: off by more than 0.35", e.Raw, truth)
			}
			if !(e.Low <= e.Gain && e.Gain <= e.High) {
				t.Errorf("gain %.3f outside its interval [%.3f, %.3f]", e.Gain, e.Low, e.High)
			}
			if tc.efficacy > 0 && math.Abs(e.Efficacy-tc.efficacy) > 0.2 {
				t.Errorf("efficacy %.3f, true %.2f", e.Efficacy, tc.efficacy)
			}
			if tc.efficacy == 0 && e.Efficacy > 0.2 {
				t.Errorf("efficacy %.3f of a course that does nothing", e.Efficacy)
			}
			if e.Contradicted != tc.contradicted {
				t.Errorf("contradicted %v, want %v", e.Contradicted, tc.contradicted)
			}
		})
	}
}

// TestCourseEffectThin: with fewer completers than MinCompleters, or too few controls,
// the claim is kept; just above the threshold, a course that does nothing is shrunk
// towards its claim and not yet contradicted.
func TestCourseEffectThin(t *testing.T) {
	o := recommender.DefaultEffectOptions()
	t.Run("FewCompleters", func(t *testing.T) {
		w := &effectWorld{rng: rand.New(rand.NewPCG(1, 2)), from: 1, to: 4, efficacy: 0}
		e, _ := w.run(o.MinCompleters-1, 200)
		if e.Estimated || e.Efficacy != 0 || e.Contradicted || e.Gain != e.Claimed || e.Low != e.Claimed || e.High != e.Claimed {
			t.Errorf("thin data did not keep the claim: %+v", e)
		}
		if e.Learners != o.MinCompleters-1 {
			t.Errorf("learners %d, want %d", e.Learners, o.MinCompleters-1)
		}
	})
	t.Run("FewControls", func(t *testing.T) {
		w := &effectWorld{rng: rand.New(rand.NewPCG(1, 3)), from: 1, to: 4, efficacy: 0}
		e, _ := w.run(50, o.MinControls-1)
		if e.Estimated || e.Efficacy != 0 {
			t.Errorf("too few controls did not keep the claim: %+v", e)
		}
	})
	t.Run("NoCompleters", func(t *testing.T) {
		w := &effectWorld{rng: rand.New(rand.NewPCG(1, 4)), from: 1, to: 4}
		e, _ := w.run(0, 50)
		if e.Estimated || e.Claimed != 3 || e.Gain != 3 || e.Learners != 0 {
			t.Errorf("no completers: %+v, want the claim 3 kept", e)
		}
	})
	t.Run("Shrunk", func(t *testing.T) {
		w := &effectWorld{rng: rand.New(rand.NewPCG(1, 5)), from: 1, to: 4, efficacy: 0}
		e, _ := w.run(o.MinCompleters, 400)
		lambda := float64(e.Learners) / (float64(e.Learners) + o.PriorCompleters)
		if want := lambda*e.Raw + (1-lambda)*e.Claimed; !e.Estimated || math.Abs(e.Gain-want) > 1e-12 {
			t.Errorf("gain %.4f, want λ·raw + (1-λ)·claim = %.4f (%+v)", e.Gain, want, e)
		}
		if e.Contradicted {
			t.Errorf("contradicted on %d completers: %+v", e.Learners, e)
		}
	})
}

// TestCourseEffectNoEvidence: completers and controls without evidence on both sides
// (COURSE_COMPLETION evidence alone does not count) are not counted.
func TestCourseEffectNoEvidence(t *testing.T) {
	a := recommender.NewEffectAccumulator(recommender.DefaultParams(), recommender.DefaultEffectOptions(),
		recommender.EffectClaim{From: 1, To: 3})
	sup := models.Evidence{Source: models.SupervisorRating, Level: 2, ObservedAt: effectT0}
	done := models.Evidence{Source: models.CourseCompletion, Level: 3, ObservedAt: effectT0}
	if a.AddCompleter(2, []models.Evidence{sup}, []models.Evidence{done}) || a.AddCompleter(2, nil, []models.Evidence{sup}) ||
		a.AddControl(2, []models.Evidence{sup}, nil) || a.Completers() != 0 {
		t.Error("a learner without evidence on one side counted")
	}
	if !a.AddCompleter(2, []models.Evidence{sup}, []models.Evidence{sup, done}) || a.Completers() != 1 {
		t.Error("a completer with evidence on both sides did not count")
	}
}

func TestSplitAtAndPseudoTime(t *testing.T) {
	ev := []models.Evidence{
		{Source: models.SelfRating, Level: 2, ObservedAt: effectT0.Add(-time.Hour)},
		{Source: models.CourseCompletion, Level: 3, ObservedAt: effectT0},
		{Source: models.SupervisorRating, Level: 3, ObservedAt: effectT0},
		{Source: models.Assessment, Level: 3, ObservedAt: effectT0.Add(time.Hour)},
	}
	s := recommender.SplitAt(ev, effectT0)
	if len(s.Before) != 1 || s.Before[0].Source != models.SelfRating || len(s.After) != 2 {
		t.Errorf("SplitAt: %+v", s)
	}
	times := []time.Time{effectT0, effectT0.AddDate(0, 1, 0), effectT0.AddDate(0, 2, 0)}
	seen := map[time.Time]bool{}
	for id := int64(1); id <= 30; id++ {
		p := recommender.PseudoTime(id, 9, times)
		if p != recommender.PseudoTime(id, 9, times) {
			t.Fatal("PseudoTime is not deterministic")
		}
		seen[p] = true
	}
	if len(seen) != 3 {
		t.Errorf("30 learners drew %d of 3 completion times", len(seen))
	}
}
