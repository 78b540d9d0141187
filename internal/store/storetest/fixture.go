package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// The helpers the store's test packages share (the core's and its parts'): one
// fixture, error and rejection checks, and the learning record's expectations.

var ctx = context.Background()

func Must[T any](tb testing.TB) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

func WantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := models.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if got := models.ErrorField(err); got != field {
		t.Fatalf("error field = %q (%v), want %q", got, err, field)
	}
}

// NoRejects fails the test unless a bulk upsert stored every record.
func NoRejects(t *testing.T) func([]models.RecordError, error) {
	return func(rejected []models.RecordError, err error) {
		t.Helper()
		if err != nil || len(rejected) > 0 {
			t.Fatalf("rejected %v, err %v", rejected, err)
		}
	}
}

func Version(t *testing.T, db *store.DB, id int64) int64 {
	t.Helper()
	return Must[*models.Learner](t)(db.FindLearnerByID(ctx, id)).Version
}

// RejectionLines turns a bulk upsert's rejections into "index column: reason".
func RejectionLines(t *testing.T) func([]models.RecordError, error) []string {
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

// WantLines compares lines in any order.
func WantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// StoredEvidence returns a learner's evidence, oldest first, as "competency source level score at".
func StoredEvidence(t *testing.T, db *store.DB, learnerID int64) ([]models.Evidence, []string) {
	t.Helper()
	page := Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, learnerID, models.PageRequest{First: models.MaxPageSize}))
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

// WantEstimates checks that the learner's stored proficiencies are exactly the
// estimates of the recommender from the stored evidence, one per competency with
// evidence, and returns them.
func WantEstimates(t *testing.T, db *store.DB, learnerID int64) []*models.Proficiency {
	t.Helper()
	evs, _ := StoredEvidence(t, db, learnerID)
	byCompetency := map[int64][]models.Evidence{}
	for _, e := range evs {
		byCompetency[e.CompetencyID] = append(byCompetency[e.CompetencyID], e)
	}
	profs := Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{learnerID}))[learnerID]
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

// Fixture stores a ministry > department > organisation tree, two competencies and
// a role.
type Fixture struct {
	Ministry, Department, Office *models.Organisation
	Comm, Procurement            *models.Competency
	Role                         *models.Role
}

func NewFixture(t *testing.T, db *store.DB) Fixture {
	t.Helper()
	org := Must[*models.Organisation](t)
	var f Fixture
	f.Ministry = org(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry}))
	f.Department = org(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF-DOR", Name: "Department of Revenue", Type: models.OrgDepartment, ParentID: &f.Ministry.ID}))
	f.Office = org(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF-DOR-CBDT", Name: "Central Board of Direct Taxes", Type: models.OrgOrganisation, ParentID: &f.Department.ID}))
	comp := Must[*models.Competency](t)
	f.Comm = comp(db.InsertCompetency(ctx, &models.NewCompetency{Code: "BEH-010", Name: "Effective Communication", Type: models.Behavioural, Area: "Communication"}))
	f.Procurement = comp(db.InsertCompetency(ctx, &models.NewCompetency{Code: "FUN-020", Name: "Procurement Mgmt. through GeM", Type: models.Functional, Area: "Public Procurement (GFR)"}))
	f.Role = Must[*models.Role](t)(db.InsertRole(ctx, &models.NewRole{Code: "ROLE-SO", Name: "Section Officer",
		Requirements: []models.RoleRequirement{{CompetencyID: f.Comm.ID, RequiredLevel: 2, Weight: 1}}}))
	return f
}

// LearningFixture adds a learner and a course imparting procurement 1 -> 3 to the Fixture.
func LearningFixture(t *testing.T, db *store.DB) (Fixture, *models.Learner, *models.Course) {
	t.Helper()
	f := NewFixture(t, db)
	l := Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "Asha Rao",
		Email: "asha.rao@gov.in", Designation: "Section Officer", OrganisationID: f.Office.ID, RoleIDs: []int64{f.Role.ID}}))
	c := Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "GEM-101", Title: "Buying on GeM", Provider: "iGOT",
		Format: models.Online, DurationHours: 4, Competencies: []models.CourseCompetency{{CompetencyID: f.Procurement.ID, FromLevel: 1, ToLevel: 3}}}))
	return f, l, c
}

// Score returns a pointer to s, as optional scores and pass marks are given.
func Score(s float64) *float64 { return &s }

// Deref is *p, or nil for nil: for messages.
func Deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// At sets db's clock to t.
func At(db *store.DB, t time.Time) { db.SetClock(func() time.Time { return t }) }
