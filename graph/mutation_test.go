package graph_test

import (
	"net/http"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

func TestMutations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClient(t, db)
		f := seed(t, c)
		// mutate runs a mutation that must succeed and asserts its data.
		mutate := func(t *testing.T, q string, input map[string]any, want string) {
			t.Helper()
			assertJSON(t, c.data(q, map[string]any{"input": input}), f.expand(want))
		}
		// fail runs a mutation that must fail with code and field.
		fail := func(t *testing.T, q string, input map[string]any, code, field string) response {
			t.Helper()
			r := c.post(q, map[string]any{"input": input})
			assertJSON(t, r.Data, `null`)
			assertError(t, r, code, field, "")
			return r
		}
		missing := func(typ string) string { return graph.GlobalID(typ, 999999) }

		const createOrganisation = `mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) {
			organisation { code name type parent { id code } children { totalCount } learners { totalCount } } } }`
		t.Run("CreateOrganisation", func(t *testing.T) {
			mutate(t, createOrganisation, map[string]any{"code": "DOR", "name": "Department of Revenue", "type": "DEPARTMENT", "parentId": f["$mof"]},
				`{"createOrganisation": {"organisation": {"code": "DOR", "name": "Department of Revenue", "type": "DEPARTMENT",
					"parent": {"id": "$mof", "code": "MOF"}, "children": {"totalCount": 0}, "learners": {"totalCount": 0}}}}`)
			assertJSON(t, c.data(f.expand(`{ organisation(id: "$mof") { children { edges { node { code } } } } }`), nil),
				`{"organisation": {"children": {"edges": [{"node": {"code": "DOE"}}, {"node": {"code": "DOR"}}]}}}`)
		})
		t.Run("CreateOrganisation/ErrConflict", func(t *testing.T) {
			r := fail(t, createOrganisation, map[string]any{"code": "MOF", "name": "Another", "type": "MINISTRY"}, "CONFLICT", "input.code")
			if r.Errors[0].Message != "code is already in use" {
				t.Errorf("message = %q", r.Errors[0].Message)
			}
		})
		t.Run("CreateOrganisation/ErrNoParent", func(t *testing.T) {
			fail(t, createOrganisation, map[string]any{"code": "X", "name": "Orphan", "type": "DEPARTMENT"}, "BAD_USER_INPUT", "input.parentId")
		})
		t.Run("CreateOrganisation/ErrUnknownParent", func(t *testing.T) {
			fail(t, createOrganisation, map[string]any{"code": "X", "name": "Orphan", "type": "DEPARTMENT", "parentId": missing("Organisation")},
				"BAD_USER_INPUT", "input.parentId")
		})
		t.Run("CreateOrganisation/ErrParentWrongType", func(t *testing.T) {
			fail(t, createOrganisation, map[string]any{"code": "X", "name": "Orphan", "type": "DEPARTMENT", "parentId": f["$so"]},
				"BAD_USER_INPUT", "input.parentId")
		})
		t.Run("CreateOrganisation/ErrBadCode", func(t *testing.T) {
			fail(t, createOrganisation, map[string]any{"code": "no spaces", "name": "X", "type": "MINISTRY"}, "BAD_USER_INPUT", "input.code")
		})

		const createCompetency = `mutation($input: CreateCompetencyInput!) { createCompetency(input: $input) {
			competency { code name description type area levels { level name } courses { totalCount } } } }`
		t.Run("CreateCompetency", func(t *testing.T) {
			mutate(t, createCompetency, map[string]any{"code": "RTI", "name": "Right to Information", "description": "The RTI Act, 2005.",
				"type": "DOMAIN", "area": "Governance"},
				`{"createCompetency": {"competency": {"code": "RTI", "name": "Right to Information", "description": "The RTI Act, 2005.",
					"type": "DOMAIN", "area": "Governance", "courses": {"totalCount": 0}, "levels": [
					{"level": 1, "name": "Basic"}, {"level": 2, "name": "Intermediate"}, {"level": 3, "name": "Proficient"},
					{"level": 4, "name": "Advanced"}, {"level": 5, "name": "Expert"}]}}}`)
		})
		t.Run("CreateCompetency/ErrLevelOutOfRange", func(t *testing.T) {
			fail(t, createCompetency, map[string]any{"code": "X1", "name": "X", "description": "", "type": "DOMAIN", "area": "A",
				"levels": []map[string]any{{"level": 7, "name": "Beyond", "description": "Too far."}}}, "BAD_USER_INPUT", "input.levels[0].level")
		})
		t.Run("CreateCompetency/ErrConflict", func(t *testing.T) {
			fail(t, createCompetency, map[string]any{"code": "PROC", "name": "X", "description": "", "type": "DOMAIN", "area": "A"},
				"CONFLICT", "input.code")
		})
		t.Run("CreateCompetency/ErrBadEnum", func(t *testing.T) {
			r := c.post(createCompetency, map[string]any{"input": map[string]any{"code": "X2", "name": "X", "description": "", "type": "TECHNICAL", "area": "A"}})
			assertError(t, r, "GRAPHQL_VALIDATION_FAILED", "", "")
		})

		const createRole = `mutation($input: CreateRoleInput!) { createRole(input: $input) {
			role { code name description requirements { competency { id } requiredLevel weight } } } }`
		t.Run("CreateRole", func(t *testing.T) {
			mutate(t, createRole, map[string]any{"code": "US", "name": "Under Secretary", "description": "Heads a section group.",
				"requirements": []map[string]any{{"competencyId": f["$tax"], "requiredLevel": 2, "weight": 1.5}, {"competencyId": f["$emp"], "requiredLevel": 3}}},
				`{"createRole": {"role": {"code": "US", "name": "Under Secretary", "description": "Heads a section group.", "requirements": [
					{"competency": {"id": "$emp"}, "requiredLevel": 3, "weight": 1},
					{"competency": {"id": "$tax"}, "requiredLevel": 2, "weight": 1.5}]}}}`)
			mutate(t, createRole, map[string]any{"code": "MTS", "name": "Multi-Tasking Staff", "description": ""},
				`{"createRole": {"role": {"code": "MTS", "name": "Multi-Tasking Staff", "description": "", "requirements": []}}}`)
		})
		t.Run("CreateRole/ErrUnknownCompetency", func(t *testing.T) {
			fail(t, createRole, map[string]any{"code": "R1", "name": "R", "description": "",
				"requirements": []map[string]any{{"competencyId": f["$tax"], "requiredLevel": 2}, {"competencyId": missing("Competency"), "requiredLevel": 2}}},
				"BAD_USER_INPUT", "input.requirements[1].competencyId")
		})
		t.Run("CreateRole/ErrWeight", func(t *testing.T) {
			fail(t, createRole, map[string]any{"code": "R1", "name": "R", "description": "",
				"requirements": []map[string]any{{"competencyId": f["$tax"], "requiredLevel": 2, "weight": 0}}},
				"BAD_USER_INPUT", "input.requirements[0].weight")
		})

		const setRoleRequirement = `mutation($input: SetRoleRequirementInput!) { setRoleRequirement(input: $input) {
			role { code requirements { competency { code } requiredLevel weight } } } }`
		t.Run("SetRoleRequirement", func(t *testing.T) {
			mutate(t, setRoleRequirement, map[string]any{"roleId": f["$ds"], "competencyId": f["$emp"], "requiredLevel": 3},
				`{"setRoleRequirement": {"role": {"code": "DS", "requirements": [
					{"competency": {"code": "EMP"}, "requiredLevel": 3, "weight": 1},
					{"competency": {"code": "TAX"}, "requiredLevel": 4, "weight": 1}]}}}`)
			mutate(t, setRoleRequirement, map[string]any{"roleId": f["$ds"], "competencyId": f["$tax"], "requiredLevel": 5, "weight": 2.5},
				`{"setRoleRequirement": {"role": {"code": "DS", "requirements": [
					{"competency": {"code": "EMP"}, "requiredLevel": 3, "weight": 1},
					{"competency": {"code": "TAX"}, "requiredLevel": 5, "weight": 2.5}]}}}`)
		})
		t.Run("SetRoleRequirement/FreshWithinOneRequest", func(t *testing.T) {
			// The second mutation must not see the first one's requirements cached by a loader.
			assertJSON(t, c.data(`mutation($a: SetRoleRequirementInput!, $b: SetRoleRequirementInput!) {
				a: setRoleRequirement(input: $a) { role { requirements { competency { code } requiredLevel } } }
				b: setRoleRequirement(input: $b) { role { requirements { competency { code } requiredLevel } } }
			}`, map[string]any{
				"a": map[string]any{"roleId": f["$so"], "competencyId": f["$emp"], "requiredLevel": 4},
				"b": map[string]any{"roleId": f["$so"], "competencyId": f["$emp"], "requiredLevel": 5},
			}), `{
				"a": {"role": {"requirements": [{"competency": {"code": "EMP"}, "requiredLevel": 4}, {"competency": {"code": "PROC"}, "requiredLevel": 3}]}},
				"b": {"role": {"requirements": [{"competency": {"code": "EMP"}, "requiredLevel": 5}, {"competency": {"code": "PROC"}, "requiredLevel": 3}]}}
			}`)
		})
		t.Run("SetRoleRequirement/ErrUnknownRole", func(t *testing.T) {
			fail(t, setRoleRequirement, map[string]any{"roleId": missing("Role"), "competencyId": f["$emp"], "requiredLevel": 3}, "NOT_FOUND", "")
		})
		t.Run("SetRoleRequirement/ErrUnknownCompetency", func(t *testing.T) {
			fail(t, setRoleRequirement, map[string]any{"roleId": f["$ds"], "competencyId": missing("Competency"), "requiredLevel": 3},
				"BAD_USER_INPUT", "input.competencyId")
		})
		t.Run("SetRoleRequirement/ErrLevelOutOfRange", func(t *testing.T) {
			fail(t, setRoleRequirement, map[string]any{"roleId": f["$ds"], "competencyId": f["$emp"], "requiredLevel": 6},
				"BAD_USER_INPUT", "input.requiredLevel")
		})

		const createCourse = `mutation($input: CreateCourseInput!) { createCourse(input: $input) {
			course { code title description provider format durationHours rating ratingCount enrolmentCount
				competencies { competency { code } fromLevel toLevel } } } }`
		course := func(code string, competencies ...map[string]any) map[string]any {
			return map[string]any{"code": code, "title": "Noting and Drafting", "description": "Writing notes on files.",
				"provider": "ISTM", "format": "FACE_TO_FACE", "durationHours": 12.5, "competencies": competencies}
		}
		t.Run("CreateCourse", func(t *testing.T) {
			mutate(t, createCourse, course("ND-101", map[string]any{"competencyId": f["$proc"], "fromLevel": 1, "toLevel": 2},
				map[string]any{"competencyId": f["$emp"], "fromLevel": 0, "toLevel": 1}),
				`{"createCourse": {"course": {"code": "ND-101", "title": "Noting and Drafting", "description": "Writing notes on files.",
					"provider": "ISTM", "format": "FACE_TO_FACE", "durationHours": 12.5, "rating": null, "ratingCount": 0, "enrolmentCount": 0,
					"competencies": [
						{"competency": {"code": "EMP"}, "fromLevel": 0, "toLevel": 1},
						{"competency": {"code": "PROC"}, "fromLevel": 1, "toLevel": 2}]}}}`)
		})
		t.Run("CreateCourse/ErrLevelOutOfRange", func(t *testing.T) {
			r := fail(t, createCourse, course("ND-102", map[string]any{"competencyId": f["$proc"], "fromLevel": 1, "toLevel": 6}),
				"BAD_USER_INPUT", "input.competencies[0].toLevel")
			if r.Errors[0].Message != "must be between 1 and 5" {
				t.Errorf("message = %q", r.Errors[0].Message)
			}
		})
		t.Run("CreateCourse/ErrLevelsReversed", func(t *testing.T) {
			fail(t, createCourse, course("ND-102", map[string]any{"competencyId": f["$emp"], "fromLevel": 0, "toLevel": 1},
				map[string]any{"competencyId": f["$proc"], "fromLevel": 3, "toLevel": 2}),
				"BAD_USER_INPUT", "input.competencies[1].toLevel")
		})
		t.Run("CreateCourse/ErrConflict", func(t *testing.T) {
			fail(t, createCourse, course("GFR-101"), "CONFLICT", "input.code")
		})
		t.Run("CreateCourse/ErrUnknownCompetency", func(t *testing.T) {
			fail(t, createCourse, course("ND-103", map[string]any{"competencyId": missing("Competency"), "fromLevel": 0, "toLevel": 1}),
				"BAD_USER_INPUT", "input.competencies[0].competencyId")
		})
		t.Run("CreateCourse/ErrCompetencyWrongType", func(t *testing.T) {
			fail(t, createCourse, course("ND-103", map[string]any{"competencyId": f["$so"], "fromLevel": 0, "toLevel": 1}),
				"BAD_USER_INPUT", "input.competencies[0].competencyId")
		})
		t.Run("CreateCourse/ErrDuration", func(t *testing.T) {
			in := course("ND-104")
			in["durationHours"] = 0
			fail(t, createCourse, in, "BAD_USER_INPUT", "input.durationHours")
		})

		const updateCourse = `mutation($input: UpdateCourseInput!) { updateCourse(input: $input) {
			course { id code title description durationHours competencies { competency { code } fromLevel toLevel } } } }`
		t.Run("UpdateCourse", func(t *testing.T) {
			mutate(t, updateCourse, map[string]any{"id": f["$tax301"], "title": "GST Administration and Audit", "durationHours": 45},
				`{"updateCourse": {"course": {"id": "$tax301", "code": "TAX-301", "title": "GST Administration and Audit",
					"description": "Running GST.", "durationHours": 45,
					"competencies": [{"competency": {"code": "TAX"}, "fromLevel": 2, "toLevel": 4}]}}}`)
			mutate(t, updateCourse, map[string]any{"id": f["$tax301"], "competencies": []map[string]any{
				{"competencyId": f["$tax"], "fromLevel": 3, "toLevel": 5}, {"competencyId": f["$proc"], "fromLevel": 0, "toLevel": 1}}},
				`{"updateCourse": {"course": {"id": "$tax301", "code": "TAX-301", "title": "GST Administration and Audit",
					"description": "Running GST.", "durationHours": 45, "competencies": [
					{"competency": {"code": "PROC"}, "fromLevel": 0, "toLevel": 1},
					{"competency": {"code": "TAX"}, "fromLevel": 3, "toLevel": 5}]}}}`)
			mutate(t, updateCourse, map[string]any{"id": f["$tax301"], "description": "Running and auditing GST.", "competencies": []map[string]any{}},
				`{"updateCourse": {"course": {"id": "$tax301", "code": "TAX-301", "title": "GST Administration and Audit",
					"description": "Running and auditing GST.", "durationHours": 45, "competencies": []}}}`)
		})
		t.Run("UpdateCourse/ErrNotFound", func(t *testing.T) {
			fail(t, updateCourse, map[string]any{"id": missing("Course"), "title": "X"}, "NOT_FOUND", "")
		})
		t.Run("UpdateCourse/ErrMalformedID", func(t *testing.T) {
			fail(t, updateCourse, map[string]any{"id": "Q291cnNlOjE=x", "title": "X"}, "BAD_USER_INPUT", "input.id")
		})
		t.Run("UpdateCourse/ErrLevelOutOfRange", func(t *testing.T) {
			fail(t, updateCourse, map[string]any{"id": f["$gfr101"], "competencies": []map[string]any{{"competencyId": f["$proc"], "fromLevel": 5, "toLevel": 5}}},
				"BAD_USER_INPUT", "input.competencies[0].fromLevel")
		})

		const registerLearner = `mutation($input: RegisterLearnerInput!) { registerLearner(input: $input) {
			learner { name designation employeeCode email organisation { id } roles { code } } } }`
		learner := func(code, email string) map[string]any {
			return map[string]any{"employeeCode": code, "name": "Farah Khan", "email": email, "designation": "Assistant Director",
				"organisationId": f["$mohfw"], "roleIds": []string{f["$so"], f["$ds"]}}
		}
		t.Run("RegisterLearner", func(t *testing.T) {
			mutate(t, registerLearner, learner("E010", "  Farah.Khan@GOV.in "),
				`{"registerLearner": {"learner": {"name": "Farah Khan", "designation": "Assistant Director", "employeeCode": "E010",
					"email": "farah.khan@gov.in", "organisation": {"id": "$mohfw"}, "roles": [{"code": "DS"}, {"code": "SO"}]}}}`)
		})
		t.Run("RegisterLearner/ErrConflictEmail", func(t *testing.T) {
			fail(t, registerLearner, learner("E011", "asha.verma@gov.in"), "CONFLICT", "input.email")
		})
		t.Run("RegisterLearner/ErrConflictCode", func(t *testing.T) {
			fail(t, registerLearner, learner("E001", "someone.else@gov.in"), "CONFLICT", "input.employeeCode")
		})
		t.Run("RegisterLearner/ErrEmail", func(t *testing.T) {
			fail(t, registerLearner, learner("E012", "not an email"), "BAD_USER_INPUT", "input.email")
		})
		t.Run("RegisterLearner/ErrUnknownOrganisation", func(t *testing.T) {
			in := learner("E013", "e013@gov.in")
			in["organisationId"] = missing("Organisation")
			fail(t, registerLearner, in, "BAD_USER_INPUT", "input.organisationId")
		})
		t.Run("RegisterLearner/ErrUnknownRole", func(t *testing.T) {
			in := learner("E014", "e014@gov.in")
			in["roleIds"] = []string{f["$so"], missing("Role")}
			fail(t, registerLearner, in, "BAD_USER_INPUT", "input.roleIds[1]")
		})
		t.Run("RegisterLearner/ErrRoleWrongType", func(t *testing.T) {
			in := learner("E015", "e015@gov.in")
			in["roleIds"] = []string{f["$proc"]}
			fail(t, registerLearner, in, "BAD_USER_INPUT", "input.roleIds[0]")
		})

		const updateLearner = `mutation($input: UpdateLearnerInput!) { updateLearner(input: $input) {
			learner { id name designation organisation { code } } } }`
		t.Run("UpdateLearner", func(t *testing.T) {
			mutate(t, updateLearner, map[string]any{"id": f["$chitra"], "designation": "Section Officer", "organisationId": f["$dgacr"]},
				`{"updateLearner": {"learner": {"id": "$chitra", "name": "Chitra Iyer", "designation": "Section Officer", "organisation": {"code": "DGACR"}}}}`)
			mutate(t, updateLearner, map[string]any{"id": f["$chitra"], "name": "Chitra S. Iyer"},
				`{"updateLearner": {"learner": {"id": "$chitra", "name": "Chitra S. Iyer", "designation": "Section Officer", "organisation": {"code": "DGACR"}}}}`)
		})
		t.Run("UpdateLearner/ErrNotFound", func(t *testing.T) {
			fail(t, updateLearner, map[string]any{"id": missing("Learner"), "name": "X"}, "NOT_FOUND", "")
		})
		t.Run("UpdateLearner/ErrWrongType", func(t *testing.T) {
			fail(t, updateLearner, map[string]any{"id": f["$mof"], "name": "X"}, "BAD_USER_INPUT", "input.id")
		})
		t.Run("UpdateLearner/ErrUnknownOrganisation", func(t *testing.T) {
			fail(t, updateLearner, map[string]any{"id": f["$asha"], "organisationId": missing("Organisation")}, "BAD_USER_INPUT", "input.organisationId")
		})
		t.Run("UpdateLearner/ErrEmptyName", func(t *testing.T) {
			fail(t, updateLearner, map[string]any{"id": f["$asha"], "name": "  "}, "BAD_USER_INPUT", "input.name")
		})

		const assignRole = `mutation($input: AssignRoleInput!) { assignRole(input: $input) { learner { id roles { code } } } }`
		t.Run("AssignRole", func(t *testing.T) {
			mutate(t, assignRole, map[string]any{"learnerId": f["$bhaskar"], "roleId": f["$so"]},
				`{"assignRole": {"learner": {"id": "$bhaskar", "roles": [{"code": "DS"}, {"code": "SO"}]}}}`)
			// Idempotent.
			mutate(t, assignRole, map[string]any{"learnerId": f["$bhaskar"], "roleId": f["$so"]},
				`{"assignRole": {"learner": {"id": "$bhaskar", "roles": [{"code": "DS"}, {"code": "SO"}]}}}`)
		})
		t.Run("AssignRole/FreshWithinOneRequest", func(t *testing.T) {
			assertJSON(t, c.data(`mutation($a: AssignRoleInput!, $b: AssignRoleInput!) {
				a: assignRole(input: $a) { learner { roles { code } } }
				b: assignRole(input: $b) { learner { roles { code } } }
			}`, map[string]any{
				"a": map[string]any{"learnerId": f["$chitra"], "roleId": f["$so"]},
				"b": map[string]any{"learnerId": f["$chitra"], "roleId": f["$ds"]},
			}), `{"a": {"learner": {"roles": [{"code": "SO"}]}}, "b": {"learner": {"roles": [{"code": "DS"}, {"code": "SO"}]}}}`)
		})
		t.Run("AssignRole/ErrUnknownLearner", func(t *testing.T) {
			fail(t, assignRole, map[string]any{"learnerId": missing("Learner"), "roleId": f["$so"]}, "NOT_FOUND", "")
		})
		t.Run("AssignRole/ErrUnknownRole", func(t *testing.T) {
			fail(t, assignRole, map[string]any{"learnerId": f["$asha"], "roleId": missing("Role")}, "BAD_USER_INPUT", "input.roleId")
		})
		t.Run("AssignRole/ErrMalformedRole", func(t *testing.T) {
			fail(t, assignRole, map[string]any{"learnerId": f["$asha"], "roleId": "role-1"}, "BAD_USER_INPUT", "input.roleId")
		})

		t.Run("ErrMutationOverGET", func(t *testing.T) {
			r := c.get(`mutation { assignRole(input: {learnerId: "` + f["$asha"] + `", roleId: "` + f["$ds"] + `"}) { learner { id } } }`)
			if r.Status != http.StatusMethodNotAllowed {
				t.Errorf("status = %d, want 405: %s", r.Status, r.Body)
			}
			assertJSON(t, c.data(f.expand(`{ learner(id: "$asha") { roles { code } } }`), nil), `{"learner": {"roles": [{"code": "SO"}]}}`)
		})
	})
}
