package recommender_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

func uniform6() []float64 { return []float64{1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6} }

// testBank returns perLevel uncalibrated four-option items for each level 1..5, IDs from 1.
func testBank(perLevel int) []recommender.Item {
	var bank []recommender.Item
	id := int64(1)
	for level := 1; level <= 5; level++ {
		for range perLevel {
			bank = append(bank, recommender.Item{ID: id, Level: level, Options: 4})
			id++
		}
	}
	return bank
}

func byID(bank []recommender.Item) map[int64]recommender.Item {
	m := make(map[int64]recommender.Item, len(bank))
	for _, it := range bank {
		m[it.ID] = it
	}
	return m
}

func TestItemProb(t *testing.T) {
	sigma := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, tc := range []struct {
		name string
		it   recommender.Item
		l    int
		want float64
	}{
		{"UncalibratedAtLevel", recommender.Item{Level: 3, Options: 4}, 3, 0.25 + 0.75*sigma(1)},
		{"UncalibratedOneBelow", recommender.Item{Level: 3, Options: 4}, 2, 0.25 + 0.75*sigma(-1)},
		{"UncalibratedFarBelow", recommender.Item{Level: 5, Options: 2}, 0, 0.5 + 0.5*sigma(-9)},
		{"Calibrated", recommender.Item{Level: 3, Options: 5, Discrimination: 1.5, Difficulty: 1}, 2, 0.2 + 0.8*sigma(1.5)},
		{"CalibratedIgnoresLevel", recommender.Item{Level: 1, Options: 5, Discrimination: 1.5, Difficulty: 1}, 2, 0.2 + 0.8*sigma(1.5)},
		{"NegativeDiscrimination", recommender.Item{Level: 3, Options: 4, Discrimination: -2, Difficulty: 2.5}, 5, 0.25 + 0.75*sigma(-5)},
		{"NoOptionsNoFloor", recommender.Item{Level: 3, Options: 0}, 0, sigma(-5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := recommender.ItemProb(tc.it, tc.l); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("ItemProb = %.12f, want %.12f", got, tc.want)
			}
		})
	}
}

func TestResponseLikelihood(t *testing.T) {
	bank := testBank(2)
	items := byID(bank)
	rs := []recommender.Response{{ItemID: 1, Correct: true}, {ItemID: 5, Correct: true}, {ItemID: 9, Correct: false}}

	t.Run("ProductNormalisedToMaxOne", func(t *testing.T) {
		got := recommender.ResponseLikelihood(items, rs, 6)
		want := make([]float64, 6)
		for l := range want {
			want[l] = recommender.ItemProb(items[1], l) * recommender.ItemProb(items[5], l) * (1 - recommender.ItemProb(items[9], l))
		}
		peak := slices.Max(want)
		for l := range want {
			if math.Abs(got[l]-want[l]/peak) > 1e-12 {
				t.Fatalf("L = %v, want %v / %v", got, want, peak)
			}
		}
		if slices.Max(got) != 1 {
			t.Errorf("max L = %v, want 1", slices.Max(got))
		}
	})
	t.Run("UnknownItemsIgnored", func(t *testing.T) {
		with := recommender.ResponseLikelihood(items, append(slices.Clone(rs), recommender.Response{ItemID: 999}), 6)
		if !slices.Equal(with, recommender.ResponseLikelihood(items, rs, 6)) {
			t.Errorf("an unknown item changed the likelihood")
		}
		if got := recommender.ResponseLikelihood(items, nil, 6); !slices.Equal(got, []float64{1, 1, 1, 1, 1, 1}) {
			t.Errorf("no responses: %v, want all 1", got)
		}
	})
	t.Run("NoUnderflow", func(t *testing.T) {
		var many []recommender.Response
		for i := range 3000 {
			many = append(many, recommender.Response{ItemID: int64(i%10 + 1), Correct: i%3 != 0})
		}
		got := recommender.ResponseLikelihood(items, many, 6)
		if slices.Max(got) != 1 {
			t.Errorf("max = %v after 3000 responses, want 1: %v", slices.Max(got), got)
		}
	})
}

func TestPosterior(t *testing.T) {
	bank := testBank(2)
	items := byID(bank)
	prior := []float64{0.05, 0.1, 0.2, 0.3, 0.2, 0.15}
	rs := []recommender.Response{{ItemID: 7, Correct: true}, {ItemID: 9, Correct: true}}
	post := recommender.Posterior(prior, items, rs)
	L := recommender.ResponseLikelihood(items, rs, 6)
	var z float64
	for l := range prior {
		z += prior[l] * L[l]
	}
	for l := range post {
		if math.Abs(post[l]-prior[l]*L[l]/z) > 1e-12 {
			t.Fatalf("post = %v, want prior·L/Z", post)
		}
	}
	mean := func(d []float64) (m float64) {
		for l, q := range d {
			m += q * float64(l)
		}
		return m
	}
	if mean(post) <= mean(prior) {
		t.Errorf("two level-4 items right: mean %v, not above the prior's %v", mean(post), mean(prior))
	}
	if got := recommender.Posterior([]float64{0, 0, 0, 0, 0, 0}, items, rs); math.Abs(got[0]-1.0/6) > 1e-12 {
		t.Errorf("zero prior: %v, want uniform", got)
	}
}

func TestVarianceReduction(t *testing.T) {
	items := byID(testBank(1))
	post := []float64{0.05, 0.15, 0.3, 0.3, 0.15, 0.05}
	variance := func(d []float64) float64 { s := recommender.SD(d); return s * s }
	for id, it := range items {
		p1 := 0.0
		for l, q := range post {
			p1 += q * recommender.ItemProb(it, l)
		}
		right := recommender.Posterior(post, items, []recommender.Response{{ItemID: id, Correct: true}})
		wrong := recommender.Posterior(post, items, []recommender.Response{{ItemID: id, Correct: false}})
		want := variance(post) - p1*variance(right) - (1-p1)*variance(wrong)
		got := recommender.VarianceReduction(post, it)
		if math.Abs(got-want) > 1e-12 || got < 0 {
			t.Errorf("item %d: ΔV = %v, want %v (>= 0)", id, got, want)
		}
	}
}

func TestNextItem(t *testing.T) {
	o := recommender.DefaultAdaptiveOptions()
	bank := testBank(4)
	rng := func(s uint64) *rand.Rand { return rand.New(rand.NewPCG(s, 1)) }

	t.Run("MostInformative", func(t *testing.T) {
		// Mass on levels 2 and 3: the items that split them (written for 3, b = 2.5) are best.
		post := []float64{0.01, 0.04, 0.45, 0.45, 0.04, 0.01}
		exact := o
		exact.NearBest = 1
		for s := range uint64(20) {
			it, ok := recommender.NextItem(post, bank, nil, nil, rng(s), exact)
			if !ok || it.Level != 3 {
				t.Fatalf("seed %d: got %+v, %v; want a level-3 item", s, it, ok)
			}
		}
	})
	t.Run("RandomAmongNearBest", func(t *testing.T) {
		post := []float64{0.01, 0.04, 0.45, 0.45, 0.04, 0.01}
		seen := map[int64]bool{}
		for s := range uint64(50) {
			it, _ := recommender.NextItem(post, bank, nil, nil, rng(s), o)
			seen[it.ID] = true
		}
		if len(seen) < 3 {
			t.Errorf("50 draws gave %d distinct items, want several", len(seen))
		}
		a, _ := recommender.NextItem(post, bank, nil, nil, rng(7), o)
		b, _ := recommender.NextItem(post, bank, nil, nil, rng(7), o)
		if a != b {
			t.Errorf("same rng state, different items: %d, %d", a.ID, b.ID)
		}
	})
	t.Run("SkipsAsked", func(t *testing.T) {
		asked := map[int64]bool{}
		for range bank {
			it, ok := recommender.NextItem(uniform6(), bank, asked, nil, rng(1), o)
			if !ok || asked[it.ID] {
				t.Fatalf("got %+v, %v with %d asked", it, ok, len(asked))
			}
			asked[it.ID] = true
		}
		if _, ok := recommender.NextItem(uniform6(), bank, asked, nil, rng(1), o); ok {
			t.Errorf("ok with every item asked")
		}
	})
	t.Run("ExposureControl", func(t *testing.T) {
		post := []float64{0.01, 0.04, 0.45, 0.45, 0.04, 0.01}
		exposure := map[int64]float64{}
		for _, it := range bank {
			if it.Level == 3 {
				exposure[it.ID] = 0.3 // above MaxExposure
			}
		}
		for s := range uint64(20) {
			it, _ := recommender.NextItem(post, bank, nil, exposure, rng(s), o)
			if it.Level == 3 {
				t.Fatalf("seed %d: chose over-exposed item %d", s, it.ID)
			}
		}
		// With only over-exposed items left, one of them is still asked.
		asked := map[int64]bool{}
		for _, it := range bank {
			asked[it.ID] = it.Level != 3
		}
		if it, ok := recommender.NextItem(post, bank, asked, exposure, rng(1), o); !ok || it.Level != 3 {
			t.Errorf("only over-exposed items left: got %+v, %v", it, ok)
		}
	})
}

func TestDone(t *testing.T) {
	o := recommender.DefaultAdaptiveOptions()
	sharp := []float64{0, 0, 0.05, 0.9, 0.05, 0}
	for _, tc := range []struct {
		name string
		post []float64
		n    int
		want bool
	}{
		{"WideContinues", uniform6(), 3, false},
		{"SharpStops", sharp, 3, true},
		{"SharpBeforeMinItems", sharp, 0, false},
		{"MaxItems", uniform6(), 15, true},
		{"AboveStopSD", []float64{0, 0, 0.25, 0.75, 0, 0}, 5, false}, // SD 0.433
		{"BelowStopSD", []float64{0, 0, 0.15, 0.85, 0, 0}, 5, true},  // SD 0.357
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := recommender.Done(tc.post, tc.n, o); got != tc.want {
				t.Errorf("Done(SD %.3f, n %d) = %v, want %v", recommender.SD(tc.post), tc.n, got, tc.want)
			}
		})
	}
}

func TestResultOf(t *testing.T) {
	post := []float64{0, 0.1, 0.3, 0.4, 0.2, 0}
	r := recommender.ResultOf(post)
	wantSD := math.Sqrt(0.1*1.7*1.7 + 0.3*0.7*0.7 + 0.4*0.3*0.3 + 0.2*1.3*1.3) // mean 2.7
	if r.Level != 3 || math.Abs(r.StandardError-wantSD) > 1e-12 || !slices.Equal(r.Distribution, post) {
		t.Errorf("ResultOf = %+v, want level 3, SE %v", r, wantSD)
	}
	post[0] = 9
	if r.Distribution[0] != 0 {
		t.Errorf("Distribution shares memory with the posterior")
	}
}

// simulateCalibration answers random forms of formLen items from truth for examinees
// uniform over levels 0..5.
func simulateCalibration(rng *rand.Rand, truth []recommender.Item, examinees, formLen int) []recommender.ItemResponses {
	var out []recommender.ItemResponses
	for e := range examinees {
		l := rng.IntN(6)
		var rs []recommender.Response
		for _, j := range rng.Perm(len(truth))[:formLen] {
			rs = append(rs, recommender.Response{ItemID: truth[j].ID, Correct: rng.Float64() < recommender.ItemProb(truth[j], l)})
		}
		out = append(out, recommender.ItemResponses{Examinee: int64(e), Prior: uniform6(), Responses: rs})
	}
	return out
}

func TestCalibrateItemsRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bank := testBank(4)
	truth := slices.Clone(bank)
	for i := range truth {
		truth[i].Discrimination = 2 * math.Exp(0.3*rng.NormFloat64())
		truth[i].Difficulty = float64(truth[i].Level) - 0.5 + 0.4*rng.NormFloat64()
	}
	fitted, reports := recommender.CalibrateItems(bank, simulateCalibration(rng, truth, 4000, 8))
	var sa, sb, da, db float64
	for i, it := range fitted {
		if !it.Calibrated() || !reports[i].Calibrated || len(reports[i].Problems) > 0 {
			t.Fatalf("item %d: %+v, report %+v", it.ID, it, reports[i])
		}
		tr := truth[i]
		sa += math.Pow(it.Discrimination-tr.Discrimination, 2)
		sb += math.Pow(it.Difficulty-tr.Difficulty, 2)
		a0, b0 := bank[i].Params()
		da += math.Pow(a0-tr.Discrimination, 2)
		db += math.Pow(b0-tr.Difficulty, 2)
	}
	n := float64(len(fitted))
	rmseA, rmseB := math.Sqrt(sa/n), math.Sqrt(sb/n)
	defA, defB := math.Sqrt(da/n), math.Sqrt(db/n)
	t.Logf("RMSE a %.3f (uncalibrated %.3f), b %.3f (uncalibrated %.3f)", rmseA, defA, rmseB, defB)
	if rmseB > 0.2 || rmseB > defB/2 {
		t.Errorf("RMSE b = %.3f, want <= 0.2 and at most half the uncalibrated %.3f", rmseB, defB)
	}
	if rmseA >= defA {
		t.Errorf("RMSE a = %.3f, not below the uncalibrated %.3f", rmseA, defA)
	}
}

func TestCalibrateItemsReports(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	bank := testBank(3)
	truth := slices.Clone(bank)
	truth[7].Discrimination, truth[7].Difficulty = -2, 2.5 // item 8, written for 3: backwards
	const rare = int64(100)
	bank = append(bank, recommender.Item{ID: rare, Level: 2, Options: 4}) // few responses
	var attempts []recommender.ItemResponses
	for e, a := range simulateCalibration(rng, truth[:14], 1500, 5) {
		rs := a.Responses
		rs = append(rs, recommender.Response{ItemID: 200, Correct: true}) // not in the bank
		rs = append(rs, recommender.Response{ItemID: 1, Correct: true})   // may repeat: fine
		rs = append(rs, recommender.Response{ItemID: 15, Correct: false}) // never right
		if e < 5 {
			rs = append(rs, recommender.Response{ItemID: rare, Correct: true})
		}
		a.Responses = rs
		attempts = append(attempts, a)
	}
	fitted, reports := recommender.CalibrateItems(bank, attempts)
	has := func(r recommender.ItemReport, p string) bool { return slices.Contains(r.Problems, p) }
	for i, r := range reports {
		if r.ItemID != bank[i].ID {
			t.Fatalf("report %d is for item %d, want %d", i, r.ItemID, bank[i].ID)
		}
	}
	t.Run("NegativeDiscrimination", func(t *testing.T) {
		if r := reports[7]; !has(r, recommender.ProblemNegativeDiscrimination) || r.Discrimination >= 0 {
			t.Errorf("backwards item: %+v", r)
		}
		for i, r := range reports[:15] {
			if i != 7 && has(r, recommender.ProblemNegativeDiscrimination) {
				t.Errorf("item %d wrongly reported: %+v", r.ItemID, r)
			}
		}
	})
	t.Run("NeverCorrectAndHighExposure", func(t *testing.T) {
		r := reports[14] // item 15
		if !has(r, recommender.ProblemNeverCorrect) || !has(r, recommender.ProblemHighExposure) {
			t.Errorf("item 15, shown in every attempt and never right: %+v", r)
		}
	})
	t.Run("AlwaysCorrect", func(t *testing.T) {
		if r := reports[15]; !has(r, recommender.ProblemAlwaysCorrect) {
			t.Errorf("rare item, always right: %+v", r)
		}
	})
	t.Run("FewResponsesStayUncalibrated", func(t *testing.T) {
		r := reports[15]
		if r.Responses != 5 || r.Calibrated || fitted[15] != bank[15] {
			t.Errorf("rare item: report %+v, item %+v", r, fitted[15])
		}
		// Shrunk towards its written level: five right answers cannot move it far.
		if math.Abs(r.Difficulty-1.5) > 0.5 {
			t.Errorf("rare item: b = %.2f, want near 1.5", r.Difficulty)
		}
	})
	t.Run("NoResponses", func(t *testing.T) {
		got, rep := recommender.CalibrateItems(bank[:2], nil)
		if !slices.Equal(got, bank[:2]) || rep[0].Responses != 0 || len(rep[0].Problems) != 0 || rep[0].Difficulty != 0.5 || rep[0].Discrimination != recommender.DefaultDiscrimination {
			t.Errorf("no responses: %+v, %+v", got, rep)
		}
	})
}

func BenchmarkNextItem(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	bank := make([]recommender.Item, 500)
	for i := range bank {
		bank[i] = recommender.Item{ID: int64(i + 1), Level: 1 + i%5, Options: 2 + i%5}
		if i%2 == 0 {
			bank[i].Discrimination, bank[i].Difficulty = 1+rng.Float64()*2, float64(bank[i].Level)-0.5+rng.NormFloat64()*0.3
		}
	}
	asked := map[int64]bool{3: true, 17: true, 250: true}
	exposure := map[int64]float64{5: 0.4, 9: 0.1}
	post := []float64{0.05, 0.1, 0.3, 0.35, 0.15, 0.05}
	o := recommender.DefaultAdaptiveOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := recommender.NextItem(post, bank, asked, exposure, rng, o); !ok {
			b.Fatal("no item")
		}
	}
}

func ExampleItemProb() {
	it := recommender.Item{ID: 1, Level: 3, Options: 4} // uncalibrated: a = 2, b = 2.5
	for l := 1; l <= 4; l++ {
		fmt.Printf("level %d: %.3f\n", l, recommender.ItemProb(it, l))
	}
	// Output:
	// level 1: 0.286
	// level 2: 0.452
	// level 3: 0.798
	// level 4: 0.964
}

// An adaptive test from a uniform prior, for a simulated learner at level 4 who answers
// as the item model says.
func ExampleNextItem() {
	bank := testBank(12) // 60 uncalibrated items, 12 per level
	items := byID(bank)
	o := recommender.DefaultAdaptiveOptions()
	rng := rand.New(rand.NewPCG(1, 2))     // the attempt's draws
	learner := rand.New(rand.NewPCG(3, 4)) // the simulated learner
	prior := uniform6()
	post := prior
	asked := map[int64]bool{}
	var rs []recommender.Response
	for !recommender.Done(post, len(rs), o) {
		it, ok := recommender.NextItem(post, bank, asked, nil, rng, o)
		if !ok {
			break
		}
		asked[it.ID] = true
		rs = append(rs, recommender.Response{ItemID: it.ID, Correct: learner.Float64() < recommender.ItemProb(it, 4)})
		post = recommender.Posterior(prior, items, rs)
	}
	r := recommender.ResultOf(post)
	fmt.Printf("level %d after %d items, standard error %.1f\n", r.Level, len(rs), r.StandardError)
	// Output:
	// level 4 after 15 items, standard error 0.4
}

// TestResponseLikelihoodAsEvidence: ASSESSMENT evidence carrying ResponseLikelihood gives
// the estimator the same posterior as Posterior from the same prior.
func TestResponseLikelihoodAsEvidence(t *testing.T) {
	p := recommender.DefaultParams()
	bank := testBank(3)
	items := byID(bank)
	rs := []recommender.Response{{ItemID: 7, Correct: true}, {ItemID: 10, Correct: true}, {ItemID: 13, Correct: false}, {ItemID: 4, Correct: true}, {ItemID: 11, Correct: false}}
	e := ev(models.Assessment, 3, nil, 0)
	e.Likelihood = recommender.ResponseLikelihood(items, rs, p.Levels)
	got := recommender.EstimateProficiency(p, 3, []models.Evidence{e})
	want := recommender.Posterior(p.Prior(3), items, rs)
	for l := range want {
		if math.Abs(got.Distribution[l]-want[l]) > 1e-9 {
			t.Fatalf("estimator %v, Posterior %v", got.Distribution, want)
		}
	}
	if r := recommender.ResultOf(want); r.Level != got.Level {
		t.Errorf("ResultOf level %d, estimator level %d", r.Level, got.Level)
	}
}
