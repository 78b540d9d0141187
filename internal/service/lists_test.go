package service_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// demo is the demo data set (`karmayogi seed` with its defaults) on SQLite.
func demo(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.Open(t, "sqlite")
	if _, err := seed.Run(ctx, bulk.New(db), seed.Options{}); err != nil {
		t.Fatal(err)
	}
	return db
}

// domainJudge tells the domain of a course and the domains a learner may be shown,
// read from the store independently of the service.
type domainJudge struct {
	db         *store.DB
	competency map[int64]*models.Competency
	imparts    map[int64][]models.CourseCompetency
	orgs       map[int64]*models.Organisation
}

func newDomainJudge(t *testing.T, db *store.DB) *domainJudge {
	t.Helper()
	c, err := db.FindCatalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, len(c.CompetencyNames))
	for id := range c.CompetencyNames {
		ids = append(ids, id)
	}
	comps, err := db.FindCompetenciesByIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.FindOrganisations(ctx, models.OrganisationFilter{}, models.PageRequest{First: 500})
	if err != nil {
		t.Fatal(err)
	}
	j := &domainJudge{db: db, competency: comps, imparts: c.Imparts, orgs: map[int64]*models.Organisation{}}
	var walk func(o *models.Organisation)
	walk = func(o *models.Organisation) {
		j.orgs[o.ID] = o
		kids, err := db.FindOrganisations(ctx, models.OrganisationFilter{ParentID: &o.ID}, models.PageRequest{First: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kids.Items {
			walk(k)
		}
	}
	for _, o := range page.Items {
		walk(o)
	}
	return j
}

// courseDomains are the areas of the DOMAIN competencies a course imparts.
func (j *domainJudge) courseDomains(courseID int64) []string {
	var out []string
	for _, cc := range j.imparts[courseID] {
		if c := j.competency[cc.CompetencyID]; c.Type == models.Domain && !slices.Contains(out, c.Area) {
			out = append(out, c.Area)
		}
	}
	return out
}

// allowed are the domains of a learner's organisation (its own or an ancestor's)
// and of the DOMAIN competencies the roles measured against require.
func (j *domainJudge) allowed(t *testing.T, l *models.Learner, roleIDs []int64) []string {
	t.Helper()
	var out []string
	o := j.orgs[l.OrganisationID]
	out = append(out, models.EffectiveDomain(o, j.orgs))
	reqs, err := j.db.FindRequirementsByRoleIDs(ctx, roleIDs)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range reqs {
		for _, r := range rs {
			if c := j.competency[r.CompetencyID]; c.Type == models.Domain {
				out = append(out, c.Area)
			}
		}
	}
	return out
}

// TestDemoListsStayInTheLearnersDomains: on the demo data, no item of any learner's
// top 10, of a role transition's top 10 or of a learning path is a course on a
// domain foreign to the learner's organisation and the roles measured against.
func TestDemoListsStayInTheLearnersDomains(t *testing.T) {
	db := demo(t)
	j := newDomainJudge(t, db)
	s := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	ds, err := db.FindRoleByCode(ctx, "ROLE-DS")
	if err != nil {
		t.Fatal(err)
	}
	check := func(l *models.Learner, what string, roleIDs []int64, courses []int64) {
		t.Helper()
		allowed := j.allowed(t, l, roleIDs)
		for _, id := range courses {
			for _, d := range j.courseDomains(id) {
				if !slices.Contains(allowed, d) {
					t.Errorf("%s of %s (%s in %s): course %d is on %q, outside %v", what, l.EmployeeCode, l.Designation, j.orgs[l.OrganisationID].Code, id, d, allowed)
				}
			}
		}
	}
	learners, checked := 0, 0
	var after *models.Cursor
	for {
		page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 500, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page.Items {
			learners++
			roles, err := db.FindRoleIDsByLearnerIDs(ctx, []int64{l.ID})
			if err != nil {
				t.Fatal(err)
			}
			list, err := s.Recommend(ctx, l, nil, 10)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int64, len(list.Items))
			for k, it := range list.Items {
				ids[k] = it.CourseID
			}
			check(l, "top 10", roles[l.ID], ids)
			checked += len(ids)
			if learners%10 == 0 { // role transitions and paths on a tenth of the learners
				toDS, err := s.Recommend(ctx, l, &ds.ID, 10)
				if err != nil {
					t.Fatal(err)
				}
				ids = ids[:0]
				for _, it := range toDS.Items {
					ids = append(ids, it.CourseID)
				}
				check(l, "top 10 towards Deputy Secretary", []int64{ds.ID}, ids)
				path, err := s.Path(ctx, l, nil, 40)
				if err != nil {
					t.Fatal(err)
				}
				ids = ids[:0]
				for _, st := range path.Steps {
					ids = append(ids, st.CourseID)
				}
				check(l, "learning path", roles[l.ID], ids)
			}
		}
		if !page.HasNextPage {
			break
		}
		after = &page.Cursors[len(page.Cursors)-1]
	}
	if learners < 2000 || checked < 10*learners*9/10 {
		t.Fatalf("%d learners, %d items checked", learners, checked)
	}
}

// TestColdStart: a learner without a role is measured against what others with
// their designation in their organisation are, failing that against their
// organisation's most common needs, and every explanation says so; with no evidence
// either, the levels are stated as assumed.
func TestColdStart(t *testing.T) {
	db, seededLearner := seeded(t, "sqlite", 300)
	s := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	org, err := db.FindOrganisationByID(ctx, seededLearner.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, code, designation, basis string
	}{
		{"SameDesignation", "NEW0001", seededLearner.Designation,
			"you hold no role yet, so this is measured against the roles held by others with your designation (" + seededLearner.Designation + ") in " + org.Name},
		{"OrganisationFallback", "NEW0002", "Chief Whistle Inspector",
			"you hold no role yet, so this is measured against the most common needs of " + org.Name},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: tc.code, Name: "New Joiner", Email: strings.ToLower(tc.code) + "@gov.in",
				Designation: tc.designation, OrganisationID: org.ID})
			if err != nil {
				t.Fatal(err)
			}
			list, err := s.Recommend(ctx, l, nil, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Items) < 5 {
				t.Fatalf("a learner without a role gets %d items", len(list.Items))
			}
			for _, it := range list.Items {
				if !strings.HasSuffix(english(it.Explanation), "; "+tc.basis+".") {
					t.Errorf("explanation %q does not end with the basis %q", english(it.Explanation), tc.basis)
				}
				if it.Gaps[0].GapClosed > 0 && !strings.Contains(english(it.Explanation), "(no evidence yet: estimated from people whose roles do not require it)") {
					t.Errorf("explanation %q does not say the level is assumed", english(it.Explanation))
				}
			}
			gaps, err := s.CompetencyGaps(ctx, l, nil)
			if err != nil || len(gaps) != 0 {
				t.Errorf("gaps %v, %v: a learner without a role has no requirements of their own", gaps, err)
			}
		})
	}
}

// TestInterestsChangeTheList: setting interests bumps the learner's version, so the
// cached list is computed afresh, and the new list serves an interest, naming it.
func TestInterestsChangeTheList(t *testing.T) {
	db := demo(t)
	s := &service.Recommendations{Store: db, Interests: service.NewInterests(db), Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	l, err := db.FindLearnerByEmployeeCode(ctx, "EMP0000004") // a Legal Officer
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Recommend(ctx, l, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Recommend(ctx, l, nil, 10)
	if err != nil || !again.Cached {
		t.Fatalf("the same question is not answered from the cache: %v", err)
	}
	data, err := db.FindCompetencies(ctx, models.CompetencyFilter{Search: new("Data Analysis & Visualization")}, models.PageRequest{First: 1})
	if err != nil || len(data.Items) != 1 {
		t.Fatalf("competency: %v %v", data, err)
	}
	interest := data.Items[0]
	l2, err := s.SetLearningInterests(ctx, l, []int64{interest.ID})
	if err != nil {
		t.Fatal(err)
	}
	if l2.Version <= l.Version {
		t.Fatalf("version %d after setting interests, was %d", l2.Version, l.Version)
	}
	after, err := s.Recommend(ctx, l2, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if after.Cached {
		t.Fatal("the list after setting interests came from the cache")
	}
	first := 0
	for _, it := range after.Items {
		if strings.Contains(english(it.Explanation), interest.Name) && strings.Contains(english(it.Explanation), "one of your learning interests") {
			first = it.Rank
			break
		}
	}
	for _, it := range before.Items {
		if strings.Contains(english(it.Explanation), interest.Name) {
			t.Fatalf("the list names %q before it is an interest: %q", interest.Name, english(it.Explanation))
		}
	}
	if first < 1 || first > 5 {
		t.Errorf("the first item serving the interest %q by name is at rank %d, want 1..5 (the interests' share of the slots):\n%v",
			interest.Name, first, after.Items)
	}
	if _, err := s.SetLearningInterests(ctx, l2, []int64{interest.ID, 987654}); models.ErrorCode(err) != models.EINVALID {
		t.Errorf("unknown competency: %v, want EINVALID", err)
	}
}

// english renders an explanation as the API does for English readers.
func english(e recommender.Explanation) string { return i18n.English.Explain(e) }
