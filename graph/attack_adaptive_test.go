package graph_test

import (
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/models"
)

// The attack suite's cases for adaptive assessments (issue 16): the correct option
// never reaches a learner, only the item being asked can be answered, an answer
// cannot be changed, the cool-off holds, and another learner's attempt does not
// exist. Each case builds its own competency and bank (the setup changes the tables
// in adaptiveSetupChanges) and then proves the attack itself changed nothing.
func init() {
	attacks = append(attacks, adaptiveAttacks...)
	snapshotTables = append(snapshotTables, "assessment_items", "adaptive_attempts", "attempt_responses")
}

// adaptiveSetupChanges are the tables an attack's setup writes: a competency, its
// bank (as the provider, audited), Asha's attempt and its first answers.
var adaptiveSetupChanges = []string{"competencies", "competency_levels", "counters", "audit_entries", "assessment_items",
	"adaptive_attempts", "attempt_responses"}

// adaptiveFinishChanges add what completing an attempt writes: the evidence, the
// re-estimated proficiency, the learner's version and their gaps.
var adaptiveFinishChanges = append([]string{"evidence", "proficiencies", "learners", "learner_gaps", "gap_rollups"}, adaptiveSetupChanges...)

// adaptiveSetup creates a competency with a 20-item bank and starts Asha's attempt.
func adaptiveSetup(t *testing.T, e *attackEnv, code string) (competencyID string, correct map[string]int, a attemptJSON) {
	t.Helper()
	var out struct {
		CreateCompetency struct{ Competency struct{ ID string } }
	}
	decode(t, e.pa.bind(t).data(`mutation($input: CreateCompetencyInput!) { createCompetency(input: $input) { competency { id } } }`,
		map[string]any{"input": map[string]any{"code": code, "name": "Adaptive " + code, "description": "A competency for the attacks.", "type": "FUNCTIONAL", "area": "Tests"}}), &out)
	competencyID = out.CreateCompetency.Competency.ID
	correct = itemBank(t, e.provider.bind(t), competencyID, code, 20)
	a = startAttempt(t, e.asha.bind(t), e.f["$asha"], competencyID)
	return competencyID, correct, a
}

// chitra is a LEARNER client for Chitra Iyer (MOHFW), who may not see Asha.
func chitra(t *testing.T, e *attackEnv) *client {
	return e.pa.bind(t).as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f["$chitra"]), OrganisationID: dbID(t, e.f["$mohfw"])})
}

func answerVars(attemptID, itemID string, choice int) map[string]any {
	return map[string]any{"i": map[string]any{"attemptId": attemptID, "itemId": itemID, "choice": choice}}
}

var adaptiveAttacks = []attack{
	{name: "Adaptive/CorrectOptionUnreachable", changes: adaptiveSetupChanges, run: func(t *testing.T, e *attackEnv) {
		comp, correct, a := adaptiveSetup(t, e, "ADX1")
		asha := e.asha.bind(t)
		before := snapshot(t, e.db)
		// No type a learner reaches has a field for it.
		for _, typ := range []string{"AskedItem", "AdaptiveAttempt", "AdaptiveResult", "AssessmentItem"} {
			r := asha.ask(`query($n: String!) { __type(name: $n) { fields { name } } }`, map[string]any{"n": typ})
			if strings.Contains(strings.ToLower(r.Body), "correct") {
				t.Errorf("%s has a field on correctness: %s", typ, r.Body)
			}
		}
		r := asha.ask(`query($i: ID!) { node(id: $i) { ... on AdaptiveAttempt { nextItem { id correct } } } }`, map[string]any{"i": a.ID})
		assertAllCodes(t, r, "GRAPHQL_VALIDATION_FAILED")
		// The item itself, by node(id:) and by the bank query: not for a learner.
		r = asha.ask(`query($i: ID!) { node(id: $i) { id ... on AssessmentItem { stem options level difficulty } } }`, map[string]any{"i": a.NextItem.ID})
		assertAllCodes(t, r, "NOT_FOUND")
		assertNoData(t, r)
		r = asha.ask(`query($c: ID!) { assessmentItems(competencyId: $c) { id options } }`, map[string]any{"c": comp})
		assertAllCodes(t, r, "FORBIDDEN")
		// Errors do not tell: a wrong item, a choice out of range.
		var other string
		for id := range correct {
			if id != a.NextItem.ID {
				other = id
				break
			}
		}
		for _, vars := range []map[string]any{answerVars(a.ID, other, correct[other]), answerVars(a.ID, a.NextItem.ID, 9)} {
			r = asha.ask(mAnswerItem, vars)
			assertAllCodes(t, r, "BAD_USER_INPUT")
			if low := strings.ToLower(r.Body); strings.Contains(low, "correct") || strings.Contains(low, "right") || strings.Contains(low, "wrong") {
				t.Errorf("error hints at the answer: %s", r.Body)
			}
		}
		assertUnchanged(t, e.db, before)
	}},
	{name: "Adaptive/AnswerItemNotAsked", changes: adaptiveSetupChanges, run: func(t *testing.T, e *attackEnv) {
		_, correct, a := adaptiveSetup(t, e, "ADX2")
		asha := e.asha.bind(t)
		before := snapshot(t, e.db)
		for id := range correct {
			if id == a.NextItem.ID {
				continue
			}
			r := asha.ask(mAnswerItem, answerVars(a.ID, id, 1))
			assertError(t, r, "BAD_USER_INPUT", "input.itemId", "is not the item being asked")
		}
		// An item of no bank, and an attempt that does not exist.
		assertError(t, asha.ask(mAnswerItem, answerVars(a.ID, graphGlobalID("AssessmentItem", 999999), 1)), "NOT_FOUND", "", "")
		assertError(t, asha.ask(mAnswerItem, answerVars(graphGlobalID("AdaptiveAttempt", 999999), a.NextItem.ID, 1)), "NOT_FOUND", "", "")
		// Choices out of range.
		for _, c := range []int{0, -1, 5, 1 << 30} {
			assertError(t, asha.ask(mAnswerItem, answerVars(a.ID, a.NextItem.ID, c)), "BAD_USER_INPUT", "input.choice", "")
		}
		assertUnchanged(t, e.db, before)
	}},
	{name: "Adaptive/ChangeAnswer", changes: adaptiveSetupChanges, run: func(t *testing.T, e *attackEnv) {
		_, correct, a := adaptiveSetup(t, e, "ADX3")
		asha := e.asha.bind(t)
		first := a.NextItem.ID
		a = answer(t, asha, a.ID, first, correct[first]%4+1) // wrong, and the learner would like it back
		before := snapshot(t, e.db)
		r := asha.ask(mAnswerItem, answerVars(a.ID, first, correct[first]))
		assertError(t, r, "CONFLICT", "input.choice", "")
		// The same answer again is no error and changes nothing.
		again := answer(t, asha, a.ID, first, correct[first]%4+1)
		if again.ItemsAnswered != 1 || again.NextItem == nil || again.NextItem.ID != a.NextItem.ID {
			t.Errorf("repeated answer moved the attempt: %+v", again)
		}
		assertUnchanged(t, e.db, before)
	}},
	{name: "Adaptive/RetakeInCooloff", changes: adaptiveFinishChanges, run: func(t *testing.T, e *attackEnv) {
		comp, correct, a := adaptiveSetup(t, e, "ADX4")
		asha := e.asha.bind(t)
		a = runToEnd(t, asha, a, correct, true)
		if a.Status != "COMPLETED" {
			t.Fatalf("attempt %+v", a)
		}
		before := snapshot(t, e.db)
		r := asha.ask(mStartAdaptive, map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "competencyId": comp}})
		assertError(t, r, "FORBIDDEN", "", "")
		if len(r.Errors) == 1 && !strings.Contains(r.Errors[0].Message, "after the cool-off, at 20") {
			t.Errorf("message %q does not say when the cool-off ends", r.Errors[0].Message)
		}
		// Any new answer after the end is a CONFLICT (every answer given was right,
		// so this choice is new for every item).
		for id, right := range correct {
			assertError(t, asha.ask(mAnswerItem, answerVars(a.ID, id, right%4+1)), "CONFLICT", "", "")
		}
		assertUnchanged(t, e.db, before)
	}},
	{name: "Adaptive/OtherLearnersAttempt", changes: adaptiveSetupChanges, run: func(t *testing.T, e *attackEnv) {
		comp, correct, a := adaptiveSetup(t, e, "ADX5")
		c := chitra(t, e)
		before := snapshot(t, e.db)
		r := c.ask(mAnswerItem, answerVars(a.ID, a.NextItem.ID, correct[a.NextItem.ID]))
		assertError(t, r, "NOT_FOUND", "", "")
		assertAbsent(t, r.Body, pii("asha")...)
		r = c.ask(`query($i: ID!) { node(id: $i) { id ... on AdaptiveAttempt { status nextItem { stem } learner { name } } } }`, map[string]any{"i": a.ID})
		assertAllCodes(t, r, "NOT_FOUND")
		assertNoData(t, r)
		// Starting a test for someone else: NOT_FOUND for one who may not see them,
		// FORBIDDEN for an admin over them; nobody takes a test for a learner.
		start := map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "competencyId": comp}}
		assertError(t, c.ask(mStartAdaptive, start), "NOT_FOUND", "", "")
		assertError(t, e.mohfwAdmin.bind(t).ask(mStartAdaptive, start), "NOT_FOUND", "", "")
		assertError(t, e.doeAdmin.bind(t).ask(mStartAdaptive, start), "FORBIDDEN", "", "")
		assertError(t, e.doeAdmin.bind(t).ask(mAnswerItem, answerVars(a.ID, a.NextItem.ID, 1)), "FORBIDDEN", "", "")
		assertUnchanged(t, e.db, before)
	}},
}

// graphGlobalID is graph.GlobalID, spelled out so the attacks forge IDs as a client would.
func graphGlobalID(typ string, id int64) string { return b64(typ + ":" + itoa(id)) }

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
