package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/importer"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// fixture is a file of one kind, as an HR system would export it.
type fixture struct {
	kind, csv string
}

// base is a small, complete data set: every kind, in dependency order.
var base = []fixture{
	{"organisations", `code,name,type,parent_code
MOF,Ministry of Finance,MINISTRY,
DOE,Department of Expenditure,DEPARTMENT,MOF
CGA,Controller General of Accounts,ORGANISATION,DOE
`},
	{"competencies", `code,name,type,area,description
BEH-01,Integrity,BEHAVIOURAL,Ethics,Acts with integrity
FUN-01,Noting and Drafting,FUNCTIONAL,Office Procedure,
DOM-01,Public Procurement,DOMAIN,Public Procurement (GFR),"Buys goods, works and services"
`},
	{"roles", `code,name,description
SO,Section Officer,Supervises a section
US,Under Secretary,
`},
	{"role_requirements", `role_code,competency_code,required_level,weight
SO,FUN-01,3,2
SO,BEH-01,2,
US,DOM-01,4,1.5
`},
	{"courses", `code,title,provider,format,duration_hours,description,pass_mark
C-DRAFT,Effective Noting,ISTM,ONLINE,6,,
C-GFR,GFR 2017,NIFM,BLENDED,12.5,Procurement rules,0.7
`},
	{"course_competencies", `course_code,competency_code,from_level,to_level
C-DRAFT,FUN-01,0,2
C-GFR,DOM-01,1,3
`},
	{"learners", `employee_code,name,email,designation,organisation_code,role_codes
E001,Asha Rao,asha.rao@gov.in,Section Officer,CGA,SO
E002,Vikram Singh,Vikram.Singh@NIC.in,Under Secretary,DOE,SO; US
`},
	{"evidence", `employee_code,competency_code,source,level,score,observed_at
E001,FUN-01,ASSESSMENT,3,0.8,2026-03-01T09:30:00+05:30
E001,FUN-01,self,4,,2026-03-02
E002,DOM-01,SUPERVISOR,3,,2026-03-03T10:00:00Z
`},
	{"enrolments", `employee_code,course_code,status,progress,enrolled_at,completed_at,rating
E001,C-DRAFT,COMPLETED,1,2026-02-01,2026-02-20T12:00:00Z,5
E002,C-GFR,IN_PROGRESS,0.4,2026-02-05,,
`},
}

// baseDump is what base stores, as dump writes it.
var baseDump = []string{
	`organisation CGA name="Controller General of Accounts" type=ORGANISATION parent=DOE`,
	`organisation DOE name="Department of Expenditure" type=DEPARTMENT parent=MOF`,
	`organisation MOF name="Ministry of Finance" type=MINISTRY parent=`,
	`competency BEH-01 name="Integrity" type=BEHAVIOURAL area="Ethics" description="Acts with integrity" sub_theme="" levels=5`,
	`competency DOM-01 name="Public Procurement" type=DOMAIN area="Public Procurement (GFR)" description="Buys goods, works and services" sub_theme="" levels=5`,
	`competency FUN-01 name="Noting and Drafting" type=FUNCTIONAL area="Office Procedure" description="" sub_theme="" levels=5`,
	`role SO name="Section Officer" description="Supervises a section"`,
	`role US name="Under Secretary" description=""`,
	`requirement SO BEH-01 level=2 weight=1`,
	`requirement SO FUN-01 level=3 weight=2`,
	`requirement US DOM-01 level=4 weight=1.5`,
	`course C-DRAFT title="Effective Noting" provider="ISTM" format=ONLINE hours=6 description=""`,
	`course C-GFR title="GFR 2017" provider="NIFM" format=BLENDED hours=12.5 description="Procurement rules"`,
	`pass_mark C-GFR 0.7`,
	`course_competency C-DRAFT FUN-01 0-2`,
	`course_competency C-GFR DOM-01 1-3`,
	`learner E001 name="Asha Rao" email="asha.rao@gov.in" designation="Section Officer" organisation=CGA roles=SO`,
	`learner E002 name="Vikram Singh" email="vikram.singh@nic.in" designation="Under Secretary" organisation=DOE roles=SO,US`,
	`enrolment E001 C-DRAFT COMPLETED progress=1 enrolled=2026-02-01T00:00:00Z completed=2026-02-20T12:00:00Z certificate=2026-02-20T12:00:00Z`,
	`enrolment E002 C-GFR IN_PROGRESS progress=0.4 enrolled=2026-02-05T00:00:00Z completed= certificate=`,
	`evidence E001 FUN-01 ASSESSMENT level=3 score=0.8 at=2026-03-01T04:00:00Z`,
	`evidence E001 FUN-01 COURSE_COMPLETION level=2 score= at=2026-02-20T12:00:00Z`,
	`evidence E001 FUN-01 SELF level=4 score= at=2026-03-02T00:00:00Z`,
	`evidence E002 DOM-01 SUPERVISOR level=3 score= at=2026-03-03T10:00:00Z`,
	`karma E001 COURSE_COMPLETION subject=course:C-DRAFT points=5 at=2026-02-20T12:00:00Z note="Completed Effective Noting"`,
	`karma E001 COURSE_RATING subject=course:C-DRAFT points=2 note="Rated Effective Noting"`,
	`karma E001 FIRST_ENROLMENT subject= points=5 at=2026-02-01T00:00:00Z note="First enrolment: Effective Noting"`,
	`karma E001 total=12`,
	`karma E002 FIRST_ENROLMENT subject= points=5 at=2026-02-05T00:00:00Z note="First enrolment: GFR 2017"`,
	`karma E002 total=5`,
	`course_rating C-DRAFT stars=5 ratings=1 enrolments=1`,
	`course_rating C-GFR stars=0 ratings=0 enrolments=1`,
}

// prefixes are the dump line prefixes of each kind. Proficiencies, derived from the
// evidence, belong to no kind: the tests compare them with the recommender's estimates.
var prefixes = map[string][]string{
	"organisations": {"organisation "}, "competencies": {"competency "}, "roles": {"role "},
	"role_requirements": {"requirement "}, "courses": {"course ", "pass_mark "}, "course_competencies": {"course_competency "},
	"learners": {"learner "}, "evidence": {"evidence "}, "enrolments": {"enrolment ", "course_rating ", "karma "},
}

func run(t *testing.T, db *store.DB, kind, csv string, opts importer.Options) (importer.Result, string, error) {
	t.Helper()
	var errs bytes.Buffer
	opts.Errors = &errs
	res, err := importer.Import(context.Background(), bulk.New(db), kind, strings.NewReader(csv), opts)
	return res, errs.String(), err
}

// load imports files that must go in whole.
func load(t *testing.T, db *store.DB, files ...fixture) {
	t.Helper()
	for _, f := range files {
		if _, errs, err := run(t, db, f.kind, f.csv, importer.Options{}); err != nil || errs != "" {
			t.Fatalf("load %s: err %v, rejected:\n%s", f.kind, err, errs)
		}
	}
}

// dump returns what the store holds, one line per row, codes instead of IDs, through
// the store's read methods.
func dump(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	all := models.PageRequest{First: models.MaxPageSize}
	var out []string
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	orgCode := map[int64]string{}
	var orgs []string
	var walk func(parent *int64, parentCode string)
	walk = func(parent *int64, parentCode string) {
		page, err := db.FindOrganisations(ctx, models.OrganisationFilter{ParentID: parent}, all)
		check(err)
		for _, o := range page.Items {
			orgCode[o.ID] = o.Code
			orgs = append(orgs, fmt.Sprintf("organisation %s name=%q type=%s parent=%s", o.Code, o.Name, o.Type, parentCode))
			walk(&o.ID, o.Code)
		}
	}
	walk(nil, "")
	slices.Sort(orgs)
	out = append(out, orgs...)

	comps, err := db.FindCompetencies(ctx, models.CompetencyFilter{}, all)
	check(err)
	compCode := map[int64]string{}
	var compIDs []int64
	for _, c := range comps.Items {
		compCode[c.ID] = c.Code
		compIDs = append(compIDs, c.ID)
	}
	levels, err := db.FindLevelsByCompetencyIDs(ctx, compIDs)
	check(err)
	for _, c := range comps.Items {
		out = append(out, fmt.Sprintf("competency %s name=%q type=%s area=%q description=%q sub_theme=%q levels=%d",
			c.Code, c.Name, c.Type, c.Area, c.Description, c.SubTheme, len(levels[c.ID])))
	}

	roles, err := db.FindRoles(ctx, models.RoleFilter{}, all)
	check(err)
	roleCode := map[int64]string{}
	var roleIDs []int64
	for _, r := range roles.Items {
		roleCode[r.ID] = r.Code
		roleIDs = append(roleIDs, r.ID)
		out = append(out, fmt.Sprintf("role %s name=%q description=%q", r.Code, r.Name, r.Description))
	}
	reqs, err := db.FindRequirementsByRoleIDs(ctx, roleIDs)
	check(err)
	for _, r := range roles.Items {
		for _, q := range reqs[r.ID] {
			out = append(out, fmt.Sprintf("requirement %s %s level=%d weight=%g", r.Code, compCode[q.CompetencyID], q.RequiredLevel, q.Weight))
		}
	}

	courses, err := db.FindCourses(ctx, models.CourseFilter{}, all)
	check(err)
	var courseIDs []int64
	for _, c := range courses.Items {
		courseIDs = append(courseIDs, c.ID)
		out = append(out, fmt.Sprintf("course %s title=%q provider=%q format=%s hours=%g description=%q",
			c.Code, c.Title, c.Provider, c.Format, c.DurationHours, c.Description))
		if c.PassMark != nil {
			out = append(out, fmt.Sprintf("pass_mark %s %g", c.Code, *c.PassMark))
		}
	}
	ccs, err := db.FindCourseCompetenciesByCourseIDs(ctx, courseIDs)
	check(err)
	for _, c := range courses.Items {
		for _, cc := range ccs[c.ID] {
			out = append(out, fmt.Sprintf("course_competency %s %s %d-%d", c.Code, compCode[cc.CompetencyID], cc.FromLevel, cc.ToLevel))
		}
	}

	learners, err := db.FindLearners(ctx, models.LearnerFilter{}, all)
	check(err)
	var learnerIDs []int64
	for _, l := range learners.Items {
		learnerIDs = append(learnerIDs, l.ID)
	}
	held, err := db.FindRoleIDsByLearnerIDs(ctx, learnerIDs)
	check(err)
	for _, l := range learners.Items {
		var codes []string
		for _, id := range held[l.ID] {
			codes = append(codes, roleCode[id])
		}
		slices.Sort(codes)
		out = append(out, fmt.Sprintf("learner %s name=%q email=%q designation=%q organisation=%s roles=%s",
			l.EmployeeCode, l.Name, l.Email, l.Designation, orgCode[l.OrganisationID], strings.Join(codes, ",")))
	}

	// The learning record: evidence, enrolments with their certificates, proficiencies.
	courseCode := map[int64]string{}
	for _, c := range courses.Items {
		courseCode[c.ID] = c.Code
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	var record []string
	profs, err := db.FindProficienciesByLearnerIDs(ctx, learnerIDs)
	check(err)
	for _, l := range learners.Items {
		evs, err := db.FindEvidence(ctx, l.ID, all)
		check(err)
		for _, e := range evs.Items {
			score := ""
			if e.Score != nil {
				score = fmt.Sprint(*e.Score)
			}
			record = append(record, fmt.Sprintf("evidence %s %s %s level=%d score=%s at=%s",
				l.EmployeeCode, compCode[e.CompetencyID], e.Source, e.Level, score, stamp(&e.ObservedAt)))
		}
		ens, err := db.FindEnrolments(ctx, l.ID, nil, all)
		check(err)
		var ids []int64
		for _, e := range ens.Items {
			ids = append(ids, e.ID)
		}
		certs, err := db.FindCertificatesByEnrolmentIDs(ctx, ids)
		check(err)
		for _, e := range ens.Items {
			var issued *time.Time
			if c := certs[e.ID]; c != nil {
				issued = &c.IssuedAt
			}
			record = append(record, fmt.Sprintf("enrolment %s %s %s progress=%g enrolled=%s completed=%s certificate=%s",
				l.EmployeeCode, courseCode[e.CourseID], e.Status, e.Progress, stamp(&e.EnrolledAt), stamp(e.CompletedAt), stamp(issued)))
		}
		for _, p := range profs[l.ID] {
			record = append(record, fmt.Sprintf("proficiency %s %s level=%d confidence=%g distribution=%v updated=%s",
				l.EmployeeCode, compCode[p.CompetencyID], p.Level, p.Confidence, p.Distribution, stamp(&p.UpdatedAt)))
		}
		ledger, err := karma.New(db).FindKarmaLedger(ctx, l.ID, all)
		check(err)
		for _, e := range ledger.Items {
			subject, when := e.Subject, " at="+stamp(&e.AwardedAt)
			if e.CourseID != nil && subject != "" {
				subject = "course:" + courseCode[*e.CourseID]
			}
			if e.Reason == models.KarmaCourseRating { // awarded when imported
				when = ""
			}
			record = append(record, fmt.Sprintf("karma %s %s subject=%s points=%d%s note=%q", l.EmployeeCode, e.Reason, subject, e.Points, when, e.Note))
		}
		if ledger.TotalCount > 0 {
			totals, err := karma.New(db).FindKarmaTotals(ctx, []int64{l.ID})
			check(err)
			record = append(record, fmt.Sprintf("karma %s total=%d", l.EmployeeCode, totals[l.ID]))
		}
	}
	slices.Sort(record)
	out = append(out, record...)
	for _, c := range courses.Items {
		if c.EnrolmentCount > 0 || c.RatingCount > 0 {
			out = append(out, fmt.Sprintf("course_rating %s stars=%d ratings=%d enrolments=%d", c.Code, c.RatingSum, c.RatingCount, c.EnrolmentCount))
		}
	}
	return out
}

// dumpOf returns the dump lines of one kind.
func dumpOf(lines []string, kind string) []string {
	var out []string
	for _, l := range lines {
		for _, p := range prefixes[kind] {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return out
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestImportEachKind(t *testing.T) {
	counts := map[string]int{"organisations": 3, "competencies": 3, "roles": 2, "role_requirements": 3,
		"courses": 2, "course_competencies": 2, "learners": 2, "evidence": 3, "enrolments": 2}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, f := range base {
			t.Run(f.kind, func(t *testing.T) {
				res, errs, err := run(t, db, f.kind, f.csv, importer.Options{})
				if err != nil || errs != "" {
					t.Fatalf("err %v, rejected:\n%s", err, errs)
				}
				if want := (importer.Result{Stored: counts[f.kind]}); res != want {
					t.Errorf("result %+v, want %+v", res, want)
				}
				want := dumpOf(baseDump, f.kind)
				if f.kind == "evidence" { // course completions come with the enrolments file
					want = slices.DeleteFunc(want, func(l string) bool { return strings.Contains(l, " COURSE_COMPLETION ") })
				}
				equalLines(t, "stored", dumpOf(dump(t, db), f.kind), want)
			})
		}
		var all []string
		for _, l := range dump(t, db) {
			if !strings.HasPrefix(l, "proficiency ") {
				all = append(all, l)
			}
		}
		equalLines(t, "everything", all, baseDump)
	})
}

func TestImportAgainChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := func() map[string]int64 {
			all := models.PageRequest{First: models.MaxPageSize}
			out := map[string]int64{}
			cs, _ := db.FindCompetencies(ctx, models.CompetencyFilter{}, all)
			for _, c := range cs.Items {
				out["competency "+c.Code] = c.ID
			}
			rs, _ := db.FindRoles(ctx, models.RoleFilter{}, all)
			for _, r := range rs.Items {
				out["role "+r.Code] = r.ID
			}
			co, _ := db.FindCourses(ctx, models.CourseFilter{}, all)
			for _, c := range co.Items {
				out["course "+c.Code] = c.ID
			}
			ls, _ := db.FindLearners(ctx, models.LearnerFilter{}, all)
			for _, l := range ls.Items {
				out["learner "+l.EmployeeCode] = l.ID
			}
			return out
		}
		versions := func() map[string]int64 {
			ls, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: models.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int64{}
			for _, l := range ls.Items {
				out[l.EmployeeCode] = l.Version
			}
			return out
		}
		var first []importer.Result
		for _, f := range base {
			res, _, err := run(t, db, f.kind, f.csv, importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			first = append(first, res)
		}
		before, beforeIDs, beforeVersions := dump(t, db), ids(), versions()
		for i, f := range base {
			res, errs, err := run(t, db, f.kind, f.csv, importer.Options{})
			if err != nil || errs != "" {
				t.Fatalf("%s again: err %v, rejected:\n%s", f.kind, err, errs)
			}
			if res != first[i] {
				t.Errorf("%s again: result %+v, the first time %+v", f.kind, res, first[i])
			}
		}
		equalLines(t, "after importing again", dump(t, db), before)
		if after := ids(); !equalMaps(after, beforeIDs) {
			t.Errorf("IDs changed: %v, were %v", after, beforeIDs)
		}
		// A learner's version keys their cached recommendations: an unchanged row must not bump it.
		if after := versions(); !equalMaps(after, beforeVersions) {
			t.Errorf("learner versions changed: %v, were %v", after, beforeVersions)
		}
	})
}

func equalMaps(a, b map[string]int64) bool {
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

func TestImportFileShapes(t *testing.T) {
	tests := []struct {
		name      string
		kind, csv string
		want      []string // the dump of kind
		rows      int      // the rows stored, when not len(want)
	}{
		{
			name: "ByteOrderMark",
			kind: "roles",
			csv:  "\uFEFFcode,name,description\nSO,Section Officer,Supervises a section\n",
			want: []string{`role SO name="Section Officer" description="Supervises a section"`},
		},
		{
			name: "ColumnsInAnotherOrder",
			kind: "competencies",
			csv:  "area,description,type,name,code\nEthics,Acts with integrity,BEHAVIOURAL,Integrity,BEH-01\n",
			want: []string{`competency BEH-01 name="Integrity" type=BEHAVIOURAL area="Ethics" description="Acts with integrity" sub_theme="" levels=5`},
		},
		{
			name: "OptionalColumnsLeftOut",
			kind: "courses",
			csv:  "code,title,provider,format,duration_hours\nC-DRAFT,Effective Noting,ISTM,ONLINE,6\n",
			want: []string{`course C-DRAFT title="Effective Noting" provider="ISTM" format=ONLINE hours=6 description=""`},
		},
		{
			name: "MinistryWithoutParentColumn",
			kind: "organisations",
			csv:  "code,name,type\nMOF,Ministry of Finance,MINISTRY\n",
			want: []string{`organisation MOF name="Ministry of Finance" type=MINISTRY parent=`},
		},
		{
			name: "SpacesAroundNamesAndCells",
			kind: "roles",
			csv:  " code , name \n  SO ,  Section Officer  \n",
			want: []string{`role SO name="Section Officer" description=""`},
		},
		{
			name: "CRLFAndQuotedNewlines",
			kind: "roles",
			csv:  "code,name,description\r\nSO,Section Officer,\"Supervises\r\na section\"\r\nUS,Under Secretary,\r\n",
			want: []string{
				`role SO name="Section Officer" description="Supervises\na section"`,
				`role US name="Under Secretary" description=""`,
			},
		},
		{
			name: "BlankRowsIgnored",
			kind: "roles",
			csv:  "code,name,description\n\n,,\nSO,Section Officer,\n , , \n",
			want: []string{`role SO name="Section Officer" description=""`},
		},
		{
			name: "LowerCaseEnum",
			kind: "courses",
			csv:  "code,title,provider,format,duration_hours\nC-F2F,Induction,LBSNAA,face_to_face,40\n",
			want: []string{`course C-F2F title="Induction" provider="LBSNAA" format=FACE_TO_FACE hours=40 description=""`},
		},
		{
			name: "WeightLeftOutIsOne",
			kind: "role_requirements",
			csv:  "role_code,competency_code,required_level\nUS,BEH-01,5\n",
			want: []string{`requirement US BEH-01 level=5 weight=1`},
		},
		{
			name: "EvidenceWithoutScoreColumn",
			kind: "evidence",
			csv:  "observed_at,level,source,competency_code,employee_code\n2025-12-31,2,Supervisor,BEH-01,E002\n",
			want: []string{`evidence E002 BEH-01 SUPERVISOR level=2 score= at=2025-12-31T00:00:00Z`},
		},
		{
			name: "EvidenceTimestampsToTheMicrosecondInUTC",
			kind: "evidence",
			csv:  "employee_code,competency_code,source,level,score,observed_at\nE001,BEH-01,ASSESSMENT,2,1,2026-01-15T23:59:59.1234567-05:00\n",
			want: []string{`evidence E001 BEH-01 ASSESSMENT level=2 score=1 at=2026-01-16T04:59:59.123456Z`},
		},
		{
			name: "EnrolmentsWithoutOptionalColumns",
			kind: "enrolments",
			csv:  "employee_code,course_code,status,progress,enrolled_at\nE002,C-DRAFT,dropped,0.25,2026-01-10T08:00:00+05:30\n",
			want: []string{
				`enrolment E002 C-DRAFT DROPPED progress=0.25 enrolled=2026-01-10T02:30:00Z completed= certificate=`,
				`karma E002 FIRST_ENROLMENT subject= points=5 at=2026-01-10T02:30:00Z note="First enrolment: Effective Noting"`,
				`karma E002 total=5`,
				`course_rating C-DRAFT stars=0 ratings=0 enrolments=1`,
			},
			rows: 1,
		},
		{
			name: "LearnerWithoutRoleCodes",
			kind: "learners",
			csv:  "organisation_code,designation,email,name,employee_code\nMOF,Secretary, S.Kumar@gov.in ,S Kumar,E100\n",
			want: []string{`learner E100 name="S Kumar" email="s.kumar@gov.in" designation="Secretary" organisation=MOF roles=`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own store
			db := storetest.Open(t, "sqlite")
			for _, f := range base {
				if f.kind == tt.kind {
					break
				}
				load(t, db, f)
			}
			res, errs, err := run(t, db, tt.kind, tt.csv, importer.Options{})
			if err != nil || errs != "" {
				t.Fatalf("err %v, rejected:\n%s", err, errs)
			}
			rows := tt.rows
			if rows == 0 {
				rows = len(tt.want)
			}
			if res.Stored != rows || res.Rejected != 0 {
				t.Errorf("result %+v, want %d stored", res, rows)
			}
			equalLines(t, "stored", dumpOf(dump(t, db), tt.kind), tt.want)
		})
	}
}

func TestImportOrganisationsParentLater(t *testing.T) {
	tests := []struct {
		name      string
		csv       string
		batchSize int
		want      importer.Result
		errs      string
		dump      []string
	}{
		{
			name: "ParentBeyondTheFirstBatch",
			csv: `code,name,type,parent_code
CGA,Controller General of Accounts,ORGANISATION,DOE
PAO,Pay and Accounts Office,ORGANISATION,CGA
DOE,Department of Expenditure,DEPARTMENT,MOF
XYZ,Orphan Department,DEPARTMENT,NOPE
MOF,Ministry of Finance,MINISTRY,
DEA,Department of Economic Affairs,DEPARTMENT,MOF
`,
			batchSize: 2,
			want:      importer.Result{Stored: 5, Rejected: 1},
			errs:      "line 5: parent_code: no organisation has code \"NOPE\"\n",
			dump: []string{
				`organisation CGA name="Controller General of Accounts" type=ORGANISATION parent=DOE`,
				`organisation DEA name="Department of Economic Affairs" type=DEPARTMENT parent=MOF`,
				`organisation DOE name="Department of Expenditure" type=DEPARTMENT parent=MOF`,
				`organisation MOF name="Ministry of Finance" type=MINISTRY parent=`,
				`organisation PAO name="Pay and Accounts Office" type=ORGANISATION parent=CGA`,
			},
		},
		{
			name: "ParentLaterInTheSameBatch",
			csv: `code,name,type,parent_code
DOE,Department of Expenditure,DEPARTMENT,MOF
MOF,Ministry of Finance,MINISTRY,
`,
			want: importer.Result{Stored: 2},
			dump: []string{
				`organisation DOE name="Department of Expenditure" type=DEPARTMENT parent=MOF`,
				`organisation MOF name="Ministry of Finance" type=MINISTRY parent=`,
			},
		},
		{
			// Line 2 waits for MHA, but line 4 says the last word on DOE first: a
			// retry of line 2 must not overwrite it.
			name: "LaterRowOfAWaitingCodeWins",
			csv: `code,name,type,parent_code
DOE,Old Name,DEPARTMENT,MHA
MOF,Ministry of Finance,MINISTRY,
DOE,Department of Expenditure,DEPARTMENT,MOF
MHA,Ministry of Home Affairs,MINISTRY,
`,
			batchSize: 1,
			want:      importer.Result{Stored: 4},
			dump: []string{
				`organisation DOE name="Department of Expenditure" type=DEPARTMENT parent=MOF`,
				`organisation MHA name="Ministry of Home Affairs" type=MINISTRY parent=`,
				`organisation MOF name="Ministry of Finance" type=MINISTRY parent=`,
			},
		},
		{
			name: "WrongTierFromTheStore",
			csv: `code,name,type,parent_code
DOE,Department of Expenditure,DEPARTMENT,MOF
DEX,Department under a department,DEPARTMENT,DOE
MOF,Ministry of Finance,MINISTRY,
`,
			batchSize: 1,
			want:      importer.Result{Stored: 2, Rejected: 1},
			errs:      "line 3: parent_code: a department's parent must be a ministry\n",
			dump: []string{
				`organisation DOE name="Department of Expenditure" type=DEPARTMENT parent=MOF`,
				`organisation MOF name="Ministry of Finance" type=MINISTRY parent=`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own stores
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				res, errs, err := run(t, db, "organisations", tt.csv, importer.Options{BatchSize: tt.batchSize})
				if err != nil {
					t.Fatal(err)
				}
				if res != tt.want {
					t.Errorf("result %+v, want %+v", res, tt.want)
				}
				if errs != tt.errs {
					t.Errorf("rejected:\n%s\nwant:\n%s", errs, tt.errs)
				}
				equalLines(t, "stored", dump(t, db), tt.dump)
			})
		})
	}
}

func TestImportBadRows(t *testing.T) {
	tests := []struct {
		name      string
		kind, csv string
		batchSize int
		want      importer.Result
		errs      string
		dump      []string // the dump lines of kind that must be present
		absent    []string // and those that must not
	}{
		{
			name: "ErrLevelOutOfRange",
			kind: "role_requirements",
			csv: `role_code,competency_code,required_level
US,BEH-01,6
US,FUN-01,3
`,
			want: importer.Result{Stored: 1, Rejected: 1},
			errs: "line 2: required_level: must be between 1 and 5\n",
			dump: []string{`requirement US FUN-01 level=3 weight=1`},
		},
		{
			name: "ErrToLevelNotAboveFromLevel",
			kind: "course_competencies",
			csv: `course_code,competency_code,from_level,to_level
C-DRAFT,BEH-01,1,3
C-GFR,BEH-01,2,2
C-GFR,FUN-01,0,1
`,
			want: importer.Result{Stored: 2, Rejected: 1},
			errs: "line 3: to_level: must be greater than from_level\n",
			dump: []string{`course_competency C-DRAFT BEH-01 1-3`, `course_competency C-GFR FUN-01 0-1`},
		},
		{
			name: "ErrFromLevelOutOfRange",
			kind: "course_competencies",
			csv: `course_code,competency_code,from_level,to_level
C-GFR,BEH-01,5,6
`,
			want: importer.Result{Rejected: 1},
			errs: "line 2: from_level: must be between 0 and 4\n",
		},
		{
			name: "ErrUnknownCodeFromTheStore",
			kind: "role_requirements",
			csv: `role_code,competency_code,required_level,weight
US,BEH-01,2,1
XX,BEH-01,2,1
US,NOPE,2,1
US,FUN-01,1,0.5
`,
			want: importer.Result{Stored: 2, Rejected: 2},
			errs: "line 3: role_code: no role has code \"XX\"\n" +
				"line 4: competency_code: no competency has code \"NOPE\"\n",
			dump: []string{`requirement US BEH-01 level=2 weight=1`, `requirement US FUN-01 level=1 weight=0.5`},
		},
		{
			name: "ErrUnknownRoleOfLearner",
			kind: "learners",
			csv: `employee_code,name,email,designation,organisation_code,role_codes
E010,Meera Iyer,meera.iyer@gov.in,Assistant,CGA,SO;GHOST
E011,Ravi Das,ravi.das@gov.in,Assistant,NOWHERE,
E012,Anil Jain,anil.jain@gov.in,Assistant,CGA,US
`,
			want:   importer.Result{Stored: 1, Rejected: 2},
			errs:   "line 2: role_codes: no role has code \"GHOST\"\n" + "line 3: organisation_code: no organisation has code \"NOWHERE\"\n",
			dump:   []string{`learner E012 name="Anil Jain" email="anil.jain@gov.in" designation="Assistant" organisation=CGA roles=US`},
			absent: []string{"learner E010 ", "learner E011 "},
		},
		{
			name: "ErrBadNumber",
			kind: "courses",
			csv: `code,title,provider,format,duration_hours
C-1,One,ISTM,ONLINE,six
C-2,Two,ISTM,ONLINE,NaN
C-3,Three,ISTM,ONLINE,+Inf
C-4,Four,ISTM,ONLINE,0
C-5,Five,ISTM,ONLINE,1.5
C-6,Six,ISTM,ONLINE,
C-7,Seven,ISTM,ONLINE,5000
`,
			want: importer.Result{Stored: 1, Rejected: 6},
			errs: "line 2: duration_hours: must be a number\n" +
				"line 3: duration_hours: must be a number\n" +
				"line 4: duration_hours: must be a number\n" +
				"line 5: duration_hours: must be greater than 0 and at most 2000\n" +
				"line 7: duration_hours: must not be empty\n" +
				"line 8: duration_hours: must be greater than 0 and at most 2000\n",
			dump:   []string{`course C-5 title="Five" provider="ISTM" format=ONLINE hours=1.5 description=""`},
			absent: []string{"course C-1 ", "course C-2 ", "course C-3 ", "course C-4 ", "course C-6 ", "course C-7 "},
		},
		{
			name: "ErrBadLevelAndWeight",
			kind: "role_requirements",
			csv: `role_code,competency_code,required_level,weight
US,BEH-01,2.5,1
US,BEH-01,two,1
US,FUN-01,2,-1
US,FUN-01,2,heavy
US,FUN-01,2,inf
`,
			want: importer.Result{Rejected: 5},
			errs: "line 2: required_level: must be a whole number between 1 and 5\n" +
				"line 3: required_level: must be a whole number between 1 and 5\n" +
				"line 4: weight: must be greater than 0 and at most 100\n" +
				"line 5: weight: must be a number\n" +
				"line 6: weight: must be a number\n",
			absent: []string{"requirement US BEH-01 ", "requirement US FUN-01 "},
		},
		{
			name: "ErrBadEnum",
			kind: "competencies",
			csv: `code,name,type,area
SOFT-01,Empathy,SOFT,People
BEH-02,Empathy,BEHAVIOURAL,People
`,
			want:   importer.Result{Stored: 1, Rejected: 1},
			errs:   "line 2: type: must be BEHAVIOURAL, FUNCTIONAL or DOMAIN\n",
			dump:   []string{`competency BEH-02 name="Empathy" type=BEHAVIOURAL area="People" description="" sub_theme="" levels=5`},
			absent: []string{"competency SOFT-01 "},
		},
		{
			name: "ErrBadUTF8",
			kind: "roles",
			csv:  "code,name,description\nR1,Clerk,\nR2,Cl\xffrk,\nR3,Typist,ok\xc3\n",
			want: importer.Result{Stored: 1, Rejected: 2},
			errs: "line 3: name: is not valid UTF-8\n" +
				"line 4: description: is not valid UTF-8\n",
			dump:   []string{`role R1 name="Clerk" description=""`},
			absent: []string{"role R2 ", "role R3 "},
		},
		{
			name: "ErrWrongNumberOfFields",
			kind: "roles",
			csv: `code,name,description
R1,Clerk,,extra
R2,Typist
R3,Steno,Takes dictation
`,
			want: importer.Result{Stored: 1, Rejected: 2},
			errs: "line 2: row: has 4 fields, the header has 3\n" +
				"line 3: description: is missing: the row has 2 fields, the header has 3\n",
			dump:   []string{`role R3 name="Steno" description="Takes dictation"`},
			absent: []string{"role R1 ", "role R2 "},
		},
		{
			name: "ErrBareQuote",
			kind: "roles",
			csv: `code,name,description
R1,The "Clerk",
R2,Typist,
`,
			want:   importer.Result{Stored: 1, Rejected: 1},
			errs:   "line 2: name: has a \" in a field that is not quoted (quote the whole field and write \"\" for each \")\n",
			dump:   []string{`role R2 name="Typist" description=""`},
			absent: []string{"role R1 "},
		},
		{
			name: "ErrQuoteNeverClosed",
			kind: "roles",
			csv: `code,name,description
R1,Clerk,
R2,"Typist,
R3,Steno,
`,
			want:   importer.Result{Stored: 1, Rejected: 1},
			errs:   "line 3: name: has a quoted field that is not closed properly (write \"\" for a \" inside quotes); lines 3 to 4 were read as this one row\n",
			dump:   []string{`role R1 name="Clerk" description=""`},
			absent: []string{"role R2 ", "role R3 "},
		},
		{
			name: "ErrEmptyCell",
			kind: "roles",
			csv: `code,name
R1,
,Clerk
R2,Typist
`,
			want:   importer.Result{Stored: 1, Rejected: 2},
			errs:   "line 2: name: must not be empty\n" + "line 3: code: must not be empty\n",
			dump:   []string{`role R2 name="Typist" description=""`},
			absent: []string{"role R1 "},
		},
		{
			name: "ErrBadCodeFromTheStore",
			kind: "roles",
			csv: `code,name
R 1,Clerk
R2,Typist
`,
			want:   importer.Result{Stored: 1, Rejected: 1},
			errs:   "line 2: code: must be 1 to 64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit\n",
			dump:   []string{`role R2 name="Typist" description=""`},
			absent: []string{"role R 1 "},
		},
		{
			name: "ErrBadEmail",
			kind: "learners",
			csv: `employee_code,name,email,designation,organisation_code
E020,Nisha Pal,nisha.pal,Assistant,CGA
E021,Om Prakash,om prakash@gov.in,Assistant,CGA
E022,Kiran Bedi,kiran@gov.in,Assistant,CGA
`,
			want:   importer.Result{Stored: 1, Rejected: 2},
			errs:   "line 2: email: is not an email address\n" + "line 3: email: is not an email address\n",
			dump:   []string{`learner E022 name="Kiran Bedi" email="kiran@gov.in" designation="Assistant" organisation=CGA roles=`},
			absent: []string{"learner E020 ", "learner E021 "},
		},
		{
			name: "ErrEmailInUseFromTheStore",
			kind: "learners",
			csv: `employee_code,name,email,designation,organisation_code
E030,Lata Menon,lata.menon@gov.in,Assistant,CGA
E031,Impostor,asha.rao@gov.in,Assistant,CGA
`,
			want:   importer.Result{Stored: 1, Rejected: 1},
			errs:   "line 3: email: already in use by another record\n",
			dump:   []string{`learner E030 name="Lata Menon" email="lata.menon@gov.in" designation="Assistant" organisation=CGA roles=`},
			absent: []string{"learner E031 "},
		},
		{
			name: "ErrMinistryWithParent",
			kind: "organisations",
			csv: `code,name,type,parent_code
MHA,Ministry of Home Affairs,MINISTRY,MOF
DPT,Department of Posts,DEPARTMENT,
DOP,Department of Posts,DEPARTMENT,MOF
`,
			want: importer.Result{Stored: 1, Rejected: 2},
			errs: "line 2: parent_code: must be empty for a ministry\n" +
				"line 3: parent_code: must not be empty for a department\n",
			dump:   []string{`organisation DOP name="Department of Posts" type=DEPARTMENT parent=MOF`},
			absent: []string{"organisation MHA ", "organisation DPT "},
		},
		{
			name: "ErrBadEvidenceNumber",
			kind: "evidence",
			csv: `employee_code,competency_code,source,level,score,observed_at
E001,BEH-01,SELF,three,,2026-03-05
E001,BEH-01,SELF,6,,2026-03-05
E001,BEH-01,ASSESSMENT,2,high,2026-03-05
E001,BEH-01,ASSESSMENT,2,1.5,2026-03-05
E001,BEH-01,ASSESSMENT,2,NaN,2026-03-05
E001,BEH-01,ASSESSMENT,2,,2026-03-05
E001,BEH-01,ASSESSMENT,2,0.75,2026-03-05
E001,BEH-01,RUMOUR,2,,2026-03-05
`,
			want: importer.Result{Stored: 1, Rejected: 7},
			errs: "line 2: level: must be a whole number between 1 and 5\n" +
				"line 3: level: must be between 1 and 5\n" +
				"line 4: score: must be a number between 0 and 1\n" +
				"line 5: score: must be between 0 and 1\n" +
				"line 6: score: must be a number between 0 and 1\n" +
				"line 7: score: is required for an ASSESSMENT: the fraction of it answered correctly\n" +
				"line 9: source: must be ASSESSMENT, SELF, SUPERVISOR, COURSE_COMPLETION or CERTIFICATION\n",
			dump:   []string{`evidence E001 BEH-01 ASSESSMENT level=2 score=0.75 at=2026-03-05T00:00:00Z`},
			absent: []string{"evidence E001 BEH-01 SELF "},
		},
		{
			name: "ErrBadDate",
			kind: "evidence",
			csv: `employee_code,competency_code,source,level,observed_at
E001,BEH-01,SELF,2,05/03/2026
E001,BEH-01,SELF,2,2026-13-01
E001,BEH-01,SELF,2,2026-03-05 10:00:00Z
E001,BEH-01,SELF,2,2026-03-05T10:00:00
E001,BEH-01,SELF,2,
E001,BEH-01,SELF,2,2026-03-05T10:00:00Z
`,
			want: importer.Result{Stored: 1, Rejected: 5},
			errs: "line 2: observed_at: must be an RFC 3339 timestamp (2026-03-01T09:30:00+05:30) or a date (2026-03-01)\n" +
				"line 3: observed_at: must be an RFC 3339 timestamp (2026-03-01T09:30:00+05:30) or a date (2026-03-01)\n" +
				"line 4: observed_at: must be an RFC 3339 timestamp (2026-03-01T09:30:00+05:30) or a date (2026-03-01)\n" +
				"line 5: observed_at: must be an RFC 3339 timestamp (2026-03-01T09:30:00+05:30) or a date (2026-03-01)\n" +
				"line 6: observed_at: must not be empty\n",
			dump: []string{`evidence E001 BEH-01 SELF level=2 score= at=2026-03-05T10:00:00Z`},
		},
		{
			name: "ErrFutureDate",
			kind: "evidence",
			csv: `employee_code,competency_code,source,level,observed_at
E001,BEH-01,SELF,2,2999-01-01
E001,BEH-01,SELF,2,2999-01-01T00:00:00Z
E001,BEH-01,SELF,3,2026-01-01
`,
			want: importer.Result{Stored: 1, Rejected: 2},
			errs: "line 2: observed_at: must not be in the future\n" +
				"line 3: observed_at: must not be in the future\n",
			dump:   []string{`evidence E001 BEH-01 SELF level=3 score= at=2026-01-01T00:00:00Z`},
			absent: []string{"evidence E001 BEH-01 SELF level=2 "},
		},
		{
			name: "ErrUnknownCodeInEvidence",
			kind: "evidence",
			csv: `employee_code,competency_code,source,level,observed_at
E999,BEH-01,SELF,2,2026-01-01
E001,NOPE,SELF,2,2026-01-01
E002,BEH-01,SELF,2,2026-01-01
`,
			want: importer.Result{Stored: 1, Rejected: 2},
			errs: "line 2: employee_code: no learner has employee code \"E999\"\n" +
				"line 3: competency_code: no competency has code \"NOPE\"\n",
			dump: []string{`evidence E002 BEH-01 SELF level=2 score= at=2026-01-01T00:00:00Z`},
		},
		{
			name: "ErrBadEnrolment",
			kind: "enrolments",
			csv: `employee_code,course_code,status,progress,enrolled_at,completed_at,rating
E002,C-DRAFT,PAUSED,0,2026-01-01,,
E002,C-DRAFT,ENROLLED,half,2026-01-01,,
E002,C-DRAFT,ENROLLED,0,2026-01-01,,5 stars
E002,C-DRAFT,ENROLLED,0,2026-01-01,,0
E002,C-DRAFT,COMPLETED,1,2026-01-01,,
E002,C-DRAFT,COMPLETED,1,2026-01-05,2026-01-04,
E002,C-DRAFT,COMPLETED,0.9,2026-01-01,2026-01-04,
E002,C-DRAFT,ENROLLED,0,2999-01-01,,
E002,C-DRAFT,COMPLETED,1,2026-01-01,2999-01-01,
E002,C-DRAFT,ENROLLED,0,2026-01-01,2026-01-04,
E999,C-DRAFT,ENROLLED,0,2026-01-01,,
E002,C-NONE,ENROLLED,0,2026-01-01,,
E002,C-DRAFT,COMPLETED,1,2026-01-01,2026-01-04T16:00:00+05:30,4
`,
			want: importer.Result{Stored: 1, Rejected: 12},
			errs: "line 2: status: must be ENROLLED, IN_PROGRESS, COMPLETED or DROPPED\n" +
				"line 3: progress: must be a number between 0 and 1\n" +
				"line 4: rating: must be a whole number between 1 and 5\n" +
				"line 5: rating: must be between 1 and 5\n" +
				"line 6: completed_at: is required for a COMPLETED enrolment\n" +
				"line 7: completed_at: must not be before enrolled_at\n" +
				"line 8: progress: must be 1 for a COMPLETED enrolment\n" +
				"line 9: enrolled_at: must not be in the future\n" +
				"line 10: completed_at: must not be in the future\n" +
				"line 11: completed_at: must be empty unless the status is COMPLETED\n" +
				"line 12: employee_code: no learner has employee code \"E999\"\n" +
				"line 13: course_code: no course has code \"C-NONE\"\n",
			dump: []string{
				`enrolment E002 C-DRAFT COMPLETED progress=1 enrolled=2026-01-01T00:00:00Z completed=2026-01-04T10:30:00Z certificate=2026-01-04T10:30:00Z`,
				`course_rating C-DRAFT stars=9 ratings=2 enrolments=2`,
			},
		},
		{
			name: "ErrProgressBackwards",
			kind: "enrolments",
			csv: `employee_code,course_code,status,progress,enrolled_at,completed_at
E002,C-GFR,IN_PROGRESS,0.2,2026-02-05,
E001,C-DRAFT,DROPPED,1,2026-02-01,
E001,C-DRAFT,COMPLETED,1,2026-02-01,2026-02-21
`,
			batchSize: 1, // lines 3 and 4 share a key: in one batch only line 4 would be written
			want:      importer.Result{Rejected: 3},
			errs: "line 2: progress: must not go below the stored progress 0.40\n" +
				"line 3: status: must stay COMPLETED: the enrolment was completed at 2026-02-20T12:00:00Z\n" +
				"line 4: completed_at: must stay 2026-02-20T12:00:00Z, when the enrolment was completed\n",
			dump: []string{
				`enrolment E002 C-GFR IN_PROGRESS progress=0.4 enrolled=2026-02-05T00:00:00Z completed= certificate=`,
				`enrolment E001 C-DRAFT COMPLETED progress=1 enrolled=2026-02-01T00:00:00Z completed=2026-02-20T12:00:00Z certificate=2026-02-20T12:00:00Z`,
			},
		},
		{
			name: "DuplicateKeyLastWins",
			kind: "roles",
			csv: `code,name,description
R1,Clerk,first
R2,Typist,
R1,Senior Clerk,second
`,
			want: importer.Result{Stored: 3},
			dump: []string{`role R1 name="Senior Clerk" description="second"`, `role R2 name="Typist" description=""`},
		},
		{
			name: "DuplicateKeyAcrossBatchesLastWins",
			kind: "role_requirements",
			csv: `role_code,competency_code,required_level,weight
US,BEH-01,1,1
US,FUN-01,1,1
US,BEH-01,3,2
`,
			batchSize: 2,
			want:      importer.Result{Stored: 3},
			dump:      []string{`requirement US BEH-01 level=3 weight=2`, `requirement US FUN-01 level=1 weight=1`},
		},
		{
			name: "LinesOfRowsSpanningLines",
			kind: "roles",
			csv: `code,name,description
R1,Clerk,"Keeps the
registers, and
the files"
R2,,"two
lines"
R3,Typist,"one
more",x
R4,Steno,
`,
			want: importer.Result{Stored: 2, Rejected: 2},
			errs: "line 5: name: must not be empty\n" +
				"line 7: row: has 4 fields, the header has 3\n",
			dump:   []string{`role R1 name="Clerk" description="Keeps the\nregisters, and\nthe files"`, `role R4 name="Steno" description=""`},
			absent: []string{"role R2 ", "role R3 "},
		},
		{
			name: "CellErrorOnALaterLineOfItsRow",
			kind: "course_competencies",
			csv: `course_code,competency_code,from_level,to_level
"C-GFR","BEH-01","1
",9
`,
			want: importer.Result{Rejected: 1},
			errs: "line 3: to_level: must be between 1 and 5\n",
		},
		{
			name: "BadRowsAcrossBatches",
			kind: "roles",
			csv: `code,name
R1,One
R2,
R3,Three
R 4,Four
R5,Five
R6,
`,
			batchSize: 2,
			want:      importer.Result{Stored: 3, Rejected: 3},
			errs: "line 3: name: must not be empty\n" +
				"line 5: code: must be 1 to 64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit\n" +
				"line 7: name: must not be empty\n",
			dump: []string{`role R1 name="One" description=""`, `role R3 name="Three" description=""`, `role R5 name="Five" description=""`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own stores
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				load(t, db, base...)
				res, errs, err := run(t, db, tt.kind, tt.csv, importer.Options{BatchSize: tt.batchSize})
				if err != nil {
					t.Fatal(err)
				}
				if res != tt.want {
					t.Errorf("result %+v, want %+v", res, tt.want)
				}
				if errs != tt.errs {
					t.Errorf("rejected:\n%s\nwant:\n%s", errs, tt.errs)
				}
				stored := dumpOf(dump(t, db), tt.kind)
				for _, l := range tt.dump {
					if !slices.Contains(stored, l) {
						t.Errorf("not stored: %s\nstored:\n  %s", l, strings.Join(stored, "\n  "))
					}
				}
				for _, p := range tt.absent {
					for _, l := range stored {
						if strings.HasPrefix(l, p) {
							t.Errorf("stored a rejected row: %s", l)
						}
					}
				}
			})
		})
	}
}

func TestImportBadFile(t *testing.T) {
	tests := []struct {
		name      string
		kind, csv string
		err       string
	}{
		{"ErrUnknownKind", "certificates", "employee_code\nE001\n",
			`unknown kind "certificates": the importer takes organisations, competencies, roles, role_requirements, courses, course_competencies, learners, evidence, enrolments, events, batches, sessions, attendance, assessment_items`},
		{"ErrEvidenceMissingColumn", "evidence", "employee_code,competency_code,source,level,score\nE001,BEH-01,SELF,2,\n",
			`line 1: header: missing required column "observed_at"`},
		{"ErrEnrolmentsUnknownColumn", "enrolments", "employee_code,course_code,status,progress,enrolled_at,grade\nE001,C-GFR,ENROLLED,0,2026-01-01,B\n",
			`line 1: header: unknown column "grade" (enrolments columns are employee_code, course_code, status, progress, enrolled_at, completed_at, rating)`},
		{"ErrEmptyFile", "roles", "", "the file is empty: it needs a header row naming the columns"},
		{"ErrOnlyByteOrderMark", "roles", "\uFEFF", "the file is empty: it needs a header row naming the columns"},
		{"ErrUnknownColumn", "roles", "code,name,grade\nSO,Section Officer,B\n",
			`line 1: header: unknown column "grade" (roles columns are code, name, description)`},
		{"ErrUpperCaseColumn", "roles", "Code,name\nSO,Section Officer\n",
			`line 1: header: unknown column "Code" (roles columns are code, name, description; column names are lower-case: "code")`},
		{"ErrMissingRequiredColumn", "competencies", "code,name,description\nBEH-01,Integrity,\n",
			`line 1: header: missing required columns "type", "area"`},
		{"ErrMissingOneRequiredColumn", "roles", "code,description\nSO,x\n",
			`line 1: header: missing required column "name"`},
		{"ErrDuplicateColumn", "roles", "code,name,code\nSO,Section Officer,SO\n",
			`line 1: header: column "code" appears twice`},
		{"ErrNamelessColumn", "roles", "code,name,\nSO,Section Officer,\n",
			`line 1: header: column 3 has no name`},
		{"ErrBadQuoteInHeader", "roles", "code,\"name\nSO,Section Officer\n",
			`line 1: header: has a quoted field that is not closed properly (write "" for a " inside quotes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own store
			db := storetest.Open(t, "sqlite")
			res, errs, err := run(t, db, tt.kind, tt.csv, importer.Options{})
			if err == nil || err.Error() != tt.err {
				t.Errorf("error %v, want %s", err, tt.err)
			}
			if res != (importer.Result{}) || errs != "" {
				t.Errorf("result %+v, rejected %q; want nothing", res, errs)
			}
			if d := dump(t, db); len(d) != 0 {
				t.Errorf("stored:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestImportCoursePassMark follows a course's pass mark through imports: with the
// column, a cell sets it and an empty cell clears it; without it, it stays.
func TestImportCoursePassMark(t *testing.T) {
	const header = "code,title,provider,format,duration_hours"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, base...)
		for _, s := range []struct {
			name, csv string
			want      []string
		}{
			{"ColumnLeftOutKeepsIt", header + "\nC-GFR,GFR 2017,NIFM,BLENDED,12.5\n", []string{"pass_mark C-GFR 0.7"}},
			{"CellSetsIt", header + ",pass_mark\nC-GFR,GFR 2017,NIFM,BLENDED,12.5,0.65\nC-DRAFT,Effective Noting,ISTM,ONLINE,6,1\n",
				[]string{"pass_mark C-DRAFT 1", "pass_mark C-GFR 0.65"}},
			{"EmptyCellClearsIt", header + ",pass_mark\nC-GFR,GFR 2017,NIFM,BLENDED,12.5,\n", []string{"pass_mark C-DRAFT 1"}},
		} {
			t.Run(s.name, func(t *testing.T) {
				if _, errs, err := run(t, db, "courses", s.csv, importer.Options{}); err != nil || errs != "" {
					t.Fatalf("err %v, rejected:\n%s", err, errs)
				}
				var got []string
				for _, l := range dump(t, db) {
					if strings.HasPrefix(l, "pass_mark ") {
						got = append(got, l)
					}
				}
				equalLines(t, "pass marks", got, s.want)
			})
		}
		t.Run("ErrBadPassMark", func(t *testing.T) {
			res, errs, err := run(t, db, "courses", header+",pass_mark\nC-1,One,ISTM,ONLINE,1,0\nC-2,Two,ISTM,ONLINE,1,1.5\nC-3,Three,ISTM,ONLINE,1,most\n", importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := "line 2: pass_mark: must be greater than 0 and at most 1\n" +
				"line 3: pass_mark: must be greater than 0 and at most 1\n" +
				"line 4: pass_mark: must be a number\n"
			if res != (importer.Result{Rejected: 3}) || errs != want {
				t.Errorf("result %+v, rejected:\n%s\nwant:\n%s", res, errs, want)
			}
		})
	})
}

func TestImportLearnerRoleCodes(t *testing.T) {
	const header = "employee_code,name,email,designation,organisation_code"
	steps := []struct {
		name, csv, want string
		bumped          bool // the learner's version must change
	}{
		{
			name:   "ListReplacesRoles",
			csv:    header + ",role_codes\nE002,Vikram Singh,vikram.singh@nic.in,Under Secretary,DOE, US ;;US\n",
			want:   `learner E002 name="Vikram Singh" email="vikram.singh@nic.in" designation="Under Secretary" organisation=DOE roles=US`,
			bumped: true,
		},
		{
			name:   "ColumnLeftOutKeepsRoles",
			csv:    header + "\nE002,Vikram Singh,vikram.singh@nic.in,Deputy Secretary,DOE\n",
			want:   `learner E002 name="Vikram Singh" email="vikram.singh@nic.in" designation="Deputy Secretary" organisation=DOE roles=US`,
			bumped: true,
		},
		{
			name:   "EmptyCellTakesRolesAway",
			csv:    header + ",role_codes\nE002,Vikram Singh,vikram.singh@nic.in,Deputy Secretary,DOE,\n",
			want:   `learner E002 name="Vikram Singh" email="vikram.singh@nic.in" designation="Deputy Secretary" organisation=DOE roles=`,
			bumped: true,
		},
		{
			name: "SameRowAgainKeepsVersion",
			csv:  header + ",role_codes\nE002,Vikram Singh,vikram.singh@nic.in,Deputy Secretary,DOE,\n",
			want: `learner E002 name="Vikram Singh" email="vikram.singh@nic.in" designation="Deputy Secretary" organisation=DOE roles=`,
		},
		{
			name:   "RolesGivenBack",
			csv:    header + ",role_codes\nE002,Vikram Singh,vikram.singh@nic.in,Deputy Secretary,DOE,US;SO\n",
			want:   `learner E002 name="Vikram Singh" email="vikram.singh@nic.in" designation="Deputy Secretary" organisation=DOE roles=SO,US`,
			bumped: true,
		},
	}
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	load(t, db, base...)
	version := func() int64 {
		t.Helper()
		p, err := db.FindLearners(ctx, models.LearnerFilter{Search: new("E002")}, models.PageRequest{First: 1})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("find E002: %v, %v", p, err)
		}
		return p.Items[0].Version
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := version()
			res, errs, err := run(t, db, "learners", s.csv, importer.Options{})
			if err != nil || errs != "" || res != (importer.Result{Stored: 1}) {
				t.Fatalf("result %+v, err %v, rejected:\n%s", res, err, errs)
			}
			var got string
			for _, l := range dumpOf(dump(t, db), "learners") {
				if strings.HasPrefix(l, "learner E002 ") {
					got = l
				}
			}
			if got != s.want {
				t.Errorf("got  %s\nwant %s", got, s.want)
			}
			if after := version(); (after != before) != s.bumped {
				t.Errorf("version %d, was %d; want bumped: %v", after, before, s.bumped)
			}
		})
	}
}

// brokenReader yields its text, then fails.
type brokenReader struct{ r io.Reader }

func (b *brokenReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestImportStops(t *testing.T) {
	const roles = "code,name\nR1,One\nR2,Two\nR3,Three\n"
	t.Run("ErrReadBreaksOff", func(t *testing.T) {
		db := storetest.Open(t, "sqlite")
		var errs bytes.Buffer
		// The last line has no newline, so the reader's failure cuts it off: it is not trusted.
		res, err := importer.Import(context.Background(), bulk.New(db), "roles", &brokenReader{strings.NewReader(strings.TrimSuffix(roles, "\n"))},
			importer.Options{Errors: &errs})
		if want := "read roles file after line 3: disk on fire"; err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
		if res != (importer.Result{Stored: 2}) || errs.Len() != 0 {
			t.Errorf("result %+v, rejected %q", res, errs.String())
		}
		equalLines(t, "stored", dump(t, db), []string{`role R1 name="One" description=""`, `role R2 name="Two" description=""`})
	})
	t.Run("ErrCancelled", func(t *testing.T) {
		db := storetest.Open(t, "sqlite")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := importer.Import(ctx, bulk.New(db), "roles", strings.NewReader(roles), importer.Options{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if res != (importer.Result{}) || len(dump(t, db)) != 0 {
			t.Errorf("result %+v, stored %v; want nothing", res, dump(t, db))
		}
	})
	t.Run("ErrWriteFails", func(t *testing.T) {
		db := storetest.Open(t, "sqlite")
		db.Close()
		_, err := importer.Import(context.Background(), bulk.New(db), "roles", strings.NewReader(roles), importer.Options{BatchSize: 2})
		if err == nil || !strings.HasPrefix(err.Error(), "store roles of lines 2 to 3: ") {
			t.Errorf("error %v, want one naming the lines", err)
		}
	})
}

func TestImportProgress(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	var progress, errs bytes.Buffer
	res, err := importer.Import(context.Background(), bulk.New(db), "roles",
		strings.NewReader("code,name\nR1,One\nR2,\nR3,Three\n"), importer.Options{BatchSize: 2, Progress: &progress, Errors: &errs})
	if err != nil || res != (importer.Result{Stored: 2, Rejected: 1}) {
		t.Fatalf("result %+v, err %v", res, err)
	}
	if got, want := progress.String(), "\rread 3 rows: 2 stored, 1 rejected\n"; !strings.HasSuffix(got, want) {
		t.Errorf("progress %q, want it to end %q", got, want)
	}
	if got, want := errs.String(), "line 3: name: must not be empty\n"; got != want {
		t.Errorf("rejected %q, want %q", got, want)
	}
}

// TestImportLearningRecord checks what the evidence and enrolments files leave behind
// beyond their rows: proficiencies that are the recommender's estimates from the
// stored evidence, and completion effects that a second import does not repeat.
func TestImportLearningRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, base...)
		ctx := context.Background()
		ls, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 10})
		if err != nil {
			t.Fatal(err)
		}
		estimates := func() map[string]models.Proficiency {
			t.Helper()
			out := map[string]models.Proficiency{}
			for _, l := range ls.Items {
				evs, err := db.FindEvidence(ctx, l.ID, models.PageRequest{First: 100})
				if err != nil {
					t.Fatal(err)
				}
				by := map[int64][]models.Evidence{}
				for _, e := range evs.Items {
					by[e.CompetencyID] = append(by[e.CompetencyID], *e)
				}
				for c, es := range by {
					out[fmt.Sprint(l.ID, "/", c)] = recommender.NewEstimator().Estimate(l.ID, c, es)
				}
			}
			return out
		}
		stored := func() map[string]models.Proficiency {
			t.Helper()
			ids := []int64{ls.Items[0].ID, ls.Items[1].ID}
			profs, err := db.FindProficienciesByLearnerIDs(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]models.Proficiency{}
			for _, ps := range profs {
				for _, p := range ps {
					out[fmt.Sprint(p.LearnerID, "/", p.CompetencyID)] = *p
				}
			}
			return out
		}
		want, got := estimates(), stored()
		if len(want) != 2 || len(got) != len(want) {
			t.Fatalf("%d proficiencies stored, %d estimated; want 2", len(got), len(want))
		}
		for k, w := range want {
			g := got[k]
			if g.Level != w.Level || math.Abs(g.Confidence-w.Confidence) > 1e-12 || !g.UpdatedAt.Equal(w.UpdatedAt) {
				t.Errorf("%s: stored %+v, estimated %+v", k, g, w)
			}
		}
		// Importing the learning record again writes nothing: no second certificate or
		// completion evidence, no proficiency rewritten (the tampered one stays).
		if _, err := db.Bun().NewUpdate().Table("proficiencies").Set("confidence = 0.5").Where("1 = 1").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, f := range base[len(base)-2:] {
			res, errs, err := run(t, db, f.kind, f.csv, importer.Options{})
			if err != nil || errs != "" || res.Rejected != 0 {
				t.Fatalf("%s again: %+v, err %v, rejected:\n%s", f.kind, res, err, errs)
			}
		}
		for k, p := range stored() {
			if p.Confidence != 0.5 {
				t.Errorf("%s rewritten: %+v", k, p)
			}
		}
		if n := strings.Count(strings.Join(dump(t, db), "\n"), " COURSE_COMPLETION level="); n != 1 {
			t.Errorf("%d completion evidence rows, want 1", n)
		}
	})
}

// TestImportHindiNames: name_hi and title_hi, like pass_mark, set the Hindi name
// when the column is there (an empty cell: none) and leave it alone when it is not.
func TestImportHindiNames(t *testing.T) {
	ctx := context.Background()
	all := models.PageRequest{First: models.MaxPageSize}
	hindi := func(t *testing.T, db *store.DB) []string {
		t.Helper()
		var out []string
		comps, err := db.FindCompetencies(ctx, models.CompetencyFilter{}, all)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range comps.Items {
			if c.NameHi != nil {
				out = append(out, "competency "+c.Code+" "+*c.NameHi)
			}
		}
		courses, err := db.FindCourses(ctx, models.CourseFilter{}, all)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range courses.Items {
			if c.TitleHi != nil {
				out = append(out, "course "+c.Code+" "+*c.TitleHi)
			}
		}
		return out
	}
	const comps = "code,name,type,area"
	const courses = "code,title,provider,format,duration_hours"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, base...)
		for _, s := range []struct {
			name, kind, csv string
			want            []string
		}{
			{"CellsSetThem", "competencies", comps + ",name_hi\nBEH-01,Integrity,BEHAVIOURAL,Ethics,सत्यनिष्ठा\nFUN-01,Noting and Drafting,FUNCTIONAL,Office Procedure, टिप्पण और प्रारूपण \n",
				[]string{"competency BEH-01 सत्यनिष्ठा", "competency FUN-01 टिप्पण और प्रारूपण"}},
			{"CourseCellSetsIt", "courses", courses + ",title_hi\nC-GFR,GFR 2017,NIFM,BLENDED,12.5,सामान्य वित्तीय नियम 2017\n",
				[]string{"competency BEH-01 सत्यनिष्ठा", "competency FUN-01 टिप्पण और प्रारूपण", "course C-GFR सामान्य वित्तीय नियम 2017"}},
			{"ColumnLeftOutKeepsThem", "competencies", comps + "\nBEH-01,Integrity,BEHAVIOURAL,Ethics\n",
				[]string{"competency BEH-01 सत्यनिष्ठा", "competency FUN-01 टिप्पण और प्रारूपण", "course C-GFR सामान्य वित्तीय नियम 2017"}},
			{"CourseColumnLeftOutKeepsIt", "courses", courses + ",pass_mark\nC-GFR,GFR 2017,NIFM,BLENDED,12.5,0.7\n",
				[]string{"competency BEH-01 सत्यनिष्ठा", "competency FUN-01 टिप्पण और प्रारूपण", "course C-GFR सामान्य वित्तीय नियम 2017"}},
			{"EmptyCellClearsIt", "competencies", comps + ",name_hi\nFUN-01,Noting and Drafting,FUNCTIONAL,Office Procedure,\n",
				[]string{"competency BEH-01 सत्यनिष्ठा", "course C-GFR सामान्य वित्तीय नियम 2017"}},
			{"CourseEmptyCellClearsIt", "courses", courses + ",title_hi\nC-GFR,GFR 2017,NIFM,BLENDED,12.5,\n",
				[]string{"competency BEH-01 सत्यनिष्ठा"}},
		} {
			t.Run(s.name, func(t *testing.T) {
				if _, errs, err := run(t, db, s.kind, s.csv, importer.Options{}); err != nil || errs != "" {
					t.Fatalf("err %v, rejected:\n%s", err, errs)
				}
				equalLines(t, "Hindi names", hindi(t, db), s.want)
			})
		}
		t.Run("ErrTooLong", func(t *testing.T) {
			long := strings.Repeat("क", 301)
			res, errs, err := run(t, db, "competencies", comps+",name_hi\nBEH-01,Integrity,BEHAVIOURAL,Ethics,"+long+"\n", importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := "line 2: name_hi: must be at most 300 characters\n"; res != (importer.Result{Rejected: 1}) || errs != want {
				t.Errorf("result %+v, rejected:\n%s\nwant:\n%s", res, errs, want)
			}
			res, errs, err = run(t, db, "courses", courses+",title_hi\nC-GFR,GFR 2017,NIFM,BLENDED,12.5,"+long+"\n", importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := "line 2: title_hi: must be at most 300 characters\n"; res != (importer.Result{Rejected: 1}) || errs != want {
				t.Errorf("result %+v, rejected:\n%s\nwant:\n%s", res, errs, want)
			}
			equalLines(t, "Hindi names after the rejections", hindi(t, db), []string{"competency BEH-01 सत्यनिष्ठा"})
		})
	})
}
