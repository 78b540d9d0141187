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
	qFinalForm = `query($id: ID!) { node(id: $id) { ... on Enrolment { finalAssessment { id stem options position } } } }`
	mTakeFinal = `mutation($i: TakeAssessmentInput!) { takeAssessment(input: $i) { attempt { score passed } } }`
)

type askedJSON struct {
	ID       string
	Stem     string
	Options  []string
	Position int
}

// finalForm reads an enrolment's final assessment as c.
func finalForm(t *testing.T, c *client, enrolmentID string) []askedJSON {
	t.Helper()
	var out struct {
		Node struct{ FinalAssessment []askedJSON }
	}
	decode(t, c.data(qFinalForm, map[string]any{"id": enrolmentID}), &out)
	return out.Node.FinalAssessment
}

// TestCourseFinalAssessment: a course's final assessment is scored on the server,
// from the course's own items or, without any, from its competencies' banks; a
// learner gives answers, never a score.
func TestCourseFinalAssessment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		seedBlended(t, e) // GFR-101 (PROC 0→2) has pass mark 0.7; Asha is enrolled
		f, asha, provider := e.f, e.asha.bind(t), e.provider.bind(t)
		enrolment := f["$ashaEnrolment"]
		answers := func(as ...map[string]any) map[string]any {
			if as == nil {
				as = []map[string]any{}
			}
			return map[string]any{"i": map[string]any{"enrolmentId": enrolment, "answers": as}}
		}

		// No items anywhere: no form, and nothing to answer.
		if form := finalForm(t, asha, enrolment); form != nil {
			t.Fatalf("a form without items: %+v", form)
		}
		assertError(t, asha.ask(mTakeFinal, answers()), graph.CodeBadUserInput, "input.enrolmentId", "")

		// Without items of its own, the course asks 10 bank items of PROC at the levels it teaches (1 and 2).
		bank := itemBank(t, provider, f["$proc"], "PROC", 30) // levels 1..5 in turn: 12 at levels 1 and 2
		form := finalForm(t, asha, enrolment)
		if len(form) != 10 {
			t.Fatalf("the bank form has %d items, want 10: %+v", len(form), form)
		}
		for i, q := range form {
			var n int
			fmt.Sscanf(q.Stem, "Question %d of PROC?", &n)
			if level := (n-1)%5 + 1; level > 2 || q.Position != i+1 || bank[q.ID] == 0 {
				t.Fatalf("item %d of the bank form: %+v (level %d)", i, q, level)
			}
		}
		if again := finalForm(t, asha, enrolment); fmt.Sprint(again) != fmt.Sprint(form) {
			t.Fatalf("the form changed between two reads:\n%v\n%v", form, again)
		}

		// The course's own items replace the bank's; only for a competency it imparts.
		own := map[string]int{}
		for i := range 4 {
			var out struct {
				CreateAssessmentItem struct{ Item struct{ ID string } }
			}
			decode(t, provider.data(mCreateItem, map[string]any{"i": map[string]any{
				"code": fmt.Sprintf("GFR101-%d", i+1), "competencyId": f["$proc"], "courseId": f["$gfr101"], "level": 2,
				"stem": fmt.Sprintf("Rule %d of GFR 2017?", i+1), "options": []string{"a", "b", "c"}, "correct": i%3 + 1,
			}}), &out)
			own[out.CreateAssessmentItem.Item.ID] = i%3 + 1
		}
		assertError(t, provider.ask(mCreateItem, map[string]any{"i": map[string]any{"code": "GFR101-X", "competencyId": f["$emp"],
			"courseId": f["$gfr101"], "level": 1, "stem": "s", "options": []string{"a", "b"}, "correct": 1}}),
			graph.CodeBadUserInput, "input.competencyId", "the course does not impart this competency")
		form = finalForm(t, asha, enrolment)
		if len(form) != 4 || own[form[0].ID] == 0 || form[0].Stem != "Rule 1 of GFR 2017?" {
			t.Fatalf("the course's own form: %+v", form)
		}
		var bankList struct {
			AssessmentItems       []struct{ Code string }
			CourseAssessmentItems []struct {
				Code   string
				Course struct{ Code string }
			}
		}
		decode(t, provider.data(`query($c: ID!, $k: ID!) { assessmentItems(competencyId: $c) { code }
			courseAssessmentItems(courseId: $k) { code course { code } } }`, map[string]any{"c": f["$proc"], "k": f["$gfr101"]}), &bankList)
		if len(bankList.AssessmentItems) != 30 || len(bankList.CourseAssessmentItems) != 4 || bankList.CourseAssessmentItems[0].Course.Code != "GFR-101" {
			t.Fatalf("the bank keeps out the course's items: %+v", bankList)
		}

		// Only the learner reads her form.
		for _, c := range []*client{e.doeAdmin, e.pa, provider} {
			if r := c.bind(t).ask(qFinalForm, map[string]any{"id": enrolment}); strings.Contains(r.Body, "Rule 1") {
				t.Fatalf("another caller reads her form: %s", r.Body)
			}
		}

		// Bad answers change nothing.
		before := snapshot(t, db)
		first := map[string]any{"itemId": form[0].ID, "choice": own[form[0].ID]}
		for _, tc := range []struct {
			vars  map[string]any
			field string
		}{
			{answers(map[string]any{"itemId": form[0].ID, "choice": 4}), "input.answers"},                                    // out of range
			{answers(first, first), "input.answers"},                                                                         // twice
			{answers(map[string]any{"itemId": firstKey(bank), "choice": 1}), "input.answers"},                                // not on the form
			{map[string]any{"i": map[string]any{"enrolmentId": enrolment}}, "input.answers"},                                 // neither
			{map[string]any{"i": map[string]any{"enrolmentId": enrolment, "score": 1, "answers": []any{}}}, "input.answers"}, // both
		} {
			assertError(t, asha.ask(mTakeFinal, tc.vars), graph.CodeBadUserInput, tc.field, "")
		}
		assertError(t, e.doeAdmin.bind(t).ask(mTakeFinal, answers(first)), graph.CodeForbidden, "", "")
		assertError(t, e.asha.bind(t).ask(mTakeFinal, map[string]any{"i": map[string]any{"enrolmentId": enrolment, "score": 1}}), graph.CodeForbidden, "", "")
		assertUnchanged(t, db, before)

		// Three of four right (0.75 ≥ 0.7): a pass, scored on the server; the answer says no more than that.
		var as []map[string]any
		for i, q := range form {
			choice := own[q.ID]
			if i == 3 {
				choice = choice%3 + 1
			}
			as = append(as, map[string]any{"itemId": q.ID, "choice": choice})
		}
		r := asha.ask(mTakeFinal, answers(as...))
		assertJSON(t, r.Data, `{"takeAssessment": {"attempt": {"score": 0.75, "passed": true}}}`)
		if ev := evidenceOf(t, asha, f["$asha"], 1); len(ev) != 1 || ev[0].Source != "ASSESSMENT" || ev[0].Course == nil || ev[0].Course.Code != "GFR-101" {
			t.Fatalf("the newest evidence after the attempt = %+v", ev)
		}
		// The next attempt waits a day.
		r = asha.ask(mTakeFinal, answers(as...))
		assertError(t, r, graph.CodeForbidden, "input.enrolmentId", "")
		if !strings.Contains(r.Errors[0].Message, "may start only at") {
			t.Errorf("the wait names no date: %s", r.Body)
		}
	})
}

func firstKey(m map[string]int) string {
	for k := range m {
		return k
	}
	return ""
}
