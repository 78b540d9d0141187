package domain_test

import (
	"math"
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestRoleNeeds(t *testing.T) {
	reqs := map[int64][]models.RoleRequirement{
		1: {{RoleID: 1, CompetencyID: 10, RequiredLevel: 2, Weight: 0.5}, {RoleID: 1, CompetencyID: 11, RequiredLevel: 3, Weight: 1}},
		2: {{RoleID: 2, CompetencyID: 10, RequiredLevel: 4, Weight: 0.25}, {RoleID: 2, CompetencyID: 12, RequiredLevel: 1, Weight: 2}},
	}
	for _, tc := range []struct {
		name  string
		roles []int64
		want  []domain.Need
	}{
		{"NoRoles", nil, nil},
		{"OneRole", []int64{1}, []domain.Need{{10, 2, 0.5}, {11, 3, 1}}},
		{"TheHigherLevelAndTheHigherWeight", []int64{1, 2}, []domain.Need{{10, 4, 0.5}, {11, 3, 1}, {12, 1, 2}}},
		{"InTheRolesOrder", []int64{2, 1}, []domain.Need{{10, 4, 0.5}, {12, 1, 2}, {11, 3, 1}}},
		{"ARoleWithoutRequirements", []int64{3}, nil},
	} {
		if got := domain.RoleNeeds(tc.roles, reqs); !slices.Equal(got, tc.want) {
			t.Errorf("%s: RoleNeeds = %v, want %v", tc.name, got, tc.want)
		}
		levels := domain.RequiredLevels(tc.roles, reqs)
		if len(levels) != len(tc.want) {
			t.Errorf("%s: RequiredLevels = %v, want the levels of %v", tc.name, levels, tc.want)
		}
		for _, n := range tc.want {
			if levels[n.CompetencyID] != n.Required {
				t.Errorf("%s: RequiredLevels = %v, want the levels of %v", tc.name, levels, tc.want)
			}
		}
	}
}

func TestLearnerGap(t *testing.T) {
	flat := [6]float64{1, 1, 1, 1, 1, 1}
	for _, tc := range []struct {
		name  string
		q     [6]float64
		p     *[6]float64
		r     int
		d     [6]float64
		gap   float64
		level int
	}{
		{"AtLevelZero", flat, &[6]float64{1, 0, 0, 0, 0, 0}, 3, [6]float64{1, 0, 0, 0, 0, 0}, 3, 0},
		{"AtTheRequiredLevel", flat, &[6]float64{0, 0, 0, 1, 0, 0}, 3, [6]float64{0, 0, 0, 1, 0, 0}, 0, 3},
		{"AboveTheRequiredLevel", flat, &[6]float64{0, 0, 0, 0, 0, 1}, 3, [6]float64{0, 0, 0, 0, 0, 1}, 0, 5},
		{"HalfAndHalf", flat, &[6]float64{0.5, 0, 0.5, 0, 0, 0}, 4, [6]float64{0.5, 0, 0.5, 0, 0, 0}, 3, 0},
		{"NoProficiencyReadsThePrior", [6]float64{2, 1, 1, 0, 0, 0}, nil, 2, [6]float64{0.5, 0.25, 0.25, 0, 0, 0}, 1.25, 0},
		{"ThePriorWeighsTheDistribution", [6]float64{1, 3, 0, 0, 0, 0}, &[6]float64{0.5, 0.5, 0, 0, 0, 0}, 1, [6]float64{0.25, 0.75, 0, 0, 0, 0}, 0.25, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, gap, level := domain.LearnerGap(tc.q, tc.p, tc.r)
			for l := range d {
				if math.Abs(d[l]-tc.d[l]) > 1e-15 {
					t.Errorf("d = %v, want %v", d, tc.d)
					break
				}
			}
			if math.Abs(gap-tc.gap) > 1e-15 || level != tc.level {
				t.Errorf("gap, level = %v, %d; want %v, %d", gap, level, tc.gap, tc.level)
			}
		})
	}
}

// TestLearnerGapMedianThreshold: the median level is the first whose cumulative
// mass reaches 0.5 − 1e-9, so a mass a rounding short of one half counts.
func TestLearnerGapMedianThreshold(t *testing.T) {
	flat := [6]float64{1, 1, 1, 1, 1, 1}
	short := 0.5 - 1e-10
	if _, _, level := domain.LearnerGap(flat, &[6]float64{short, 0, 1 - short, 0, 0, 0}, 3); level != 0 {
		t.Errorf("level %d, want 0", level)
	}
	under := 0.5 - 1e-8
	if _, _, level := domain.LearnerGap(flat, &[6]float64{under, 0, 1 - under, 0, 0, 0}, 3); level != 2 {
		t.Errorf("level %d, want 2", level)
	}
}

func TestRollupSum(t *testing.T) {
	var a, b domain.RollupSum
	a.AddRow(2, [6]float64{1, 0, 0, 0, 0, 0}, 3, 0)
	a.AddRow(1, [6]float64{0, 0, 0.5, 0.5, 0, 0}, 0.5, 2) // exactly half a level: no gap counted
	b.AddRow(0.5, [6]float64{0, 0, 0, 0, 1, 0}, 0, 4)
	want := domain.RollupSum{Learners: 2, WithGap: 1, SumGap: 3.5, SumWeighted: 6.5,
		Levels: [6]int64{1, 0, 1, 0, 0, 0}, WeightedMass: [6]float64{2, 0, 0.5, 0.5, 0, 0}}
	if a != want {
		t.Errorf("AddRow: %+v, want %+v", a, want)
	}
	a.Add(&b)
	want.Learners, want.Levels[4], want.WeightedMass[4] = 3, 1, 0.5
	if a != want {
		t.Errorf("Add: %+v, want %+v", a, want)
	}
}

func TestHadGap(t *testing.T) {
	imparts := []models.CourseCompetency{{CompetencyID: 10}, {CompetencyID: 11}, {CompetencyID: 12}}
	reqs := []models.RoleRequirement{{CompetencyID: 10, RequiredLevel: 3, Weight: 0.5}, {CompetencyID: 11, RequiredLevel: 2, Weight: 2},
		{CompetencyID: 13, RequiredLevel: 5, Weight: 1}}
	for _, tc := range []struct {
		name   string
		levels map[int64]int
		want   float64
	}{
		{"NoProficiencies", nil, 3*0.5 + 2*2},
		{"PartlyThere", map[int64]int{10: 2, 11: 2}, 0.5},
		{"AboveTheRequirement", map[int64]int{10: 4, 11: 5}, 0},
		{"ARequirementTheCourseDoesNotTeach", map[int64]int{10: 3, 11: 2, 13: 0}, 0},
	} {
		if got := domain.HadGap(imparts, reqs, tc.levels); got != tc.want {
			t.Errorf("%s: HadGap = %v, want %v", tc.name, got, tc.want)
		}
	}
}
