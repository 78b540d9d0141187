package plan_test

import (
	"context"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// The helpers of the core's tests (store_test.go) that this package's tests use.

var ctx = context.Background()

func must[T any](tb testing.TB) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := models.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if got := models.ErrorField(err); got != field {
		t.Fatalf("error field = %q (%v), want %q", got, err, field)
	}
}

// fixture stores a ministry > department > organisation tree, two competencies and
// a role.
type fixture struct {
	ministry, department, office *models.Organisation
	comm, procurement            *models.Competency
	role                         *models.Role
}

func newFixture(t *testing.T, db *store.DB) fixture {
	t.Helper()
	org := must[*models.Organisation](t)
	var f fixture
	f.ministry = org(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry}))
	f.department = org(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF-DOR", Name: "Department of Revenue", Type: models.OrgDepartment, ParentID: &f.ministry.ID}))
	f.office = org(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF-DOR-CBDT", Name: "Central Board of Direct Taxes", Type: models.OrgOrganisation, ParentID: &f.department.ID}))
	comp := must[*models.Competency](t)
	f.comm = comp(db.InsertCompetency(ctx, &models.NewCompetency{Code: "BEH-010", Name: "Effective Communication", Type: models.Behavioural, Area: "Communication"}))
	f.procurement = comp(db.InsertCompetency(ctx, &models.NewCompetency{Code: "FUN-020", Name: "Procurement Mgmt. through GeM", Type: models.Functional, Area: "Public Procurement (GFR)"}))
	f.role = must[*models.Role](t)(db.InsertRole(ctx, &models.NewRole{Code: "ROLE-SO", Name: "Section Officer",
		Requirements: []models.RoleRequirement{{CompetencyID: f.comm.ID, RequiredLevel: 2, Weight: 1}}}))
	return f
}

func version(t *testing.T, db *store.DB, id int64) int64 {
	t.Helper()
	return must[*models.Learner](t)(db.FindLearnerByID(ctx, id)).Version
}
