package bulk_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestUpsertOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rejected, err := writer(db).UpsertOrganisations(ctx, []models.OrganisationRecord{
			{Code: "MOF-DOR", Name: "Department of Revenue", Type: models.OrgDepartment, ParentCode: "MOF"},
			{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry},
			{Code: "MHA", Name: "Ministry of Home Affairs", Type: models.OrgMinistry},
			{Code: "ORPHAN", Name: "Orphan", Type: models.OrgOrganisation, ParentCode: "LATER"},
			{Code: "BAD", Name: "Bad", Type: models.OrgDepartment},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []models.RecordError{
			{Index: 4, Column: "parent_code", Reason: "a department needs a parent"},
			{Index: 3, Column: "parent_code", Reason: `no organisation has code "LATER"`, Unresolved: true},
		}
		if !slices.Equal(rejected, want) {
			t.Fatalf("rejected = %+v, want %+v", rejected, want)
		}
		t.Run("MoveCarriesSubtree", func(t *testing.T) {
			storetest.NoRejects(t)(writer(db).UpsertOrganisations(ctx, []models.OrganisationRecord{
				{Code: "MOF-DOR-CBDT", Name: "CBDT", Type: models.OrgOrganisation, ParentCode: "MOF-DOR"},
				{Code: "MOF-DOR", Name: "Department of Revenue", Type: models.OrgDepartment, ParentCode: "MHA"},
			}))
			ids := storetest.Must[*models.Page[*models.Organisation]](t)(db.FindOrganisations(ctx, models.OrganisationFilter{}, models.PageRequest{First: 10}))
			var mha *models.Organisation
			for _, o := range ids.Items {
				if o.Code == "MHA" {
					mha = o
				}
			}
			dept := storetest.Must[*models.Page[*models.Organisation]](t)(db.FindOrganisations(ctx, models.OrganisationFilter{ParentID: &mha.ID}, models.PageRequest{First: 10})).Items[0]
			cbdt := storetest.Must[*models.Page[*models.Organisation]](t)(db.FindOrganisations(ctx, models.OrganisationFilter{ParentID: &dept.ID}, models.PageRequest{First: 10})).Items[0]
			if want := dept.ChildPath(cbdt.ID); cbdt.Path != want || dept.Path != mha.ChildPath(dept.ID) {
				t.Fatalf("paths after move: dept %q, cbdt %q", dept.Path, cbdt.Path)
			}
		})
		t.Run("ErrCycle", func(t *testing.T) {
			rejected, err := writer(db).UpsertOrganisations(ctx, []models.OrganisationRecord{
				{Code: "MOF-DOR-CBDT", Name: "CBDT", Type: models.OrgOrganisation, ParentCode: "MOF-DOR"},
				{Code: "MOF-DOR-X", Name: "X", Type: models.OrgOrganisation, ParentCode: "MOF-DOR-CBDT"},
				{Code: "MOF-DOR-CBDT", Name: "CBDT", Type: models.OrgOrganisation, ParentCode: "MOF-DOR-X"},
			})
			if err != nil || len(rejected) != 1 || rejected[0].Index != 2 || rejected[0].Column != "parent_code" {
				t.Fatalf("rejected = %+v, err %v", rejected, err)
			}
		})
	})
}

func TestUpsertLearners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.NoRejects(t)(writer(db).UpsertOrganisations(ctx, []models.OrganisationRecord{{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry}}))
		storetest.NoRejects(t)(writer(db).UpsertRoles(ctx, []models.RoleRecord{{Code: "ROLE-SO", Name: "Section Officer"}, {Code: "ROLE-US", Name: "Under Secretary"}}))
		recs := make([]models.LearnerRecord, 30)
		for i := range recs {
			recs[i] = models.LearnerRecord{EmployeeCode: fmt.Sprintf("EMP%03d", i), Name: fmt.Sprintf("Officer %d", i),
				Email: fmt.Sprintf("officer%d@gov.in", i), Designation: "Section Officer", OrganisationCode: "MOF",
				RoleCodes: []string{"ROLE-SO"}, HasRoles: true}
		}
		storetest.NoRejects(t)(writer(db).UpsertLearners(ctx, recs))
		page := func() []*models.Learner {
			return storetest.Must[*models.Page[*models.Learner]](t)(db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 100})).Items
		}
		before := page()
		t.Run("ReimportChangesNothing", func(t *testing.T) {
			storetest.NoRejects(t)(writer(db).UpsertLearners(ctx, recs))
			after := page()
			for i := range after {
				if after[i].Version != before[i].Version || after[i].Name != before[i].Name {
					t.Fatalf("learner %s changed: %+v -> %+v", after[i].EmployeeCode, before[i], after[i])
				}
			}
		})
		t.Run("RolesReplaceAndBumpVersion", func(t *testing.T) {
			changed := recs[0]
			changed.RoleCodes = []string{"ROLE-US"}
			unchangedRoles := recs[1]
			unchangedRoles.HasRoles, unchangedRoles.RoleCodes = false, nil
			storetest.NoRejects(t)(writer(db).UpsertLearners(ctx, []models.LearnerRecord{changed, unchangedRoles}))
			after := page()
			roles := storetest.Must[map[int64][]int64](t)(db.FindRoleIDsByLearnerIDs(ctx, []int64{after[0].ID, after[1].ID}))
			if after[0].Version != before[0].Version+1 || after[1].Version != before[1].Version {
				t.Fatalf("versions %d, %d; before %d, %d", after[0].Version, after[1].Version, before[0].Version, before[1].Version)
			}
			if len(roles[after[0].ID]) != 1 || len(roles[after[1].ID]) != 1 || roles[after[0].ID][0] == roles[after[1].ID][0] {
				t.Fatalf("roles = %v", roles)
			}
		})
		t.Run("BadRowsRejectedGoodRowsKept", func(t *testing.T) {
			rejected, err := writer(db).UpsertLearners(ctx, []models.LearnerRecord{
				{EmployeeCode: "NEW1", Name: "New One", Email: "new1@gov.in", Designation: "SO", OrganisationCode: "MOF"},
				{EmployeeCode: "NEW2", Name: "Email Taken", Email: "officer5@gov.in", Designation: "SO", OrganisationCode: "MOF"},
				{EmployeeCode: "NEW3", Name: "No Org", Email: "new3@gov.in", Designation: "SO", OrganisationCode: "NOPE"},
				{EmployeeCode: "NEW4", Name: "No Role", Email: "new4@gov.in", Designation: "SO", OrganisationCode: "MOF", RoleCodes: []string{"ROLE-X"}, HasRoles: true},
				{EmployeeCode: "NEW5", Name: "Bad Email", Email: "not-an-email", Designation: "SO", OrganisationCode: "MOF"},
				{EmployeeCode: "NEW6", Name: "New Six", Email: "new6@gov.in", Designation: "SO", OrganisationCode: "MOF"},
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rejected {
				got = append(got, fmt.Sprintf("%d:%s", r.Index, r.Column))
			}
			slices.Sort(got)
			if want := []string{"1:email", "2:organisation_code", "3:role_codes", "4:email"}; !slices.Equal(got, want) {
				t.Fatalf("rejected %v (%+v), want %v", got, rejected, want)
			}
			if n := len(page()); n != 32 {
				t.Fatalf("%d learners stored, want 32", n)
			}
		})
	})
}

func TestUpsertCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.NoRejects(t)(writer(db).UpsertCompetencies(ctx, []models.CompetencyRecord{
			{Code: "BEH-001", Name: "Self-Analysis", Type: models.Behavioural, Area: "Self-Awareness", SubTheme: "Self-Analysis",
				Levels: []models.CompetencyLevel{{Level: 1, Name: "Basic", Description: "Reflects on own work when prompted."}}},
			{Code: "FUN-001", Name: "Noting and Drafting", Type: models.Functional, Area: "Office Procedure"},
		}))
		storetest.NoRejects(t)(writer(db).UpsertRoles(ctx, []models.RoleRecord{{Code: "ROLE-SO", Name: "Section Officer"}}))
		storetest.NoRejects(t)(writer(db).UpsertCourses(ctx, []models.CourseRecord{{Code: "CRS-1", Title: "Drafting", Provider: "ISTM", Format: models.Online, DurationHours: 4}}))
		rejected, err := writer(db).UpsertRoleRequirements(ctx, []models.RoleRequirementRecord{
			{RoleCode: "ROLE-SO", CompetencyCode: "FUN-001", RequiredLevel: 2, Weight: 1},
			{RoleCode: "ROLE-XX", CompetencyCode: "FUN-001", RequiredLevel: 2, Weight: 1},
			{RoleCode: "ROLE-SO", CompetencyCode: "BEH-001", RequiredLevel: 7, Weight: 1},
		})
		if err != nil || len(rejected) != 2 || rejected[0].Column != "role_code" || rejected[1].Column != "required_level" {
			t.Fatalf("rejected %+v, err %v", rejected, err)
		}
		rejected, err = writer(db).UpsertCourseCompetencies(ctx, []models.CourseCompetencyRecord{
			{CourseCode: "CRS-1", CompetencyCode: "FUN-001", FromLevel: 1, ToLevel: 2},
			{CourseCode: "CRS-1", CompetencyCode: "BEH-001", FromLevel: 2, ToLevel: 2},
			{CourseCode: "CRS-1", CompetencyCode: "NOPE", FromLevel: 0, ToLevel: 2},
		})
		if err != nil || len(rejected) != 2 || rejected[0].Column != "to_level" || rejected[1].Column != "competency_code" {
			t.Fatalf("rejected %+v, err %v", rejected, err)
		}
		comps := storetest.Must[*models.Page[*models.Competency]](t)(db.FindCompetencies(ctx, models.CompetencyFilter{}, models.PageRequest{First: 10})).Items
		levels := storetest.Must[map[int64][]models.CompetencyLevel](t)(db.FindLevelsByCompetencyIDs(ctx, []int64{comps[0].ID, comps[1].ID}))
		if len(levels[comps[0].ID]) != 1 || len(levels[comps[1].ID]) != 5 {
			t.Fatalf("given levels kept %d, generic levels %d", len(levels[comps[0].ID]), len(levels[comps[1].ID]))
		}
		t.Run("ReimportWithoutSubThemeKeepsIt", func(t *testing.T) {
			storetest.NoRejects(t)(writer(db).UpsertCompetencies(ctx, []models.CompetencyRecord{{Code: "BEH-001", Name: "Self-Analysis", Type: models.Behavioural, Area: "Self-Awareness"}}))
			c := storetest.Must[*models.Competency](t)(db.FindCompetencyByID(ctx, comps[0].ID))
			levels := storetest.Must[map[int64][]models.CompetencyLevel](t)(db.FindLevelsByCompetencyIDs(ctx, []int64{c.ID}))
			if c.SubTheme != "Self-Analysis" || len(levels[c.ID]) != 1 {
				t.Fatalf("competency %+v levels %d", c, len(levels[c.ID]))
			}
		})
	})
}
