package store_test

import (
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestRecommenderInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, c := storetest.LearningFixture(t, db)
		other := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "COM-101", Title: "Writing Notes", Provider: "ISTM",
			Format: models.Online, DurationHours: 2, Competencies: []models.CourseCompetency{{CompetencyID: f.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
		cat := storetest.Must[*models.Catalogue](t)(db.FindCatalogue(ctx))
		if len(cat.Courses) != 2 || len(cat.Imparts[c.ID]) != 1 || cat.Imparts[c.ID][0].ToLevel != 3 ||
			cat.CompetencyNames[f.Procurement.ID] != "Procurement Mgmt. through GeM" {
			t.Fatalf("catalogue = %+v", cat)
		}
		if v := storetest.Must[int64](t)(db.CatalogueVersion(ctx)); v != cat.Version {
			t.Fatalf("catalogue version %d, snapshot %d", v, cat.Version)
		}

		e := storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l.ID, c.ID))
		storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, e.ID, 1))
		storetest.Must[*models.Course](t)(db.SaveRating(ctx, l.ID, c.ID, 4))
		v := storetest.Version(t, db, l.ID)
		if err := db.Dismiss(ctx, l.ID, other.ID, "already know this"); err != nil {
			t.Fatal(err)
		}
		if storetest.Version(t, db, l.ID) != v+1 {
			t.Fatal("a dismissal did not bump the learner's version")
		}
		if err := db.Dismiss(ctx, l.ID, other.ID, "changed my mind about why"); err != nil {
			t.Fatalf("dismissing again: %v", err)
		}
		excluded := storetest.Must[[]int64](t)(db.FindExcludedCourseIDs(ctx, l.ID))
		if len(excluded) != 2 {
			t.Fatalf("excluded = %v, want both courses", excluded)
		}
		storetest.WantCode(t, db.Dismiss(ctx, l.ID, 999999, ""), models.EINVALID, "courseId")
		storetest.WantCode(t, db.Dismiss(ctx, l.ID, c.ID, strings.Repeat("x", 501)), models.EINVALID, "reason")
		storetest.WantCode(t, db.Dismiss(ctx, 999999, c.ID, ""), models.ENOTFOUND, "")

		outcomes := storetest.Must[[]models.PeerOutcome](t)(db.FindPeerOutcomes(ctx))
		if len(outcomes) != 2 {
			t.Fatalf("outcomes = %+v", outcomes)
		}
		for _, o := range outcomes {
			switch o.CourseID {
			case c.ID:
				if !o.Completed || o.Dismissed || o.Rating != 4 || o.RoleID != f.Role.ID {
					t.Errorf("completed course outcome = %+v", o)
				}
			case other.ID:
				// The role requires communication at 2 and nothing is known: a gap of 2.
				if o.Completed || !o.Dismissed || o.HadGap != 2 {
					t.Errorf("dismissed course outcome = %+v", o)
				}
			}
		}
	})
}
