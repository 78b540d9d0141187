package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

func TestQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClient(t, db)
		f := seed(t, c)
		// query asserts the data of a query that must succeed.
		query := func(t *testing.T, q string, want string) {
			t.Helper()
			assertJSON(t, c.data(f.expand(q), nil), f.expand(want))
		}

		t.Run("Organisation", func(t *testing.T) {
			query(t, `{ organisation(id: "$doe") {
				id code name type
				parent { id code name type parent { code } }
				children { totalCount edges { node { code type parent { code } } } }
				learners { totalCount edges { node { employeeCode } } }
			} }`, `{"organisation": {
				"id": "$doe", "code": "DOE", "name": "Department of Expenditure", "type": "DEPARTMENT",
				"parent": {"id": "$mof", "code": "MOF", "name": "Ministry of Finance", "type": "MINISTRY", "parent": null},
				"children": {"totalCount": 1, "edges": [{"node": {"code": "DGACR", "type": "ORGANISATION", "parent": {"code": "DOE"}}}]},
				"learners": {"totalCount": 1, "edges": [{"node": {"employeeCode": "E002"}}]}
			}}`)
		})

		t.Run("OrganisationsTopLevel", func(t *testing.T) {
			query(t, `{ organisations { totalCount
				edges { node { id code type parent { code } } }
				pageInfo { hasNextPage hasPreviousPage }
			} }`, `{"organisations": {"totalCount": 2,
				"edges": [
					{"node": {"id": "$mof", "code": "MOF", "type": "MINISTRY", "parent": null}},
					{"node": {"id": "$mohfw", "code": "MOHFW", "type": "MINISTRY", "parent": null}}
				],
				"pageInfo": {"hasNextPage": false, "hasPreviousPage": false}
			}}`)
		})

		t.Run("OrganisationsByParent", func(t *testing.T) {
			query(t, `{ organisations(parentId: "$mof") { totalCount edges { node { code } } } }`,
				`{"organisations": {"totalCount": 1, "edges": [{"node": {"code": "DOE"}}]}}`)
			query(t, `{ organisations(parentId: "$dgacr") { totalCount edges { node { code } } pageInfo { startCursor endCursor } } }`,
				`{"organisations": {"totalCount": 0, "edges": [], "pageInfo": {"startCursor": null, "endCursor": null}}}`)
		})

		t.Run("Competency", func(t *testing.T) {
			query(t, `{ competency(id: "$proc") { id code name description type area levels { level name description } } }`,
				`{"competency": {"id": "$proc", "code": "PROC", "name": "Public Procurement",
					"description": "Buying goods and services under the GFR.", "type": "FUNCTIONAL", "area": "Public Procurement (GFR)",
					"levels": [
						{"level": 1, "name": "Basic", "description": "Knows the GFR rules on procurement."},
						{"level": 2, "name": "Intermediate", "description": "Runs a limited tender."},
						{"level": 3, "name": "Proficient", "description": "Runs an open tender on GeM."},
						{"level": 4, "name": "Advanced", "description": "Designs procurement for a ministry."},
						{"level": 5, "name": "Expert", "description": "Shapes procurement policy."}
					]}}`)
		})

		t.Run("CompetencyDefaultLevels", func(t *testing.T) {
			query(t, `{ competency(id: "$emp") { type levels { level name } } }`,
				`{"competency": {"type": "BEHAVIOURAL", "levels": [
					{"level": 1, "name": "Basic"}, {"level": 2, "name": "Intermediate"}, {"level": 3, "name": "Proficient"},
					{"level": 4, "name": "Advanced"}, {"level": 5, "name": "Expert"}
				]}}`)
		})

		t.Run("CompetencyCourses", func(t *testing.T) {
			query(t, `{ competency(id: "$proc") {
				all: courses { totalCount edges { node { code } } }
				advanced: courses(minLevel: 3) { totalCount edges { node { code } } }
				page: courses(first: 1) { edges { node { code } } pageInfo { hasNextPage hasPreviousPage } }
			} }`, `{"competency": {
				"all": {"totalCount": 2, "edges": [{"node": {"code": "GFR-101"}}, {"node": {"code": "GFR-201"}}]},
				"advanced": {"totalCount": 1, "edges": [{"node": {"code": "GFR-201"}}]},
				"page": {"edges": [{"node": {"code": "GFR-101"}}], "pageInfo": {"hasNextPage": true, "hasPreviousPage": false}}
			}}`)
		})

		t.Run("Competencies", func(t *testing.T) {
			query(t, `{
				all: competencies { totalCount edges { node { id code type area } } }
				functional: competencies(filter: {type: FUNCTIONAL}) { totalCount edges { node { code } } }
				taxation: competencies(filter: {area: "Taxation"}) { totalCount edges { node { code } } }
				search: competencies(filter: {search: "empAth"}) { totalCount edges { node { code } } }
				both: competencies(filter: {search: "tax", type: BEHAVIOURAL}) { totalCount edges { node { code } } }
			}`, `{
				"all": {"totalCount": 3, "edges": [
					{"node": {"id": "$emp", "code": "EMP", "type": "BEHAVIOURAL", "area": "Working with People"}},
					{"node": {"id": "$proc", "code": "PROC", "type": "FUNCTIONAL", "area": "Public Procurement (GFR)"}},
					{"node": {"id": "$tax", "code": "TAX", "type": "DOMAIN", "area": "Taxation"}}
				]},
				"functional": {"totalCount": 1, "edges": [{"node": {"code": "PROC"}}]},
				"taxation": {"totalCount": 1, "edges": [{"node": {"code": "TAX"}}]},
				"search": {"totalCount": 1, "edges": [{"node": {"code": "EMP"}}]},
				"both": {"totalCount": 0, "edges": []}
			}`)
		})

		t.Run("Role", func(t *testing.T) {
			query(t, `{ role(id: "$so") { id code name description requirements { competency { id code } requiredLevel weight } } }`,
				`{"role": {"id": "$so", "code": "SO", "name": "Section Officer", "description": "Heads a section.", "requirements": [
					{"competency": {"id": "$emp", "code": "EMP"}, "requiredLevel": 2, "weight": 1},
					{"competency": {"id": "$proc", "code": "PROC"}, "requiredLevel": 3, "weight": 2}
				]}}`)
		})

		t.Run("Roles", func(t *testing.T) {
			query(t, `{
				all: roles { totalCount edges { node { id code } } }
				search: roles(filter: {search: "deputy"}) { totalCount edges { node { code name } } }
			}`, `{
				"all": {"totalCount": 2, "edges": [{"node": {"id": "$ds", "code": "DS"}}, {"node": {"id": "$so", "code": "SO"}}]},
				"search": {"totalCount": 1, "edges": [{"node": {"code": "DS", "name": "Deputy Secretary"}}]}
			}`)
		})

		t.Run("Course", func(t *testing.T) {
			query(t, `{ course(id: "$gfr201") {
				id code title description provider format durationHours rating ratingCount enrolmentCount
				competencies { competency { id code } fromLevel toLevel }
			} }`, `{"course": {"id": "$gfr201", "code": "GFR-201", "title": "Advanced Public Procurement",
				"description": "Tenders, GeM and contracts.", "provider": "ISTM", "format": "BLENDED", "durationHours": 20,
				"rating": null, "ratingCount": 0, "enrolmentCount": 0,
				"competencies": [{"competency": {"id": "$proc", "code": "PROC"}, "fromLevel": 2, "toLevel": 4}]
			}}`)
		})

		t.Run("CourseRating", func(t *testing.T) {
			// Two ratings totalling 9 stars, read as the Bayesian average (5 x 3.5 + 9) / (5 + 2).
			if _, err := db.Bun().ExecContext(context.Background(),
				"UPDATE courses SET rating_sum = 9, rating_count = 2 WHERE code = 'EMP-101'"); err != nil {
				t.Fatal(err)
			}
			query(t, `{ course(id: "$emp101") { rating ratingCount } }`, `{"course": {"rating": 3.7857142857142856, "ratingCount": 2}}`)
		})

		t.Run("Courses", func(t *testing.T) {
			query(t, `{
				all: courses { totalCount edges { node { id code } } }
				procurement: courses(filter: {competencyId: "$proc"}) { totalCount edges { node { code } } }
				igot: courses(filter: {provider: "iGOT"}) { totalCount edges { node { code } } }
				online: courses(filter: {format: ONLINE}) { totalCount edges { node { code } } }
				short: courses(filter: {maxDurationHours: 6}) { totalCount edges { node { code } } }
				search: courses(filter: {search: "gst"}) { totalCount edges { node { code } } }
				combined: courses(filter: {provider: "iGOT", format: ONLINE, competencyId: "$proc"}) { totalCount edges { node { code } } }
			}`, `{
				"all": {"totalCount": 4, "edges": [
					{"node": {"id": "$emp101", "code": "EMP-101"}}, {"node": {"id": "$gfr101", "code": "GFR-101"}},
					{"node": {"id": "$gfr201", "code": "GFR-201"}}, {"node": {"id": "$tax301", "code": "TAX-301"}}
				]},
				"procurement": {"totalCount": 2, "edges": [{"node": {"code": "GFR-101"}}, {"node": {"code": "GFR-201"}}]},
				"igot": {"totalCount": 2, "edges": [{"node": {"code": "EMP-101"}}, {"node": {"code": "GFR-101"}}]},
				"online": {"totalCount": 2, "edges": [{"node": {"code": "GFR-101"}}, {"node": {"code": "TAX-301"}}]},
				"short": {"totalCount": 2, "edges": [{"node": {"code": "EMP-101"}}, {"node": {"code": "GFR-101"}}]},
				"search": {"totalCount": 1, "edges": [{"node": {"code": "TAX-301"}}]},
				"combined": {"totalCount": 1, "edges": [{"node": {"code": "GFR-101"}}]}
			}`)
		})

		t.Run("Learner", func(t *testing.T) {
			query(t, `{ learner(id: "$devendra") {
				id name designation employeeCode email
				organisation { id code }
				roles { id code requirements { competency { code } requiredLevel } }
			} }`, `{"learner": {"id": "$devendra", "name": "Devendra Singh", "designation": "Under Secretary",
				"employeeCode": "E004", "email": "devendra.singh@gov.in",
				"organisation": {"id": "$mof", "code": "MOF"},
				"roles": [
					{"id": "$ds", "code": "DS", "requirements": [{"competency": {"code": "TAX"}, "requiredLevel": 4}]},
					{"id": "$so", "code": "SO", "requirements": [
						{"competency": {"code": "EMP"}, "requiredLevel": 2}, {"competency": {"code": "PROC"}, "requiredLevel": 3}
					]}
				]
			}}`)
			query(t, `{ learner(id: "$chitra") { employeeCode roles { code } organisation { code parent { code } } } }`,
				`{"learner": {"employeeCode": "E003", "roles": [], "organisation": {"code": "MOHFW", "parent": null}}}`)
		})

		t.Run("Learners", func(t *testing.T) {
			query(t, `{
				all: learners { totalCount edges { node { id employeeCode } } }
				mofSubtree: learners(filter: {organisationId: "$mof"}) { totalCount edges { node { employeeCode } } }
				mofDirect: learners(filter: {organisationId: "$mof", includeSubOrganisations: false}) { totalCount edges { node { employeeCode } } }
				doeSubtree: learners(filter: {organisationId: "$doe", includeSubOrganisations: true}) { totalCount edges { node { employeeCode } } }
				sectionOfficers: learners(filter: {roleId: "$so"}) { totalCount edges { node { employeeCode } } }
				deputiesInMof: learners(filter: {roleId: "$ds", organisationId: "$mof"}) { totalCount edges { node { employeeCode } } }
				search: learners(filter: {search: "RAO"}) { totalCount edges { node { name } } }
				searchCode: learners(filter: {search: "e00"}) { totalCount }
			}`, `{
				"all": {"totalCount": 4, "edges": [
					{"node": {"id": "$asha", "employeeCode": "E001"}}, {"node": {"id": "$bhaskar", "employeeCode": "E002"}},
					{"node": {"id": "$chitra", "employeeCode": "E003"}}, {"node": {"id": "$devendra", "employeeCode": "E004"}}
				]},
				"mofSubtree": {"totalCount": 3, "edges": [{"node": {"employeeCode": "E001"}}, {"node": {"employeeCode": "E002"}}, {"node": {"employeeCode": "E004"}}]},
				"mofDirect": {"totalCount": 1, "edges": [{"node": {"employeeCode": "E004"}}]},
				"doeSubtree": {"totalCount": 2, "edges": [{"node": {"employeeCode": "E001"}}, {"node": {"employeeCode": "E002"}}]},
				"sectionOfficers": {"totalCount": 2, "edges": [{"node": {"employeeCode": "E001"}}, {"node": {"employeeCode": "E004"}}]},
				"deputiesInMof": {"totalCount": 2, "edges": [{"node": {"employeeCode": "E002"}}, {"node": {"employeeCode": "E004"}}]},
				"search": {"totalCount": 1, "edges": [{"node": {"name": "Bhaskar Rao"}}]},
				"searchCode": {"totalCount": 4}
			}`)
		})

		t.Run("Node", func(t *testing.T) {
			q := `{ node(id: "%s") { __typename id
				... on Organisation { code } ... on Competency { code } ... on Role { code }
				... on Course { code } ... on Learner { employeeCode } } }`
			for _, tc := range []struct{ id, typename, code, codeField string }{
				{"$dgacr", "Organisation", "DGACR", "code"},
				{"$tax", "Competency", "TAX", "code"},
				{"$ds", "Role", "DS", "code"},
				{"$tax301", "Course", "TAX-301", "code"},
				{"$bhaskar", "Learner", "E002", "employeeCode"},
			} {
				t.Run(tc.typename, func(t *testing.T) {
					query(t, fmt.Sprintf(q, tc.id), `{"node": {"__typename": "`+tc.typename+`", "id": "`+tc.id+`", "`+tc.codeField+`": "`+tc.code+`"}}`)
				})
			}
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			for _, tc := range []struct{ field, typ string }{
				{"node", "Learner"}, {"node", "Course"}, {"learner", "Learner"}, {"organisation", "Organisation"},
				{"competency", "Competency"}, {"role", "Role"}, {"course", "Course"},
			} {
				t.Run(tc.field+"/"+tc.typ, func(t *testing.T) {
					r := c.post(`query($id: ID!) { `+tc.field+`(id: $id) { id } }`, map[string]any{"id": graph.GlobalID(tc.typ, 999999)})
					assertJSON(t, r.Data, `{"`+tc.field+`": null}`)
					assertError(t, r, "NOT_FOUND", "", "")
					if len(r.Errors) == 1 && (len(r.Errors[0].Path) != 1 || r.Errors[0].Path[0] != tc.field) {
						t.Errorf("path = %v, want [%s]", r.Errors[0].Path, tc.field)
					}
				})
			}
		})

		t.Run("ErrMalformedID", func(t *testing.T) {
			for _, tc := range []struct{ name, query, field string }{
				{"NodeGarbage", `{ node(id: "nonsense") { id } }`, "id"},
				{"NodeUnknownType", `{ node(id: "` + graph.GlobalID("Planet", 1) + `") { id } }`, "id"},
				{"NodeNumber", `{ node(id: 5) { id } }`, "id"},
				{"LearnerWrongType", `{ learner(id: "$so") { id } }`, "id"},
				{"CourseWrongType", `{ course(id: "$proc") { id } }`, "id"},
				{"Parent", `{ organisations(parentId: "x") { totalCount } }`, "parentId"},
				{"FilterOrganisation", `{ learners(filter: {organisationId: "$so"}) { totalCount } }`, "filter.organisationId"},
				{"FilterRole", `{ learners(filter: {roleId: "bad"}) { totalCount } }`, "filter.roleId"},
				{"FilterCompetency", `{ courses(filter: {competencyId: "$gfr101"}) { totalCount } }`, "filter.competencyId"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					assertError(t, c.post(f.expand(tc.query), nil), "BAD_USER_INPUT", tc.field, "")
				})
			}
		})

		t.Run("ErrPageArguments", func(t *testing.T) {
			for _, tc := range []struct{ name, query, field string }{
				{"FirstZero", `{ learners(first: 0) { totalCount } }`, "first"},
				{"First501", `{ competencies(first: 501) { totalCount } }`, "first"},
				{"FirstNegative", `{ roles(first: -3) { totalCount } }`, "first"},
				{"BadCursor", `{ courses(after: "not-a-cursor") { totalCount } }`, "after"},
				{"BadCursorBase64", `{ organisations(after: "eyJrIjoiYSJ9") { totalCount } }`, "after"},
				{"NestedFirst", `{ organisation(id: "$mof") { children(first: 0) { totalCount } } }`, "first"},
				{"MinLevel", `{ competency(id: "$proc") { courses(minLevel: 6) { totalCount } } }`, "minLevel"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := c.post(f.expand(tc.query), nil)
					assertError(t, r, "BAD_USER_INPUT", tc.field, "")
				})
			}
			// A connection is non-null, so the error nulls its parent: here the whole data.
			r := c.post(`{ learners(first: 501) { totalCount } }`, nil)
			assertJSON(t, r.Data, `null`)
			assertError(t, r, "BAD_USER_INPUT", "first", "must be between 1 and 500")
		})

		t.Run("Cursors", func(t *testing.T) {
			var page struct {
				Learners struct {
					Edges []struct {
						Cursor string
						Node   struct{ EmployeeCode string }
					}
					PageInfo struct {
						StartCursor, EndCursor       *string
						HasNextPage, HasPreviousPage bool
					}
				}
			}
			decode(t, c.data(`{ learners(first: 2) { edges { cursor node { employeeCode } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }`, nil), &page)
			l := page.Learners
			if len(l.Edges) != 2 || l.PageInfo.StartCursor == nil || *l.PageInfo.StartCursor != l.Edges[0].Cursor ||
				l.PageInfo.EndCursor == nil || *l.PageInfo.EndCursor != l.Edges[1].Cursor || !l.PageInfo.HasNextPage || l.PageInfo.HasPreviousPage {
				t.Fatalf("first page: %+v", l)
			}
			query(t, `{ learners(first: 5, after: "`+*l.PageInfo.EndCursor+`") { edges { node { employeeCode } } pageInfo { hasNextPage hasPreviousPage } } }`,
				`{"learners": {"edges": [{"node": {"employeeCode": "E003"}}, {"node": {"employeeCode": "E004"}}],
				"pageInfo": {"hasNextPage": false, "hasPreviousPage": true}}}`)
		})
	})
}
