package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// bulkSeed writes n learners spread over three organisations, each holding one or
// two of three roles that require competencies, through the bulk path.
func bulkSeed(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	check := func(rejected []models.RecordError, err error) {
		t.Helper()
		if err != nil || len(rejected) > 0 {
			t.Fatalf("bulk seed: %v %+v", err, rejected)
		}
	}
	check(bulk.New(db).UpsertOrganisations(ctx, []models.OrganisationRecord{
		{Code: "MHA", Name: "Ministry of Home Affairs", Type: models.OrgMinistry},
		{Code: "DOJ", Name: "Department of Official Language", Type: models.OrgDepartment, ParentCode: "MHA"},
		{Code: "CTI", Name: "Central Translation Institute", Type: models.OrgOrganisation, ParentCode: "DOJ"},
	}))
	var comps []models.CompetencyRecord
	for i := range 6 {
		comps = append(comps, models.CompetencyRecord{Code: fmt.Sprintf("C%02d", i), Name: fmt.Sprintf("Competency %d", i),
			Area: "Area", Type: models.Functional})
	}
	check(bulk.New(db).UpsertCompetencies(ctx, comps))
	check(bulk.New(db).UpsertRoles(ctx, []models.RoleRecord{{Code: "R1", Name: "Role one"}, {Code: "R2", Name: "Role two"}, {Code: "R3", Name: "Role three"}}))
	var reqs []models.RoleRequirementRecord
	for r := 1; r <= 3; r++ {
		for c := r - 1; c < r+2; c++ {
			reqs = append(reqs, models.RoleRequirementRecord{RoleCode: fmt.Sprintf("R%d", r), CompetencyCode: fmt.Sprintf("C%02d", c), RequiredLevel: r, Weight: 1})
		}
	}
	check(bulk.New(db).UpsertRoleRequirements(ctx, reqs))
	orgs := []string{"MHA", "DOJ", "CTI"}
	var learners []models.LearnerRecord
	for i := range n {
		roles := []string{fmt.Sprintf("R%d", i%3+1)}
		if i%2 == 0 {
			roles = append(roles, fmt.Sprintf("R%d", (i+1)%3+1))
		}
		learners = append(learners, models.LearnerRecord{EmployeeCode: fmt.Sprintf("K%04d", i), Name: fmt.Sprintf("Learner %d", i),
			Email: fmt.Sprintf("learner%d@gov.in", i), Designation: "Assistant", OrganisationCode: orgs[i%3], RoleCodes: roles, HasRoles: true})
	}
	check(bulk.New(db).UpsertLearners(ctx, learners))
}

func TestPagingVisitsEveryLearnerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 137
		bulkSeed(t, db, n)
		c := newClient(t, db)
		seen := map[string]bool{}
		var codes []string
		after := any(nil)
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatal("paging does not end")
			}
			var page struct {
				Learners struct {
					TotalCount int
					Edges      []struct {
						Node struct{ ID, EmployeeCode string }
					}
					PageInfo struct {
						HasNextPage, HasPreviousPage bool
						EndCursor                    *string
					}
				}
			}
			decode(t, c.data(`query($after: String) { learners(first: 10, after: $after) {
				totalCount edges { node { id employeeCode } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`,
				map[string]any{"after": after}), &page)
			l := page.Learners
			if l.TotalCount != n {
				t.Fatalf("totalCount = %d, want %d", l.TotalCount, n)
			}
			if l.PageInfo.HasPreviousPage != (after != nil) {
				t.Errorf("page %d: hasPreviousPage = %v", pages, l.PageInfo.HasPreviousPage)
			}
			for _, e := range l.Edges {
				if seen[e.Node.ID] {
					t.Fatalf("learner %s seen twice", e.Node.EmployeeCode)
				}
				seen[e.Node.ID] = true
				codes = append(codes, e.Node.EmployeeCode)
			}
			if !l.PageInfo.HasNextPage {
				break
			}
			after = *l.PageInfo.EndCursor
		}
		if len(seen) != n {
			t.Errorf("visited %d learners, want %d", len(seen), n)
		}
		for i := 1; i < len(codes); i++ {
			if codes[i-1] >= codes[i] {
				t.Errorf("not ordered by employee code: %s before %s", codes[i-1], codes[i])
			}
		}
	})
}

func TestNoNPlusOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bulkSeed(t, db, 60)
		c := newClient(t, db)
		before := db.QueryCount()
		var res struct {
			Learners struct {
				Edges []struct {
					Node struct {
						Organisation struct{ Name string }
						Roles        []struct {
							Code         string
							Requirements []struct {
								RequiredLevel int
								Competency    struct{ Name string }
							}
						}
					}
				}
			}
		}
		decode(t, c.data(`{ learners(first: 50) { edges { node {
			id name organisation { name }
			roles { code name requirements { requiredLevel competency { name } } }
		} } } }`, nil), &res)
		queries := db.QueryCount() - before
		t.Logf("%d SQL statements", queries)
		// Count and page (2), then one batch each: organisations, role IDs, roles,
		// requirements, competencies (5).
		if queries > 8 {
			t.Errorf("a page of 50 learners ran %d SQL statements, want at most 8", queries)
		}
		edges := res.Learners.Edges
		if len(edges) != 50 {
			t.Fatalf("got %d learners", len(edges))
		}
		// K0000: MHA, roles R1 and R2; R1 requires C00..C02 at level 1.
		n := edges[0].Node
		if n.Organisation.Name != "Ministry of Home Affairs" || len(n.Roles) != 2 || n.Roles[0].Code != "R1" || n.Roles[1].Code != "R2" ||
			len(n.Roles[0].Requirements) != 3 || n.Roles[0].Requirements[0].Competency.Name != "Competency 0" || n.Roles[0].Requirements[0].RequiredLevel != 1 {
			t.Errorf("first learner: %+v", n)
		}
	})
}

func TestComplexityLimit(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	bulkSeed(t, db, 30)
	c := newClient(t, db)
	t.Run("AdmitsBigLegitimateQueries", func(t *testing.T) {
		for _, q := range []string{
			`{ learners(first: 500) { edges { node { id name organisation { name } roles { name requirements { requiredLevel competency { name } } } } } } }`,
			`{ competencies(first: 200) { totalCount edges { node { code name type area levels { level } } } } }`,
			`{ courses(first: 500) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id code title description provider format
				durationHours rating ratingCount enrolmentCount competencies { fromLevel toLevel competency { id code name type area levels { level name description } } } } } } }`,
			`{ roles(first: 500) { totalCount edges { node { id code name description requirements { requiredLevel weight competency { id code name } } } } } }`,
			`{ organisations(first: 500) { edges { node { id code name children(first: 500) { totalCount edges { node { id code name type } } } } } } }`,
			`{ learners(first: 500) { edges { node { id organisation { learners(first: 500) { totalCount edges { node { id name email } } } } } } } }`,
		} {
			r := c.post(q, nil)
			if len(r.Errors) > 0 {
				t.Errorf("rejected: %s\n%s", q, r.Body)
			}
		}
	})
	t.Run("ErrNestedConnections", func(t *testing.T) {
		r := c.post(`{ learners(first: 500) { edges { node { name organisation { learners(first: 500) { edges { node { name
			organisation { learners(first: 500) { edges { node { name } } } } } } } } } } } }`, nil)
		assertError(t, r, "COMPLEXITY_LIMIT_EXCEEDED", "", "")
		if r.Data != nil && string(r.Data) != "null" {
			t.Errorf("data = %s, want none", r.Data)
		}
	})
	t.Run("ErrOptionLimit", func(t *testing.T) {
		h := graph.NewHandler(services(db, nil), graph.Options{ComplexityLimit: 100})
		srv := httptest.NewServer(h)
		defer srv.Close()
		small := &client{t: t, url: srv.URL, db: db}
		assertError(t, small.post(`{ courses(first: 50) { edges { node { title } } } }`, nil), "COMPLEXITY_LIMIT_EXCEEDED", "", "")
		if r := small.post(`{ courses(first: 5) { edges { node { title } } } }`, nil); len(r.Errors) > 0 {
			t.Errorf("rejected: %s", r.Body)
		}
	})
}

// panickingCatalogue is the real catalogue with one method that panics.
type panickingCatalogue struct{ models.CatalogueService }

func (panickingCatalogue) FindRoles(context.Context, models.RoleFilter, models.PageRequest) (*models.Page[*models.Role], error) {
	panic("boom: SELECT * FROM roles")
}

// slowCatalogue is the real catalogue with one method that waits until its request's
// deadline, as a query stuck behind a lock would.
type slowCatalogue struct{ models.CatalogueService }

func (slowCatalogue) FindRoles(ctx context.Context, _ models.RoleFilter, _ models.PageRequest) (*models.Page[*models.Role], error) {
	<-ctx.Done()
	return nil, fmt.Errorf("roles: %w", ctx.Err())
}

func TestRequestDeadline(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	s := services(db, nil)
	s.Catalogue = slowCatalogue{s.Catalogue}
	srv := httptest.NewServer(graph.NewHandler(s,
		graph.Options{Timeout: 50 * time.Millisecond}))
	defer srv.Close()
	c := &client{t: t, url: srv.URL}
	r := c.post(`{ roles { totalCount } }`, nil)
	assertError(t, r, graph.CodeTimeout, "", "the request took too long and was stopped")
}

func TestInternalErrors(t *testing.T) {
	t.Run("DatabaseErrorHidesCause", func(t *testing.T) {
		db := storetest.Open(t, "sqlite")
		c := newClient(t, db)
		if _, err := db.Bun().ExecContext(context.Background(), "ALTER TABLE roles RENAME TO roles_gone"); err != nil {
			t.Fatal(err)
		}
		r := c.post(`{ roles(first: 3) { totalCount } }`, nil)
		// Exactly this, and nothing of the cause (the SQL, the table, the driver's message).
		assertJSON(t, json.RawMessage(r.Body), `{"data": null, "errors": [{"message": "internal error", "path": ["roles"],
			"locations": [{"line": 1, "column": 3}], "extensions": {"code": "INTERNAL"}}]}`)
		if !strings.Contains(c.logs.String(), "no such table") {
			t.Errorf("cause not logged: %s", c.logs.String())
		}
	})
	t.Run("PanicIsInternal", func(t *testing.T) {
		db := storetest.Open(t, "sqlite")
		c := newClientWith(t, db, func(s *graph.Services) { s.Catalogue = panickingCatalogue{s.Catalogue} })
		r := c.post(`{ roles { totalCount } competencies { totalCount } }`, nil)
		assertJSON(t, r.Data, `null`)
		assertError(t, r, "INTERNAL", "", "internal error")
		if strings.Contains(r.Body, "boom") || strings.Contains(r.Body, "SELECT") || strings.Contains(r.Body, "goroutine") {
			t.Errorf("response leaks the panic: %s", r.Body)
		}
		if logs := c.logs.String(); !strings.Contains(logs, "boom") || !strings.Contains(logs, "goroutine") {
			t.Errorf("panic and stack not logged: %s", logs)
		}
	})
}

func TestProtocol(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	c := newClient(t, db)
	t.Run("GET", func(t *testing.T) {
		r := c.get(`{ organisations { totalCount } }`)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		assertJSON(t, r.Data, `{"organisations": {"totalCount": 0}}`)
	})
	t.Run("ErrParse", func(t *testing.T) {
		assertError(t, c.post(`{ learners( }`, nil), "GRAPHQL_PARSE_FAILED", "", "")
	})
	t.Run("ErrValidation", func(t *testing.T) {
		assertError(t, c.post(`{ learners { edges { node { salary } } } }`, nil), "GRAPHQL_VALIDATION_FAILED", "", "")
	})
	t.Run("ErrIntrospectionOff", func(t *testing.T) {
		srv := httptest.NewServer(graph.NewHandler(services(db, nil), graph.Options{}))
		defer srv.Close()
		off := &client{t: t, url: srv.URL, db: db}
		if r := off.post(`{ __schema { types { name } } }`, nil); len(r.Errors) == 0 {
			t.Errorf("introspection is on: %.200s", r.Body)
		}
		assertJSON(t, off.data(`{ __typename }`, nil), `{"__typename": "Query"}`)
	})
}

// TestEverythingIsDescribed walks the schema by introspection: every type, field,
// argument, enum value and input field has a description.
func TestEverythingIsDescribed(t *testing.T) {
	c := newClient(t, storetest.Open(t, "sqlite"))
	type named struct {
		Name, Description string
		Args              []named
	}
	var schema struct {
		Schema struct {
			Types []struct {
				Name, Kind, Description string
				Fields                  []named
				InputFields             []named
				EnumValues              []named
			}
		} `json:"__schema"`
	}
	decode(t, c.data(`{ __schema { types { name kind description
		fields { name description args { name description } }
		inputFields { name description } enumValues { name description } } } }`, nil), &schema)
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	checked := 0
	for _, ty := range schema.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") || builtin[ty.Name] {
			continue
		}
		checked++
		if ty.Description == "" {
			t.Errorf("type %s has no description", ty.Name)
		}
		for _, group := range [][]named{ty.Fields, ty.InputFields, ty.EnumValues} {
			for _, f := range group {
				if f.Description == "" {
					t.Errorf("%s.%s has no description", ty.Name, f.Name)
				}
				for _, a := range f.Args {
					if a.Description == "" {
						t.Errorf("argument %s.%s(%s) has no description", ty.Name, f.Name, a.Name)
					}
				}
			}
		}
	}
	if checked < 30 {
		t.Errorf("checked only %d types", checked)
	}
}
