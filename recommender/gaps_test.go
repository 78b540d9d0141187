package recommender_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/recommender"
)

func TestMergeRequirements(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []recommender.Requirement
		want []recommender.Requirement
	}{
		{"Empty", nil, []recommender.Requirement{}},
		{"Distinct", []recommender.Requirement{
			{CompetencyID: 9, Level: 2, Weight: 1, RoleName: "A"},
			{CompetencyID: 3, Level: 4, Weight: 2, RoleName: "B"},
		}, []recommender.Requirement{
			{CompetencyID: 3, Level: 4, Weight: 2, RoleName: "B"},
			{CompetencyID: 9, Level: 2, Weight: 1, RoleName: "A"},
		}},
		{"HigherLevelAndHigherWeightFromDifferentRoles", []recommender.Requirement{
			{CompetencyID: 5, Level: 2, Weight: 3, RoleName: "Section Officer"},
			{CompetencyID: 5, Level: 4, Weight: 1, RoleName: "Under Secretary"},
		}, []recommender.Requirement{
			{CompetencyID: 5, Level: 4, Weight: 3, RoleName: "Under Secretary"},
		}},
		{"EqualLevelsHigherWeightNames", []recommender.Requirement{
			{CompetencyID: 5, Level: 3, Weight: 1, RoleName: "A"},
			{CompetencyID: 5, Level: 3, Weight: 2, RoleName: "B"},
			{CompetencyID: 5, Level: 3, Weight: 2, RoleName: "C"},
		}, []recommender.Requirement{
			{CompetencyID: 5, Level: 3, Weight: 2, RoleName: "B"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			got := recommender.MergeRequirements(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("MergeRequirements = %+v, want %+v", got, tc.want)
			}
			if !reflect.DeepEqual(in, tc.in) {
				t.Errorf("input modified: %+v, was %+v", tc.in, in)
			}
		})
	}
}

// TestMergeRequirementsProperties: over random inputs, one requirement per competency,
// sorted, with the maximum level and the maximum weight, named for a role that
// requires that maximum level.
func TestMergeRequirementsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 1000 {
		var in []recommender.Requirement
		for range rng.IntN(12) {
			in = append(in, recommender.Requirement{
				CompetencyID: int64(1 + rng.IntN(5)),
				Level:        1 + rng.IntN(5),
				Weight:       float64(1+rng.IntN(8)) / 2,
				RoleName:     string(rune('A' + rng.IntN(6))),
			})
		}
		got := recommender.MergeRequirements(in)
		maxLevel, maxWeight := map[int64]int{}, map[int64]float64{}
		names := map[[2]any]bool{}
		for _, r := range in {
			maxLevel[r.CompetencyID] = max(maxLevel[r.CompetencyID], r.Level)
			maxWeight[r.CompetencyID] = max(maxWeight[r.CompetencyID], r.Weight)
			names[[2]any{r.CompetencyID, r.RoleName + "@" + string(rune('0'+r.Level))}] = true
		}
		if len(got) != len(maxLevel) {
			t.Fatalf("trial %d: %d requirements for %d competencies", trial, len(got), len(maxLevel))
		}
		for k, r := range got {
			if k > 0 && got[k-1].CompetencyID >= r.CompetencyID {
				t.Fatalf("trial %d: not sorted by competency: %+v", trial, got)
			}
			if r.Level != maxLevel[r.CompetencyID] || r.Weight != maxWeight[r.CompetencyID] {
				t.Fatalf("trial %d: %+v, want level %d weight %v", trial, r, maxLevel[r.CompetencyID], maxWeight[r.CompetencyID])
			}
			if !names[[2]any{r.CompetencyID, r.RoleName + "@" + string(rune('0'+r.Level))}] {
				t.Fatalf("trial %d: %+v named for a role that does not require level %d", trial, r, r.Level)
			}
		}
	}
}

func TestGaps(t *testing.T) {
	p := recommender.DefaultParams()
	known := []float64{0.05, 0.7, 0.2, 0.05, 0, 0} // stored, uniform prior
	reqs := []recommender.Requirement{
		{CompetencyID: 2, Level: 3, Weight: 2, RoleName: "Section Officer"},
		{CompetencyID: 1, Level: 2, Weight: 1, RoleName: "Section Officer"},
	}
	got := recommender.Gaps(p, recommender.Learner{Requirements: reqs, Stored: map[int64][]float64{2: known}})
	if len(got) != 2 || got[0].CompetencyID != 2 || got[1].CompetencyID != 1 {
		t.Fatalf("Gaps = %+v, want one per requirement in requirement order", got)
	}
	for k, g := range got {
		r := reqs[k]
		var stored []float64
		if r.CompetencyID == 2 {
			stored = known
		}
		want := recommender.WithRequirement(p, r.CompetencyID, stored, r.Level, zeroTime).Distribution
		if !reflect.DeepEqual(g.Distribution, want) {
			t.Errorf("%d: distribution %v, want WithRequirement's %v", r.CompetencyID, g.Distribution, want)
		}
		if wantGap := recommender.ExpectedGap(want, r.Level); math.Abs(g.Gap-wantGap) > 1e-15 {
			t.Errorf("%d: gap %v, want %v", r.CompetencyID, g.Gap, wantGap)
		}
		if g.Current != recommender.Median(want) || g.Required != r.Level || g.Weight != r.Weight || g.RoleName != r.RoleName {
			t.Errorf("%d: %+v does not carry the requirement and the median", r.CompetencyID, g)
		}
	}
	if got[0].Current != 1 {
		t.Errorf("Current = %d, want 1 (the evidence says level 1)", got[0].Current)
	}
}

func TestProjectAndGapClosed(t *testing.T) {
	dist := []float64{0.1, 0.2, 0.3, 0.2, 0.1, 0.1}
	for _, tc := range []struct {
		name     string
		from, to int
		want     []float64
	}{
		{"ZeroToTwo", 0, 2, []float64{0, 0, 0.6, 0.2, 0.1, 0.1}},
		{"TwoToFour", 2, 4, []float64{0.1, 0.2, 0, 0, 0.6, 0.1}},
		{"FourToFive", 4, 5, []float64{0.1, 0.2, 0.3, 0.2, 0, 0.2}},
		{"Invalid", 3, 3, dist},
		{"OutOfRange", 2, 6, dist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Clone(dist)
			recommender.Project(got, tc.from, tc.to)
			for l := range got {
				if math.Abs(got[l]-tc.want[l]) > 1e-15 {
					t.Fatalf("Project(%d, %d) = %v, want %v", tc.from, tc.to, got, tc.want)
				}
			}
			for r := 0; r <= 5; r++ {
				want := recommender.ExpectedGap(dist, r) - recommender.ExpectedGap(got, r)
				if g := recommender.GapClosed(dist, r, tc.from, tc.to); math.Abs(g-want) > 1e-12 || g < 0 {
					t.Errorf("GapClosed(r=%d) = %v, want E[gap] before - after = %v", r, g, want)
				}
			}
		})
	}
	// Readiness: a 2->4 course closes nothing for someone surely at level 0.
	if g := recommender.GapClosed([]float64{1, 0, 0, 0, 0, 0}, 4, 2, 4); g != 0 {
		t.Errorf("GapClosed for a learner not ready = %v, want 0", g)
	}
}

func TestProjectWithMixesTheProjection(t *testing.T) {
	dist := []float64{0.1, 0.4, 0.3, 0.2, 0, 0}
	full := slices.Clone(dist)
	recommender.Project(full, 1, 3)
	half := slices.Clone(dist)
	recommender.ProjectWith(half, 1, 3, 0.5)
	for l := range dist {
		if want := 0.5*dist[l] + 0.5*full[l]; math.Abs(half[l]-want) > 1e-12 {
			t.Fatalf("level %d: %v, want %v", l, half[l], want)
		}
	}
	none := slices.Clone(dist)
	recommender.ProjectWith(none, 1, 3, 0)
	if !slices.Equal(none, dist) {
		t.Fatalf("efficacy 0 moved the distribution: %v", none)
	}
}

func TestEfficacyScalesGainAndRanking(t *testing.T) {
	p := recommender.DefaultParams()
	req := []recommender.Requirement{{CompetencyID: 1, Level: 3, Weight: 1}}
	courses := []recommender.Course{
		{ID: 1, Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3, Efficacy: 0.2}}},
		{ID: 2, Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 1, From: 0, To: 3}}},
	}
	cat := recommender.NewCatalogue(courses, nil, nil)
	recs := cat.Recommend(p, recommender.Learner{Requirements: req}, 0, recommender.ScoreOptions{})
	if len(recs) != 2 || recs[0].CourseID != 2 {
		t.Fatalf("the course that works should lead: %+v", recs)
	}
	// On its own (the other course excluded), the course that works a fifth of the
	// time closes a fifth of the gap.
	alone := cat.Recommend(p, recommender.Learner{Requirements: req, Exclude: map[int64]bool{2: true}}, 0, recommender.ScoreOptions{})
	if len(alone) != 1 {
		t.Fatalf("with course 2 excluded: %+v", alone)
	}
	if r := alone[0].Signals.GapCoverage / recs[0].Signals.GapCoverage; math.Abs(r-0.2) > 1e-9 {
		t.Fatalf("gap coverage ratio %v, want the efficacy 0.2", r)
	}
}
