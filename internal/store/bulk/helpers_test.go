package bulk_test

import (
	"context"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/models"
)

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

// noRejects fails the test unless a bulk upsert stored every record.
func noRejects(t *testing.T) func([]models.RecordError, error) {
	return func(rejected []models.RecordError, err error) {
		t.Helper()
		if err != nil || len(rejected) > 0 {
			t.Fatalf("rejected %v, err %v", rejected, err)
		}
	}
}

// fixture stores a ministry > department > organisation tree, two competencies, a
// role and a course.
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

// learningFixture adds a learner and a course imparting procurement 1 -> 3 to the fixture.
func learningFixture(t *testing.T, db *store.DB) (fixture, *models.Learner, *models.Course) {
	t.Helper()
	f := newFixture(t, db)
	l := must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "Asha Rao",
		Email: "asha.rao@gov.in", Designation: "Section Officer", OrganisationID: f.office.ID, RoleIDs: []int64{f.role.ID}}))
	c := must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "GEM-101", Title: "Buying on GeM", Provider: "iGOT",
		Format: models.Online, DurationHours: 4, Competencies: []models.CourseCompetency{{CompetencyID: f.procurement.ID, FromLevel: 1, ToLevel: 3}}}))
	return f, l, c
}

func version(t *testing.T, db *store.DB, id int64) int64 {
	t.Helper()
	return must[*models.Learner](t)(db.FindLearnerByID(ctx, id)).Version
}

func score(s float64) *float64 { return &s }

// writer is the bulk path over db; these tests write no blended records.
func writer(db *store.DB) *bulk.Writer { return bulk.New(db) }
