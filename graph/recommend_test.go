package graph_test

import (
	"math"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const (
	qGaps = `query($l: ID!, $r: ID) { competencyGaps(learnerId: $l, roleId: $r) {
		competency { code } requiredLevel currentLevel gap weight } }`
	qRecs = `query($l: ID!, $r: ID, $n: Int) { recommendations(learnerId: $l, roleId: $r, first: $n) {
		learner { name } role { code } cached generatedAt
		items { rank score explanation course { code }
			gapsAddressed { competency { code } fromLevel toLevel gapClosed }
			signals { gapCoverage quality peer } } } }`
	qPath = `query($l: ID!, $b: Float, $r: ID) { learningPath(learnerId: $l, budgetHours: $b, roleId: $r) {
		learner { name } totalHours gapBefore gapAfter
		steps { order cumulativeHours course { code durationHours } gapsAddressed { competency { code } fromLevel toLevel gapClosed } }
		unmet { competency { code } requiredLevel gap } } }`
)

type recsJSON struct {
	Recommendations struct {
		Role   *struct{ Code string }
		Cached bool
		Items  []struct {
			Rank        int
			Score       float64
			Explanation string
			Course      struct{ Code string }
			Signals     struct{ GapCoverage, Quality, Peer float64 }
		}
	}
}

func (r recsJSON) codes() []string {
	var out []string
	for _, it := range r.Recommendations.Items {
		out = append(out, it.Course.Code)
	}
	return out
}

type pathJSON struct {
	LearningPath struct {
		TotalHours, GapBefore, GapAfter float64
		Steps                           []struct {
			Order           int
			CumulativeHours float64
			Course          struct {
				Code          string
				DurationHours float64
			}
		}
		Unmet []struct {
			Competency    struct{ Code string }
			RequiredLevel int
			Gap           float64
		}
	}
}

func (p pathJSON) codes() []string {
	var out []string
	for _, s := range p.LearningPath.Steps {
		out = append(out, s.Course.Code)
	}
	return out
}

// TestRecommendations asks for a Section Officer's gaps, ranked courses and learning
// path, and watches them change as she enrols, dismisses and the role changes.
func TestRecommendations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f
		vars := map[string]any{"l": f["$asha"]}

		// Section Officer: procurement 3 (weight 2) and empathy 2, nothing known yet.
		var gaps struct {
			CompetencyGaps []struct {
				Competency                  struct{ Code string }
				RequiredLevel, CurrentLevel int
				Gap, Weight                 float64
			}
		}
		decode(t, asha.data(qGaps, vars), &gaps)
		if len(gaps.CompetencyGaps) != 2 {
			t.Fatalf("gaps = %+v", gaps)
		}
		for _, g := range gaps.CompetencyGaps {
			if g.Gap <= 0 || g.Gap > float64(g.RequiredLevel) || (g.Competency.Code == "PROC") != (g.Weight == 2) {
				t.Errorf("gap %+v", g)
			}
		}

		var recs recsJSON
		decode(t, asha.data(qRecs, vars), &recs)
		got := strings.Join(recs.codes(), ",")
		if recs.Recommendations.Cached || strings.Contains(got, "TAX-301") || !strings.Contains(got, "GFR-101") || !strings.Contains(got, "EMP-101") {
			t.Fatalf("recommendations = %s (cached %v)", got, recs.Recommendations.Cached)
		}
		for i, it := range recs.Recommendations.Items {
			// Scores are marginal values: a course may score more than the one above
			// it once that one makes the learner ready for it (GFR-201 after GFR-101).
			if it.Rank != i+1 || it.Score < 0 || it.Signals.GapCoverage <= 0 ||
				!strings.Contains(it.Explanation, "Section Officer") || !strings.HasSuffix(it.Explanation, ".") {
				t.Errorf("item %d = %+v", i, it)
			}
		}
		decode(t, asha.data(qRecs, vars), &recs)
		if !recs.Recommendations.Cached {
			t.Error("the same question twice was computed twice")
		}

		// Enrolling is a new version of her record: a fresh ranking without the course.
		asha.data(mEnrol, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr101"]}})
		decode(t, asha.data(qRecs, vars), &recs)
		if recs.Recommendations.Cached || strings.Contains(strings.Join(recs.codes(), ","), "GFR-101") {
			t.Fatalf("after enrolling in GFR-101: %v (cached %v)", recs.codes(), recs.Recommendations.Cached)
		}
		// Dismissing removes a course for good.
		r := asha.ask(`mutation($i: DismissRecommendationInput!) { dismissRecommendation(input: $i) { recommendations { items { course { code } } } } }`,
			map[string]any{"i": map[string]any{"learnerId": f["$asha"], "courseId": f["$emp101"], "reason": "done it offline"}})
		if len(r.Errors) > 0 || strings.Contains(r.Body, "EMP-101") {
			t.Fatalf("dismiss: %s", r.Body)
		}

		// What would it take to become a Deputy Secretary: tax at 4.
		decode(t, asha.data(qRecs, map[string]any{"l": f["$asha"], "r": f["$ds"]}), &recs)
		if recs.Recommendations.Role == nil || recs.Recommendations.Role.Code != "DS" || strings.Join(recs.codes(), ",") != "TAX-301" {
			t.Fatalf("against DS: %+v", recs)
		}

		// A learning path under a budget, for a fresh learner of the same role.
		dev := map[string]any{"l": f["$devendra"], "r": f["$so"]}
		var budgeted, unlimited pathJSON
		decode(t, e.pa.bind(t).data(qPath, map[string]any{"l": f["$devendra"], "r": f["$so"], "b": 10.0}), &budgeted)
		decode(t, e.pa.bind(t).data(qPath, dev), &unlimited)
		bp := budgeted.LearningPath
		if bp.TotalHours > 10 || len(bp.Steps) == 0 || bp.GapAfter >= bp.GapBefore {
			t.Fatalf("budgeted path = %+v", bp)
		}
		var hours float64
		for i, s := range bp.Steps {
			hours += s.Course.DurationHours
			if s.Order != i+1 || math.Abs(s.CumulativeHours-hours) > 1e-9 {
				t.Fatalf("step %d = %+v", i, s)
			}
		}
		// Without a budget the path goes on to the advanced course once the basic one makes her ready.
		codes := strings.Join(unlimited.codes(), ",")
		if !strings.Contains(codes, "GFR-101") || !strings.Contains(codes, "GFR-201") ||
			strings.Index(codes, "GFR-101") > strings.Index(codes, "GFR-201") || unlimited.LearningPath.GapAfter > bp.GapAfter {
			t.Fatalf("unlimited path = %s %+v", codes, unlimited.LearningPath)
		}
		if len(unlimited.LearningPath.Unmet) != 0 {
			t.Fatalf("unmet = %+v", unlimited.LearningPath.Unmet)
		}

		// A requirement no course reaches is unmet; the catalogue change is seen at once.
		e.pa.bind(t).data(`mutation($r: ID!, $c: ID!) { setRoleRequirement(input: {roleId: $r, competencyId: $c, requiredLevel: 5}) { role { id } } }`,
			map[string]any{"r": f["$so"], "c": f["$tax"]})
		decode(t, e.pa.bind(t).data(qPath, dev), &unlimited)
		if u := unlimited.LearningPath.Unmet; len(u) != 1 || u[0].Competency.Code != "TAX" || u[0].RequiredLevel != 5 || u[0].Gap <= 0 {
			t.Fatalf("unmet after requiring TAX 5 = %+v", u)
		}

		// Access and input: as for the learner herself.
		assertError(t, e.mohfwAdmin.bind(t).ask(qRecs, vars), graph.CodeNotFound, "", "")
		assertError(t, e.anon.bind(t).ask(qGaps, vars), graph.CodeUnauthenticated, "", "")
		if r := e.doeAdmin.bind(t).ask(qPath, vars); len(r.Errors) > 0 {
			t.Fatalf("her department's admin: %s", r.Body)
		}
		assertError(t, asha.ask(qRecs, map[string]any{"l": f["$asha"], "n": 0}), graph.CodeBadUserInput, "first", "")
		assertError(t, asha.ask(qPath, map[string]any{"l": f["$asha"], "b": -1}), graph.CodeBadUserInput, "budgetHours", "")
		assertError(t, asha.ask(qGaps, map[string]any{"l": f["$asha"], "r": b64("Role:999999")}), graph.CodeBadUserInput, "roleId", "")
		assertError(t, e.doeAdmin.bind(t).ask(`mutation($i: DismissRecommendationInput!) { dismissRecommendation(input: $i) { recommendations { cached } } }`,
			map[string]any{"i": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr201"]}}), graph.CodeForbidden, "", "")
	})
}
