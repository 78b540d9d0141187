package graph_test

import (
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const (
	mInterests = `mutation($i: SetLearningInterestsInput!) { setLearningInterests(input: $i) {
		learner { name learningInterests { code } } } }`
	qInterests = `query($l: ID!) { learner(id: $l) { learningInterests { code } } }`
	qAlts      = `query($l: ID!) { recommendations(learnerId: $l, first: 5) {
		items { rank score explanation course { code } alternatives { code durationHours } } } }`
)

// TestSetLearningInterests: the learner or an admin over them sets interests, which
// the learner's recommendations then serve; bad input changes nothing.
func TestSetLearningInterests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f
		set := func(ids ...string) map[string]any {
			return map[string]any{"i": map[string]any{"learnerId": f["$asha"], "competencyIds": ids}}
		}
		interests := func() string {
			t.Helper()
			var out struct {
				Learner struct{ LearningInterests []struct{ Code string } }
			}
			decode(t, asha.data(qInterests, map[string]any{"l": f["$asha"]}), &out)
			var codes []string
			for _, c := range out.Learner.LearningInterests {
				codes = append(codes, c.Code)
			}
			return strings.Join(codes, ",")
		}
		if got := interests(); got != "" {
			t.Fatalf("interests before any: %q", got)
		}
		// A Section Officer's list before: procurement and empathy, nothing on tax.
		var recs recsJSON
		decode(t, asha.data(qRecs, map[string]any{"l": f["$asha"]}), &recs)
		if got := strings.Join(recs.codes(), ","); strings.Contains(got, "TAX-301") {
			t.Fatalf("before: %s", got)
		}

		body := asha.data(mInterests, set(f["$tax"]))
		if !strings.Contains(string(body), `"learningInterests":[{"code":"TAX"}]`) {
			t.Fatalf("setLearningInterests: %s", body)
		}
		// Her list is computed afresh and now serves the interest, naming it; the
		// domain of the interest is hers now, too.
		decode(t, asha.data(qRecs, map[string]any{"l": f["$asha"]}), &recs)
		var tax *string
		for _, it := range recs.Recommendations.Items {
			if it.Course.Code == "TAX-301" {
				tax = &it.Explanation
			}
		}
		if recs.Recommendations.Cached || tax == nil || !strings.Contains(*tax, "Indirect Taxation") || !strings.Contains(*tax, "one of your learning interests") {
			t.Fatalf("after the interest: %+v", recs.Recommendations)
		}

		// Her department's admin may set them; another ministry's admin may not see her.
		e.doeAdmin.bind(t).data(mInterests, set(f["$tax"], f["$emp"]))
		if got := interests(); got != "TAX,EMP" {
			t.Fatalf("after the admin: %q", got)
		}
		for _, tc := range []struct {
			name     string
			r        response
			code     string
			field    string
			contains string
		}{
			{"ErrNotVisible", e.mohfwAdmin.bind(t).ask(mInterests, set(f["$proc"])), graph.CodeNotFound, "", ""},
			{"ErrUnknownCompetency", asha.ask(mInterests, set(f["$proc"], b64("Competency:999999"))), graph.CodeBadUserInput, "input.competencyIds[1]", "no such competency"},
			{"ErrRepeated", asha.ask(mInterests, set(f["$proc"], f["$proc"])), graph.CodeBadUserInput, "input.competencyIds[1]", "twice"},
			{"ErrTooMany", asha.ask(mInterests, set(f["$proc"], f["$emp"], f["$tax"], f["$proc"], f["$emp"], f["$tax"], f["$proc"], f["$emp"], f["$tax"], f["$proc"], f["$emp"])),
				graph.CodeBadUserInput, "input.competencyIds", "at most 10"},
			{"ErrNotACompetency", asha.ask(mInterests, set(f["$gfr101"])), graph.CodeBadUserInput, "input.competencyIds[0]", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				assertError(t, tc.r, tc.code, tc.field, "")
				if tc.contains != "" && !strings.Contains(tc.r.Body, tc.contains) {
					t.Errorf("message lacks %q: %s", tc.contains, tc.r.Body)
				}
				if got := interests(); got != "TAX,EMP" {
					t.Errorf("interests %q after a refused request, want TAX,EMP", got)
				}
			})
		}
		assertError(t, e.anon.bind(t).ask(mInterests, set(f["$tax"])), graph.CodeUnauthenticated, "", "")
	})
}

// TestRecommendationAlternatives: of two interchangeable courses, the shorter leads
// and the other is its alternative, sunk below a course on another gap.
func TestRecommendationAlternatives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f := e.f
		e.pa.bind(t).data(`mutation($input: CreateCourseInput!) { createCourse(input: $input) { course { id } } }`,
			map[string]any{"input": map[string]any{"code": "GFR-102", "title": "GFR 2017 in Three Hours", "description": "The General Financial Rules, slowly.",
				"provider": "ISTM", "format": "ONLINE", "durationHours": 3,
				"competencies": []map[string]any{{"competencyId": f["$proc"], "fromLevel": 0, "toLevel": 2}}}})
		var out struct {
			Recommendations struct {
				Items []struct {
					Rank         int
					Explanation  string
					Course       struct{ Code string }
					Alternatives []struct {
						Code          string
						DurationHours float64
					}
				}
			}
		}
		decode(t, e.asha.bind(t).data(qAlts, map[string]any{"l": f["$asha"]}), &out)
		items := out.Recommendations.Items
		var codes []string
		for _, it := range items {
			codes = append(codes, it.Course.Code)
		}
		list := strings.Join(codes, ",")
		// The two are near-equals: the shorter comes first (same rating, same
		// effectiveness), the other sinks below the course on another gap.
		short, long, emp := strings.Index(list, "GFR-102"), strings.Index(list, "GFR-101"), strings.Index(list, "EMP-101")
		if short < 0 || long < 0 || emp < 0 || !(short < emp && emp < long) {
			t.Fatalf("list %v: want GFR-102, then EMP-101 (another gap), then GFR-101", codes)
		}
		for _, it := range items {
			switch it.Course.Code {
			case "GFR-102":
				if len(it.Alternatives) != 1 || it.Alternatives[0].Code != "GFR-101" || it.Alternatives[0].DurationHours != 6 {
					t.Errorf("GFR-102 alternatives %+v, want GFR-101 (6 hours)", it.Alternatives)
				}
			case "GFR-101":
				if !strings.Contains(it.Explanation, "GFR 2017 in Three Hours above") {
					t.Errorf("GFR-101 explanation %q does not name the course above that covers its gap", it.Explanation)
				}
			case "EMP-101":
				if it.Alternatives == nil || len(it.Alternatives) != 0 {
					t.Errorf("EMP-101 alternatives %+v, want an empty list", it.Alternatives)
				}
			}
		}
	})
}
