package blended_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// The helpers the core's tests use too (internal/store's store_test.go,
// learning_test.go, learning_bulk_test.go), for this package's tests.

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

// noRejects fails the test unless a bulk upsert stored every record.
func noRejects(t *testing.T) func([]models.RecordError, error) {
	return func(rejected []models.RecordError, err error) {
		t.Helper()
		if err != nil || len(rejected) > 0 {
			t.Fatalf("rejected %v, err %v", rejected, err)
		}
	}
}

// serviceOf returns the service over the store, for the tests of what it refuses
// before the store is asked.
func serviceOf(db *store.DB) *service.Blended {
	bs := blended.New(db)
	return &service.Blended{BlendedReader: bs, Store: bs}
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

// rejectionLines turns a bulk upsert's rejections into "index column: reason".
func rejectionLines(t *testing.T) func([]models.RecordError, error) []string {
	return func(rejected []models.RecordError, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(rejected))
		for i, r := range rejected {
			out[i] = fmt.Sprintf("%d %s: %s", r.Index, r.Column, r.Reason)
		}
		return out
	}
}

// wantLines compares lines in any order.
func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// storedEvidence returns a learner's evidence, oldest first, as "competency source level score at".
func storedEvidence(t *testing.T, db *store.DB, learnerID int64) ([]models.Evidence, []string) {
	t.Helper()
	page := must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, learnerID, models.PageRequest{First: models.MaxPageSize}))
	var evs []models.Evidence
	var lines []string
	for _, e := range slices.Backward(page.Items) {
		evs = append(evs, *e)
		s := "-"
		if e.Score != nil {
			s = fmt.Sprint(*e.Score)
		}
		lines = append(lines, fmt.Sprintf("%d %s %d %s %s", e.CompetencyID, e.Source, e.Level, s, e.ObservedAt.UTC().Format(time.RFC3339)))
	}
	return evs, lines
}

// wantEstimates checks that the learner's stored proficiencies are exactly the
// estimates of the recommender from the stored evidence, one per competency with
// evidence, and returns them.
func wantEstimates(t *testing.T, db *store.DB, learnerID int64) []*models.Proficiency {
	t.Helper()
	evs, _ := storedEvidence(t, db, learnerID)
	byCompetency := map[int64][]models.Evidence{}
	for _, e := range evs {
		byCompetency[e.CompetencyID] = append(byCompetency[e.CompetencyID], e)
	}
	profs := must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{learnerID}))[learnerID]
	if len(profs) != len(byCompetency) {
		t.Fatalf("%d proficiencies for evidence in %d competencies", len(profs), len(byCompetency))
	}
	est := recommender.NewEstimator()
	for _, p := range profs {
		want := est.Estimate(learnerID, p.CompetencyID, byCompetency[p.CompetencyID])
		same := p.Level == want.Level && math.Abs(p.Confidence-want.Confidence) < 1e-12 && len(p.Distribution) == len(want.Distribution)
		for i := range want.Distribution {
			same = same && math.Abs(p.Distribution[i]-want.Distribution[i]) < 1e-12
		}
		if !same {
			t.Fatalf("competency %d: stored %+v, estimated %+v", p.CompetencyID, p, want)
		}
	}
	return profs
}

// validated validates n as the service does before the store's writes, filling in
// its defaults.
func validated[N interface{ Validate() error }](t *testing.T, n N) N {
	t.Helper()
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	return n
}
