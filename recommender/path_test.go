package recommender_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// atLevel is a stored estimate certain of one level.
func atLevel(l int) []float64 {
	d := make([]float64, 6)
	d[l] = 1
	return d
}

func stepIDs(path recommender.Path) []int64 {
	var ids []int64
	for _, s := range path.Steps {
		ids = append(ids, s.CourseID)
	}
	return ids
}

func TestLearningPath(t *testing.T) {
	p := recommender.DefaultParams()
	courses := []recommender.Course{
		{ID: 1, Hours: 4, Imparts: []recommender.Impart{{CompetencyID: 1, From: 2, To: 4}}},
		{ID: 2, Hours: 4, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 2}}},
		{ID: 3, Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 2, From: 0, To: 1}}},
		{ID: 4, Hours: 10, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 4}}},
		{ID: 5, Hours: 2, Imparts: []recommender.Impart{{CompetencyID: 3, From: 0, To: 3}}},
		{ID: 6, Hours: 3, Imparts: []recommender.Impart{{CompetencyID: 9, From: 0, To: 1}}},
	}
	cat := recommender.NewCatalogue(courses, nil, nil)
	learner := func() recommender.Learner {
		return recommender.Learner{
			Requirements: []recommender.Requirement{
				{CompetencyID: 1, Level: 4, Weight: 1},
				{CompetencyID: 2, Level: 1, Weight: 0.5},
				{CompetencyID: 3, Level: 5, Weight: 1},
			},
			Stored:  map[int64][]float64{1: atLevel(0), 2: atLevel(0), 3: atLevel(0)},
			Exclude: map[int64]bool{},
		}
	}

	t.Run("ReadinessAcrossSteps", func(t *testing.T) {
		l := learner()
		l.Exclude[4] = true
		path := cat.LearningPath(p, l, 0, nil)
		// 3 (0.5 per hour), 5 (3 of 5 levels, 1.5 per hour), then 2 (0->2) makes 1
		// (2->4) useful.
		if got, want := stepIDs(path), []int64{5, 2, 1, 3}; !slices.Equal(got, want) {
			t.Fatalf("steps %v, want %v", got, want)
		}
		if s := path.Steps[2]; len(s.Gaps) != 1 || s.Gaps[0].From != 2 || s.Gaps[0].To != 4 || s.Gaps[0].GapClosed != 2 {
			t.Errorf("step 3 gaps %+v, want competency 1 from 2 to 4, closing 2", s.Gaps)
		}
		if path.TotalHours != 11 || path.Steps[3].CumulativeHours != 11 || path.Steps[0].CumulativeHours != 2 {
			t.Errorf("hours %v, cumulative %v", path.TotalHours, path.Steps)
		}
		if path.GapBefore != 4+0.5+5 || path.GapAfter != 2 {
			t.Errorf("gap before %v after %v, want 9.5 and 2 (competency 3 stays at level 3)", path.GapBefore, path.GapAfter)
		}
		if len(path.Unmet) != 1 || path.Unmet[0].CompetencyID != 3 || path.Unmet[0].Gap != 2 || path.Unmet[0].Current != 3 {
			t.Errorf("unmet %+v, want competency 3 with residual gap 2 at level 3", path.Unmet)
		}
		for k, s := range path.Steps {
			if s.Order != k+1 || s.Due != nil {
				t.Errorf("step %d: order %d due %v", k, s.Order, s.Due)
			}
		}
	})

	t.Run("BestSingleCourse", func(t *testing.T) {
		l := learner()
		l.Requirements = l.Requirements[:2]
		l.Exclude[1] = true
		// Greedy per hour takes 2 (0.5/h, closing 2) and 3 (0.5/h, closing 0.5), then 4
		// no longer fits: 2.5 closed. Course 4 alone closes 4 in 10 hours.
		path := cat.LearningPath(p, l, 10, nil)
		if got, want := stepIDs(path), []int64{4}; !slices.Equal(got, want) {
			t.Fatalf("steps %v, want %v: the best single course closes more than the greedy", got, want)
		}
		if path.GapAfter != 0.5 || path.TotalHours != 10 {
			t.Errorf("gap after %v hours %v", path.GapAfter, path.TotalHours)
		}
		// The single course is followed by the greedy fill of what budget it leaves.
		if got, want := stepIDs(cat.LearningPath(p, l, 11, nil)), []int64{4, 3}; !slices.Equal(got, want) {
			t.Errorf("budget 11: steps %v, want %v", got, want)
		}
		if got, want := stepIDs(cat.LearningPath(p, l, 9.5, nil)), []int64{2, 3}; !slices.Equal(got, want) {
			t.Errorf("budget 9.5: steps %v, want %v", got, want)
		}
	})

	t.Run("AssignedFirstInDueOrder", func(t *testing.T) {
		l := learner()
		l.Exclude[5] = true
		day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
		assigned := []recommender.Assigned{
			{CourseID: 6, Due: day(20)}, // helps nothing, but the plan says so
			{CourseID: 1, Due: day(10)}, // not ready yet: still first
			{CourseID: 5, Due: day(1)},  // excluded
			{CourseID: 77, Due: day(2)}, // not in the catalogue
			{CourseID: 1, Due: day(30)}, // repeated
		}
		path := cat.LearningPath(p, l, 12, assigned)
		if got, want := stepIDs(path), []int64{1, 6, 2, 3}; !slices.Equal(got, want) {
			t.Fatalf("steps %v, want %v", got, want)
		}
		if d := path.Steps[0].Due; d == nil || !d.Equal(day(10)) || path.Steps[1].Due == nil || path.Steps[2].Due != nil {
			t.Errorf("due dates %v %v %v", path.Steps[0].Due, path.Steps[1].Due, path.Steps[2].Due)
		}
		if len(path.Steps[0].Gaps) != 0 || path.TotalHours != 12 {
			t.Errorf("first step gaps %+v, total hours %v", path.Steps[0].Gaps, path.TotalHours)
		}
	})
}

// TestLearningPathProperties: over random catalogues, learners, budgets and plans, a
// path never exceeds the budget, never repeats a course, never includes an excluded
// one; each chosen step helps at the time it is taken; GapBefore and GapAfter equal
// the reference; the path closes at least as much as the best single course that
// fits; nothing that fits would still help; and Unmet is exactly the requirements
// left with a gap that no course reaches.
func TestLearningPathProperties(t *testing.T) {
	p := recommender.DefaultParams()
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 600 {
		competencies := 2 + rng.IntN(10)
		courses := randomCourses(rng, 3+rng.IntN(40), competencies, 3)
		cat := recommender.NewCatalogue(courses, nil, nil)
		l := randomLearner(rng, courses, competencies, 1+rng.IntN(8))
		budget := 0.0
		if rng.IntN(4) > 0 {
			budget = float64(rng.IntN(60)) / 2
		}
		var assigned []recommender.Assigned
		for range rng.IntN(3) {
			assigned = append(assigned, recommender.Assigned{CourseID: courses[rng.IntN(len(courses))].ID,
				Due: time.Date(2026, 1, 1+rng.IntN(60), 0, 0, 0, 0, time.UTC)})
		}
		path := cat.LearningPath(p, l, budget, assigned)

		ref := newRefState(p, l)
		if math.Abs(path.GapBefore-ref.gap()) > 1e-9 {
			t.Fatalf("trial %d: GapBefore %v, reference %v", trial, path.GapBefore, ref.gap())
		}
		seen := map[int64]bool{}
		var hours float64
		inPlan := true
		for k, s := range path.Steps {
			c, ok := cat.Course(s.CourseID)
			switch {
			case !ok:
				t.Fatalf("trial %d: step %d: unknown course %d", trial, k, s.CourseID)
			case seen[s.CourseID]:
				t.Fatalf("trial %d: course %d repeated", trial, s.CourseID)
			case l.Exclude[s.CourseID]:
				t.Fatalf("trial %d: excluded course %d in the path", trial, s.CourseID)
			case s.Order != k+1:
				t.Fatalf("trial %d: step %d has order %d", trial, k, s.Order)
			}
			if s.Due != nil && !inPlan {
				t.Fatalf("trial %d: assigned course %d after a chosen one", trial, s.CourseID)
			}
			if s.Due == nil {
				inPlan = false
				if g := ref.gain(c); g <= 1e-10 { // LearningPath demands 1e-9 by its own arithmetic
					t.Fatalf("trial %d: step %d (course %d) has marginal gain %v when taken", trial, k, s.CourseID, g)
				}
			}
			seen[s.CourseID] = true
			hours += c.Hours
			if math.Abs(s.CumulativeHours-hours) > 1e-9 {
				t.Fatalf("trial %d: cumulative hours %v, want %v", trial, s.CumulativeHours, hours)
			}
			ref = ref.apply(c)
		}
		if budget > 0 && path.TotalHours > budget {
			t.Fatalf("trial %d: %v hours over a budget of %v", trial, path.TotalHours, budget)
		}
		if math.Abs(path.TotalHours-hours) > 1e-9 {
			t.Fatalf("trial %d: TotalHours %v, steps sum to %v", trial, path.TotalHours, hours)
		}
		if math.Abs(path.GapAfter-ref.gap()) > 1e-9 {
			t.Fatalf("trial %d: GapAfter %v, recomputed from the projections %v", trial, path.GapAfter, ref.gap())
		}
		if path.GapAfter > path.GapBefore+1e-12 {
			t.Fatalf("trial %d: GapAfter %v > GapBefore %v", trial, path.GapAfter, path.GapBefore)
		}
		// Nothing left that fits would help.
		for _, c := range courses {
			if seen[c.ID] || l.Exclude[c.ID] || (budget > 0 && path.TotalHours+c.Hours > budget) {
				continue
			}
			if g := ref.gain(c); g > 1e-8 {
				t.Fatalf("trial %d: course %d still fits and would close %v", trial, c.ID, g)
			}
		}
		// At least the best single course (without a plan, so the budget is whole).
		if len(assigned) == 0 && budget > 0 {
			start := newRefState(p, l)
			for _, c := range courses {
				if !l.Exclude[c.ID] && c.Hours <= budget && start.gain(c) > path.GapBefore-path.GapAfter+1e-9 {
					t.Fatalf("trial %d: course %d alone closes %v, the path %v", trial, c.ID, start.gain(c), path.GapBefore-path.GapAfter)
				}
			}
		}
		// Unmet.
		var unmet []int64
		for _, r := range l.Requirements {
			reach := false
			for _, c := range courses {
				for _, im := range c.Imparts {
					reach = reach || (im.CompetencyID == r.CompetencyID && im.To >= r.Level)
				}
			}
			if gap := recommender.ExpectedGap(ref.dists[r.CompetencyID], r.Level); !reach && gap > 1e-9 {
				unmet = append(unmet, r.CompetencyID)
			}
		}
		var got []int64
		for _, u := range path.Unmet {
			got = append(got, u.CompetencyID)
			if want := recommender.ExpectedGap(ref.dists[u.CompetencyID], u.Required); math.Abs(u.Gap-want) > 1e-9 {
				t.Fatalf("trial %d: unmet %d residual %v, want %v", trial, u.CompetencyID, u.Gap, want)
			}
		}
		if !slices.Equal(got, unmet) {
			t.Fatalf("trial %d: unmet %v, want %v", trial, got, unmet)
		}
	}
}

func TestCohortSuggestions(t *testing.T) {
	p := recommender.DefaultParams()
	courses := []recommender.Course{
		{ID: 1, Hours: 5, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 2}}},
		{ID: 2, Hours: 5, Imparts: []recommender.Impart{{CompetencyID: 1, From: 2, To: 3}}},
		{ID: 3, Hours: 5, Imparts: []recommender.Impart{{CompetencyID: 2, From: 0, To: 1}}},
	}
	cat := recommender.NewCatalogue(courses, nil, nil)
	req := func(c int64, level int) recommender.Requirement {
		return recommender.Requirement{CompetencyID: c, Level: level, Weight: 1}
	}
	learners := []recommender.Learner{
		{Requirements: []recommender.Requirement{req(1, 3)}, Stored: map[int64][]float64{1: atLevel(0)}},
		{Requirements: []recommender.Requirement{req(1, 3)}, Stored: map[int64][]float64{1: atLevel(0)}},
		{Requirements: []recommender.Requirement{req(2, 1)}, Stored: map[int64][]float64{2: atLevel(0)}},
		{Requirements: []recommender.Requirement{req(1, 2)}, Stored: map[int64][]float64{1: atLevel(0)}, Exclude: map[int64]bool{1: true}},
	}
	got := cat.CohortSuggestions(p, learners, 0)
	// Course 1 closes 2 for each of the first two (the fourth has done it); then
	// course 2 (ready now) and course 3 close 1 each for two learners and one.
	want := []recommender.CohortSuggestion{
		{CourseID: 1, LearnersHelped: 2, TotalGapClosed: 4},
		{CourseID: 2, LearnersHelped: 2, TotalGapClosed: 2},
		{CourseID: 3, LearnersHelped: 1, TotalGapClosed: 1},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("CohortSuggestions = %+v, want %+v", got, want)
	}
	if got := cat.CohortSuggestions(p, learners, 1); !slices.Equal(got, want[:1]) {
		t.Errorf("first 1: %+v", got)
	}
}

// TestCohortSuggestionsProperties: each suggestion's total equals the reference gain
// summed over the learners it helps, given the suggestions before it; no repeats.
func TestCohortSuggestionsProperties(t *testing.T) {
	p := recommender.DefaultParams()
	rng := rand.New(rand.NewPCG(8, 9))
	for trial := range 100 {
		competencies := 2 + rng.IntN(8)
		courses := randomCourses(rng, 3+rng.IntN(30), competencies, 3)
		cat := recommender.NewCatalogue(courses, nil, nil)
		learners := make([]recommender.Learner, 1+rng.IntN(12))
		refs := make([]refState, len(learners))
		for u := range learners {
			learners[u] = randomLearner(rng, courses, competencies, 1+rng.IntN(5))
			refs[u] = newRefState(p, learners[u])
		}
		seen := map[int64]bool{}
		for _, s := range cat.CohortSuggestions(p, learners, 0) {
			if seen[s.CourseID] {
				t.Fatalf("trial %d: course %d suggested twice", trial, s.CourseID)
			}
			seen[s.CourseID] = true
			c, _ := cat.Course(s.CourseID)
			var total float64
			helped := 0
			for u := range learners {
				if g := refs[u].gain(c); g > 1e-9 && !learners[u].Exclude[c.ID] {
					total += g
					helped++
					refs[u] = refs[u].apply(c)
				}
			}
			if helped != s.LearnersHelped || math.Abs(total-s.TotalGapClosed) > 1e-9 || helped == 0 {
				t.Fatalf("trial %d: %+v, reference %d learners %v", trial, s, helped, total)
			}
		}
	}
}

func ExampleCatalogue_LearningPath() {
	p := recommender.DefaultParams()
	cat := recommender.NewCatalogue([]recommender.Course{
		{ID: 1, Title: "Procurement Basics", Hours: 4, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 2}}},
		{ID: 2, Title: "Procurement Practice", Hours: 6, Imparts: []recommender.Impart{{CompetencyID: 1, From: 2, To: 4}}},
		{ID: 3, Title: "Procurement Masterclass", Hours: 20, Imparts: []recommender.Impart{{CompetencyID: 1, From: 4, To: 5}}},
	}, map[int64]string{1: "Public Procurement"}, nil)
	learner := recommender.Learner{
		Requirements: []recommender.Requirement{{CompetencyID: 1, Level: 4, Weight: 1, RoleName: "Section Officer"}},
		Stored:       map[int64][]float64{1: {0.8, 0.15, 0.05, 0, 0, 0}},
	}
	path := cat.LearningPath(p, learner, 40, nil)
	for _, s := range path.Steps {
		g := s.Gaps[0]
		fmt.Printf("%d. course %d (%.0f h): level %d -> %d, gap closed %.2f\n", s.Order, s.CourseID, s.CumulativeHours, g.From, g.To, g.GapClosed)
	}
	fmt.Printf("gap %.2f -> %.2f in %.0f hours\n", path.GapBefore, path.GapAfter, path.TotalHours)
	// Output:
	// 1. course 1 (4 h): level 0 -> 2, gap closed 1.49
	// 2. course 2 (10 h): level 2 -> 4, gap closed 2.00
	// gap 3.49 -> 0.00 in 10 hours
}

func BenchmarkLearningPath(b *testing.B) {
	cat, l := benchCatalogue(b)
	p := recommender.DefaultParams()
	b.ReportAllocs()
	var steps int
	for b.Loop() {
		steps = len(cat.LearningPath(p, l, 40, nil).Steps)
	}
	b.ReportMetric(float64(steps), "steps")
}
