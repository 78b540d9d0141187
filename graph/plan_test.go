package graph_test

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const (
	mCreatePlan = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { plan {
		id name status dueDate organisation { code } courses { code } progress { assigned enrolled completed overdue } } } }`
	qPlans = `query($o: ID, $n: Int, $a: String) { plans(organisationId: $o, first: $n, after: $a) {
		totalCount pageInfo { hasNextPage endCursor } edges { node { name status } } } }`
	qAssigned = `query($id: ID!) { learner(id: $id) { assignedCourses { course { code } plan { name } dueDate status } } }`
	qPlanPath = `query($l: ID!) { learningPath(learnerId: $l) { steps { order dueDate course { code } } } }`
	qPlanNode = `query($id: ID!) { node(id: $id) { ... on Plan { name status progress { assigned enrolled completed overdue } } } }`
)

type planJSON struct {
	ID, Name, Status string
	DueDate          time.Time
	Organisation     struct{ Code string }
	Courses          []struct{ Code string }
	Progress         progressJSON
}

type progressJSON struct{ Assigned, Enrolled, Completed, Overdue int }

// createPlan creates a plan as c and returns it.
func createPlan(t *testing.T, c *client, input map[string]any) planJSON {
	t.Helper()
	var out struct{ CreatePlan struct{ Plan planJSON } }
	decode(t, c.data(mCreatePlan, map[string]any{"input": input}), &out)
	return out.CreatePlan.Plan
}

func planNames(t *testing.T, c *client, vars map[string]any) []string {
	t.Helper()
	var out struct {
		Plans struct {
			TotalCount int
			Edges      []struct{ Node struct{ Name string } }
		}
	}
	decode(t, c.data(qPlans, vars), &out)
	var names []string
	for _, e := range out.Plans.Edges {
		names = append(names, e.Node.Name)
	}
	if _, paged := vars["n"]; !paged && out.Plans.TotalCount != len(names) {
		t.Errorf("totalCount %d for %d plans", out.Plans.TotalCount, len(names))
	}
	return names
}

func progressOf(t *testing.T, c *client, planID string) progressJSON {
	t.Helper()
	var out struct {
		Node struct{ Progress progressJSON }
	}
	decode(t, c.data(qPlanNode, map[string]any{"id": planID}), &out)
	return out.Node.Progress
}

// TestPlans: a department's admin assigns courses to its Section Officers; the
// learner sees them, her learning path puts them first, and the plan's progress
// moves as she enrols and completes.
func TestPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f, asha, admin := e.f, e.asha.bind(t), e.doeAdmin.bind(t)
		due := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)

		// Her path before any plan, cached on her version: the greedy starts with the cheap courses.
		var path struct {
			LearningPath struct {
				Steps []struct {
					Order   int
					DueDate *time.Time
					Course  struct{ Code string }
				}
			}
		}
		decode(t, asha.data(qPlanPath, map[string]any{"l": f["$asha"]}), &path)
		if s := path.LearningPath.Steps; len(s) == 0 || s[0].Course.Code == "GFR-201" || s[0].DueDate != nil {
			t.Fatalf("path before the plan = %+v", s)
		}

		// The DOE admin assigns the advanced course and empathy to the department's Section Officers.
		plan := createPlan(t, admin, map[string]any{"name": "Procurement drive", "organisationId": f["$doe"],
			"courseIds": []string{f["$gfr201"], f["$emp101"]}, "dueDate": due,
			"audienceDesignations": []string{"section officer"}, "status": "LIVE"})
		if plan.Name != "Procurement drive" || plan.Status != "LIVE" || !plan.DueDate.Equal(due) || plan.Organisation.Code != "DOE" ||
			len(plan.Courses) != 2 || plan.Courses[0].Code != "GFR-201" || plan.Courses[1].Code != "EMP-101" ||
			plan.Progress != (progressJSON{Assigned: 2}) {
			t.Fatalf("plan = %+v", plan)
		}
		assertJSON(t, e.pa.bind(t).data(`{ auditLog(first: 1) { edges { node { action objectId } } } }`, nil),
			`{"auditLog": {"edges": [{"node": {"action": "createPlan", "objectId": "`+plan.ID+`"}}]}}`)

		// A draft of the whole ministry, by the platform: admins see it, learners do not.
		draft := createPlan(t, e.pa.bind(t), map[string]any{"name": "Ministry-wide induction", "organisationId": f["$mof"],
			"courseIds": []string{f["$tax301"]}, "dueDate": due.Add(24 * time.Hour)})
		if draft.Status != "DRAFT" || draft.Progress.Assigned != 3 { // Asha, Bhaskar and Devendra
			t.Fatalf("draft = %+v", draft)
		}

		// She sees her assigned courses, in the plan's order, not yet enrolled.
		assertJSON(t, asha.data(qAssigned, map[string]any{"id": f["$asha"]}), `{"learner": {"assignedCourses": [
			{"course": {"code": "GFR-201"}, "plan": {"name": "Procurement drive"}, "dueDate": "`+due.Format(time.RFC3339)+`", "status": null},
			{"course": {"code": "EMP-101"}, "plan": {"name": "Procurement drive"}, "dueDate": "`+due.Format(time.RFC3339)+`", "status": null}]}}`)
		// Bhaskar (a Deputy Secretary) has none: the draft assigns nothing yet.
		assertJSON(t, admin.data(qAssigned, map[string]any{"id": f["$bhaskar"]}), `{"learner": {"assignedCourses": []}}`)

		// Who lists which plans.
		if got := planNames(t, e.pa.bind(t), nil); len(got) != 2 || got[0] != "Ministry-wide induction" {
			t.Errorf("the platform's plans = %v", got)
		}
		if got := planNames(t, admin, nil); len(got) != 1 || got[0] != "Procurement drive" {
			t.Errorf("the DOE admin's plans = %v", got)
		}
		if got := planNames(t, admin, map[string]any{"o": f["$mof"]}); len(got) != 1 {
			t.Errorf("the DOE admin's plans of the ministry = %v", got)
		}
		if got := planNames(t, e.mohfwAdmin.bind(t), nil); len(got) != 0 {
			t.Errorf("another ministry's admin lists %v", got)
		}
		if got := planNames(t, asha, nil); len(got) != 1 || got[0] != "Procurement drive" {
			t.Errorf("Asha's plans = %v", got)
		}
		if got := planNames(t, e.pa.bind(t), map[string]any{"n": 1}); len(got) != 1 {
			t.Errorf("first page = %v", got)
		}
		assertError(t, asha.ask(qPlans, map[string]any{"n": 0}), graph.CodeBadUserInput, "first", "")
		assertError(t, asha.ask(qPlans, map[string]any{"o": f["$asha"]}), graph.CodeBadUserInput, "organisationId", "")
		assertError(t, e.anon.bind(t).ask(qPlans, nil), graph.CodeUnauthenticated, "", "")

		// node(id:) follows the same rules: NOT_FOUND for a plan the caller may not see.
		if p := progressOf(t, asha, plan.ID); p != (progressJSON{Assigned: 2}) {
			t.Errorf("Asha's progress = %+v", p)
		}
		assertError(t, e.mohfwAdmin.bind(t).ask(qPlanNode, map[string]any{"id": plan.ID}), graph.CodeNotFound, "", "")
		assertError(t, asha.ask(qPlanNode, map[string]any{"id": draft.ID}), graph.CodeNotFound, "", "")
		assertError(t, admin.ask(qPlanNode, map[string]any{"id": b64("Plan:999999")}), graph.CodeNotFound, "", "")
		if r := admin.ask(qPlanNode, map[string]any{"id": draft.ID}); len(r.Errors) != 1 { // not the ministry's admin
			t.Errorf("the DOE admin and the ministry's draft: %s", r.Body)
		}

		// The LIVE plan bumped her version: a fresh path, the assigned courses first, with their due date.
		decode(t, asha.data(qPlanPath, map[string]any{"l": f["$asha"]}), &path)
		s := path.LearningPath.Steps
		if len(s) < 2 || s[0].Course.Code != "GFR-201" || s[1].Course.Code != "EMP-101" || s[0].DueDate == nil ||
			!s[0].DueDate.Equal(due) || s[1].DueDate == nil {
			t.Fatalf("path after the plan = %+v", s)
		}
		for _, st := range s[2:] {
			if st.DueDate != nil {
				t.Errorf("unassigned step %+v has a due date", st)
			}
		}

		// Progress moves as she enrols in and completes empathy.
		var en struct {
			Enrol struct{ Enrolment struct{ ID string } }
		}
		decode(t, asha.data(mEnrol, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$emp101"]}}), &en)
		if p := progressOf(t, admin, plan.ID); p != (progressJSON{Assigned: 2, Enrolled: 1}) {
			t.Errorf("after enrolling: %+v", p)
		}
		asha.data(mProgress, map[string]any{"input": map[string]any{"enrolmentId": en.Enrol.Enrolment.ID, "progress": 1}})
		if p := progressOf(t, admin, plan.ID); p != (progressJSON{Assigned: 2, Enrolled: 1, Completed: 1}) {
			t.Errorf("after completing: %+v", p)
		}
		assertJSON(t, asha.data(`{ viewer { assignedCourses { course { code } status } } }`, nil), `{"viewer": {"assignedCourses": [
			{"course": {"code": "GFR-201"}, "status": null}, {"course": {"code": "EMP-101"}, "status": "COMPLETED"}]}}`)
		// A completed assignment leaves the path; the one still due stays first.
		decode(t, asha.data(qPlanPath, map[string]any{"l": f["$asha"]}), &path)
		if s := path.LearningPath.Steps; len(s) == 0 || s[0].Course.Code != "GFR-201" || s[0].DueDate == nil {
			t.Fatalf("path after completing = %+v", s)
		}
		for _, st := range path.LearningPath.Steps {
			if st.Course.Code == "EMP-101" {
				t.Errorf("the completed course is still on the path: %+v", path.LearningPath.Steps)
			}
		}

		// A LIVE plan of the whole ministry: the DOE admin sees it through their learners,
		// with the progress of their own subtree (Asha and Bhaskar, not Devendra).
		ministry := createPlan(t, e.pa.bind(t), map[string]any{"name": "Ministry empathy week", "organisationId": f["$mof"],
			"courseIds": []string{f["$emp101"]}, "dueDate": due.Add(-24 * time.Hour), "status": "LIVE"})
		if ministry.Progress != (progressJSON{Assigned: 3, Enrolled: 1, Completed: 1}) {
			t.Errorf("the ministry's plan = %+v", ministry)
		}
		assertJSON(t, admin.data(`query($id: ID!) { learner(id: $id) { assignedCourses { course { code } plan { name progress { assigned completed } } } } }`,
			map[string]any{"id": f["$asha"]}), `{"learner": {"assignedCourses": [
			{"course": {"code": "EMP-101"}, "plan": {"name": "Ministry empathy week", "progress": {"assigned": 2, "completed": 1}}},
			{"course": {"code": "GFR-201"}, "plan": {"name": "Procurement drive", "progress": {"assigned": 2, "completed": 1}}},
			{"course": {"code": "EMP-101"}, "plan": {"name": "Procurement drive", "progress": {"assigned": 2, "completed": 1}}}]}}`)
		if p := progressOf(t, asha, ministry.ID); p != (progressJSON{Assigned: 1, Completed: 1, Enrolled: 1}) {
			t.Errorf("Asha's progress on the ministry's plan = %+v", p)
		}
		assertError(t, e.mohfwAdmin.bind(t).ask(qPlanNode, map[string]any{"id": ministry.ID}), graph.CodeNotFound, "", "")
	})
}

// TestCreatePlanRefused: outside the caller's subtree, or for a learner, createPlan
// is FORBIDDEN; bad input is BAD_USER_INPUT naming the field; nothing is stored.
func TestCreatePlanRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f := e.f
		due := time.Now().Add(7 * 24 * time.Hour).UTC()
		input := func(edit map[string]any) map[string]any {
			in := map[string]any{"name": "Drive", "organisationId": f["$doe"], "courseIds": []string{f["$gfr101"]},
				"dueDate": due, "status": "LIVE"}
			for k, v := range edit {
				in[k] = v
			}
			return in
		}
		before := snapshot(t, db)

		for _, tc := range []struct {
			name   string
			caller *client
			edit   map[string]any
		}{
			{"ErrAnotherMinistry", e.mohfwAdmin, nil},
			{"ErrAboveTheSubtree", e.doeAdmin, map[string]any{"organisationId": f["$mof"]}},
			{"ErrLearner", e.asha, map[string]any{"organisationId": f["$dgacr"]}},
			{"ErrContentProvider", e.provider, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.caller.bind(t).ask(mCreatePlan, map[string]any{"input": input(tc.edit)})
				assertError(t, r, graph.CodeForbidden, "", "")
				assertNoData(t, r)
			})
		}

		for _, tc := range []struct {
			name, field, message string
			edit                 map[string]any
		}{
			{"ErrUnknownOrganisation", "input.organisationId", "no such organisation", map[string]any{"organisationId": b64("Organisation:999999")}},
			{"ErrOrganisationWrongType", "input.organisationId", "", map[string]any{"organisationId": f["$so"]}},
			{"ErrUnknownRole", "input.audienceRoleIds[1]", "no such role", map[string]any{"audienceRoleIds": []string{f["$so"], b64("Role:999999")}}},
			{"ErrPastDueDate", "input.dueDate", "must be in the future", map[string]any{"dueDate": time.Now().Add(-time.Hour).UTC()}},
			{"ErrEmptyAudience", "input", "", map[string]any{"audienceDesignations": []string{"Astronaut"}}},
			{"ErrUnknownCourse", "input.courseIds[1]", "no such course", map[string]any{"courseIds": []string{f["$gfr101"], b64("Course:999999")}}},
			{"ErrCourseTwice", "input.courseIds[1]", "course is listed twice", map[string]any{"courseIds": []string{f["$gfr101"], f["$gfr101"]}}},
			{"ErrNoCourses", "input.courseIds", "must list at least one course", map[string]any{"courseIds": []string{}}},
			{"ErrCourseWrongType", "input.courseIds[0]", "", map[string]any{"courseIds": []string{f["$proc"]}}},
			{"ErrLearnerOutsideSubtree", "input.audienceLearnerIds[1]", "", map[string]any{"audienceLearnerIds": []string{f["$asha"], f["$chitra"]}}},
			{"ErrEmptyName", "input.name", "", map[string]any{"name": " "}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, c := range []*client{e.doeAdmin, e.pa} {
					r := c.bind(t).ask(mCreatePlan, map[string]any{"input": input(tc.edit)})
					assertError(t, r, graph.CodeBadUserInput, tc.field, tc.message)
					assertNoData(t, r)
				}
			})
		}
		// The empty audience's message says what is wrong.
		r := e.pa.bind(t).ask(mCreatePlan, map[string]any{"input": input(map[string]any{"audienceDesignations": []string{"Astronaut"}})})
		if len(r.Errors) != 1 || len(r.Errors[0].Message) < len("the audience is empty") || r.Errors[0].Message[:21] != "the audience is empty" {
			t.Errorf("empty audience: %s", r.Body)
		}
		assertUnchanged(t, db, before)
	})
}
