package store_test

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestCoursePassMark(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		passMark := func(id int64) *float64 {
			t.Helper()
			return storetest.Must[*models.Course](t)(db.FindCourseByID(ctx, id)).PassMark
		}
		same := func(what string, got *float64, want *float64) {
			t.Helper()
			if (got == nil) != (want == nil) || (got != nil && *got != *want) {
				t.Errorf("%s: pass mark %v, want %v", what, storetest.Deref(got), storetest.Deref(want))
			}
		}
		c := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "GFR-1", Title: "GFR", Provider: "NIFM",
			Format: models.Online, DurationHours: 3, PassMark: storetest.Score(0.7),
			Competencies: []models.CourseCompetency{{CompetencyID: f.Procurement.ID, FromLevel: 0, ToLevel: 2}}}))
		same("created", passMark(c.ID), storetest.Score(0.7))
		title := "GFR 2017"
		storetest.Must[*models.Course](t)(db.SaveCourse(ctx, c.ID, models.CourseUpdate{Title: &title}))
		same("updated without SetPassMark", passMark(c.ID), storetest.Score(0.7))
		storetest.Must[*models.Course](t)(db.SaveCourse(ctx, c.ID, models.CourseUpdate{PassMark: storetest.Score(0.5), SetPassMark: true}))
		same("set to 0.5", passMark(c.ID), storetest.Score(0.5))
		storetest.Must[*models.Course](t)(db.SaveCourse(ctx, c.ID, models.CourseUpdate{SetPassMark: true}))
		same("cleared", passMark(c.ID), nil)

		cat := service.NewCatalogue(db) // the use cases validate the pass mark
		_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "GFR-2", Title: "GFR", Provider: "NIFM", Format: models.Online,
			DurationHours: 3, PassMark: storetest.Score(0)})
		storetest.WantCode(t, err, models.EINVALID, "passMark")
		_, err = cat.UpdateCourse(ctx, c.ID, models.CourseUpdate{PassMark: storetest.Score(1.2), SetPassMark: true})
		storetest.WantCode(t, err, models.EINVALID, "passMark")

		rec := models.CourseRecord{Code: "GFR-1", Title: "GFR 2017", Provider: "NIFM", Format: models.Online, DurationHours: 3}
		with := func(pm *float64) models.CourseRecord { r := rec; r.PassMark, r.HasPassMark = pm, true; return r }
		storetest.NoRejects(t)(bulk.New(db).UpsertCourses(ctx, []models.CourseRecord{with(storetest.Score(0.65))}))
		same("imported", passMark(c.ID), storetest.Score(0.65))
		v := storetest.Must[int64](t)(db.CatalogueVersion(ctx))
		storetest.NoRejects(t)(bulk.New(db).UpsertCourses(ctx, []models.CourseRecord{with(storetest.Score(0.65))}))
		if again := storetest.Must[int64](t)(db.CatalogueVersion(ctx)); again != v {
			t.Errorf("importing the same pass mark again bumped the catalogue %d -> %d", v, again)
		}
		storetest.NoRejects(t)(bulk.New(db).UpsertCourses(ctx, []models.CourseRecord{rec}))
		same("imported without the column", passMark(c.ID), storetest.Score(0.65))
		storetest.NoRejects(t)(bulk.New(db).UpsertCourses(ctx, []models.CourseRecord{with(nil)}))
		same("imported empty", passMark(c.ID), nil)
		rejected := storetest.Must[[]models.RecordError](t)(bulk.New(db).UpsertCourses(ctx, []models.CourseRecord{with(storetest.Score(1.5))}))
		if len(rejected) != 1 || rejected[0].Column != "pass_mark" {
			t.Errorf("a pass mark of 1.5: rejected %+v, want pass_mark", rejected)
		}
	})
}
