package service_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// The store persists: the use cases are the services'.
func TestStoreImplementsNoUseCase(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	for name, implements := range map[string]bool{
		"OrganisationService": is[models.OrganisationService](db),
		"CatalogueService":    is[models.CatalogueService](db),
		"LearnerService":      is[models.LearnerService](db),
		"LearningService":     is[models.LearningService](db),
		"InterestService":     is[models.InterestService](db),
		"BulkWriter":          is[models.BulkWriter](db),
	} {
		if implements {
			t.Errorf("*store.DB implements models.%s", name)
		}
	}
	if !is[models.BulkWriter](bulk.New(db)) {
		t.Error("bulk.Writer does not implement models.BulkWriter")
	}
}

func is[T any](v any) bool { _, ok := v.(T); return ok }

// Stores that must not be reached: the nil interface each embeds panics on any
// call, so a refusal that reached the store fails the test.
type (
	unreachedOrganisations struct{ service.OrganisationStore }
	unreachedCatalogue     struct{ service.CatalogueStore }
	unreachedInterests     struct{ service.InterestStore }
	unreachedLearning      struct{ service.LearningStore }
	// pendingLearners reads one learner, pending or not, and writes nothing.
	pendingLearners struct {
		service.LearnerStore
		learner models.Learner
	}
)

func (unreachedLearning) Now() time.Time { return time.Now() }

func (s pendingLearners) FindLearnerByID(_ context.Context, id int64) (*models.Learner, error) {
	if id != s.learner.ID {
		return nil, models.NotFound("learner")
	}
	l := s.learner
	return &l, nil
}

// TestUseCasesValidate: each service refuses bad input, naming the field, before
// the store is asked anything.
func TestUseCasesValidate(t *testing.T) {
	orgs := service.NewOrganisations(unreachedOrganisations{})
	cat := service.NewCatalogue(unreachedCatalogue{})
	interests := service.NewInterests(unreachedInterests{})
	learning := service.NewLearning(unreachedLearning{})
	requested := "EMP-7"
	learners := service.NewLearners(pendingLearners{learner: models.Learner{ID: 7, EmployeeCode: "PENDING-x", Name: "Asha Rao",
		Email: "asha.rao@gov.in", Designation: "Officer", Status: models.LearnerPending, RequestedEmployeeCode: &requested}})
	active := service.NewLearners(pendingLearners{learner: models.Learner{ID: 8, EmployeeCode: "EMP-8", Name: "Ravi",
		Email: "ravi@gov.in", Designation: "Officer", Status: models.LearnerActive}})
	eleven := make([]int64, 11)
	for i := range eleven {
		eleven[i] = int64(i + 1)
	}
	for _, tc := range []struct {
		name, code, field string
		call              func() error
	}{
		{"OrganisationCode", models.EINVALID, "code", func() error {
			_, err := orgs.CreateOrganisation(ctx, &models.NewOrganisation{Code: "has space", Name: "X", Type: models.OrgMinistry})
			return err
		}},
		{"OrganisationType", models.EINVALID, "type", func() error {
			_, err := orgs.CreateOrganisation(ctx, &models.NewOrganisation{Code: "X", Name: "X", Type: "CITY"})
			return err
		}},
		{"CompetencyLevel", models.EINVALID, "levels[0].level", func() error {
			_, err := cat.CreateCompetency(ctx, &models.NewCompetency{Code: "X", Name: "X", Type: models.Domain, Area: "A",
				Levels: []models.CompetencyLevel{{Level: 6, Name: "n", Description: "d"}}})
			return err
		}},
		{"RoleCode", models.EINVALID, "code", func() error {
			_, err := cat.CreateRole(ctx, &models.NewRole{Code: "", Name: "R"})
			return err
		}},
		{"RequirementWeight", models.EINVALID, "weight", func() error {
			_, err := cat.SetRoleRequirement(ctx, models.RoleRequirement{RoleID: 1, CompetencyID: 1, RequiredLevel: 2, Weight: 0})
			return err
		}},
		{"CourseDuration", models.EINVALID, "durationHours", func() error {
			_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "C9", Title: "T", Provider: "P", Format: models.Online})
			return err
		}},
		{"CourseLevels", models.EINVALID, "competencies[0].toLevel", func() error {
			_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "C9", Title: "T", Provider: "P", Format: models.Online, DurationHours: 1,
				Competencies: []models.CourseCompetency{{CompetencyID: 1, FromLevel: 3, ToLevel: 3}}})
			return err
		}},
		{"CoursePassMark", models.EINVALID, "passMark", func() error {
			pass := 1.2
			_, err := cat.UpdateCourse(ctx, 1, models.CourseUpdate{PassMark: &pass, SetPassMark: true})
			return err
		}},
		{"LearnerEmail", models.EINVALID, "email", func() error {
			_, err := learners.CreateLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "A", Email: "not an email", Designation: "O", OrganisationID: 1})
			return err
		}},
		{"RequestWithRoles", models.EINVALID, "roleIds", func() error {
			_, err := learners.CreateLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "A", Email: "a@gov.in", Designation: "O",
				OrganisationID: 1, Pending: true, RoleIDs: []int64{1}})
			return err
		}},
		{"LearnerName", models.EINVALID, "name", func() error {
			name := ""
			_, err := learners.UpdateLearner(ctx, 7, models.LearnerUpdate{Name: &name})
			return err
		}},
		{"ApproveUnknown", models.ENOTFOUND, "", func() error {
			_, err := learners.ApproveRegistration(ctx, 99, "", nil)
			return err
		}},
		{"ApproveActive", models.EINVALID, "learnerId", func() error {
			_, err := active.ApproveRegistration(ctx, 8, "", nil)
			return err
		}},
		{"ApproveCode", models.EINVALID, "employeeCode", func() error {
			_, err := learners.ApproveRegistration(ctx, 7, "has space", nil)
			return err
		}},
		{"ApproveRoleTwice", models.EINVALID, "roleIds[1]", func() error {
			_, err := learners.ApproveRegistration(ctx, 7, "", []int64{3, 3})
			return err
		}},
		{"EvidenceLevel", models.EINVALID, "level", func() error {
			_, err := learning.RecordEvidence(ctx, &models.NewEvidence{LearnerID: 1, CompetencyID: 1, Source: models.SelfRating, Level: 6})
			return err
		}},
		{"EvidenceFuture", models.EINVALID, "observedAt", func() error {
			_, err := learning.RecordEvidence(ctx, &models.NewEvidence{LearnerID: 1, CompetencyID: 1, Source: models.SelfRating, Level: 2,
				ObservedAt: time.Now().Add(time.Hour)})
			return err
		}},
		{"ProgressAboveOne", models.EINVALID, "progress", func() error { _, err := learning.UpdateProgress(ctx, 1, 1.01); return err }},
		{"ProgressNaN", models.EINVALID, "progress", func() error { _, err := learning.UpdateProgress(ctx, 1, math.NaN()); return err }},
		{"Stars", models.EINVALID, "stars", func() error { _, err := learning.RateCourse(ctx, 1, 1, 6); return err }},
		{"TooManyInterests", models.EINVALID, "competencyIds", func() error { _, err := interests.SetLearningInterests(ctx, 1, eleven); return err }},
		{"InterestTwice", models.EINVALID, "competencyIds[1]", func() error {
			_, err := interests.SetLearningInterests(ctx, 1, []int64{4, 4})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if models.ErrorCode(err) != tc.code || models.ErrorField(err) != tc.field {
				t.Fatalf("error %v (code %q, field %q), want %s on %q", err, models.ErrorCode(err), models.ErrorField(err), tc.code, tc.field)
			}
		})
	}
}

// TestUseCasesRecordChanges: an organisation or catalogue write is shared; a write
// to a learner's own record records that learner and nothing more.
func TestUseCasesRecordChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		orgs, cat, learners, learning := service.NewOrganisations(db), service.NewCatalogue(db), service.NewLearners(db), service.NewLearning(db)
		track := func() (context.Context, *change.Set) {
			ctx, set := change.Track(ctx)
			change.Learners(ctx, 424242) // so that LearnersOnly tells whether anything shared was recorded
			return ctx, set
		}
		c, set := track()
		o, err := orgs.CreateOrganisation(c, &models.NewOrganisation{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry})
		if err != nil || set.LearnersOnly() {
			t.Fatalf("organisation: %v; learners only: %v", err, set.LearnersOnly())
		}
		c, set = track()
		comp, err := cat.CreateCompetency(c, &models.NewCompetency{Code: "BEH-010", Name: "Effective Communication", Type: models.Behavioural, Area: "Communication"})
		if err != nil || set.LearnersOnly() {
			t.Fatalf("competency: %v; learners only: %v", err, set.LearnersOnly())
		}
		l, err := learners.CreateLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "Asha Rao", Email: "Asha.Rao@gov.in",
			Designation: "Officer", OrganisationID: o.ID})
		if err != nil || l.Email != "asha.rao@gov.in" {
			t.Fatalf("learner %+v: %v", l, err)
		}
		c, set = track()
		if _, err := learning.RecordEvidence(c, &models.NewEvidence{LearnerID: l.ID, CompetencyID: comp.ID, Source: models.SelfRating, Level: 2}); err != nil {
			t.Fatal(err)
		}
		name := "Asha R."
		if _, err := learners.UpdateLearner(c, l.ID, models.LearnerUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if ids := set.LearnerIDs(); !set.LearnersOnly() || len(ids) != 2 || ids[0] != l.ID {
			t.Fatalf("evidence and details: learners %v, learners only %v", ids, set.LearnersOnly())
		}
	})
}
