package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// evalMethodJSON is one method's row of `karmayogi eval --format json`.
type evalMethodJSON struct {
	MAE        *float64 `json:"mae"`
	Accuracy   *float64 `json:"accuracy"`
	Coverage80 *float64 `json:"coverage80"`
}

// evalRecommendationJSON is one method's row of the recommendation half.
type evalRecommendationJSON struct {
	NDCG10           *float64 `json:"ndcg10"`
	GapClosedPerHour *float64 `json:"gapClosedPerHour"`
	GapClosed20h     *float64 `json:"gapClosed20h"`
	MarginalNDCG10   *float64 `json:"marginalNdcg10"`
	Top5Share        *float64 `json:"top5Share"`
}

// evalWorldJSON is one world of the worlds key.
type evalWorldJSON struct {
	World struct {
		Name           string   `json:"name"`
		Description    string   `json:"description"`
		SelfBias       *float64 `json:"selfBias"`
		SelfSD         *float64 `json:"selfSD"`
		SupervisorBias *float64 `json:"supervisorBias"`
		SupervisorSD   *float64 `json:"supervisorSD"`
		AssessmentNear *bool    `json:"assessmentNear"`
		Unrequired     *float64 `json:"unrequired"`
		UnrequiredMean *float64 `json:"unrequiredMean"`
		CourseWorks    *float64 `json:"courseWorks"`
		Drift          *float64 `json:"drift"`
		Fading         *float64 `json:"fading"`
	} `json:"world"`
	Proficiency    map[string]evalMethodJSON         `json:"proficiency"`
	Recommendation map[string]evalRecommendationJSON `json:"recommendation"`
	HalfLife       *float64                          `json:"halfLifeDays"`
	ReadHalfLife   *float64                          `json:"readHalfLifeDays"`
}

func TestEvalJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "eval", "--learners", "500", "--seed", "7", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasSuffix(stdout, "}\n") {
		t.Fatalf("stdout does not end with one object and a newline: %q", stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var out struct {
		Proficiency    map[string]evalMethodJSON         `json:"proficiency"`
		Recommendation map[string]evalRecommendationJSON `json:"recommendation"`
		Worlds         []evalWorldJSON                   `json:"worlds"`
	}
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode: %v\n%s", err, stdout)
	}
	var rest json.RawMessage
	if err := dec.Decode(&rest); err == nil {
		t.Fatalf("more than one JSON value on stdout: %s", stdout)
	}
	methods := []string{"ours", "defaults", "latest", "max", "latest_self"}
	if len(out.Proficiency) != len(methods) {
		t.Errorf("proficiency has %d methods, want %v: %s", len(out.Proficiency), methods, stdout)
	}
	for _, name := range methods {
		m, ok := out.Proficiency[name]
		if !ok {
			t.Fatalf("proficiency.%s missing: %s", name, stdout)
		}
		if m.MAE == nil || m.Accuracy == nil {
			t.Fatalf("proficiency.%s lacks mae or accuracy: %s", name, stdout)
		}
		if *m.Accuracy < 0 || *m.Accuracy > 1 || *m.MAE < 0 {
			t.Errorf("proficiency.%s out of range: mae %v accuracy %v", name, *m.MAE, *m.Accuracy)
		}
	}
	ours := out.Proficiency["ours"]
	for _, name := range methods[2:] {
		b := out.Proficiency[name]
		if !(*ours.MAE < *b.MAE) {
			t.Errorf("ours.mae %.3f is not below %s.mae %.3f", *ours.MAE, name, *b.MAE)
		}
		if b.Coverage80 != nil {
			t.Errorf("%s.coverage80 = %v, want null", name, *b.Coverage80)
		}
	}
	if !strings.Contains(stdout, `"coverage80": null`) {
		t.Errorf("baselines' coverage80 is not written as null: %s", stdout)
	}
	switch c := ours.Coverage80; {
	case c == nil:
		t.Error("ours.coverage80 is null")
	case *c < 0.7 || *c > 0.95:
		t.Errorf("ours.coverage80 = %.3f, want within [0.7, 0.95]", *c)
	}

	recMethods := []string{"ours", "ours_no_peer", "popular", "random", "igot_rule", "ours_independent"}
	if len(out.Recommendation) != len(recMethods) {
		t.Errorf("recommendation has %d methods, want %v: %s", len(out.Recommendation), recMethods, stdout)
	}
	for _, name := range recMethods {
		m, ok := out.Recommendation[name]
		if !ok {
			t.Fatalf("recommendation.%s missing: %s", name, stdout)
		}
		if m.NDCG10 == nil || m.GapClosedPerHour == nil || m.MarginalNDCG10 == nil || m.Top5Share == nil {
			t.Fatalf("recommendation.%s lacks ndcg10, gapClosedPerHour, marginalNdcg10 or top5Share: %s", name, stdout)
		}
		if *m.NDCG10 < 0 || *m.NDCG10 > 1 || *m.GapClosedPerHour < 0 {
			t.Errorf("recommendation.%s out of range: ndcg10 %v gapClosedPerHour %v", name, *m.NDCG10, *m.GapClosedPerHour)
		}
	}
	if len(out.Worlds) < 10 || out.Worlds[0].World.Name != "default" {
		t.Fatalf("worlds: %d, the first %q; want at least 10, the default first", len(out.Worlds), out.Worlds[0].World.Name)
	}
	seen := map[string]bool{}
	for _, w := range out.Worlds {
		if seen[w.World.Name] || w.World.Description == "" || w.HalfLife == nil || w.ReadHalfLife == nil {
			t.Errorf("world %+v: repeated, undescribed or without its half-lives", w.World)
		}
		seen[w.World.Name] = true
		if w.Proficiency["ours"].MAE == nil || w.Recommendation["ours"].NDCG10 == nil {
			t.Errorf("world %s lacks ours' MAE or NDCG", w.World.Name)
		}
	}
	// The per-world ordering, on enough learners to fit on, is
	// recommender.TestFittedModelInEveryWorld's.
	if *out.Worlds[0].Proficiency["ours"].MAE != *out.Proficiency["ours"].MAE {
		t.Error("the top-level proficiency is not the default world's")
	}
	rec := out.Recommendation["ours"]
	// The list is built on marginal value: it beats the independent ranking on the
	// list measures, not on plain NDCG@10, which rewards repeating one suggestion.
	if indep := out.Recommendation["ours_independent"]; !(*rec.MarginalNDCG10 > *indep.MarginalNDCG10) || !(*rec.Top5Share > *indep.Top5Share) {
		t.Errorf("recommendation: ours marginalNdcg10 %.3f top5Share %.3f, ours_independent %.3f %.3f; want ours higher on both",
			*rec.MarginalNDCG10, *rec.Top5Share, *indep.MarginalNDCG10, *indep.Top5Share)
	}
	for _, name := range recMethods[1:5] {
		b := out.Recommendation[name]
		if !(*rec.NDCG10 > *b.NDCG10) {
			t.Errorf("recommendation: ours.ndcg10 %.3f is not above %s.ndcg10 %.3f", *rec.NDCG10, name, *b.NDCG10)
		}
		if name != "ours_no_peer" && !(*rec.GapClosedPerHour > *b.GapClosedPerHour) {
			t.Errorf("recommendation: ours.gapClosedPerHour %.4f is not above %s.gapClosedPerHour %.4f", *rec.GapClosedPerHour, name, *b.GapClosedPerHour)
		}
	}
}

func TestEvalDeterministic(t *testing.T) {
	for _, format := range []string{"json", "table"} {
		args := []string{"eval", "--learners", "500", "--seed", "3", "--format", format, "--world", "strong-ageing"}
		code1, out1, err1 := runCLI(t, args...)
		code2, out2, err2 := runCLI(t, args...)
		if code1 != 0 || code2 != 0 {
			t.Fatalf("%s: exit %d, %d: %s %s", format, code1, code2, err1, err2)
		}
		if out1 != out2 {
			t.Errorf("%s: the same seed gave different output:\n%s\n---\n%s", format, out1, out2)
		}
	}
	_, a, _ := runCLI(t, "eval", "--learners", "500", "--seed", "3", "--format", "json", "--world", "default")
	_, b, _ := runCLI(t, "eval", "--learners", "500", "--seed", "4", "--format", "json", "--world", "default")
	if a == b {
		t.Error("different seeds gave identical output")
	}
}

func TestEvalTable(t *testing.T) {
	code, stdout, stderr := runCLI(t, "eval", "--learners", "500")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"500 simulated learners", "seed 1", "cases", "method", "MAE", "accuracy", "80% coverage",
		"ours", "latest", "max", "latest_self", "—", "the iGOT rule",
		"Recommendation:", "420 courses", "budget 40 hours", "NDCG@10", "gap closed per hour",
		"ours_no_peer", "popular", "random", "igot_rule", "ours_independent", "marginal NDCG@10", "top-5 share"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	// Rows come in the order ours, latest, max, latest_self, then the recommendation
	// table's ours, ours_no_peer, popular, random, igot_rule, ours_independent.
	var order []string
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			switch f[0] {
			case "ours", "latest", "max", "latest_self", "ours_no_peer", "popular", "random", "igot_rule", "ours_independent":
				order = append(order, f[0])
			}
		}
	}
	if got, want := strings.Join(order, ","), "ours,latest,max,latest_self,ours,ours_no_peer,popular,random,igot_rule,ours_independent"; got != want {
		t.Errorf("rows in order %s, want %s:\n%s", got, want, stdout)
	}
}

func TestEvalBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--format", "xml"},
		{"--learners", "0"},
		{"--learners", "1000001"},
		{"--learners", "many"},
		{"--bogus"},
		{"extra"},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"eval"}, args...)...)
		if code != 2 {
			t.Errorf("eval %v: exit %d, want 2", args, code)
		}
		if stdout != "" {
			t.Errorf("eval %v: wrote to stdout: %q", args, stdout)
		}
		if strings.TrimSpace(stderr) == "" {
			t.Errorf("eval %v: no message on stderr", args)
		}
	}
	_, _, stderr := runCLI(t, "eval", "--format", "xml")
	if !strings.Contains(stderr, "--format must be table or json") {
		t.Errorf("--format xml: unclear message %q", stderr)
	}
	_, _, stderr = runCLI(t, "eval", "--learners", "0")
	if !strings.Contains(stderr, "--learners must be between 1 and 1000000") {
		t.Errorf("--learners 0: unclear message %q", stderr)
	}
}

func TestEvalListedInUsage(t *testing.T) {
	if !strings.Contains(usage, "karmayogi eval [--learners 2000] [--seed 1] [--format table|json]") {
		t.Error("usage text does not mention karmayogi eval")
	}
}

func TestEvalUnknownWorld(t *testing.T) {
	code, _, stderr := runCLI(t, "eval", "--world", "atlantis")
	if code != 2 || !strings.Contains(stderr, `no world "atlantis"`) || !strings.Contains(stderr, "strong-ageing") {
		t.Errorf("exit %d, stderr %q; want 2 naming the worlds", code, stderr)
	}
}

func TestEvalAssessments(t *testing.T) {
	code, stdout, stderr := runCLI(t, "eval", "assessments", "--examinees", "400", "--seed", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"adaptive ", "random order", "fixed form of 15 ", "equal accuracy:", "calibration: RMSE of a"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "eval", "assessments", "--examinees", "400", "--format", "json")
	var out struct {
		Adaptive struct {
			ExactRate, MeanItems float64
		}
		TargetWithin97 bool
	}
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil || out.Adaptive.MeanItems <= 0 {
		t.Fatalf("json: exit %d, %v: %s", code, err, stdout)
	}
	if code, _, stderr := runCLI(t, "eval", "assessments", "--examinees", "0"); code != 2 || !strings.Contains(stderr, "--examinees") {
		t.Errorf("--examinees 0: exit %d, %q", code, stderr)
	}
}
