// Package seed generates a deterministic, realistic data set — ministries,
// departments and organisations, the Karmayogi competency dictionary with domain
// competencies, FRAC-style roles, courses, learners and their learning record (noisy
// evidence of hidden true levels, enrolments with completions and ratings) — and
// writes it through models.BulkWriter, the same bulk path as CSV import.
//
// The same options always produce the same records in the same order. Each stage
// draws from its own random stream, so changing the number of learners leaves the
// catalogue as it was.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Options configures Run. Zero values take the defaults.
type Options struct {
	Learners int       // default 2000 when 0
	Courses  int       // default 1400 when 0
	Seed     int64     // default 1 when 0; same seed, same data, byte for byte
	Progress io.Writer // optional: one short line per stage ("seed: 1400 courses"), nil for silence
}

// Defaults for Options.
const (
	DefaultLearners = 2000
	DefaultCourses  = 1400
	DefaultSeed     = 1
)

// Stats counts the records Run wrote, by kind. Evidence counts the evidence rows
// generated, not the COURSE_COMPLETION evidence that completed enrolments add.
type Stats struct {
	Organisations, Competencies, Roles, RoleRequirements, Courses, CourseCompetencies, Learners int
	Evidence, Enrolments                                                                        int
	Events, Batches, Sessions, Attendance                                                       int
	AssessmentItems                                                                             int
}

// batchSize is how many records go to the writer per call.
const batchSize = 500

// Salts of the random streams of the stages.
const (
	streamRoles uint64 = iota + 1
	streamCourses
	streamLearners
	streamLearning
	streamClassroom
	streamEffects
)

// Run generates the data set and writes it through w in dependency order:
// organisations (parents first), competencies, roles, role requirements, courses,
// course competencies, learning events, batches and their sessions, then for each
// batch of learners the learners, their evidence, their enrolments and their
// attendance at the past learning week. A record the writer rejects is a bug in
// the generator, so Run stops with an error naming it.
func Run(ctx context.Context, w models.BulkWriter, opts Options) (Stats, error) {
	var st Stats
	if opts.Learners < 0 || opts.Courses < 0 {
		return st, errors.New("seed: learners and courses must not be negative")
	}
	if opts.Learners == 0 {
		opts.Learners = DefaultLearners
	}
	if opts.Courses == 0 {
		opts.Courses = DefaultCourses
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	stream := func(salt uint64) *rand.Rand { return rand.New(rand.NewPCG(uint64(opts.Seed), salt)) }
	progress := func(n int, what string) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "seed: %d %s\n", n, what)
		}
	}

	// The catalogue is small; build it whole before writing anything.
	orgs := organisations()
	comps, err := competencies()
	if err != nil {
		return st, err
	}
	cat := newCatalogue(comps)
	rolesRNG := stream(streamRoles)
	reqs, err := requirements(rolesRNG, cat)
	if err != nil {
		return st, err
	}
	coursesRNG := stream(streamCourses)
	crs, links := courses(coursesRNG, cat, unreachableGaps(coursesRNG, cat, reqs), opts.Courses)
	items, err := assessmentItems()
	if err != nil {
		return st, err
	}
	finalAssessments(crs, links, items)

	orgRecs := make([]models.OrganisationRecord, len(orgs))
	for i, o := range orgs {
		orgRecs[i] = o.rec
	}
	if st.Organisations, err = write(ctx, "organisation", orgRecs, w.UpsertOrganisations,
		func(r models.OrganisationRecord) string { return r.Code }); err != nil {
		return st, err
	}
	progress(st.Organisations, "organisations")

	compRecs := make([]models.CompetencyRecord, len(comps))
	for i, c := range comps {
		compRecs[i] = c.rec
	}
	if st.Competencies, err = write(ctx, "competency", compRecs, w.UpsertCompetencies,
		func(r models.CompetencyRecord) string { return r.Code }); err != nil {
		return st, err
	}
	progress(st.Competencies, "competencies")

	roleRecs := make([]models.RoleRecord, len(roleSpecs))
	for i, r := range roleSpecs {
		roleRecs[i] = models.RoleRecord{Code: r.code, Name: r.name, Description: r.description}
	}
	if st.Roles, err = write(ctx, "role", roleRecs, w.UpsertRoles,
		func(r models.RoleRecord) string { return r.Code }); err != nil {
		return st, err
	}
	progress(st.Roles, "roles")

	if st.RoleRequirements, err = write(ctx, "role requirement", reqs, w.UpsertRoleRequirements,
		func(r models.RoleRequirementRecord) string { return r.RoleCode + "/" + r.CompetencyCode }); err != nil {
		return st, err
	}
	progress(st.RoleRequirements, "role requirements")

	if st.Courses, err = write(ctx, "course", crs, w.UpsertCourses,
		func(r models.CourseRecord) string { return r.Code }); err != nil {
		return st, err
	}
	progress(st.Courses, "courses")

	if st.CourseCompetencies, err = write(ctx, "course competency", links, w.UpsertCourseCompetencies,
		func(r models.CourseCompetencyRecord) string { return r.CourseCode + "/" + r.CompetencyCode }); err != nil {
		return st, err
	}
	progress(st.CourseCompetencies, "course competencies")

	// The demo item banks, when the writer keeps them.
	if iw, ok := w.(models.AssessmentItemWriter); ok {
		if st.AssessmentItems, err = write(ctx, "assessment item", items, iw.UpsertAssessmentItems,
			func(r models.AssessmentItemRecord) string { return r.Code }); err != nil {
			return st, err
		}
		progress(st.AssessmentItems, "assessment items")
	}

	room := newClassroom(stream(streamClassroom), reqs, crs)
	if st.Events, err = write(ctx, "event", room.events, w.UpsertEvents,
		func(r models.EventRecord) string { return r.Code }); err != nil {
		return st, err
	}
	if st.Batches, err = write(ctx, "batch", room.batches, w.UpsertBatches,
		func(r models.BatchRecord) string { return r.Code }); err != nil {
		return st, err
	}
	if st.Sessions, err = write(ctx, "session", room.sessions, w.UpsertSessions,
		func(r models.SessionRecord) string { return r.Code }); err != nil {
		return st, err
	}
	progress(st.Sessions, "sessions of events and batches")

	// Learners are generated a batch at a time so memory stays flat at any scale,
	// each batch followed by its learning record.
	lm := newLearnerMaker(stream(streamLearners), orgs, opts.Learners)
	rm := newLearningMaker(stream(streamLearning), stream(streamEffects), reqs, links, time.Now())
	batch := make([]models.LearnerRecord, 0, batchSize)
	var evidence []models.EvidenceRecord
	var enrolments []models.EnrolmentRecord
	var attended []models.AttendanceRecord
	for n := 1; n <= opts.Learners; n++ {
		batch = append(batch, lm.learner(n))
		if len(batch) < batchSize && n < opts.Learners {
			continue
		}
		k, err := write(ctx, "learner", batch, w.UpsertLearners,
			func(r models.LearnerRecord) string { return r.EmployeeCode })
		st.Learners += k
		if err != nil {
			return st, err
		}
		evidence, enrolments = evidence[:0], enrolments[:0]
		for _, l := range batch {
			ev, en := rm.record(l)
			evidence, enrolments = append(evidence, ev...), append(enrolments, en...)
		}
		k, err = write(ctx, "evidence", evidence, w.UpsertEvidence, func(r models.EvidenceRecord) string {
			return r.EmployeeCode + "/" + r.CompetencyCode + "/" + string(r.Source) + "/" + r.ObservedAt.Format(time.RFC3339)
		})
		st.Evidence += k
		if err != nil {
			return st, err
		}
		k, err = write(ctx, "enrolment", enrolments, w.UpsertEnrolments,
			func(r models.EnrolmentRecord) string { return r.EmployeeCode + "/" + r.CourseCode })
		st.Enrolments += k
		if err != nil {
			return st, err
		}
		attended = attended[:0]
		for _, l := range batch {
			attended = append(attended, room.attendance(l)...)
		}
		k, err = write(ctx, "attendance", attended, w.UpsertAttendance,
			func(r models.AttendanceRecord) string { return r.SessionCode + "/" + r.EmployeeCode })
		st.Attendance += k
		if err != nil {
			return st, err
		}
		batch = batch[:0]
	}
	progress(st.Learners, "learners")
	progress(st.Evidence, "evidence")
	progress(st.Enrolments, "enrolments")
	progress(st.Attendance, "attendances at learning-week sessions")
	return st, nil
}

// write sends recs to upsert in batches and returns how many were written. Any
// rejection is reported with the key of the record the writer refused.
func write[T any](ctx context.Context, kind string, recs []T,
	upsert func(context.Context, []T) ([]models.RecordError, error), key func(T) string) (int, error) {
	written := 0
	for start := 0; start < len(recs); start += batchSize {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		b := recs[start:min(start+batchSize, len(recs))]
		rejected, err := upsert(ctx, b)
		if err != nil {
			return written, fmt.Errorf("seed: write %s batch: %w", kind, err)
		}
		if len(rejected) > 0 {
			re := rejected[0]
			name := fmt.Sprintf("#%d of a batch", re.Index)
			if re.Index >= 0 && re.Index < len(b) {
				name = key(b[re.Index])
			}
			return written, fmt.Errorf("seed: %s %s rejected (%d in its batch): %s: %s",
				kind, name, len(rejected), re.Column, re.Reason)
		}
		written += len(b)
	}
	return written, nil
}
