package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

var ctx = context.Background()

func TestOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		if want := fmt.Sprintf("/%d/%d/%d/", f.Ministry.ID, f.Department.ID, f.Office.ID); f.Office.Path != want {
			t.Fatalf("path = %q, want %q", f.Office.Path, want)
		}
		top := storetest.Must[*models.Page[*models.Organisation]](t)(db.FindOrganisations(ctx, models.OrganisationFilter{}, models.PageRequest{First: 10}))
		if top.TotalCount != 1 || top.Items[0].Code != "MOF" {
			t.Fatalf("top level = %+v", top.Items)
		}
		kids := storetest.Must[*models.Page[*models.Organisation]](t)(db.FindOrganisations(ctx, models.OrganisationFilter{ParentID: &f.Ministry.ID}, models.PageRequest{First: 10}))
		if kids.TotalCount != 1 || kids.Items[0].ID != f.Department.ID {
			t.Fatalf("children = %+v", kids.Items)
		}
		missing := int64(999999)
		for _, tc := range []struct {
			name  string
			in    models.NewOrganisation
			code  string
			field string
		}{
			{"ErrDuplicateCode", models.NewOrganisation{Code: "MOF", Name: "Again", Type: models.OrgMinistry}, models.ECONFLICT, "code"},
			{"ErrUnknownParent", models.NewOrganisation{Code: "X", Name: "X", Type: models.OrgDepartment, ParentID: &missing}, models.EINVALID, "parentId"},
			{"ErrMinistryWithParent", models.NewOrganisation{Code: "X", Name: "X", Type: models.OrgMinistry, ParentID: &f.Ministry.ID}, models.EINVALID, "parentId"},
			{"ErrDepartmentUnderDepartment", models.NewOrganisation{Code: "X", Name: "X", Type: models.OrgDepartment, ParentID: &f.Department.ID}, models.EINVALID, "parentId"},
			{"ErrBadCode", models.NewOrganisation{Code: "has space", Name: "X", Type: models.OrgMinistry}, models.EINVALID, "code"},
			{"ErrBadType", models.NewOrganisation{Code: "X", Name: "X", Type: "CITY"}, models.EINVALID, "type"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := service.NewOrganisations(db).CreateOrganisation(ctx, &tc.in) // the use case: validation, then the store
				storetest.WantCode(t, err, tc.code, tc.field)
			})
		}
		_, err := db.FindOrganisationByID(ctx, missing)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
	})
}

func TestLearnersPagingAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		orgs := []*models.Organisation{f.Ministry, f.Department, f.Office}
		const n = 137
		for i := range n {
			l := &models.NewLearner{EmployeeCode: fmt.Sprintf("EMP%04d", (i*37)%n), Name: fmt.Sprintf("Learner %d", i),
				Email: fmt.Sprintf("Learner.%d@Gov.IN", i), Designation: "Section Officer", OrganisationID: orgs[i%3].ID}
			if i%2 == 0 {
				l.RoleIDs = []int64{f.Role.ID}
			}
			storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, l))
		}
		t.Run("PagingVisitsEveryLearnerOnce", func(t *testing.T) {
			seen := map[int64]bool{}
			var codes []string
			p := models.PageRequest{First: 10}
			for {
				page := storetest.Must[*models.Page[*models.Learner]](t)(db.FindLearners(ctx, models.LearnerFilter{}, p))
				if page.TotalCount != n {
					t.Fatalf("totalCount = %d, want %d", page.TotalCount, n)
				}
				for _, l := range page.Items {
					if seen[l.ID] {
						t.Fatalf("learner %s seen twice", l.EmployeeCode)
					}
					seen[l.ID] = true
					codes = append(codes, l.EmployeeCode)
				}
				if !page.HasNextPage {
					break
				}
				c := page.Cursors[len(page.Cursors)-1]
				p.After = &c
			}
			if len(seen) != n || !slices.IsSorted(codes) {
				t.Fatalf("visited %d learners, sorted %v", len(seen), slices.IsSorted(codes))
			}
		})
		count := func(f models.LearnerFilter) int {
			return storetest.Must[*models.Page[*models.Learner]](t)(db.FindLearners(ctx, f, models.PageRequest{First: 1})).TotalCount
		}
		search := func(s string) *string { return &s }
		for _, tc := range []struct {
			name   string
			filter models.LearnerFilter
			want   int
		}{
			{"Subtree", models.LearnerFilter{OrganisationID: &f.Ministry.ID, IncludeSubOrganisations: true}, n},
			{"DepartmentSubtree", models.LearnerFilter{OrganisationID: &f.Department.ID, IncludeSubOrganisations: true}, 91},
			{"DirectMembers", models.LearnerFilter{OrganisationID: &f.Ministry.ID}, 46},
			{"Role", models.LearnerFilter{RoleID: &f.Role.ID}, 69},
			{"SearchName", models.LearnerFilter{Search: search("learner 13")}, 8}, // "Learner 13" and "Learner 130".."136"
			{"SearchWildcardIsLiteral", models.LearnerFilter{Search: search("%")}, 0},
			{"SearchCode", models.LearnerFilter{Search: search("emp001")}, 10},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := count(tc.filter); got != tc.want {
					t.Fatalf("count = %d, want %d", got, tc.want)
				}
			})
		}
		t.Run("ErrEmailInUse", func(t *testing.T) {
			_, err := db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "NEW1", Name: "N", Email: "LEARNER.1@gov.in", Designation: "SO", OrganisationID: f.Office.ID})
			storetest.WantCode(t, err, models.ECONFLICT, "email")
		})
		t.Run("ErrEmployeeCodeInUse", func(t *testing.T) {
			_, err := db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "EMP0001", Name: "N", Email: "new@gov.in", Designation: "SO", OrganisationID: f.Office.ID})
			storetest.WantCode(t, err, models.ECONFLICT, "employeeCode")
		})
		t.Run("ErrUnknownRole", func(t *testing.T) {
			_, err := db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "NEW2", Name: "N", Email: "new2@gov.in", Designation: "SO", OrganisationID: f.Office.ID, RoleIDs: []int64{f.Role.ID, 424242}})
			storetest.WantCode(t, err, models.EINVALID, "roleIds[1]")
		})
		t.Run("AssignRoleBumpsVersionOnce", func(t *testing.T) {
			l := storetest.Must[*models.Page[*models.Learner]](t)(db.FindLearners(ctx, models.LearnerFilter{Search: search("Learner 1")}, models.PageRequest{First: 1})).Items[0]
			held := storetest.Must[map[int64][]int64](t)(db.FindRoleIDsByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
			after := storetest.Must[*models.Learner](t)(db.InsertLearnerRole(ctx, l.ID, f.Role.ID))
			again := storetest.Must[*models.Learner](t)(db.InsertLearnerRole(ctx, l.ID, f.Role.ID))
			wantVersion := l.Version
			if !slices.Contains(held, f.Role.ID) {
				wantVersion++
			}
			if after.Version != wantVersion || again.Version != wantVersion {
				t.Fatalf("versions %d, %d; want %d", after.Version, again.Version, wantVersion)
			}
			_, err := db.InsertLearnerRole(ctx, l.ID, 424242)
			storetest.WantCode(t, err, models.EINVALID, "roleId")
		})
	})
}

func TestCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		v0 := storetest.Must[int64](t)(db.CatalogueVersion(ctx))
		course := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "CRS-1", Title: "GeM Procurement in Practice", Provider: "NIFM",
			Format: models.Online, DurationHours: 6, Competencies: []models.CourseCompetency{{CompetencyID: f.Procurement.ID, FromLevel: 1, ToLevel: 3}}}))
		storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "CRS-2", Title: "Writing for Government", Provider: "ISTM",
			Format: models.Blended, DurationHours: 12, Competencies: []models.CourseCompetency{{CompetencyID: f.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
		if v := storetest.Must[int64](t)(db.CatalogueVersion(ctx)); v != v0+2 {
			t.Fatalf("catalogue version = %d, want %d", v, v0+2)
		}
		levels := storetest.Must[map[int64][]models.CompetencyLevel](t)(db.FindLevelsByCompetencyIDs(ctx, []int64{f.Comm.ID}))[f.Comm.ID]
		if len(levels) != 5 || levels[0].Level != 1 || levels[4].Level != 5 {
			t.Fatalf("levels = %+v", levels)
		}
		courses := func(cf models.CourseFilter) []string {
			var codes []string
			for _, c := range storetest.Must[*models.Page[*models.Course]](t)(db.FindCourses(ctx, cf, models.PageRequest{First: 50})).Items {
				codes = append(codes, c.Code)
			}
			return codes
		}
		three, four, online, ten, geM, nifm := 3, 4, models.Online, 10.0, "gem", "NIFM"
		for _, tc := range []struct {
			name   string
			filter models.CourseFilter
			want   []string
		}{
			{"All", models.CourseFilter{}, []string{"CRS-1", "CRS-2"}},
			{"Competency", models.CourseFilter{CompetencyID: &f.Procurement.ID}, []string{"CRS-1"}},
			{"MinLevelMet", models.CourseFilter{CompetencyID: &f.Procurement.ID, MinLevel: &three}, []string{"CRS-1"}},
			{"MinLevelUnmet", models.CourseFilter{CompetencyID: &f.Procurement.ID, MinLevel: &four}, nil},
			{"Format", models.CourseFilter{Format: &online}, []string{"CRS-1"}},
			{"MaxDuration", models.CourseFilter{MaxDurationHours: &ten}, []string{"CRS-1"}},
			{"SearchTitle", models.CourseFilter{Search: &geM}, []string{"CRS-1"}},
			{"Provider", models.CourseFilter{Provider: &nifm}, []string{"CRS-1"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := courses(tc.filter); !slices.Equal(got, tc.want) {
					t.Fatalf("courses = %v, want %v", got, tc.want)
				}
			})
		}
		t.Run("UpdateCourseReplacesCompetencies", func(t *testing.T) {
			title := "GeM Procurement, Revised"
			c := storetest.Must[*models.Course](t)(db.SaveCourse(ctx, course.ID, models.CourseUpdate{Title: &title, ReplaceCompetencies: true,
				Competencies: []models.CourseCompetency{{CompetencyID: f.Comm.ID, FromLevel: 2, ToLevel: 4}}}))
			got := storetest.Must[map[int64][]models.CourseCompetency](t)(db.FindCourseCompetenciesByCourseIDs(ctx, []int64{course.ID}))[course.ID]
			if c.Title != title || len(got) != 1 || got[0].CompetencyID != f.Comm.ID || got[0].ToLevel != 4 {
				t.Fatalf("course %+v competencies %+v", c, got)
			}
		})
		cat := service.NewCatalogue(db) // the use cases: validation, then the store
		for _, tc := range []struct {
			name        string
			err         func() error
			code, field string
		}{
			{"ErrToLevelNotAboveFrom", func() error {
				_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "C9", Title: "T", Provider: "P", Format: models.Online, DurationHours: 1,
					Competencies: []models.CourseCompetency{{CompetencyID: f.Comm.ID, FromLevel: 3, ToLevel: 3}}})
				return err
			}, models.EINVALID, "competencies[0].toLevel"},
			{"ErrUnknownCompetency", func() error {
				_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "C9", Title: "T", Provider: "P", Format: models.Online, DurationHours: 1,
					Competencies: []models.CourseCompetency{{CompetencyID: 424242, FromLevel: 0, ToLevel: 1}}})
				return err
			}, models.EINVALID, "competencies[0].competencyId"},
			{"ErrDurationZero", func() error {
				_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "C9", Title: "T", Provider: "P", Format: models.Online})
				return err
			}, models.EINVALID, "durationHours"},
			{"ErrCourseCodeInUse", func() error {
				_, err := cat.CreateCourse(ctx, &models.NewCourse{Code: "CRS-1", Title: "T", Provider: "P", Format: models.Online, DurationHours: 1})
				return err
			}, models.ECONFLICT, "code"},
			{"ErrUpdateMissingCourse", func() error { _, err := cat.UpdateCourse(ctx, 424242, models.CourseUpdate{}); return err }, models.ENOTFOUND, ""},
			{"ErrLevelOutOfRange", func() error {
				_, err := cat.CreateCompetency(ctx, &models.NewCompetency{Code: "X", Name: "X", Type: models.Domain, Area: "A",
					Levels: []models.CompetencyLevel{{Level: 6, Name: "n", Description: "d"}}})
				return err
			}, models.EINVALID, "levels[0].level"},
			{"ErrRequirementUnknownCompetency", func() error {
				_, err := cat.CreateRole(ctx, &models.NewRole{Code: "R9", Name: "R", Requirements: []models.RoleRequirement{{CompetencyID: 424242, RequiredLevel: 1, Weight: 1}}})
				return err
			}, models.EINVALID, "requirements[0].competencyId"},
			{"ErrRequirementWeight", func() error {
				_, err := cat.SetRoleRequirement(ctx, models.RoleRequirement{RoleID: f.Role.ID, CompetencyID: f.Comm.ID, RequiredLevel: 2, Weight: 0})
				return err
			}, models.EINVALID, "weight"},
			{"ErrRequirementUnknownRole", func() error {
				_, err := cat.SetRoleRequirement(ctx, models.RoleRequirement{RoleID: 424242, CompetencyID: f.Comm.ID, RequiredLevel: 2, Weight: 1})
				return err
			}, models.ENOTFOUND, ""},
		} {
			t.Run(tc.name, func(t *testing.T) { storetest.WantCode(t, tc.err(), tc.code, tc.field) })
		}
		t.Run("SetRoleRequirementReplaces", func(t *testing.T) {
			storetest.Must[*models.Role](t)(db.SaveRoleRequirement(ctx, models.RoleRequirement{RoleID: f.Role.ID, CompetencyID: f.Comm.ID, RequiredLevel: 4, Weight: 2.5}))
			storetest.Must[*models.Role](t)(db.SaveRoleRequirement(ctx, models.RoleRequirement{RoleID: f.Role.ID, CompetencyID: f.Procurement.ID, RequiredLevel: 3, Weight: 1}))
			reqs := storetest.Must[map[int64][]models.RoleRequirement](t)(db.FindRequirementsByRoleIDs(ctx, []int64{f.Role.ID}))[f.Role.ID]
			want := []models.RoleRequirement{{RoleID: f.Role.ID, CompetencyID: f.Comm.ID, RequiredLevel: 4, Weight: 2.5},
				{RoleID: f.Role.ID, CompetencyID: f.Procurement.ID, RequiredLevel: 3, Weight: 1}}
			if !slices.Equal(reqs, want) {
				t.Fatalf("requirements = %+v, want %+v", reqs, want)
			}
		})
	})
}

// TestDatabaseConstraints proves the rules hold in the database itself, not only in Go.
func TestDatabaseConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		course := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "CRS-1", Title: "T", Provider: "P", Format: models.Online, DurationHours: 1}))
		for _, tc := range []struct{ name, sql string }{
			{"ToLevelAboveFromLevel", fmt.Sprintf("INSERT INTO course_competencies (course_id, competency_id, from_level, to_level) VALUES (%d, %d, 3, 2)", course.ID, f.Comm.ID)},
			{"RequiredLevelInRange", fmt.Sprintf("INSERT INTO role_requirements (role_id, competency_id, required_level, weight) VALUES (%d, %d, 6, 1)", f.Role.ID, f.Procurement.ID)},
			{"WeightPositive", fmt.Sprintf("INSERT INTO role_requirements (role_id, competency_id, required_level, weight) VALUES (%d, %d, 2, 0)", f.Role.ID, f.Procurement.ID)},
			{"LevelDescriptorInRange", fmt.Sprintf("INSERT INTO competency_levels (competency_id, level, name, description) VALUES (%d, 0, 'n', 'd')", f.Comm.ID)},
			{"UniqueCompetencyCode", "INSERT INTO competencies (code, name, type, area) VALUES ('BEH-010', 'n', 'BEHAVIOURAL', 'a')"},
			{"CompetencyType", "INSERT INTO competencies (code, name, type, area) VALUES ('NEW', 'n', 'SOFT', 'a')"},
			{"MinistryHasNoParent", fmt.Sprintf("INSERT INTO organisations (code, name, type, parent_id, path) VALUES ('M2', 'n', 'MINISTRY', %d, '/x/')", f.Ministry.ID)},
			{"KnownOrganisation", "INSERT INTO learners (employee_code, name, email, designation, organisation_id) VALUES ('E', 'n', 'e@gov.in', 'd', 424242)"},
			{"LowerCaseEmail", fmt.Sprintf("INSERT INTO learners (employee_code, name, email, designation, organisation_id) VALUES ('E', 'n', 'E@gov.in', 'd', %d)", f.Office.ID)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := db.Bun().ExecContext(ctx, tc.sql); err == nil {
					t.Fatalf("database accepted %s", tc.sql)
				}
			})
		}
	})
}

// TestSchemasAgree proves both dialects' migrations build the same tables and columns.
func TestSchemasAgree(t *testing.T) {
	columns := map[string][]string{}
	for _, engine := range storetest.Engines {
		db := storetest.Open(t, engine)
		var rows []struct {
			Table  string `bun:"table_name"`
			Column string `bun:"column_name"`
		}
		q := `SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2`
		if engine == "postgres" {
			q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2`
		}
		if err := db.Bun().NewRaw(q).Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			columns[engine] = append(columns[engine], r.Table+"."+r.Column)
		}
	}
	lite, pg := columns["sqlite"], columns["postgres"]
	if len(lite) < 60 || !slices.Equal(lite, pg) {
		t.Fatalf("schemas differ:\nsqlite:   %s\npostgres: %s", strings.Join(lite, " "), strings.Join(pg, " "))
	}
}

func TestMigrateDownAndUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		all := len(storetest.Must[[]string](t)(db.MigrationStatus(ctx)))
		// storetest migrated in one group, so one rollback undoes every migration.
		if n := storetest.Must[int](t)(db.Rollback(ctx)); n != all || all < 2 {
			t.Fatalf("rolled back %d of %d migrations", n, all)
		}
		if _, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 1}); err == nil {
			t.Fatal("learners table survived the rollback")
		}
		if n := storetest.Must[int](t)(db.Migrate(ctx)); n != all {
			t.Fatalf("applied %d of %d migrations", n, all)
		}
		for _, line := range storetest.Must[[]string](t)(db.MigrationStatus(ctx)) {
			if !strings.HasSuffix(line, "applied") {
				t.Fatalf("status line %q", line)
			}
		}
	})
}

// TestConcurrentMigrations starts several processes' worth of migrations on one
// fresh database at once: one applies them, the others wait and find nothing to do.
func TestConcurrentMigrations(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.OpenURL(t, engine)
			const replicas = 4
			applied := make(chan int, replicas)
			errs := make(chan error, replicas)
			for range replicas {
				go func() {
					db, err := store.Open(ctx, url)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close()
					n, err := db.Migrate(ctx)
					applied <- n
					errs <- err
				}()
			}
			total := 0
			for range replicas {
				if err := <-errs; err != nil {
					t.Fatalf("a replica failed to migrate: %v", err)
				}
				total += <-applied
			}
			db := storetest.Must[*store.DB](t)(store.Open(ctx, url))
			defer db.Close()
			if again := storetest.Must[int](t)(db.Migrate(ctx)); again != 0 || total == 0 {
				t.Fatalf("applied %d in all, %d left over", total, again)
			}
		})
	}
}
