package seed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// recorder is a models.BulkWriter that keeps every record in the order written.
// calls lists the kind of each call, with its batch size, to check ordering.
type recorder struct {
	orgs     []models.OrganisationRecord
	comps    []models.CompetencyRecord
	roles    []models.RoleRecord
	reqs     []models.RoleRequirementRecord
	courses  []models.CourseRecord
	links    []models.CourseCompetencyRecord
	learners []models.LearnerRecord
	evidence []models.EvidenceRecord
	enrols   []models.EnrolmentRecord
	events   []models.EventRecord
	batches  []models.BatchRecord
	sessions []models.SessionRecord
	attended []models.AttendanceRecord
	calls    []string
	// reject, when set, rejects the record it returns true for.
	reject func(any) bool
}

func record[T any](r *recorder, kind string, dst *[]T, recs []T) ([]models.RecordError, error) {
	r.calls = append(r.calls, fmt.Sprintf("%s:%d", kind, len(recs)))
	var rejected []models.RecordError
	for i, rec := range recs {
		if r.reject != nil && r.reject(rec) {
			rejected = append(rejected, models.RecordError{Index: i, Column: "code", Reason: "rejected by the test"})
			continue
		}
		*dst = append(*dst, rec)
	}
	return rejected, nil
}

func (r *recorder) UpsertOrganisations(_ context.Context, recs []models.OrganisationRecord) ([]models.RecordError, error) {
	return record(r, "organisations", &r.orgs, recs)
}

func (r *recorder) UpsertCompetencies(_ context.Context, recs []models.CompetencyRecord) ([]models.RecordError, error) {
	return record(r, "competencies", &r.comps, recs)
}

func (r *recorder) UpsertRoles(_ context.Context, recs []models.RoleRecord) ([]models.RecordError, error) {
	return record(r, "roles", &r.roles, recs)
}

func (r *recorder) UpsertRoleRequirements(_ context.Context, recs []models.RoleRequirementRecord) ([]models.RecordError, error) {
	return record(r, "role_requirements", &r.reqs, recs)
}

func (r *recorder) UpsertCourses(_ context.Context, recs []models.CourseRecord) ([]models.RecordError, error) {
	return record(r, "courses", &r.courses, recs)
}

func (r *recorder) UpsertCourseCompetencies(_ context.Context, recs []models.CourseCompetencyRecord) ([]models.RecordError, error) {
	return record(r, "course_competencies", &r.links, recs)
}

func (r *recorder) UpsertLearners(_ context.Context, recs []models.LearnerRecord) ([]models.RecordError, error) {
	return record(r, "learners", &r.learners, recs)
}

func (r *recorder) UpsertEvidence(_ context.Context, recs []models.EvidenceRecord) ([]models.RecordError, error) {
	return record(r, "evidence", &r.evidence, recs)
}

func (r *recorder) UpsertEnrolments(_ context.Context, recs []models.EnrolmentRecord) ([]models.RecordError, error) {
	return record(r, "enrolments", &r.enrols, recs)
}

func (r *recorder) UpsertEvents(_ context.Context, recs []models.EventRecord) ([]models.RecordError, error) {
	return record(r, "events", &r.events, recs)
}

func (r *recorder) UpsertBatches(_ context.Context, recs []models.BatchRecord) ([]models.RecordError, error) {
	return record(r, "batches", &r.batches, recs)
}

func (r *recorder) UpsertSessions(_ context.Context, recs []models.SessionRecord) ([]models.RecordError, error) {
	return record(r, "sessions", &r.sessions, recs)
}

func (r *recorder) UpsertAttendance(_ context.Context, recs []models.AttendanceRecord) ([]models.RecordError, error) {
	return record(r, "attendance", &r.attended, recs)
}

// mustRun seeds a fresh recorder.
func mustRun(t *testing.T, opts seed.Options) (*recorder, seed.Stats) {
	t.Helper()
	r := &recorder{}
	st, err := seed.Run(context.Background(), r, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r, st
}

// defaults is the default data set, generated once: several tests only read it.
var defaults struct {
	r  *recorder
	st seed.Stats
}

func defaultRun(t *testing.T) (*recorder, seed.Stats) {
	t.Helper()
	if defaults.r == nil {
		defaults.r, defaults.st = mustRun(t, seed.Options{})
	}
	return defaults.r, defaults.st
}

func TestRun(t *testing.T) {
	t.Run("Deterministic", func(t *testing.T) {
		opts := seed.Options{Learners: 700, Courses: 300, Seed: 7}
		a, sa := mustRun(t, opts)
		b, sb := mustRun(t, opts)
		if sa != sb {
			t.Errorf("stats differ: %+v and %+v", sa, sb)
		}
		// reflect.DeepEqual compares every field of every record in order.
		a.calls, b.calls = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Fatal("two runs with the same seed wrote different records")
		}
		opts.Seed = 8
		c, _ := mustRun(t, opts)
		if reflect.DeepEqual(a.courses, c.courses) || reflect.DeepEqual(a.learners, c.learners) || reflect.DeepEqual(a.reqs, c.reqs) ||
			reflect.DeepEqual(a.evidence, c.evidence) || reflect.DeepEqual(a.enrols, c.enrols) {
			t.Error("a different seed wrote the same courses, learners, requirements, evidence or enrolments")
		}
		// The fixed parts of the catalogue do not depend on the seed.
		if !reflect.DeepEqual(a.orgs, c.orgs) || !reflect.DeepEqual(a.comps, c.comps) || !reflect.DeepEqual(a.roles, c.roles) {
			t.Error("a different seed changed organisations, competencies or roles")
		}
	})

	t.Run("CatalogueIndependentOfLearners", func(t *testing.T) {
		a, _ := mustRun(t, seed.Options{Learners: 10, Courses: 200, Seed: 3})
		b, _ := mustRun(t, seed.Options{Learners: 900, Courses: 200, Seed: 3})
		if !reflect.DeepEqual(a.courses, b.courses) || !reflect.DeepEqual(a.links, b.links) || !reflect.DeepEqual(a.reqs, b.reqs) {
			t.Error("the number of learners changed the catalogue")
		}
		if !reflect.DeepEqual(a.learners, b.learners[:10]) {
			t.Error("the first learners differ when more are asked for")
		}
		if !reflect.DeepEqual(a.evidence, b.evidence[:len(a.evidence)]) || !reflect.DeepEqual(a.enrols, b.enrols[:len(a.enrols)]) {
			t.Error("the first learners' evidence or enrolments differ when more learners are asked for")
		}
	})

	t.Run("Defaults", func(t *testing.T) {
		r, st := defaultRun(t)
		if st.Courses != seed.DefaultCourses || st.Learners != seed.DefaultLearners {
			t.Errorf("stats %+v, want %d courses and %d learners", st, seed.DefaultCourses, seed.DefaultLearners)
		}
		want := seed.Stats{
			Organisations: len(r.orgs), Competencies: len(r.comps), Roles: len(r.roles), RoleRequirements: len(r.reqs),
			Courses: len(r.courses), CourseCompetencies: len(r.links), Learners: len(r.learners),
			Evidence: len(r.evidence), Enrolments: len(r.enrols),
			Events: len(r.events), Batches: len(r.batches), Sessions: len(r.sessions), Attendance: len(r.attended),
		}
		if st != want {
			t.Errorf("stats %+v, records written %+v", st, want)
		}
	})

	t.Run("CoursesOption", func(t *testing.T) {
		r, st := mustRun(t, seed.Options{Learners: 5, Courses: 37})
		if len(r.courses) != 37 || st.Courses != 37 || len(r.learners) != 5 {
			t.Errorf("wrote %d courses and %d learners, want 37 and 5", len(r.courses), len(r.learners))
		}
	})

	t.Run("ErrNegative", func(t *testing.T) {
		if _, err := seed.Run(context.Background(), &recorder{}, seed.Options{Courses: -1}); err == nil {
			t.Error("negative courses accepted")
		}
	})

	t.Run("Progress", func(t *testing.T) {
		var out bytes.Buffer
		if _, err := seed.Run(context.Background(), &recorder{}, seed.Options{Learners: 3, Courses: 40, Progress: &out}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 11 || lines[4] != "seed: 40 courses" || !strings.HasSuffix(lines[6], " sessions of events and batches") ||
			lines[7] != "seed: 3 learners" || !strings.HasSuffix(lines[8], " evidence") ||
			!strings.HasSuffix(lines[9], " enrolments") || !strings.HasSuffix(lines[10], " attendances at learning-week sessions") {
			t.Errorf("progress:\n%s", out.String())
		}
	})
}

func TestRunRejection(t *testing.T) {
	r := &recorder{reject: func(rec any) bool {
		c, ok := rec.(models.CourseRecord)
		return ok && c.Code == "CRS-00012"
	}}
	_, err := seed.Run(context.Background(), r, seed.Options{Learners: 10, Courses: 50})
	if err == nil || !strings.Contains(err.Error(), "CRS-00012") {
		t.Fatalf("err = %v, want one naming CRS-00012", err)
	}
	if len(r.links) != 0 || len(r.learners) != 0 {
		t.Error("Run went on writing after a rejection")
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := seed.Run(ctx, &recorder{}, seed.Options{Learners: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestOrder(t *testing.T) {
	r, _ := defaultRun(t)
	var kinds []string
	for _, c := range r.calls {
		kind, size, _ := strings.Cut(c, ":")
		if n, err := strconv.Atoi(size); err != nil || n < 1 || n > 500 {
			t.Errorf("batch %s: want 1 to 500 records", c)
		}
		if len(kinds) == 0 || kinds[len(kinds)-1] != kind {
			kinds = append(kinds, kind)
		}
	}
	// Each batch of learners is followed by their learning record.
	want := []string{"organisations", "competencies", "roles", "role_requirements", "courses", "course_competencies",
		"events", "batches", "sessions"}
	for range 4 {
		want = append(want, "learners", "evidence", "enrolments", "attendance")
	}
	if !slices.Equal(kinds, want) {
		t.Errorf("write order %v, want %v", kinds, want)
	}
	if n := strings.Count(strings.Join(r.calls, " "), "learners:"); n != 4 {
		t.Errorf("%d learner batches for 2000 learners, want 4", n)
	}
}

func TestCompetencies(t *testing.T) {
	r, _ := defaultRun(t)
	names, codes := map[string]bool{}, map[string]bool{}
	byType := map[models.CompetencyType]int{}
	for _, c := range r.comps {
		if names[c.Name] {
			t.Errorf("name %q repeats", c.Name)
		}
		if codes[c.Code] {
			t.Errorf("code %q repeats", c.Code)
		}
		names[c.Name], codes[c.Code] = true, true
		byType[c.Type]++
		if (&models.NewCompetency{Code: c.Code, Name: c.Name, Description: c.Description, Type: c.Type, Area: c.Area, Levels: c.Levels}).Validate() != nil {
			t.Errorf("%s does not validate", c.Code)
		}
		if c.Description == "" {
			t.Errorf("%s has no description", c.Code)
		}
		if len(c.Levels) != models.MaxLevel {
			t.Errorf("%s has %d levels", c.Code, len(c.Levels))
			continue
		}
		for i, l := range c.Levels {
			if l.Level != i+1 || l.Name != models.LevelNames[i] || l.Description == "" {
				t.Errorf("%s level %d: %+v", c.Code, i+1, l)
			}
		}
	}
	if n := byType[models.Behavioural] + byType[models.Functional]; n != 114 {
		t.Errorf("%d dictionary competencies, want 114", n)
	}
	if byType[models.Domain] < 40 {
		t.Errorf("%d domain competencies, want at least 40", byType[models.Domain])
	}
	for _, n := range []string{
		"Stress Management", "Procurement Mgmt. through GeM", "Data Use and Governance (Data Protection)",
		"Research & Need Analysis (Policy Architecture)", "Direct Taxation", "Customs Procedures", "Budget Formulation",
	} {
		if !names[n] {
			t.Errorf("no competency named %q", n)
		}
	}
	for _, c := range r.comps {
		if c.Code == "BEH-005" && (c.Area != "Personal Effectiveness" || c.SubTheme != "Stress Management" || c.Type != models.Behavioural) {
			t.Errorf("BEH-005 = %+v", c)
		}
		if c.Code == "FUN-059" && !strings.Contains(c.Levels[0].Description, "GeM") {
			t.Errorf("FUN-059 level 1 does not mention GeM: %q", c.Levels[0].Description)
		}
	}
}

func TestIntegrity(t *testing.T) {
	r, _ := defaultRun(t)
	orgs := map[string]models.OrganisationType{}
	for _, o := range r.orgs {
		if _, dup := orgs[o.Code]; dup {
			t.Errorf("organisation %s repeats", o.Code)
		}
		n := models.NewOrganisation{Code: o.Code, Name: o.Name, Type: o.Type}
		if o.ParentCode != "" {
			n.ParentID = new(int64)
			parent, ok := orgs[o.ParentCode]
			want := map[models.OrganisationType]bool{models.OrgDepartment: parent == models.OrgMinistry,
				models.OrgOrganisation: parent == models.OrgDepartment || parent == models.OrgOrganisation}
			if !ok {
				t.Errorf("organisation %s comes before its parent %s", o.Code, o.ParentCode)
			} else if !want[o.Type] {
				t.Errorf("%s %s has a %s parent", o.Type, o.Code, parent)
			}
		}
		if err := n.Validate(); err != nil {
			t.Errorf("organisation %s: %v", o.Code, err)
		}
		orgs[o.Code] = o.Type
	}
	if len(orgs) < 60 {
		t.Errorf("%d organisations, want at least 60", len(orgs))
	}

	comps := map[string]bool{}
	for _, c := range r.comps {
		comps[c.Code] = true
	}
	roles := map[string]bool{}
	for _, ro := range r.roles {
		if roles[ro.Code] || ro.Description == "" {
			t.Errorf("role %+v repeats or has no description", ro)
		}
		roles[ro.Code] = true
	}
	if len(roles) < 15 || len(roles) > 20 {
		t.Errorf("%d roles, want 15 to 20", len(roles))
	}
	perRole := map[string]int{}
	seenReq := map[string]bool{}
	for _, q := range r.reqs {
		if !roles[q.RoleCode] || !comps[q.CompetencyCode] {
			t.Errorf("requirement %+v names an unknown role or competency", q)
		}
		if key := q.RoleCode + "/" + q.CompetencyCode; seenReq[key] {
			t.Errorf("requirement %s repeats", key)
		} else {
			seenReq[key] = true
		}
		if err := (&models.RoleRequirement{RequiredLevel: q.RequiredLevel, Weight: q.Weight}).Validate(); err != nil || q.Weight < 0.5 || q.Weight > 3 {
			t.Errorf("requirement %+v: %v", q, err)
		}
		perRole[q.RoleCode]++
	}
	for code := range roles {
		if n := perRole[code]; n < 6 || n > 12 {
			t.Errorf("role %s has %d requirements, want 6 to 12", code, n)
		}
	}

	titles, courses := map[string]bool{}, map[string]bool{}
	formats := map[models.CourseFormat]int{}
	prev := ""
	for _, c := range r.courses {
		if titles[c.Title] || courses[c.Code] {
			t.Errorf("course %s %q repeats", c.Code, c.Title)
		}
		if c.Code <= prev {
			t.Errorf("course code %s follows %s", c.Code, prev)
		}
		prev = c.Code
		titles[c.Title], courses[c.Code] = true, true
		formats[c.Format]++
		n := models.NewCourse{Code: c.Code, Title: c.Title, Description: c.Description, Provider: c.Provider, Format: c.Format, DurationHours: c.DurationHours}
		if err := n.Validate(); err != nil || c.DurationHours < 0.5 || c.DurationHours > 40 {
			t.Errorf("course %+v: %v", c, err)
		}
	}
	if formats[models.Online] < len(r.courses)/2 || formats[models.Blended] == 0 || formats[models.FaceToFace] == 0 {
		t.Errorf("formats %v, want mostly ONLINE with some BLENDED and FACE_TO_FACE", formats)
	}
	perCourse := map[string]int{}
	for _, l := range r.links {
		if !courses[l.CourseCode] || !comps[l.CompetencyCode] {
			t.Errorf("course competency %+v names an unknown course or competency", l)
		}
		if err := (&models.CourseCompetency{FromLevel: l.FromLevel, ToLevel: l.ToLevel}).Validate(); err != nil {
			t.Errorf("course competency %+v: %v", l, err)
		}
		perCourse[l.CourseCode]++
	}
	for code := range courses {
		if n := perCourse[code]; n < 1 || n > 3 {
			t.Errorf("course %s imparts %d competencies, want 1 to 3", code, n)
		}
	}

	emails, employees := map[string]bool{}, map[string]bool{}
	prev = ""
	for _, l := range r.learners {
		if emails[l.Email] || employees[l.EmployeeCode] {
			t.Errorf("learner %s or email %s repeats", l.EmployeeCode, l.Email)
		}
		emails[l.Email], employees[l.EmployeeCode] = true, true
		if l.EmployeeCode <= prev {
			t.Errorf("employee code %s follows %s", l.EmployeeCode, prev)
		}
		prev = l.EmployeeCode
		n := models.NewLearner{EmployeeCode: l.EmployeeCode, Name: l.Name, Email: l.Email, Designation: l.Designation}
		if err := n.Validate(); err != nil || n.Email != l.Email {
			t.Errorf("learner %+v: %v", l, err)
		}
		if _, ok := orgs[l.OrganisationCode]; !ok {
			t.Errorf("learner %s is in unknown organisation %s", l.EmployeeCode, l.OrganisationCode)
		}
		if !l.HasRoles || len(l.RoleCodes) < 1 || len(l.RoleCodes) > 2 {
			t.Errorf("learner %s has roles %v", l.EmployeeCode, l.RoleCodes)
		}
		for _, code := range l.RoleCodes {
			if !roles[code] {
				t.Errorf("learner %s holds unknown role %s", l.EmployeeCode, code)
			}
		}
	}
	if r.learners[0].EmployeeCode != "EMP0000001" {
		t.Errorf("first employee code %s, want EMP0000001", r.learners[0].EmployeeCode)
	}
}

// TestSeniority checks that required levels rise from Assistant Section Officer to
// Joint Secretary.
func TestSeniority(t *testing.T) {
	r, _ := defaultRun(t)
	sum, n := map[string]int{}, map[string]int{}
	for _, q := range r.reqs {
		sum[q.RoleCode] += q.RequiredLevel
		n[q.RoleCode]++
	}
	mean := func(code string) float64 { return float64(sum[code]) / float64(n[code]) }
	ladder := []string{"ROLE-ASO", "ROLE-SO", "ROLE-US", "ROLE-DS", "ROLE-JS"}
	for i := 1; i < len(ladder); i++ {
		if mean(ladder[i]) <= mean(ladder[i-1]) {
			t.Errorf("%s requires %.2f on average, no more than %s (%.2f)", ladder[i], mean(ladder[i]), ladder[i-1], mean(ladder[i-1]))
		}
	}
	if mean("ROLE-ASO") > 2 || mean("ROLE-JS") < 4 {
		t.Errorf("ASO mean %.2f, JS mean %.2f", mean("ROLE-ASO"), mean("ROLE-JS"))
	}
}

// TestCoverage checks that every competency is taught up to several levels, and that
// a few level-5 needs of roles are left for no course to meet.
func TestCoverage(t *testing.T) {
	r, _ := defaultRun(t)
	reached := map[string]map[int]bool{}
	for _, l := range r.links {
		if reached[l.CompetencyCode] == nil {
			reached[l.CompetencyCode] = map[int]bool{}
		}
		reached[l.CompetencyCode][l.ToLevel] = true
	}
	unreachable := 0
	for _, c := range r.comps {
		if len(reached[c.Code]) < 3 {
			t.Errorf("courses take %s to only %d levels", c.Code, len(reached[c.Code]))
		}
		if !reached[c.Code][5] {
			unreachable++
		}
	}
	if unreachable < 3 || unreachable > 12 {
		t.Errorf("%d competencies with no course to level 5, want a few", unreachable)
	}
	gaps := 0
	for _, q := range r.reqs {
		if q.RequiredLevel == 5 && !reached[q.CompetencyCode][5] {
			gaps++
		}
	}
	if gaps == 0 {
		t.Error("every level-5 requirement has a course; want a few content gaps")
	}
}

// TestLearningRecord checks the evidence and enrolments: about 10 and 3 a learner,
// on what their roles require, dated in the two years before the reference date,
// every record one the store validates.
func TestLearningRecord(t *testing.T) {
	r, _ := defaultRun(t)
	now := time.Now()
	start := seed.ReferenceDate.Add(-2 * 365 * 24 * time.Hour)
	roles := map[string][]string{}
	for _, l := range r.learners {
		roles[l.EmployeeCode] = l.RoleCodes
	}
	required := map[string]map[string]int{} // role -> competency -> level
	for _, q := range r.reqs {
		if required[q.RoleCode] == nil {
			required[q.RoleCode] = map[string]int{}
		}
		required[q.RoleCode][q.CompetencyCode] = q.RequiredLevel
	}
	needs := func(employee, comp string) bool {
		for _, role := range roles[employee] {
			if _, ok := required[role][comp]; ok {
				return true
			}
		}
		return false
	}
	inRange := func(at time.Time) bool { return !at.Before(start) && !at.After(seed.ReferenceDate) && !at.After(now) }

	perLearner := float64(len(r.evidence)) / float64(len(r.learners))
	if perLearner < 8 || perLearner > 12 {
		t.Errorf("%.1f evidence rows a learner, want about 10", perLearner)
	}
	sources := map[models.EvidenceSource]int{}
	levels := map[models.EvidenceSource]int{}
	keys := map[string]bool{}
	passed := 0
	for _, e := range r.evidence {
		n := models.NewEvidence{Source: e.Source, Level: e.Level, Score: e.Score, ObservedAt: e.ObservedAt}
		if err := n.Validate(now); err != nil || !inRange(e.ObservedAt) || !needs(e.EmployeeCode, e.CompetencyCode) {
			t.Fatalf("evidence %+v: %v", e, err)
		}
		key := fmt.Sprint(e.EmployeeCode, e.CompetencyCode, e.Source, e.ObservedAt.UnixMicro())
		if keys[key] {
			t.Fatalf("evidence %s repeats", key)
		}
		keys[key] = true
		sources[e.Source]++
		levels[e.Source] += e.Level
		if e.Score != nil && *e.Score >= 0.6 {
			passed++
		}
	}
	for _, src := range []models.EvidenceSource{models.Assessment, models.SelfRating, models.SupervisorRating, models.Certification} {
		if sources[src] < len(r.evidence)/50 {
			t.Errorf("%d %s rows of %d", sources[src], src, len(r.evidence))
		}
	}
	if sources[models.CourseCompletion] != 0 {
		t.Error("course completions come from completed enrolments, not from the evidence generator")
	}
	mean := func(src models.EvidenceSource) float64 { return float64(levels[src]) / float64(sources[src]) }
	if mean(models.SelfRating) <= mean(models.SupervisorRating)+0.2 {
		t.Errorf("self ratings average %.2f, supervisors %.2f: want self ratings biased upward", mean(models.SelfRating), mean(models.SupervisorRating))
	}
	if share := float64(passed) / float64(sources[models.Assessment]); share < 0.3 || share > 0.8 {
		t.Errorf("%.2f of assessments passed, want a mix", share)
	}

	perLearner = float64(len(r.enrols)) / float64(len(r.learners))
	if perLearner < 2.5 || perLearner > 3.5 {
		t.Errorf("%.1f enrolments a learner, want about 3", perLearner)
	}
	imparts := map[string][]string{}
	for _, l := range r.links {
		imparts[l.CourseCode] = append(imparts[l.CourseCode], l.CompetencyCode)
	}
	statuses := map[models.EnrolmentStatus]int{}
	pairs := map[string]bool{}
	rated, ratedCompleted := 0, 0
	for _, e := range r.enrols {
		if err := e.Validate(now); err != nil || !inRange(e.EnrolledAt) || (e.CompletedAt != nil && !inRange(*e.CompletedAt)) {
			t.Fatalf("enrolment %+v: %v", e, err)
		}
		if !slices.ContainsFunc(imparts[e.CourseCode], func(c string) bool { return needs(e.EmployeeCode, c) }) {
			t.Fatalf("%s enrolled in %s, which imparts nothing their roles require", e.EmployeeCode, e.CourseCode)
		}
		if k := e.EmployeeCode + "/" + e.CourseCode; pairs[k] {
			t.Fatalf("enrolment %s repeats", k)
		} else {
			pairs[k] = true
		}
		statuses[e.Status]++
		if e.Rating != nil {
			rated++
			if e.Status == models.Completed {
				ratedCompleted++
			}
		}
	}
	for _, st := range []models.EnrolmentStatus{models.Completed, models.InProgress, models.Enrolled, models.Dropped} {
		if statuses[st] < len(r.enrols)/20 {
			t.Errorf("%d %s enrolments of %d", statuses[st], st, len(r.enrols))
		}
	}
	if statuses[models.Completed] < statuses[models.InProgress] || rated == 0 || ratedCompleted < rated/2 {
		t.Errorf("statuses %v, %d rated (%d completed)", statuses, rated, ratedCompleted)
	}
}

// TestStore seeds a real SQLite store: the store must take every record, and
// seeding again changes nothing.
func TestStore(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	st, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: 300, Courses: 200})
	if err != nil {
		t.Fatal(err)
	}
	if st.Learners != 300 || st.Courses != 200 || st.Evidence < 2400 || st.Enrolments < 750 {
		t.Errorf("stats %+v", st)
	}
	count := func(table, where string) int {
		t.Helper()
		n, err := db.Bun().NewSelect().Table(table).Where(where).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	completed := count("enrolments", "status = 'COMPLETED'")
	if n := count("enrolments", "1 = 1"); n != st.Enrolments {
		t.Errorf("%d enrolments stored, %d written", n, st.Enrolments)
	}
	if n := count("certificates", "1 = 1"); n != completed || completed == 0 {
		t.Errorf("%d certificates for %d completed enrolments", n, completed)
	}
	if n := count("evidence", "source NOT IN ('COURSE_COMPLETION', 'EVENT_ATTENDANCE')"); n != st.Evidence {
		t.Errorf("%d evidence rows stored, %d written", n, st.Evidence)
	}
	// The classroom stage goes through the store's own paths: attendance at the past
	// learning week is evidence and earns each attendee the event's karma once.
	if n := count("attendance", "1 = 1"); n != st.Attendance || n == 0 {
		t.Errorf("%d attendances stored, %d written", n, st.Attendance)
	}
	// The demo item banks: at least ten competencies with twelve items each, over
	// every level, the correct option in every position.
	if n := count("assessment_items", "1 = 1"); n != st.AssessmentItems || n < 120 {
		t.Errorf("%d assessment items stored, %d written", n, st.AssessmentItems)
	}
	var banks []struct {
		CompetencyID int64 `bun:"competency_id"`
		N, Levels    int
	}
	if err := db.Bun().NewRaw("SELECT competency_id, COUNT(*) AS n, COUNT(DISTINCT level) AS levels FROM assessment_items GROUP BY competency_id").Scan(ctx, &banks); err != nil {
		t.Fatal(err)
	}
	if len(banks) < 10 {
		t.Errorf("%d item banks, want at least 10", len(banks))
	}
	for _, b := range banks {
		if b.N < 12 || b.Levels != 5 {
			t.Errorf("bank of competency %d: %d items over %d levels", b.CompetencyID, b.N, b.Levels)
		}
	}
	if n := count("assessment_items", "correct = 1"); n < st.AssessmentItems/8 {
		t.Errorf("the correct option is first in only %d items", n)
	}
	if b, s := count("batches", "1 = 1"), count("sessions", "1 = 1"); b != st.Batches || s != st.Sessions {
		t.Errorf("%d batches and %d sessions stored, %d and %d written", b, s, st.Batches, st.Sessions)
	}
	var attendees int
	if err := db.Bun().NewRaw("SELECT COUNT(DISTINCT learner_id) FROM attendance").Scan(ctx, &attendees); err != nil {
		t.Fatal(err)
	}
	if n := count("karma_ledger", "reason = 'EVENT_ATTENDANCE'"); n != attendees {
		t.Errorf("%d event karma entries for %d attendees", n, attendees)
	}
	if n := count("evidence", "source = 'EVENT_ATTENDANCE'"); n < attendees {
		t.Errorf("%d EVENT_ATTENDANCE evidence rows for %d attendees", n, attendees)
	}
	if n := count("evidence", "source = 'COURSE_COMPLETION'"); n < completed {
		t.Errorf("%d completion evidence rows for %d completed enrolments", n, completed)
	}
	var pairs int
	if err := db.Bun().NewRaw("SELECT COUNT(*) FROM (SELECT DISTINCT learner_id, competency_id FROM evidence) AS p").Scan(ctx, &pairs); err != nil {
		t.Fatal(err)
	}
	if n := count("proficiencies", "1 = 1"); n == 0 || n != pairs {
		t.Errorf("%d proficiencies for evidence in %d (learner, competency) pairs", n, pairs)
	}
	state := func() string {
		t.Helper()
		var v, ratings, sum int64
		if err := db.Bun().NewRaw("SELECT (SELECT SUM(version) FROM learners), (SELECT SUM(rating_count) FROM courses), (SELECT SUM(rating_sum) FROM courses)").
			Scan(ctx, &v, &ratings, &sum); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("versions %d, %d ratings of %d stars, %d evidence, %d certificates", v, ratings, sum, count("evidence", "1 = 1"), count("certificates", "1 = 1"))
	}
	before := state()
	// Seeding again upserts the same records: nothing is rejected, nothing changes.
	if _, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: 300, Courses: 200}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if after := state(); after != before {
		t.Errorf("seeding again changed the store: %s, was %s", after, before)
	}
}

// The classroom stage: two learning weeks, batches only of courses taught in a
// room, sessions that touch competencies roles require, and attendance only at the
// past week's sessions, by learners who exist.
func TestClassroom(t *testing.T) {
	r, st := defaultRun(t)
	if st.Events != 2 || len(r.events) != 2 || st.Batches != len(r.batches) || st.Sessions != len(r.sessions) {
		t.Fatalf("stats %+v, recorded %d events %d batches %d sessions", st, len(r.events), len(r.batches), len(r.sessions))
	}
	formats := map[string]models.CourseFormat{}
	for _, c := range r.courses {
		formats[c.Code] = c.Format
	}
	if len(r.batches) != 20 {
		t.Errorf("%d batches, want 20", len(r.batches))
	}
	batches := map[string]bool{}
	for _, b := range r.batches {
		batches[b.Code] = true
		if f := formats[b.CourseCode]; f != models.FaceToFace && f != models.Blended {
			t.Errorf("batch %s runs %s course %s", b.Code, f, b.CourseCode)
		}
		if !b.StartsAt.After(seed.ReferenceDate) || !b.EndsAt.After(b.StartsAt) || b.Seats < 1 || b.Venue == "" {
			t.Errorf("batch %+v", b)
		}
	}
	required := map[string]bool{}
	for _, q := range r.reqs {
		required[q.CompetencyCode] = true
	}
	past := map[string]bool{}
	for _, s := range r.sessions {
		switch {
		case s.BatchCode != "":
			if !batches[s.BatchCode] || s.Capacity != nil || len(s.Competencies) > 0 {
				t.Errorf("batch session %+v", s)
			}
		case s.EventCode == "SAPTAH-2026":
			past[s.Code] = true
			if !s.EndsAt.Before(seed.ReferenceDate) {
				t.Errorf("session %s of the past week ends %v", s.Code, s.EndsAt)
			}
			fallthrough
		default:
			if len(s.Competencies) == 0 || s.Capacity == nil {
				t.Errorf("event session %+v", s)
			}
			for _, c := range s.Competencies {
				if !required[c.Code] || c.Level < 1 || c.Level > 2 {
					t.Errorf("session %s touches %s at %d", s.Code, c.Code, c.Level)
				}
			}
		}
	}
	learners := map[string]bool{}
	for _, l := range r.learners {
		learners[l.EmployeeCode] = true
	}
	attendees := map[string]bool{}
	for _, a := range r.attended {
		if !past[a.SessionCode] || !learners[a.EmployeeCode] {
			t.Errorf("attendance %+v", a)
		}
		attendees[a.EmployeeCode] = true
	}
	if share := float64(len(attendees)) / float64(len(r.learners)); share < 0.15 || share > 0.25 {
		t.Errorf("%.2f of learners attended the learning week, want about 0.2", share)
	}
}

// TestHindiNames: every competency of the demo has a Hindi name, in Devanagari and
// valid as a name, none repeated, and Hindi level descriptors; most courses have a
// Hindi title.
func TestHindiNames(t *testing.T) {
	r, _ := defaultRun(t)
	isDevanagari := func(s string) bool {
		return strings.ContainsFunc(s, func(c rune) bool { return c >= 0x0900 && c <= 0x097F })
	}
	seen := map[string]bool{}
	for _, c := range r.comps {
		if !c.HasNameHi {
			t.Errorf("%s: the seed leaves the Hindi name alone", c.Code)
		}
		switch {
		case c.NameHi == nil:
			t.Errorf("%s (%s) has no Hindi name", c.Code, c.Name)
		case !isDevanagari(*c.NameHi) || seen[*c.NameHi]:
			t.Errorf("%s: Hindi name %q is not Devanagari or repeats", c.Code, *c.NameHi)
		case (&models.NewCompetency{Code: c.Code, Name: c.Name, NameHi: c.NameHi, Type: c.Type, Area: c.Area}).Validate() != nil:
			t.Errorf("%s: Hindi name %q does not validate", c.Code, *c.NameHi)
		default:
			seen[*c.NameHi] = true
		}
		for _, l := range c.Levels {
			if l.DescriptionHi == nil || !isDevanagari(*l.DescriptionHi) || strings.Contains(*l.DescriptionHi, "%!") || !strings.HasSuffix(*l.DescriptionHi, "।") {
				t.Errorf("%s level %d: Hindi descriptor %v", c.Code, l.Level, l.DescriptionHi)
			}
		}
	}
	hindi := 0
	for _, c := range r.courses {
		if c.TitleHi != nil {
			hindi++
			if !isDevanagari(*c.TitleHi) || strings.Contains(*c.TitleHi, "%") {
				t.Errorf("%s: Hindi title %q", c.Title, *c.TitleHi)
			}
		}
	}
	if hindi < len(r.courses)*9/10 {
		t.Errorf("%d of %d courses have a Hindi title, want at least 90%%", hindi, len(r.courses))
	}
	t.Logf("%d of %d courses have a Hindi title", hindi, len(r.courses))
}
