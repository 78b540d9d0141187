package recommender_test

import (
	"math"
	"testing"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestCohortCoverAgreesWithPerLearner: the aggregated cover picks the same courses
// and the same total gap closed as the per-learner CohortSuggestions.
func TestCohortCoverAgreesWithPerLearner(t *testing.T) {
	p := recommender.DefaultParams()
	cat := recommender.NewCatalogue([]recommender.Course{
		{ID: 1, Title: "GeM basics", Hours: 4, Imparts: []recommender.Impart{{CompetencyID: 10, From: 0, To: 2}}},
		{ID: 2, Title: "Tendering", Hours: 8, Imparts: []recommender.Impart{{CompetencyID: 10, From: 2, To: 4}}},
		{ID: 3, Title: "Noting and drafting", Hours: 2, Imparts: []recommender.Impart{{CompetencyID: 20, From: 1, To: 3}}},
		{ID: 4, Title: "Both", Hours: 9, Imparts: []recommender.Impart{{CompetencyID: 10, From: 1, To: 3}, {CompetencyID: 20, From: 0, To: 2}}},
	}, map[int64]string{10: "Procurement", 20: "Drafting"}, nil)
	stored := [][]float64{nil, {0.5, 0.3, 0.1, 0.05, 0.03, 0.02}, {0.05, 0.1, 0.6, 0.15, 0.05, 0.05}, {0.01, 0.01, 0.02, 0.06, 0.4, 0.5}}
	var learners []recommender.Learner
	groups := map[[2]int64]*recommender.CohortGroup{}
	for i, d := range stored {
		reqs := []recommender.Requirement{{CompetencyID: 10, Level: 3 + i%2, Weight: 1 + float64(i)}, {CompetencyID: 20, Level: 2, Weight: 0.5}}
		l := recommender.Learner{Requirements: reqs, Stored: map[int64][]float64{10: d, 20: stored[(i+1)%len(stored)]}}
		learners = append(learners, l)
		for _, g := range recommender.Gaps(p, l) {
			k := [2]int64{g.CompetencyID, int64(g.Required)}
			if groups[k] == nil {
				groups[k] = &recommender.CohortGroup{CompetencyID: g.CompetencyID, Required: g.Required}
			}
			groups[k].Levels[g.Current]++
			for lv, x := range g.Distribution {
				groups[k].WeightedMass[lv] += g.Weight * x
			}
		}
	}
	var gs []recommender.CohortGroup
	for _, g := range groups {
		gs = append(gs, *g)
	}
	want := cat.CohortSuggestions(p, learners, 0)
	got := cat.CohortCover(gs, 0)
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("cover %+v, per learner %+v", got, want)
	}
	for i := range got {
		if got[i].CourseID != want[i].CourseID || math.Abs(got[i].TotalGapClosed-want[i].TotalGapClosed) > 1e-9*want[i].TotalGapClosed {
			t.Errorf("pick %d: cover %+v, per learner %+v", i, got[i], want[i])
		}
		if got[i].LearnersHelped > len(learners) {
			t.Errorf("pick %d helps %d of %d learners", i, got[i].LearnersHelped, len(learners))
		}
	}
	if n := len(cat.CohortCover(gs, 1)); n != 1 {
		t.Errorf("first 1 returned %d", n)
	}
}
