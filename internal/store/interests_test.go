package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestLearningInterests: interests are stored in the order given and replace the
// previous ones, bumping the learner's version; a bad request changes nothing.
func TestLearningInterests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		l := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "EMP1", Name: "Asha Rao",
			Email: "asha.rao@gov.in", Designation: "Section Officer", OrganisationID: f.Office.ID}))
		interests := func() []int64 {
			t.Helper()
			return storetest.Must[map[int64][]int64](t)(db.FindLearningInterestsByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
		}
		got := storetest.Must[*models.Learner](t)(db.SaveLearningInterests(ctx, l.ID, []int64{f.Procurement.ID, f.Comm.ID}))
		if got.Version != l.Version+1 {
			t.Fatalf("version %d, want %d", got.Version, l.Version+1)
		}
		if want := []int64{f.Procurement.ID, f.Comm.ID}; !slices.Equal(interests(), want) {
			t.Fatalf("interests %v, want %v in the order given", interests(), want)
		}
		stored := storetest.Must[*models.Learner](t)(db.FindLearnerByID(ctx, l.ID))

		eleven := make([]int64, 11)
		for i := range eleven {
			c := storetest.Must[*models.Competency](t)(db.InsertCompetency(ctx, &models.NewCompetency{Code: fmt.Sprintf("BEH-9%02d", i),
				Name: fmt.Sprintf("Competency %d", i), Type: models.Behavioural, Area: "Other"}))
			eleven[i] = c.ID
		}
		for _, tc := range []struct {
			name, field string
			ids         []int64
			code        string
		}{
			{"ErrTooMany", "competencyIds", eleven, models.EINVALID},
			{"ErrRepeated", "competencyIds[1]", []int64{f.Comm.ID, f.Comm.ID}, models.EINVALID},
			{"ErrUnknownCompetency", "competencyIds[1]", []int64{f.Comm.ID, 987654}, models.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := service.NewInterests(db).SetLearningInterests(ctx, l.ID, tc.ids) // the use case: validation, then the store
				if models.ErrorCode(err) != tc.code || models.ErrorField(err) != tc.field {
					t.Fatalf("error %v (code %s, field %q), want %s on %s", err, models.ErrorCode(err), models.ErrorField(err), tc.code, tc.field)
				}
				if want := []int64{f.Procurement.ID, f.Comm.ID}; !slices.Equal(interests(), want) {
					t.Errorf("interests %v after a failed request, want %v unchanged", interests(), want)
				}
				if now := storetest.Must[*models.Learner](t)(db.FindLearnerByID(ctx, l.ID)); now.Version != stored.Version {
					t.Errorf("version %d after a failed request, want %d", now.Version, stored.Version)
				}
			})
		}
		if _, err := db.SaveLearningInterests(ctx, 987654, nil); models.ErrorCode(err) != models.ENOTFOUND {
			t.Errorf("unknown learner: %v, want ENOTFOUND", err)
		}
		ten := storetest.Must[*models.Learner](t)(db.SaveLearningInterests(ctx, l.ID, eleven[:10]))
		if !slices.Equal(interests(), eleven[:10]) || ten.Version != stored.Version+1 {
			t.Errorf("ten interests: %v at version %d", interests(), ten.Version)
		}
		storetest.Must[*models.Learner](t)(db.SaveLearningInterests(ctx, l.ID, nil))
		if got := interests(); len(got) != 0 {
			t.Errorf("interests %v after clearing", got)
		}
	})
}

// TestRoleHolders counts the direct members of an organisation holding each role,
// of one designation or of every one.
func TestRoleHolders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		other := storetest.Must[*models.Role](t)(db.InsertRole(ctx, &models.NewRole{Code: "ROLE-US", Name: "Under Secretary",
			Requirements: []models.RoleRequirement{{CompetencyID: f.Comm.ID, RequiredLevel: 3, Weight: 1}}}))
		for i, tc := range []struct {
			org         int64
			designation string
			roles       []int64
		}{
			{f.Office.ID, "Section Officer", []int64{f.Role.ID}},
			{f.Office.ID, "Section Officer", []int64{f.Role.ID, other.ID}},
			{f.Office.ID, "Under Secretary", []int64{other.ID}},
			{f.Office.ID, "Section Officer", nil},
			{f.Department.ID, "Section Officer", []int64{f.Role.ID}},
		} {
			storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: fmt.Sprintf("EMP%d", i), Name: "A Learner",
				Email: fmt.Sprintf("l%d@gov.in", i), Designation: tc.designation, OrganisationID: tc.org, RoleIDs: tc.roles}))
		}
		same := storetest.Must[map[int64]int](t)(db.FindRoleHolders(ctx, f.Office.ID, "Section Officer"))
		if want := map[int64]int{f.Role.ID: 2, other.ID: 1}; fmt.Sprint(same) != fmt.Sprint(want) {
			t.Errorf("Section Officers' roles %v, want %v", same, want)
		}
		all := storetest.Must[map[int64]int](t)(db.FindRoleHolders(ctx, f.Office.ID, ""))
		if want := map[int64]int{f.Role.ID: 2, other.ID: 2}; fmt.Sprint(all) != fmt.Sprint(want) {
			t.Errorf("every member's roles %v, want %v", all, want)
		}
		if none := storetest.Must[map[int64]int](t)(db.FindRoleHolders(ctx, f.Ministry.ID, "")); len(none) != 0 {
			t.Errorf("ministry's roles %v, want none (no direct members)", none)
		}
	})
}

// TestOrganisationDomain: a domain is stored on create and on import, an import
// without one keeps it, and an organisation without one takes its nearest
// ancestor's.
func TestOrganisationDomain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rejected := storetest.Must[[]models.RecordError](t)(bulk.New(db).UpsertOrganisations(ctx, []models.OrganisationRecord{
			{Code: "MOR", Name: "Ministry of Railways", Type: models.OrgMinistry, Domain: "Railway Operations"},
			{Code: "MOR-RB", Name: "Railway Board", Type: models.OrgDepartment, ParentCode: "MOR"},
		}))
		if len(rejected) != 0 {
			t.Fatalf("rejected %+v", rejected)
		}
		storetest.Must[[]models.RecordError](t)(bulk.New(db).UpsertOrganisations(ctx, []models.OrganisationRecord{
			{Code: "MOR", Name: "Ministry of Railways", Type: models.OrgMinistry}, // no domain: kept
		}))
		mor := storetest.Must[*models.Organisation](t)(db.FindOrganisationByCode(ctx, "MOR"))
		rb := storetest.Must[*models.Organisation](t)(db.FindOrganisationByCode(ctx, "MOR-RB"))
		if mor.Domain != "Railway Operations" || rb.Domain != "" {
			t.Fatalf("domains %q and %q", mor.Domain, rb.Domain)
		}
		ancestors := storetest.Must[map[int64]*models.Organisation](t)(db.FindOrganisationsByIDs(ctx, models.PathIDs(rb.Path)))
		if d := models.EffectiveDomain(rb, ancestors); d != "Railway Operations" {
			t.Errorf("the board's domain %q, want its ministry's", d)
		}
		own := storetest.Must[*models.Organisation](t)(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOR-RB-RDSO", Name: "RDSO",
			Type: models.OrgOrganisation, ParentID: &rb.ID, Domain: "Railway Standards"}))
		if own.Domain != "Railway Standards" || models.EffectiveDomain(own, ancestors) != "Railway Standards" {
			t.Errorf("own domain %q", own.Domain)
		}
	})
}
