package graph

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// loaders batch the lookups of one request: every key asked for while a batch is
// open is fetched with one call of a batch method of the services.
type loaders struct {
	// Courses from the catalogue snapshot, by the field of the list (recommendations,
	// a learning path) whose selection asks only for their catalogueFields: only
	// that list's items take them (listedCourse), never another field's course.
	catalogueMu      sync.Mutex
	catalogueCourses map[*graphql.FieldContext]map[int64]*models.Course

	organisations      *loader[*models.Organisation]
	competencies       *loader[*models.Competency]
	roles              *loader[*models.Role]
	courses            *loader[*models.Course]
	levels             *loader[[]models.CompetencyLevel]  // by competency ID
	requirements       *loader[[]models.RoleRequirement]  // by role ID
	courseCompetencies *loader[[]models.CourseCompetency] // by course ID
	learnerRoleIDs     *loader[[]int64]                   // by learner ID
	learnerInterests   *loader[[]int64]                   // competency IDs by learner ID, in order
	learners           *loader[*models.Learner]
	proficiencies      *loader[[]*models.Proficiency] // stored, by learner ID
	certificates       *loader[*models.Certificate]   // by enrolment ID; nil for none
	enrolments         *loader[*models.Enrolment]

	// Plans (nil loaders when no service keeps plans).
	plans           *loader[*models.Plan]
	planCourseIDs   *loader[[]int64]                 // by plan ID, in the plan's order
	planProgress    *loader[*models.PlanProgress]    // by plan ID, as the caller may see it
	assignedCourses *loader[[]models.AssignedCourse] // by learner ID

	// Blended learning and events (nil loaders when no service keeps them).
	batches             *loader[*models.Batch]
	seatCounts          *loader[models.SeatCounts]          // by batch ID
	batchSessions       *loader[[]*models.Session]          // by batch ID, by start
	events              *loader[*models.LearningEvent]      // learning events
	eventSessions       *loader[[]*models.Session]          // by event ID, by start
	sessions            *loader[*models.Session]            // sessions of batches and events
	sessionCompetencies *loader[[]models.SessionCompetency] // by session ID
	sessionCounts       *loader[models.SessionCounts]       // by session ID
	waitlistPositions   *loader[int]                        // by seat request ID; 0 unless WAITLISTED
	seatDecisions       *loader[[]models.SeatDecision]      // by seat request ID, by step
	// The signed-in learner's own rows (the caller's LearnerID; nil for none).
	mySeatRequests  *loader[*models.SeatRequest]         // by batch ID
	myRegistrations *loader[*models.SessionRegistration] // by session ID
	myAttendance    *loader[*models.Attendance]          // by session ID

	// Karma (nil loaders when no service keeps it).
	karmaTotals        *loader[int]                         // by learner ID
	assessmentAttempts *loader[[]*models.AssessmentAttempt] // by enrolment ID, oldest first
}

// Batching options. The resolvers of a list run concurrently, so their keys
// arrive close together; a key that comes after the window has closed costs one
// more query. 10ms keeps a page of 500 in one batch even under the race detector
// on two cores (5ms did not). Only the fields inside a list wait for it (see
// loader); a list whose resolver knows its children's keys prefetches them.
// Batches stay well under every engine's limit on query parameters.
var loaderOptions = []dataloadgen.Option{
	dataloadgen.WithWait(10 * time.Millisecond),
	dataloadgen.WithBatchCapacity(1000),
}

// loader batches the lookups of one kind in a request. A key asked for by a field
// inside a list waits out the batching window for its siblings' keys; a key asked
// for outside any list is fetched at once, since no sibling will add to its batch
// (two such fields of one object asking the same loader cost two queries, in
// parallel, rather than one after a wait, and such a field reads afresh what the
// loader holds). What either way reads is kept for the list fields that ask later.
type loader[V any] struct {
	batched *dataloadgen.Loader[int64, V]
	fetch   func(context.Context, []int64) (map[int64]V, error)
}

func newLoader[V any](fetch func(context.Context, []int64) (map[int64]V, error)) *loader[V] {
	return &loader[V]{batched: dataloadgen.NewMappedLoader(fetch, loaderOptions...), fetch: fetch}
}

// Load returns the value of id; a missing key is dataloadgen.ErrNotFound.
func (l *loader[V]) Load(ctx context.Context, id int64) (V, error) {
	if inList(ctx) {
		return l.batched.Load(ctx, id)
	}
	vs, err := l.LoadAll(ctx, []int64{id})
	if err != nil {
		var zero V
		var each dataloadgen.ErrorSlice
		if errors.As(err, &each) {
			return zero, each[0]
		}
		return zero, err
	}
	return vs[0], nil
}

// LoadAll returns the values of ids in their order; when some fail, the error is
// a dataloadgen.ErrorSlice with each key's error (ErrNotFound for a missing one).
func (l *loader[V]) LoadAll(ctx context.Context, ids []int64) ([]V, error) {
	if inList(ctx) {
		return l.batched.LoadAll(ctx, ids)
	}
	m, err := l.fetch(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]V, len(ids))
	var errs dataloadgen.ErrorSlice
	for i, id := range ids {
		v, ok := m[id]
		if !ok {
			if errs == nil {
				errs = make(dataloadgen.ErrorSlice, len(ids))
			}
			errs[i] = dataloadgen.ErrNotFound
			continue
		}
		out[i] = v
		l.batched.Prime(id, v)
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}

// prefetch fetches ids in one call now and primes the loader with what it found,
// so that the fields of a list that then ask for them find them at once instead
// of waiting out the batching window. The resolver of a list calls it with the
// keys its children will ask for; keys not found are left to the loader to report.
func (l *loader[V]) prefetch(ctx context.Context, ids []int64) error {
	if l == nil || len(ids) == 0 {
		return nil
	}
	m, err := l.fetch(ctx, ids)
	if err != nil {
		return err
	}
	for id, v := range m {
		l.batched.Prime(id, v)
	}
	return nil
}

// Prime caches a value for id unless one is cached already.
func (l *loader[V]) Prime(id int64, v V) bool { return l.batched.Prime(id, v) }

// inList reports whether the field being resolved is inside a list: its siblings
// in the list may ask the same loader for their keys at about the same time.
func inList(ctx context.Context) bool {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index != nil {
			return true
		}
	}
	return false
}

// selection returns the fields selected at the path of fields below the field
// being resolved (by name, through fragments), and whether the path is selected
// at all: whether prefetching for it pays, and what for.
func selection(ctx context.Context, path ...string) ([]graphql.CollectedField, bool) {
	fields := graphql.CollectFieldsCtx(ctx, nil)
	oc := graphql.GetOperationContext(ctx)
	for _, name := range path {
		var below ast.SelectionSet
		found := false
		for _, f := range fields {
			if f.Name == name {
				below, found = append(below, f.Selections...), true
			}
		}
		if !found {
			return nil, false
		}
		fields = graphql.CollectFields(oc, below, nil)
	}
	return fields, true
}

// selects reports whether the field being resolved selects the path.
func selects(ctx context.Context, path ...string) bool {
	_, ok := selection(ctx, path...)
	return ok
}

func newLoaders(s Services) *loaders {
	l := &loaders{
		organisations:      newLoader(s.Organisations.FindOrganisationsByIDs),
		competencies:       newLoader(s.Catalogue.FindCompetenciesByIDs),
		roles:              newLoader(s.Catalogue.FindRolesByIDs),
		courses:            newLoader(s.Catalogue.FindCoursesByIDs),
		levels:             newLoader(zeroIfMissing(s.Catalogue.FindLevelsByCompetencyIDs)),
		requirements:       newLoader(zeroIfMissing(s.Catalogue.FindRequirementsByRoleIDs)),
		courseCompetencies: newLoader(zeroIfMissing(s.Catalogue.FindCourseCompetenciesByCourseIDs)),
		learnerRoleIDs:     newLoader(zeroIfMissing(s.Learners.FindRoleIDsByLearnerIDs)),
		learners:           newLoader(s.Learners.FindLearnersByIDs),
		proficiencies:      newLoader(zeroIfMissing(s.Learning.FindProficienciesByLearnerIDs)),
		certificates:       newLoader(zeroIfMissing(s.Learning.FindCertificatesByEnrolmentIDs)),
		enrolments:         newLoader(s.Learning.FindEnrolmentsByIDs),
	}
	if s.Recommendations != nil {
		l.learnerInterests = newLoader(zeroIfMissing(s.Recommendations.LearningInterests))
	}
	l.addPlans(s)
	l.addBlended(s)
	l.addKarma(s)
	return l
}

// addPlans adds the plan loaders over Services.Plans.
func (l *loaders) addPlans(s Services) {
	ps := s.Plans
	if ps == nil {
		return
	}
	l.plans = newLoader(ps.FindPlansByIDs)
	l.planCourseIDs = newLoader(zeroIfMissing(ps.FindCourseIDsByPlanIDs))
	l.planProgress = newLoader(func(ctx context.Context, ids []int64) (map[int64]*models.PlanProgress, error) {
		return ps.FindPlanProgress(ctx, ids, progressScope(ctx))
	})
	l.assignedCourses = newLoader(zeroIfMissing(ps.FindAssignedCourses))
}

// addBlended adds the loaders of batches, events and sessions over Services.Blended.
func (l *loaders) addBlended(s Services) {
	bs := s.Blended
	if bs == nil {
		return
	}
	l.batches = newLoader(bs.FindBatchesByIDs)
	l.seatCounts = newLoader(zeroIfMissing(bs.FindSeatCounts))
	l.batchSessions = newLoader(zeroIfMissing(bs.FindSessionsByBatchIDs))
	l.events = newLoader(bs.FindEventsByIDs)
	l.eventSessions = newLoader(zeroIfMissing(bs.FindSessionsByEventIDs))
	l.sessions = newLoader(bs.FindSessionsByIDs)
	l.sessionCompetencies = newLoader(zeroIfMissing(bs.FindSessionCompetencies))
	l.sessionCounts = newLoader(zeroIfMissing(bs.FindSessionCounts))
	l.waitlistPositions = newLoader(zeroIfMissing(bs.FindWaitlistPositions))
	l.seatDecisions = newLoader(zeroIfMissing(bs.FindSeatDecisions))
	// The caller's own rows: resolvers load them only for a caller with a learner record.
	l.mySeatRequests = newLoader(zeroIfMissing(func(ctx context.Context, batchIDs []int64) (map[int64]*models.SeatRequest, error) {
		return mySeatRequests(ctx, bs, callerOf(ctx).LearnerID, batchIDs)
	}))
	l.myRegistrations = newLoader(zeroIfMissing(func(ctx context.Context, sessionIDs []int64) (map[int64]*models.SessionRegistration, error) {
		return bs.FindRegistrations(ctx, callerOf(ctx).LearnerID, sessionIDs)
	}))
	l.myAttendance = newLoader(zeroIfMissing(func(ctx context.Context, sessionIDs []int64) (map[int64]*models.Attendance, error) {
		return bs.FindAttendanceByLearner(ctx, callerOf(ctx).LearnerID, sessionIDs)
	}))
}

// mySeatRequests returns a learner's requests in the batches listed, keyed by batch.
// A learner has few requests, so one page of all of them (rarely two) beats a
// query per batch.
func mySeatRequests(ctx context.Context, bs models.BlendedService, learnerID int64, batchIDs []int64) (map[int64]*models.SeatRequest, error) {
	wanted := make(map[int64]bool, len(batchIDs))
	for _, id := range batchIDs {
		wanted[id] = true
	}
	out := make(map[int64]*models.SeatRequest, len(batchIDs))
	p := models.PageRequest{First: models.MaxPageSize, SkipTotal: true}
	for {
		page, err := bs.FindSeatRequests(ctx, models.SeatRequestFilter{LearnerID: &learnerID}, p)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			if wanted[r.BatchID] {
				out[r.BatchID] = r
			}
		}
		if !page.HasNextPage || len(page.Cursors) == 0 {
			return out, nil
		}
		p.After = &page.Cursors[len(page.Cursors)-1]
	}
}

// addKarma adds the karma loaders over Services.Karma.
func (l *loaders) addKarma(s Services) {
	ks := s.Karma
	if ks == nil {
		return
	}
	l.karmaTotals = newLoader(zeroIfMissing(ks.FindKarmaTotals))
	l.assessmentAttempts = newLoader(zeroIfMissing(ks.FindAssessmentAttempts))
}

// zeroIfMissing wraps a batch method that leaves out keys with nothing to return,
// so that those keys load the zero value (nil, an empty list, zero counts) rather
// than a not-found error.
func zeroIfMissing[V any](fetch func(context.Context, []int64) (map[int64]V, error)) func(context.Context, []int64) (map[int64]V, error) {
	return func(ctx context.Context, ids []int64) (map[int64]V, error) {
		m, err := fetch(ctx, ids)
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = make(map[int64]V, len(ids))
		}
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				var zero V
				m[id] = zero
			}
		}
		return m, nil
	}
}

type loadersKey struct{}

// loaderBox holds a request's loaders. A mutation renews them (afterWrites), so
// that nothing loaded before a write is served after it.
type loaderBox struct {
	services Services
	current  atomic.Pointer[loaders]
}

// withNewLoaders returns ctx with loaders of its own.
func withNewLoaders(ctx context.Context, s Services) context.Context {
	b := &loaderBox{services: s}
	b.current.Store(newLoaders(s))
	return context.WithValue(ctx, loadersKey{}, b)
}

// withLoaders is the HTTP middleware that gives each request its own loaders.
func withLoaders(s Services, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(withNewLoaders(r.Context(), s)))
	})
}

func loaderBoxFrom(ctx context.Context) *loaderBox {
	b, _ := ctx.Value(loadersKey{}).(*loaderBox)
	if b == nil {
		panic("graph: no loaders in context; serve through NewHandler")
	}
	return b
}

// loadersFrom returns the request's loaders.
func loadersFrom(ctx context.Context) *loaders { return loaderBoxFrom(ctx).current.Load() }

// renewLoaders gives the request new loaders, empty.
func renewLoaders(ctx context.Context) {
	b := loaderBoxFrom(ctx)
	b.current.Store(newLoaders(b.services))
}

// load loads one object, turning a missing key into ENOTFOUND for kind.
func load[V any](ctx context.Context, l *loader[V], id int64, kind string) (V, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, models.NotFound(kind)
	}
	return v, err
}

// prefetchRecommended prefetches the courses, and the competencies of the gaps, of
// a list of recommendations when the field being resolved selects them; known
// holds the catalogue's courses (see service.RecommendationList.Courses).
func prefetchRecommended(ctx context.Context, items []recommender.Recommendation, known map[int64]*models.Course) error {
	courses, competencies := make([]int64, len(items)), []int64(nil)
	for i, it := range items {
		courses[i] = it.CourseID
		for _, g := range it.Gaps {
			competencies = append(competencies, g.CompetencyID)
		}
	}
	return prefetchSelected(ctx, courses, known, competencies, "items")
}

// prefetchSteps is prefetchRecommended for the steps of a learning path.
func prefetchSteps(ctx context.Context, steps []recommender.Step, known map[int64]*models.Course) error {
	courses, competencies := make([]int64, len(steps)), []int64(nil)
	for i, s := range steps {
		courses[i] = s.CourseID
		for _, g := range s.Gaps {
			competencies = append(competencies, g.CompetencyID)
		}
	}
	return prefetchSelected(ctx, courses, known, competencies, "steps")
}

// catalogueFields are the fields of a Course that only a catalogue change moves
// (UpdateCourse and the courses import bump the catalogue version): a course from
// the catalogue snapshot answers them as the database would. Its counters
// (enrolments, ratings) and everything else are read afresh.
var catalogueFields = map[string]bool{"__typename": true, "id": true, "code": true, "title": true,
	"description": true, "provider": true, "format": true, "durationHours": true}

// prefetchSelected prefetches, below the list field named list, the courses
// when the query selects list.course (from known when it asks only for
// catalogueFields, else with one lookup) and the competencies when it selects
// list.gapsAddressed.competency.
func prefetchSelected(ctx context.Context, courses []int64, known map[int64]*models.Course, competencies []int64, list string) error {
	l := loadersFrom(ctx)
	if fields, ok := selection(ctx, list, "course"); ok {
		if onlyFields(fields, catalogueFields) {
			var missing []int64
			found := make(map[int64]*models.Course, len(courses))
			for _, id := range courses {
				if c := known[id]; c != nil {
					found[id] = c
				} else {
					missing = append(missing, id)
				}
			}
			l.catalogueMu.Lock()
			if l.catalogueCourses == nil {
				l.catalogueCourses = map[*graphql.FieldContext]map[int64]*models.Course{}
			}
			l.catalogueCourses[graphql.GetFieldContext(ctx)] = found
			l.catalogueMu.Unlock()
			courses = missing
		}
		if err := l.courses.prefetch(ctx, courses); err != nil {
			return err
		}
	}
	if selects(ctx, list, "gapsAddressed", "competency") {
		return l.competencies.prefetch(ctx, slices.Compact(slices.Sorted(slices.Values(competencies))))
	}
	return nil
}

// onlyFields reports whether every field selected is in allowed.
func onlyFields(fields []graphql.CollectedField, allowed map[string]bool) bool {
	for _, f := range fields {
		if !allowed[f.Name] {
			return false
		}
	}
	return true
}

// prefetchCompetencies prefetches the competencies of a passbook when the field
// being resolved selects them.
func prefetchCompetencies(ctx context.Context, book []*models.Proficiency) error {
	if !selects(ctx, "competency") {
		return nil
	}
	ids := make([]int64, len(book))
	for i, p := range book {
		ids[i] = p.CompetencyID
	}
	return loadersFrom(ctx).competencies.prefetch(ctx, ids)
}

// listedCourse returns the course of an item of a list of recommendations or a
// learning path: from the catalogue snapshot when the list's selection let
// prefetchSelected take it from there, else through the loader.
func listedCourse(ctx context.Context, id int64) (*models.Course, error) {
	l := loadersFrom(ctx)
	l.catalogueMu.Lock()
	var c *models.Course
	for fc := graphql.GetFieldContext(ctx); fc != nil && l.catalogueCourses != nil; fc = fc.Parent {
		if m, ok := l.catalogueCourses[fc]; ok {
			c = m[id]
			break
		}
	}
	l.catalogueMu.Unlock()
	if c != nil {
		return c, nil
	}
	return load(ctx, l.courses, id, "course")
}
