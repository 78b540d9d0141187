package plan_test

import (
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/plan"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// planFixture adds to storetest.Fixture three learners (two Section Officers in the
// office and the department, a Director in the ministry), a learner of another
// ministry, and two courses.
type planFixture struct {
	storetest.Fixture
	other                   *models.Organisation
	asha, bhaskar, dev, eve *models.Learner
	gem, speak              *models.Course
}

func newPlanFixture(t *testing.T, db *store.DB) planFixture {
	t.Helper()
	f := planFixture{Fixture: storetest.NewFixture(t, db)}
	f.other = storetest.Must[*models.Organisation](t)(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOHFW", Name: "Ministry of Health", Type: models.OrgMinistry}))
	learner := func(code, designation string, org int64, roles ...int64) *models.Learner {
		return storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: code, Name: "Learner " + code,
			Email: code + "@gov.in", Designation: designation, OrganisationID: org, RoleIDs: roles}))
	}
	f.asha = learner("E1", "Section Officer", f.Office.ID, f.Role.ID)
	f.bhaskar = learner("E2", "section officer", f.Department.ID)
	f.dev = learner("E3", "Director", f.Ministry.ID)
	f.eve = learner("E4", "Section Officer", f.other.ID)
	course := func(code string, c *models.Competency) *models.Course {
		return storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: code, Title: "Course " + code, Provider: "iGOT",
			Format: models.Online, DurationHours: 4, Competencies: []models.CourseCompetency{{CompetencyID: c.ID, FromLevel: 0, ToLevel: 2}}}))
	}
	f.gem, f.speak = course("GEM-101", f.Procurement), course("COMM-101", f.Comm)
	return f
}

func (f planFixture) plan(orgID int64, status models.PlanStatus, due time.Time, a models.PlanAudience) *models.NewPlan {
	return &models.NewPlan{Name: "Procurement drive", OrganisationID: orgID, CourseIDs: []int64{f.gem.ID, f.speak.ID},
		DueDate: due, Audience: a, Status: status}
}

func assignedLearners(t *testing.T, db *store.DB, planID int64) []int64 {
	t.Helper()
	var ids []int64
	if err := db.Bun().NewSelect().Table("plan_learners").Column("learner_id").Where("plan_id = ?", planID).
		Order("learner_id").Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestInsertPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPlanFixture(t, db)
		st := plan.New(db)
		due := time.Now().Add(30 * 24 * time.Hour).UTC()
		t.Run("Audiences", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				org  int64
				a    models.PlanAudience
				want []int64
			}{
				{"EveryoneInSubtree", f.Department.ID, models.PlanAudience{}, []int64{f.asha.ID, f.bhaskar.ID}},
				{"WholeMinistry", f.Ministry.ID, models.PlanAudience{}, []int64{f.asha.ID, f.bhaskar.ID, f.dev.ID}},
				{"DesignationIgnoringCase", f.Ministry.ID, models.PlanAudience{Designations: []string{"SECTION OFFICER"}}, []int64{f.asha.ID, f.bhaskar.ID}},
				{"Role", f.Ministry.ID, models.PlanAudience{RoleIDs: []int64{f.Role.ID}}, []int64{f.asha.ID}},
				{"AnyCriterion", f.Ministry.ID, models.PlanAudience{RoleIDs: []int64{f.Role.ID}, LearnerIDs: []int64{f.dev.ID}}, []int64{f.asha.ID, f.dev.ID}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := storetest.Must[*models.Plan](t)(st.InsertPlan(ctx, f.plan(tc.org, models.PlanDraft, due, tc.a)))
					if p.ID == 0 || p.Status != models.PlanDraft || !p.DueDate.Equal(due.Truncate(time.Microsecond)) {
						t.Fatalf("plan = %+v", p)
					}
					if got := assignedLearners(t, db, p.ID); !slices.Equal(got, tc.want) {
						t.Fatalf("assigned %v, want %v", got, tc.want)
					}
				})
			}
		})

		t.Run("LiveBumpsVersionsAndAssigns", func(t *testing.T) {
			before := map[int64]int64{}
			for _, l := range []*models.Learner{f.asha, f.bhaskar, f.dev} {
				before[l.ID] = storetest.Version(t, db, l.ID)
			}
			p := storetest.Must[*models.Plan](t)(st.InsertPlan(ctx, f.plan(f.Department.ID, models.PlanLive, due, models.PlanAudience{})))
			for id, v := range before {
				want := v + 1
				if id == f.dev.ID { // not in the department
					want = v
				}
				if got := storetest.Version(t, db, id); got != want {
					t.Errorf("learner %d: version %d -> %d, want %d", id, v, got, want)
				}
			}
			got := storetest.Must[map[int64][]models.AssignedCourse](t)(st.FindAssignedCourses(ctx, []int64{f.asha.ID, f.dev.ID}))
			a := got[f.asha.ID]
			if len(got[f.dev.ID]) != 0 || len(a) != 2 || a[0].CourseID != f.gem.ID || a[1].CourseID != f.speak.ID ||
				a[0].PlanID != p.ID || !a[0].DueDate.Equal(p.DueDate) || a[0].Status != nil {
				t.Fatalf("assigned courses = %+v", got)
			}
			ids := storetest.Must[map[int64][]int64](t)(st.FindCourseIDsByPlanIDs(ctx, []int64{p.ID}))
			if !slices.Equal(ids[p.ID], []int64{f.gem.ID, f.speak.ID}) {
				t.Fatalf("courses = %v", ids)
			}

			// Progress moves as Asha enrols in and completes a course, and her department's Bhaskar enrols.
			progress := func(scope models.PlanProgressScope) models.PlanProgress {
				t.Helper()
				return *storetest.Must[map[int64]*models.PlanProgress](t)(st.FindPlanProgress(ctx, []int64{p.ID}, scope))[p.ID]
			}
			if got := progress(models.PlanProgressScope{}); got != (models.PlanProgress{PlanID: p.ID, Assigned: 4}) {
				t.Fatalf("progress = %+v", got)
			}
			e := storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, f.asha.ID, f.gem.ID))
			storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, e.ID, 1))
			storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, f.bhaskar.ID, f.speak.ID))
			if got := progress(models.PlanProgressScope{}); got != (models.PlanProgress{PlanID: p.ID, Assigned: 4, Enrolled: 2, Completed: 1}) {
				t.Fatalf("progress = %+v", got)
			}
			if got := progress(models.PlanProgressScope{LearnerID: &f.asha.ID}); got != (models.PlanProgress{PlanID: p.ID, Assigned: 2, Enrolled: 1, Completed: 1}) {
				t.Fatalf("Asha's progress = %+v", got)
			}
			if got := progress(models.PlanProgressScope{WithinOrganisationID: &f.Office.ID}); got.Assigned != 2 || got.Completed != 1 {
				t.Fatalf("the office's progress = %+v", got)
			}
			status := storetest.Must[map[int64][]models.AssignedCourse](t)(st.FindAssignedCourses(ctx, []int64{f.asha.ID}))[f.asha.ID]
			if status[0].Status == nil || *status[0].Status != models.Completed || status[1].Status != nil {
				t.Fatalf("statuses = %+v", status)
			}

			// Once the due date passes, whatever is not completed is overdue.
			if _, err := db.Bun().NewUpdate().Table("plans").Set("due_date = ?", time.Now().Add(-time.Hour).UTC()).
				Where("id = ?", p.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if got := progress(models.PlanProgressScope{}); got.Overdue != 3 || got.Completed != 1 {
				t.Fatalf("progress after the due date = %+v", got)
			}
		})

		t.Run("DraftAssignsNothingYet", func(t *testing.T) {
			v := storetest.Version(t, db, f.eve.ID)
			p := storetest.Must[*models.Plan](t)(st.InsertPlan(ctx, f.plan(f.other.ID, models.PlanDraft, due, models.PlanAudience{})))
			if got := storetest.Version(t, db, f.eve.ID); got != v {
				t.Errorf("a DRAFT plan bumped the version %d -> %d", v, got)
			}
			if got := storetest.Must[map[int64][]models.AssignedCourse](t)(st.FindAssignedCourses(ctx, []int64{f.eve.ID})); len(got[f.eve.ID]) != 0 {
				t.Errorf("a DRAFT plan assigned %+v", got)
			}
			if got := assignedLearners(t, db, p.ID); !slices.Equal(got, []int64{f.eve.ID}) {
				t.Errorf("audience = %v", got)
			}
		})
	})
}

func TestFindPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPlanFixture(t, db)
		st := plan.New(db)
		day := func(n int) time.Time {
			return time.Now().UTC().Truncate(24 * time.Hour).Add(time.Duration(n) * 24 * time.Hour)
		}
		mk := func(org int64, status models.PlanStatus, n int) *models.Plan {
			return storetest.Must[*models.Plan](t)(st.InsertPlan(ctx, f.plan(org, status, day(n), models.PlanAudience{})))
		}
		ministry := mk(f.Ministry.ID, models.PlanLive, 10)
		office := mk(f.Office.ID, models.PlanLive, 30)
		draft := mk(f.Department.ID, models.PlanDraft, 20)
		elsewhere := mk(f.other.ID, models.PlanLive, 40)
		same := mk(f.Office.ID, models.PlanRetired, 30) // same due date as office: the later ID first

		ids := func(fl models.PlanFilter, p models.PageRequest) ([]int64, *models.Page[*models.Plan]) {
			t.Helper()
			page := storetest.Must[*models.Page[*models.Plan]](t)(st.FindPlans(ctx, fl, p))
			var out []int64
			for _, p := range page.Items {
				out = append(out, p.ID)
			}
			return out, page
		}
		if got, page := ids(models.PlanFilter{}, models.PageRequest{First: 10}); !slices.Equal(got, []int64{elsewhere.ID, same.ID, office.ID, draft.ID, ministry.ID}) || page.TotalCount != 5 {
			t.Fatalf("all plans = %v (total %d)", got, page.TotalCount)
		}
		if got, _ := ids(models.PlanFilter{OrganisationID: &f.Department.ID}, models.PageRequest{First: 10}); !slices.Equal(got, []int64{same.ID, office.ID, draft.ID}) {
			t.Fatalf("the department's plans = %v", got)
		}
		if got, _ := ids(models.PlanFilter{OrganisationID: &f.Ministry.ID, WithinOrganisationID: &f.Office.ID}, models.PageRequest{First: 10}); !slices.Equal(got, []int64{same.ID, office.ID}) {
			t.Fatalf("the ministry's plans an office admin sees = %v", got)
		}
		if got, _ := ids(models.PlanFilter{OrganisationID: &f.other.ID, WithinOrganisationID: &f.Office.ID}, models.PageRequest{First: 10}); len(got) != 0 {
			t.Fatalf("another ministry's plans through an office admin = %v", got)
		}
		// A learner sees the LIVE plans that assign them courses.
		if got, _ := ids(models.PlanFilter{AssignedLearnerID: &f.asha.ID}, models.PageRequest{First: 10}); !slices.Equal(got, []int64{office.ID, ministry.ID}) {
			t.Fatalf("Asha's plans = %v", got)
		}
		if got, _ := ids(models.PlanFilter{AssignedLearnerID: &f.dev.ID}, models.PageRequest{First: 10}); !slices.Equal(got, []int64{ministry.ID}) {
			t.Fatalf("Dev's plans = %v", got)
		}
		// Keyset paging walks the same order.
		var walked []int64
		p := models.PageRequest{First: 2}
		for {
			got, page := ids(models.PlanFilter{}, p)
			walked = append(walked, got...)
			if !page.HasNextPage {
				break
			}
			p.After = &page.Cursors[len(page.Cursors)-1]
		}
		if !slices.Equal(walked, []int64{elsewhere.ID, same.ID, office.ID, draft.ID, ministry.ID}) {
			t.Fatalf("paged = %v", walked)
		}
		unknown := int64(999999)
		if got, _ := ids(models.PlanFilter{OrganisationID: &unknown}, models.PageRequest{First: 10}); len(got) != 0 {
			t.Fatalf("an unknown organisation's plans = %v", got)
		}
		if got := storetest.Must[map[int64]*models.Plan](t)(st.FindPlansByIDs(ctx, []int64{office.ID, unknown})); len(got) != 1 || got[office.ID].Name != "Procurement drive" {
			t.Fatalf("by IDs = %v", got)
		}
		_, err := st.FindPlanByID(ctx, unknown)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
	})
}

// tableCounts counts the rows of the tables a plan writes to, and the learners'
// versions, to prove a rejected plan stored nothing.
func tableCounts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"plans", "plan_courses", "plan_learners"} {
		n, err := db.Bun().NewSelect().Table(table).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = int(n)
	}
	var versions int
	if err := db.Bun().NewSelect().Table("learners").ColumnExpr("COALESCE(SUM(version), 0)").Scan(ctx, &versions); err != nil {
		t.Fatal(err)
	}
	out["learner versions"] = versions
	return out
}

// TestCreatePlanErrors: every refusal of CreatePlan, the service's validation
// and the store's alike, leaves the store as it was.
func TestCreatePlanErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPlanFixture(t, db)
		plans := &service.Plans{Store: plan.New(db)}
		due := time.Now().Add(24 * time.Hour)
		before := tableCounts(t, db)
		for _, tc := range []struct {
			name, code, field string
			edit              func(n *models.NewPlan)
		}{
			{"ErrEmptyName", models.EINVALID, "name", func(n *models.NewPlan) { n.Name = "  " }},
			{"ErrNoCourses", models.EINVALID, "courseIds", func(n *models.NewPlan) { n.CourseIDs = nil }},
			{"ErrCourseTwice", models.EINVALID, "courseIds[1]", func(n *models.NewPlan) { n.CourseIDs = []int64{f.gem.ID, f.gem.ID} }},
			{"ErrUnknownCourse", models.EINVALID, "courseIds[1]", func(n *models.NewPlan) { n.CourseIDs = []int64{f.gem.ID, 999999} }},
			{"ErrPastDueDate", models.EINVALID, "dueDate", func(n *models.NewPlan) { n.DueDate = time.Now().Add(-time.Minute) }},
			{"ErrStatus", models.EINVALID, "status", func(n *models.NewPlan) { n.Status = "PAUSED" }},
			{"ErrUnknownOrganisation", models.EINVALID, "organisationId", func(n *models.NewPlan) { n.OrganisationID = 999999 }},
			{"ErrUnknownRole", models.EINVALID, "audienceRoleIds[1]", func(n *models.NewPlan) { n.Audience.RoleIDs = []int64{f.Role.ID, 999999} }},
			{"ErrLearnerOutsideSubtree", models.EINVALID, "audienceLearnerIds[1]", func(n *models.NewPlan) { n.Audience.LearnerIDs = []int64{f.asha.ID, f.eve.ID} }},
			{"ErrUnknownLearner", models.EINVALID, "audienceLearnerIds[0]", func(n *models.NewPlan) { n.Audience.LearnerIDs = []int64{999999} }},
			{"ErrDesignationTwice", models.EINVALID, "audienceDesignations[1]", func(n *models.NewPlan) { n.Audience.Designations = []string{"Director", "director "} }},
			{"ErrEmptyAudience", models.EINVALID, "", func(n *models.NewPlan) { n.Audience.Designations = []string{"Astronaut"} }},
			{"ErrEmptyOrganisation", models.EINVALID, "", func(n *models.NewPlan) {
				n.OrganisationID = storetest.Must[*models.Organisation](t)(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "EMPTY", Name: "No one here",
					Type: models.OrgMinistry})).ID
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n := f.plan(f.Ministry.ID, models.PlanLive, due, models.PlanAudience{})
				tc.edit(n)
				_, err := plans.CreatePlan(ctx, n)
				storetest.WantCode(t, err, tc.code, tc.field)
				if after := tableCounts(t, db); !mapsEqual(before, after) {
					t.Fatalf("a rejected plan changed the store: %v -> %v", before, after)
				}
			})
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestMovePlan: going LIVE assigns the audience kept with the plan as it is then
// and bumps the versions of the learners it assigns; retiring keeps the
// assignments; a move backwards, the same status again, and an unknown plan.
func TestMovePlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPlanFixture(t, db)
		st := plan.New(db)
		due := time.Now().Add(30 * 24 * time.Hour).UTC()
		p := storetest.Must[*models.Plan](t)(st.InsertPlan(ctx, f.plan(f.Department.ID, models.PlanDraft, due,
			models.PlanAudience{Designations: []string{"Section Officer"}})))
		if got := assignedLearners(t, db, p.ID); !slices.Equal(got, []int64{f.asha.ID, f.bhaskar.ID}) {
			t.Fatalf("a DRAFT plan's audience = %v", got)
		}
		// A learner who joins the audience before the plan goes LIVE is assigned.
		carol := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E5", Name: "Learner E5",
			Email: "E5@gov.in", Designation: "Section Officer", OrganisationID: f.Office.ID}))
		before := map[int64]int64{}
		for _, id := range []int64{f.asha.ID, carol.ID, f.dev.ID} {
			before[id] = storetest.Version(t, db, id)
		}
		live := storetest.Must[*models.Plan](t)(st.MovePlan(ctx, p.ID, models.PlanLive))
		if live.Status != models.PlanLive {
			t.Fatalf("moved to %s", live.Status)
		}
		if got := assignedLearners(t, db, p.ID); !slices.Equal(got, []int64{f.asha.ID, f.bhaskar.ID, carol.ID}) {
			t.Fatalf("the LIVE plan's audience = %v", got)
		}
		for id, v := range before {
			want := v + 1
			if id == f.dev.ID {
				want = v
			}
			if got := storetest.Version(t, db, id); got != want {
				t.Errorf("learner %d: version %d -> %d, want %d", id, v, got, want)
			}
		}
		again := storetest.Must[*models.Plan](t)(st.MovePlan(ctx, p.ID, models.PlanLive))
		if !again.UpdatedAt.Equal(live.UpdatedAt) {
			t.Errorf("the same status again changed the plan: %+v", again)
		}
		_, err := st.MovePlan(ctx, p.ID, models.PlanDraft)
		storetest.WantCode(t, err, models.EINVALID, "status")
		storetest.Must[*models.Plan](t)(st.MovePlan(ctx, p.ID, models.PlanRetired))
		if got := assignedLearners(t, db, p.ID); len(got) != 3 {
			t.Fatalf("retiring dropped the assignments: %v", got)
		}
		if got := storetest.Must[map[int64][]models.AssignedCourse](t)(st.FindAssignedCourses(ctx, []int64{f.asha.ID})); len(got[f.asha.ID]) != 0 {
			t.Fatalf("a RETIRED plan still assigns %+v", got)
		}
		_, err = st.MovePlan(ctx, 999999, models.PlanLive)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
	})
}
