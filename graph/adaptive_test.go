package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const (
	mStartAdaptive = `mutation($i: StartAdaptiveAssessmentInput!) { startAdaptiveAssessment(input: $i) { attempt {
		id status itemsAnswered startedAt completedAt nextItem { id stem options position }
		result { level distribution standardError itemsUsed evidence { id source level } } } } }`
	mAnswerItem = `mutation($i: AnswerItemInput!) { answerItem(input: $i) { attempt {
		id status itemsAnswered completedAt nextItem { id stem options position }
		result { level distribution standardError itemsUsed evidence { id source level } } } } }`
	mCreateItem = `mutation($i: CreateAssessmentItemInput!) { createAssessmentItem(input: $i) { item { id code level options retired } } }`
)

// attemptJSON is an AdaptiveAttempt as the tests read it.
type attemptJSON struct {
	ID            string
	Status        string
	ItemsAnswered int
	CompletedAt   *string
	NextItem      *struct {
		ID       string
		Stem     string
		Options  []string
		Position int
	}
	Result *struct {
		Level         int
		Distribution  []float64
		StandardError float64
		ItemsUsed     int
		Evidence      *struct {
			ID, Source string
			Level      int
		}
	}
}

// itemBank creates n items (levels 1..5 in turn, 4 options) for a competency as
// the provider, and returns each item's correct choice by global ID.
func itemBank(t *testing.T, provider *client, competencyID, prefix string, n int) map[string]int {
	t.Helper()
	correct := map[string]int{}
	for i := range n {
		right := i%4 + 1
		var out struct {
			CreateAssessmentItem struct{ Item struct{ ID string } }
		}
		decode(t, provider.data(mCreateItem, map[string]any{"i": map[string]any{
			"code": fmt.Sprintf("%s-%02d", prefix, i+1), "competencyId": competencyID, "level": i%5 + 1,
			"stem":    fmt.Sprintf("Question %d of %s?", i+1, prefix),
			"options": []string{"first answer", "second answer", "third answer", "fourth answer"}, "correct": right,
		}}), &out)
		correct[out.CreateAssessmentItem.Item.ID] = right
	}
	return correct
}

// startAttempt starts an attempt as c.
func startAttempt(t *testing.T, c *client, learnerID, competencyID string) attemptJSON {
	t.Helper()
	var out struct{ StartAdaptiveAssessment struct{ Attempt attemptJSON } }
	decode(t, c.data(mStartAdaptive, map[string]any{"i": map[string]any{"learnerId": learnerID, "competencyId": competencyID}}), &out)
	return out.StartAdaptiveAssessment.Attempt
}

// answer answers an item as c.
func answer(t *testing.T, c *client, attemptID, itemID string, choice int) attemptJSON {
	t.Helper()
	var out struct{ AnswerItem struct{ Attempt attemptJSON } }
	decode(t, c.data(mAnswerItem, map[string]any{"i": map[string]any{"attemptId": attemptID, "itemId": itemID, "choice": choice}}), &out)
	return out.AnswerItem.Attempt
}

// runToEnd answers every item until the attempt ends, rightly when right.
func runToEnd(t *testing.T, c *client, a attemptJSON, correct map[string]int, right bool) attemptJSON {
	t.Helper()
	for n := 0; a.Status == "IN_PROGRESS"; n++ {
		if n > 40 || a.NextItem == nil {
			t.Fatalf("attempt did not end: %+v", a)
		}
		choice := correct[a.NextItem.ID]
		if !right {
			choice = choice%4 + 1
		}
		if a.NextItem.Position != a.ItemsAnswered+1 {
			t.Errorf("position %d after %d answers", a.NextItem.Position, a.ItemsAnswered)
		}
		a = answer(t, c, a.ID, a.NextItem.ID, choice)
	}
	return a
}

func TestAdaptiveAssessmentEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f
		correct := itemBank(t, e.provider.bind(t), f["$proc"], "PROC", 30)

		const qPassbook = `query($id: ID!) { learner(id: $id) { proficiencies { competency { code } distribution }
			evidence(first: 10) { edges { node { id source level } } } } }`
		passbook := func() (dist []float64, evidence []struct{ ID, Source string }) {
			var out struct {
				Learner struct {
					Proficiencies []struct {
						Competency   struct{ Code string }
						Distribution []float64
					}
					Evidence struct {
						Edges []struct{ Node struct{ ID, Source string } }
					}
				}
			}
			decode(t, asha.data(qPassbook, map[string]any{"id": f["$asha"]}), &out)
			for _, p := range out.Learner.Proficiencies {
				if p.Competency.Code == "PROC" {
					dist = p.Distribution
				}
			}
			for _, e := range out.Learner.Evidence.Edges {
				evidence = append(evidence, struct{ ID, Source string }{e.Node.ID, e.Node.Source})
			}
			return dist, evidence
		}
		before, evBefore := passbook()

		t.Cleanup(func() {
			if t.Failed() {
				t.Log(e.pa.logs.String())
			}
		})
		a := startAttempt(t, asha, f["$asha"], f["$proc"])
		if a.Status != "IN_PROGRESS" || a.NextItem == nil || a.NextItem.Position != 1 || len(a.NextItem.Options) != 4 || a.Result != nil {
			t.Fatalf("started: %+v", a)
		}
		// A second start resumes the open attempt.
		if again := startAttempt(t, asha, f["$asha"], f["$proc"]); again.ID != a.ID || again.NextItem.ID != a.NextItem.ID {
			t.Errorf("second start: %+v, want the open attempt %s", again, a.ID)
		}
		first := a.NextItem.ID
		a = answer(t, asha, a.ID, first, correct[first])
		// The same answer again is idempotent.
		if again := answer(t, asha, a.ID, first, correct[first]); again.ItemsAnswered != a.ItemsAnswered || again.Status != a.Status {
			t.Errorf("repeated answer: %+v, want %+v", again, a)
		}
		a = runToEnd(t, asha, a, correct, true)
		if a.Status != "COMPLETED" || a.Result == nil || a.NextItem != nil || a.CompletedAt == nil {
			t.Fatalf("ended: %+v", a)
		}
		r := a.Result
		if r.ItemsUsed != a.ItemsAnswered || r.ItemsUsed < 2 || r.ItemsUsed > 15 || len(r.Distribution) != 6 || r.Level < 3 {
			t.Errorf("result: %+v (all answers right)", r)
		}
		if r.Evidence == nil || r.Evidence.Source != "ASSESSMENT" || r.Evidence.Level != max(1, r.Level) {
			t.Fatalf("evidence: %+v", r.Evidence)
		}
		after, evAfter := passbook()
		if len(evAfter) != len(evBefore)+1 || evAfter[0].ID != r.Evidence.ID {
			t.Errorf("passbook evidence: %v, want the attempt's %s first", evAfter, r.Evidence.ID)
		}
		mean := func(d []float64) (m float64) {
			for l, p := range d {
				m += float64(l) * p
			}
			return m
		}
		if len(before) != 6 || len(after) != 6 || mean(after) <= mean(before)+0.3 {
			t.Errorf("passbook did not move up: before %v, after %v", before, after)
		}
		// Nothing in the response says which answers were right.
		raw := string(asha.data(`query($id: ID!) { node(id: $id) { ... on AdaptiveAttempt { id status itemsAnswered result { level } } } }`,
			map[string]any{"id": a.ID}))
		if strings.Contains(strings.ToLower(raw), "correct") {
			t.Errorf("attempt mentions correctness: %s", raw)
		}
	})
}

// TestLearnerAdaptiveAttempts: a learner's attempts are listed newest first, for
// whoever may see her; the item being asked only for herself.
func TestLearnerAdaptiveAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f
		correct := itemBank(t, e.provider.bind(t), f["$proc"], "PROC", 20)
		itemBank(t, e.provider.bind(t), f["$emp"], "EMP", 20)
		done := runToEnd(t, asha, startAttempt(t, asha, f["$asha"], f["$proc"]), correct, true)
		open := startAttempt(t, asha, f["$asha"], f["$emp"])
		const q = `query($id: ID!, $c: ID, $n: Int) { learner(id: $id) { adaptiveAttempts(competencyId: $c, first: $n) {
			id status competency { code } nextItem { id } result { level } } } }`
		type listed struct {
			ID, Status string
			Competency struct{ Code string }
			NextItem   *struct{ ID string }
			Result     *struct{ Level int }
		}
		list := func(c *client, vars map[string]any) []listed {
			var out struct {
				Learner struct{ AdaptiveAttempts []listed }
			}
			decode(t, c.data(q, vars), &out)
			return out.Learner.AdaptiveAttempts
		}
		mine := list(asha, map[string]any{"id": f["$asha"]})
		if len(mine) != 2 || mine[0].ID != open.ID || mine[0].Status != "IN_PROGRESS" || mine[0].NextItem == nil ||
			mine[1].ID != done.ID || mine[1].Result == nil || mine[1].Result.Level != done.Result.Level {
			t.Fatalf("her attempts: %+v", mine)
		}
		if one := list(asha, map[string]any{"id": f["$asha"], "c": f["$proc"], "n": 1}); len(one) != 1 || one[0].Competency.Code != "PROC" {
			t.Fatalf("her PROC attempts: %+v", one)
		}
		if admin := list(e.doeAdmin.bind(t), map[string]any{"id": f["$asha"]}); len(admin) != 2 || admin[0].NextItem != nil {
			t.Fatalf("her admin reads the question being asked: %+v", admin)
		}
		assertError(t, asha.ask(q, map[string]any{"id": f["$asha"], "n": 0}), graph.CodeBadUserInput, "first", "")
		assertAllCodes(t, e.mohfwAdmin.bind(t).ask(q, map[string]any{"id": f["$asha"]}), graph.CodeNotFound)
	})
}

func TestAdaptiveAssessmentWrongAnswersLowLevel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f
		correct := itemBank(t, e.provider.bind(t), f["$emp"], "EMP", 25)
		a := runToEnd(t, asha, startAttempt(t, asha, f["$asha"], f["$emp"]), correct, false)
		if a.Status != "COMPLETED" || a.Result.Level > 1 {
			t.Errorf("all wrong: %+v", a.Result)
		}
	})
}

func TestAssessmentItemBank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		provider, asha, f := e.provider.bind(t), e.asha.bind(t), e.f
		input := map[string]any{"code": "TAX-1", "competencyId": f["$tax"], "level": 2, "stem": "What does GST stand for?",
			"options": []string{"Goods and Services Tax", "General Sales Tax", "Government Service Tariff"}, "correct": 1}
		// A learner keeps no bank.
		assertError(t, asha.post(mCreateItem, map[string]any{"i": input}), "FORBIDDEN", "", "")
		var out struct {
			CreateAssessmentItem struct{ Item struct{ ID, Code string } }
		}
		decode(t, provider.data(mCreateItem, map[string]any{"i": input}), &out)
		id := out.CreateAssessmentItem.Item.ID
		assertError(t, provider.post(mCreateItem, map[string]any{"i": input}), "CONFLICT", "input.code", "")
		bad := func(field string, v any, code, want string) {
			t.Helper()
			in := map[string]any{}
			for k, x := range input {
				in[k] = x
			}
			in["code"], in[field] = "TAX-X", v
			assertError(t, provider.post(mCreateItem, map[string]any{"i": in}), code, want, "")
		}
		bad("options", []string{"only one"}, "BAD_USER_INPUT", "input.options")
		bad("options", []string{"a", "b", "c", "d", "e", "f", "g"}, "BAD_USER_INPUT", "input.options")
		bad("correct", 4, "BAD_USER_INPUT", "input.correct")
		bad("stem", " ", "BAD_USER_INPUT", "input.stem")
		bad("level", 6, "BAD_USER_INPUT", "input.level")
		bad("competencyId", graphGlobalID("Competency", 999999), "NOT_FOUND", "input.competencyId")

		const mUpdateItem = `mutation($i: UpdateAssessmentItemInput!) { updateAssessmentItem(input: $i) { item { code level options discrimination difficulty } } }`
		upd := map[string]any{"itemId": id, "competencyId": f["$tax"], "level": 3, "stem": "What does GST stand for, in India?",
			"options": []string{"General Sales Tax", "Goods and Services Tax"}, "correct": 2, "discrimination": 1.2, "difficulty": 2.4}
		assertJSON(t, provider.data(mUpdateItem, map[string]any{"i": upd}), `{"updateAssessmentItem": {"item": {"code": "TAX-1", "level": 3,
			"options": ["General Sales Tax", "Goods and Services Tax"], "discrimination": 1.2, "difficulty": 2.4}}}`)
		assertError(t, asha.post(mUpdateItem, map[string]any{"i": upd}), "FORBIDDEN", "", "")

		const qBank = `query($c: ID!, $r: Boolean) { assessmentItems(competencyId: $c, includeRetired: $r) { code retired } }`
		assertJSON(t, provider.data(qBank, map[string]any{"c": f["$tax"]}), `{"assessmentItems": [{"code": "TAX-1", "retired": false}]}`)
		const mRetire = `mutation($i: RetireAssessmentItemInput!) { retireAssessmentItem(input: $i) { item { code retired } } }`
		assertError(t, asha.post(mRetire, map[string]any{"i": map[string]any{"itemId": id}}), "FORBIDDEN", "", "")
		assertJSON(t, provider.data(mRetire, map[string]any{"i": map[string]any{"itemId": id}}), `{"retireAssessmentItem": {"item": {"code": "TAX-1", "retired": true}}}`)
		assertJSON(t, provider.data(qBank, map[string]any{"c": f["$tax"]}), `{"assessmentItems": []}`)
		assertJSON(t, provider.data(qBank, map[string]any{"c": f["$tax"], "r": true}), `{"assessmentItems": [{"code": "TAX-1", "retired": true}]}`)
		// With every item retired the competency has no test.
		assertError(t, asha.post(mStartAdaptive, map[string]any{"i": map[string]any{"learnerId": f["$asha"], "competencyId": f["$tax"]}}),
			"BAD_USER_INPUT", "input.competencyId", "")
	})
}
