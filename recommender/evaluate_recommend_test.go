package recommender_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/recommender"
)

func TestEvaluateRecommendation(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		ev := recommender.EvaluateRecommendation(1000, seed)
		if ev.Learners != 1000 || ev.Scored < 900 || ev.Courses < 400 {
			t.Fatalf("seed %d: %d learners, %d scored, %d courses", seed, ev.Learners, ev.Scored, ev.Courses)
		}
		t.Logf("seed %d: %+v", seed, ev)
		ours := ev.Ours
		for _, b := range []struct {
			name string
			m    recommender.RecommendationMetrics
		}{{"popular", ev.Popular}, {"random", ev.Random}, {"igot_rule", ev.IGOTRule}, {"ours_no_peer", ev.OursNoPeer}} {
			if !(ours.NDCG10 > b.m.NDCG10) {
				t.Errorf("seed %d: ndcg10 ours %.4f, %s %.4f; want ours higher", seed, ours.NDCG10, b.name, b.m.NDCG10)
			}
			if !(ours.GapClosedPerHour > b.m.GapClosedPerHour) {
				t.Errorf("seed %d: gapClosedPerHour ours %.4f, %s %.4f; want ours higher", seed, ours.GapClosedPerHour, b.name, b.m.GapClosedPerHour)
			}
		}
		for _, m := range []recommender.RecommendationMetrics{ev.Ours, ev.OursNoPeer, ev.Popular, ev.Random, ev.IGOTRule} {
			if m.NDCG10 < 0 || m.NDCG10 > 1 || m.GapClosedPerHour < 0 {
				t.Errorf("seed %d: metrics out of range: %+v", seed, m)
			}
		}
	}
}

func TestEvaluateRecommendationDeterministic(t *testing.T) {
	a := recommender.EvaluateRecommendation(200, 9)
	b := recommender.EvaluateRecommendation(200, 9)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs with seed 9 differ: %+v and %+v", a, b)
	}
	if c := recommender.EvaluateRecommendation(200, 10); reflect.DeepEqual(a, c) {
		t.Errorf("seeds 9 and 10 give the same evaluation %+v", a)
	}
	if z := recommender.EvaluateRecommendation(0, 1); !reflect.DeepEqual(z, recommender.RecommendationEvaluation{}) {
		t.Errorf("EvaluateRecommendation(0, 1) = %+v, want zero", z)
	}
}

func TestRecommendationEvaluationJSON(t *testing.T) {
	raw, err := json.Marshal(recommender.EvaluateRecommendation(50, 1))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]float64
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	var methods []string
	for m, fields := range got {
		methods = append(methods, m)
		if _, ok := fields["ndcg10"]; !ok || len(fields) != 3 {
			t.Errorf("%s: fields %v, want exactly ndcg10, gapClosedPerHour, gapClosed20h", m, fields)
		}
		if _, ok := fields["gapClosed20h"]; !ok {
			t.Errorf("%s: fields %v, want gapClosed20h", m, fields)
		}
		if _, ok := fields["gapClosedPerHour"]; !ok {
			t.Errorf("%s: fields %v, want exactly ndcg10, gapClosedPerHour", m, fields)
		}
	}
	slices.Sort(methods)
	if want := []string{"igot_rule", "ours", "ours_no_peer", "popular", "random"}; !slices.Equal(methods, want) {
		t.Errorf("methods %v, want %v", methods, want)
	}
}
