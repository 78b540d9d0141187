package evaluate

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// Evaluation constants (see EvaluateAssessments).
const (
	evalBanks          = 4  // competencies, each with its own bank; examinees go round-robin
	evalItemsPerLevel  = 12 // items per written level 1..5: a bank of 60
	evalCalibrationLen = 15 // items per examinee in the calibration sample, drawn at random
	evalExposureWindow = 100
	evalExposureMin    = 20 // attempts in the window before exposure is counted
)

// TestSummary is how one kind of test did on the simulated examinees.
type TestSummary struct {
	// Name: "adaptive", "adaptive (calibrated bank)", "random order", "fixed form N".
	Name string `json:"name"`
	// Items is the form length for a fixed form, MaxItems otherwise.
	Items int `json:"items"`
	// ExactRate is the share of examinees whose result Level is their true level.
	ExactRate float64 `json:"exactRate"`
	// WithinOneRate is the share whose result Level is within one of it.
	WithinOneRate float64 `json:"withinOneRate"`
	// MeanItems is the mean number of items answered.
	MeanItems float64 `json:"meanItems"`
	// MeanStandardError is the mean posterior SD at the end.
	MeanStandardError float64 `json:"meanStandardError"`
	// MaxExposure is the largest share of the examinees of a bank shown any one of its
	// items.
	MaxExposure float64 `json:"maxExposure"`
}

// CalibrationRecovery is how well CalibrateItems recovers the simulator's true item
// parameters from a calibration sample.
type CalibrationRecovery struct {
	Examinees            int `json:"examinees"`
	ResponsesPerExaminee int `json:"responsesPerExaminee"`
	// Items is the number of items fitted (every item of every bank).
	Items int `json:"items"`
	// RMSE and correlation of the fitted a and b against the true ones.
	RMSEDiscrimination float64 `json:"rmseDiscrimination"`
	RMSEDifficulty     float64 `json:"rmseDifficulty"`
	CorrDiscrimination float64 `json:"corrDiscrimination"`
	CorrDifficulty     float64 `json:"corrDifficulty"`
	// The same RMSEs for the uncalibrated values (DefaultDiscrimination, Level - 0.5):
	// what calibration improves on.
	DefaultRMSEDiscrimination float64 `json:"defaultRmseDiscrimination"`
	DefaultRMSEDifficulty     float64 `json:"defaultRmseDifficulty"`
	// Reported is the number of items with at least one problem.
	Reported int `json:"reported"`
}

// AssessmentEvaluation is the report of EvaluateAssessments (`karmayogi eval
// assessments`); it is JSON-serialisable with camelCase keys.
type AssessmentEvaluation struct {
	Examinees          int                         `json:"examinees"`
	Seed               int64                       `json:"seed"`
	Banks              int                         `json:"banks"`
	ItemsPerBank       int                         `json:"itemsPerBank"`
	Options            recommender.AdaptiveOptions `json:"options"`
	Adaptive           TestSummary                 `json:"adaptive"`
	RandomOrder        TestSummary                 `json:"randomOrder"`
	FixedForm          TestSummary                 `json:"fixedForm"` // a fixed form of MaxItems items
	AdaptiveCalibrated TestSummary                 `json:"adaptiveCalibrated"`
	// FixedForms are the fixed forms of 5, 10, ..., 60 items (nested: each is the
	// previous one plus five items, one per level).
	FixedForms []TestSummary `json:"fixedForms"`
	// EqualAccuracyFixedItems is the length of the shortest fixed form whose exact-level
	// and within-one-level rates both reach the adaptive test's (0 if none does), and
	// AdaptiveToFixedRatio the adaptive test's mean items over it (0 if none does).
	EqualAccuracyFixedItems int                 `json:"equalAccuracyFixedItems"`
	AdaptiveToFixedRatio    float64             `json:"adaptiveToFixedRatio"`
	Calibration             CalibrationRecovery `json:"calibration"`
	// The targets: the adaptive test uses at most half the fixed form's items for
	// equal accuracy; within 15 items it gets the exact level for at least 70% and
	// within one level for at least 97%.
	TargetHalfItems bool `json:"targetHalfItems"`
	TargetExact70   bool `json:"targetExact70"`
	TargetWithin97  bool `json:"targetWithin97"`
}

// simBank is one competency's bank: what the engine knows (bank, uncalibrated) and the
// truth the simulator answers from (truth, by the same index).
type simBank struct {
	bank, truth []recommender.Item
	byID        map[int64]recommender.Item // the engine's view, by ID
	truthByID   map[int64]recommender.Item
}

// newSimBank draws a bank of 12 items per level 1..5. Item i has Options drawn from
// {3, 4, 5}, a true a = DefaultDiscrimination·exp(N(0, 0.3²)) and a true
// b = Level - 0.5 + N(0, 0.3²); the engine sees only its level and options.
func newSimBank(rng *rand.Rand, firstID int64) simBank {
	var s simBank
	s.byID, s.truthByID = map[int64]recommender.Item{}, map[int64]recommender.Item{}
	id := firstID
	for level := 1; level <= 5; level++ {
		for range evalItemsPerLevel {
			it := recommender.Item{ID: id, Level: level, Options: 3 + rng.IntN(3)}
			tr := it
			tr.Discrimination = recommender.DefaultDiscrimination * math.Exp(0.3*rng.NormFloat64())
			tr.Difficulty = float64(level) - 0.5 + 0.3*rng.NormFloat64()
			s.bank = append(s.bank, it)
			s.truth = append(s.truth, tr)
			s.byID[id], s.truthByID[id] = it, tr
			id++
		}
	}
	return s
}

// answer simulates a response of an examinee at true level l to item id.
func (s simBank) answer(rng *rand.Rand, id int64, l int) recommender.Response {
	return recommender.Response{ItemID: id, Correct: rng.Float64() < recommender.ItemProb(s.truthByID[id], l)}
}

// testTally accumulates a TestSummary.
type testTally struct {
	n, exact, within, items int
	se                      float64
	shown                   map[int64]int // item -> examinees shown it
	bankOf                  map[int64]int // item -> its bank
	perBank                 [evalBanks]int
}

func (t *testTally) add(bank, trueLevel int, post []float64, rs []recommender.Response) {
	if t.shown == nil {
		t.shown, t.bankOf = map[int64]int{}, map[int64]int{}
	}
	t.perBank[bank]++
	r := recommender.ResultOf(post)
	t.n++
	if r.Level == trueLevel {
		t.exact++
	}
	if abs(r.Level-trueLevel) <= 1 {
		t.within++
	}
	t.items += len(rs)
	t.se += r.StandardError
	for _, x := range rs {
		t.shown[x.ItemID]++
		t.bankOf[x.ItemID] = bank
	}
}

func (t *testTally) summary(name string, items int) TestSummary {
	s := TestSummary{Name: name, Items: items}
	if t.n == 0 {
		return s
	}
	n := float64(t.n)
	s.ExactRate, s.WithinOneRate = float64(t.exact)/n, float64(t.within)/n
	s.MeanItems, s.MeanStandardError = float64(t.items)/n, t.se/n
	for id, c := range t.shown {
		s.MaxExposure = max(s.MaxExposure, float64(c)/float64(t.perBank[t.bankOf[id]]))
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// exposureWindow tracks the share of the last evalExposureWindow attempts that showed
// each item.
type exposureWindow struct {
	recent [][]int64
	count  map[int64]int
	share  map[int64]float64
}

func (w *exposureWindow) shares() map[int64]float64 {
	if len(w.recent) < evalExposureMin {
		return nil
	}
	clear(w.share)
	for id, c := range w.count {
		w.share[id] = float64(c) / float64(len(w.recent))
	}
	return w.share
}

func (w *exposureWindow) record(rs []recommender.Response) {
	if w.count == nil {
		w.count, w.share = map[int64]int{}, map[int64]float64{}
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ItemID
		w.count[r.ItemID]++
	}
	w.recent = append(w.recent, ids)
	if len(w.recent) > evalExposureWindow {
		for _, id := range w.recent[0] {
			w.count[id]--
		}
		w.recent = w.recent[1:]
	}
}

// runAdaptive runs one adaptive test on bank (the engine's view) for an examinee at
// true level l from a uniform prior; random picks a uniformly random remaining item
// instead of the best ones (the random-order test, same stopping rule).
func runAdaptive(s simBank, bank []recommender.Item, byID map[int64]recommender.Item, l int, exposure map[int64]float64, random bool, rng, ans *rand.Rand, o recommender.AdaptiveOptions) ([]float64, []recommender.Response) {
	prior := make([]float64, 6)
	for i := range prior {
		prior[i] = 1.0 / 6
	}
	post := prior
	asked := map[int64]bool{}
	var rs []recommender.Response
	for !recommender.Done(post, len(rs), o) {
		var it recommender.Item
		if random {
			left := make([]recommender.Item, 0, len(bank))
			for _, b := range bank {
				if !asked[b.ID] {
					left = append(left, b)
				}
			}
			if len(left) == 0 {
				break
			}
			it = left[rng.IntN(len(left))]
		} else {
			var ok bool
			if it, ok = recommender.NextItem(post, bank, asked, exposure, rng, o); !ok {
				break
			}
		}
		asked[it.ID] = true
		rs = append(rs, s.answer(ans, it.ID, l))
		post = recommender.Posterior(prior, byID, rs)
	}
	return post, rs
}

// EvaluateAssessments simulates examinees with known levels taking assessments drawn
// from banks of 60 items (12 per level 1..5) in 4 competencies, and reports, against
// the same examinees and banks:
//
//   - the adaptive test (NextItem, Done, DefaultAdaptiveOptions, a uniform prior, the
//     bank uncalibrated: the engine knows each item's level and options only, exposure
//     being the share of the last 100 attempts on the bank that showed the item);
//   - a random-order test: uniformly random items, the same stopping rule;
//   - fixed forms of 5..60 items drawn from the bank, the same for all examinees of a
//     bank, one item per level in each block of five; and the shortest fixed form as
//     accurate as the adaptive test;
//   - calibration recovery: a fresh sample of examinees (as many as examinees) each
//     answering 15 random items, CalibrateItems on it, the fitted a and b against the
//     truth; then the adaptive test again on the calibrated banks.
//
// Examinee i's true level is uniform over 0..5 and its competency is bank i mod 4. The
// simulator's items have Options drawn from {3, 4, 5}, a = 2·exp(N(0, 0.3²)) and
// b = Level - 0.5 + N(0, 0.3²) (see newSimBank). The engine is never told a or b except
// through calibration. Deterministic given seed.
func EvaluateAssessments(examinees int, seed int64) AssessmentEvaluation {
	o := recommender.DefaultAdaptiveOptions()
	mk := func(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), stream)) }
	world, levels, pick, ans := mk(1), mk(2), mk(3), mk(4)

	banks := make([]simBank, evalBanks)
	forms := make([][]recommender.Item, evalBanks) // a fixed ordering per bank; form N = first N
	for k := range banks {
		banks[k] = newSimBank(world, int64(k*1000+1))
		perLevel := make([][]recommender.Item, 5)
		for _, it := range banks[k].bank {
			perLevel[it.Level-1] = append(perLevel[it.Level-1], it)
		}
		for _, items := range perLevel {
			world.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		}
		for j := range evalItemsPerLevel {
			for lv := range 5 {
				forms[k] = append(forms[k], perLevel[lv][j])
			}
		}
	}
	truth := make([]int, examinees)
	for i := range truth {
		truth[i] = levels.IntN(6)
	}

	e := AssessmentEvaluation{Examinees: examinees, Seed: seed, Banks: evalBanks, ItemsPerBank: 5 * evalItemsPerLevel, Options: o}

	var adaptive, random testTally
	windows := make([]exposureWindow, evalBanks)
	for i, l := range truth {
		s := banks[i%evalBanks]
		post, rs := runAdaptive(s, s.bank, s.byID, l, windows[i%evalBanks].shares(), false, pick, ans, o)
		windows[i%evalBanks].record(rs)
		adaptive.add(i%evalBanks, l, post, rs)
		post, rs = runAdaptive(s, s.bank, s.byID, l, nil, true, pick, ans, o)
		random.add(i%evalBanks, l, post, rs)
	}
	e.Adaptive = adaptive.summary("adaptive", o.MaxItems)
	e.RandomOrder = random.summary("random order", o.MaxItems)

	prior := []float64{1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6}
	for n := 5; n <= 5*evalItemsPerLevel; n += 5 {
		var t testTally
		for i, l := range truth {
			s := banks[i%evalBanks]
			rs := make([]recommender.Response, n)
			for j, it := range forms[i%evalBanks][:n] {
				rs[j] = s.answer(ans, it.ID, l)
			}
			t.add(i%evalBanks, l, recommender.Posterior(prior, s.byID, rs), rs)
		}
		sum := t.summary("fixed form", n)
		e.FixedForms = append(e.FixedForms, sum)
		if n == o.MaxItems {
			e.FixedForm = sum
		}
		if e.EqualAccuracyFixedItems == 0 && sum.ExactRate >= e.Adaptive.ExactRate && sum.WithinOneRate >= e.Adaptive.WithinOneRate {
			e.EqualAccuracyFixedItems = n
			e.AdaptiveToFixedRatio = e.Adaptive.MeanItems / float64(n)
		}
	}

	// Calibration recovery.
	calib := make([][]recommender.ItemResponses, evalBanks)
	for i := range examinees {
		k := i % evalBanks
		s := banks[k]
		l := levels.IntN(6)
		idx := pick.Perm(len(s.bank))[:evalCalibrationLen]
		rs := make([]recommender.Response, len(idx))
		for j, x := range idx {
			rs[j] = s.answer(ans, s.bank[x].ID, l)
		}
		calib[k] = append(calib[k], recommender.ItemResponses{Examinee: int64(i), Prior: prior, Responses: rs})
	}
	rec := CalibrationRecovery{Examinees: examinees, ResponsesPerExaminee: evalCalibrationLen}
	var fa, fb, ta, tb []float64
	var sa, sb, da, db float64
	calibrated := make([]simBank, evalBanks)
	for k, s := range banks {
		fitted, reports := recommender.CalibrateItems(s.bank, calib[k])
		cs := simBank{bank: fitted, truth: s.truth, byID: map[int64]recommender.Item{}, truthByID: s.truthByID}
		for j, it := range fitted {
			cs.byID[it.ID] = it
			a, b := it.Params()
			tr := s.truth[j]
			fa, fb = append(fa, a), append(fb, b)
			ta, tb = append(ta, tr.Discrimination), append(tb, tr.Difficulty)
			sa += (a - tr.Discrimination) * (a - tr.Discrimination)
			sb += (b - tr.Difficulty) * (b - tr.Difficulty)
			a0, b0 := s.bank[j].Params()
			da += (a0 - tr.Discrimination) * (a0 - tr.Discrimination)
			db += (b0 - tr.Difficulty) * (b0 - tr.Difficulty)
			if len(reports[j].Problems) > 0 {
				rec.Reported++
			}
		}
		calibrated[k] = cs
	}
	n := float64(len(fa))
	rec.Items = len(fa)
	rec.RMSEDiscrimination, rec.RMSEDifficulty = math.Sqrt(sa/n), math.Sqrt(sb/n)
	rec.DefaultRMSEDiscrimination, rec.DefaultRMSEDifficulty = math.Sqrt(da/n), math.Sqrt(db/n)
	rec.CorrDiscrimination = stat.Correlation(fa, ta, nil)
	rec.CorrDifficulty = stat.Correlation(fb, tb, nil)
	e.Calibration = rec

	var again testTally
	windows = make([]exposureWindow, evalBanks)
	for i, l := range truth {
		s := calibrated[i%evalBanks]
		post, rs := runAdaptive(s, s.bank, s.byID, l, windows[i%evalBanks].shares(), false, pick, ans, o)
		windows[i%evalBanks].record(rs)
		again.add(i%evalBanks, l, post, rs)
	}
	e.AdaptiveCalibrated = again.summary("adaptive (calibrated bank)", o.MaxItems)

	e.TargetHalfItems = e.EqualAccuracyFixedItems > 0 && e.AdaptiveToFixedRatio <= 0.5
	e.TargetExact70 = e.Adaptive.ExactRate >= 0.70
	e.TargetWithin97 = e.Adaptive.WithinOneRate >= 0.97
	return e
}
