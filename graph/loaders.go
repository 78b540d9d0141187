package graph

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/openkarmayogi/karmayogi/internal/server/dataload"
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

	organisations      *dataload.Loader[*models.Organisation]
	competencies       *dataload.Loader[*models.Competency]
	roles              *dataload.Loader[*models.Role]
	courses            *dataload.Loader[*models.Course]
	levels             *dataload.Loader[[]models.CompetencyLevel]  // by competency ID
	requirements       *dataload.Loader[[]models.RoleRequirement]  // by role ID
	courseCompetencies *dataload.Loader[[]models.CourseCompetency] // by course ID
	learnerRoleIDs     *dataload.Loader[[]int64]                   // by learner ID
	learnerInterests   *dataload.Loader[[]int64]                   // competency IDs by learner ID, in order
	learners           *dataload.Loader[*models.Learner]
	proficiencies      *dataload.Loader[[]*models.Proficiency] // stored, by learner ID
	certificates       *dataload.Loader[*models.Certificate]   // by enrolment ID; nil for none
	enrolments         *dataload.Loader[*models.Enrolment]

	// Plans (nil loaders when no service keeps plans).
	plans           *dataload.Loader[*models.Plan]
	planCourseIDs   *dataload.Loader[[]int64]                 // by plan ID, in the plan's order
	planProgress    *dataload.Loader[*models.PlanProgress]    // by plan ID, as the caller may see it
	assignedCourses *dataload.Loader[[]models.AssignedCourse] // by learner ID

	// Blended learning and events (nil loaders when no service keeps them).
	batches             *dataload.Loader[*models.Batch]
	seatCounts          *dataload.Loader[models.SeatCounts]          // by batch ID
	batchSessions       *dataload.Loader[[]*models.Session]          // by batch ID, by start
	events              *dataload.Loader[*models.LearningEvent]      // learning events
	eventSessions       *dataload.Loader[[]*models.Session]          // by event ID, by start
	sessions            *dataload.Loader[*models.Session]            // sessions of batches and events
	sessionCompetencies *dataload.Loader[[]models.SessionCompetency] // by session ID
	sessionCounts       *dataload.Loader[models.SessionCounts]       // by session ID
	waitlistPositions   *dataload.Loader[int]                        // by seat request ID; 0 unless WAITLISTED
	seatDecisions       *dataload.Loader[[]models.SeatDecision]      // by seat request ID, by step
	// The signed-in learner's own rows (the caller's LearnerID; nil for none).
	mySeatRequests  *dataload.Loader[*models.SeatRequest]         // by batch ID
	myRegistrations *dataload.Loader[*models.SessionRegistration] // by session ID
	myAttendance    *dataload.Loader[*models.Attendance]          // by session ID

	// Karma (nil loaders when no service keeps it).
	karmaTotals        *dataload.Loader[int]                         // by learner ID
	assessmentAttempts *dataload.Loader[[]*models.AssessmentAttempt] // by enrolment ID, oldest first
}

func newLoaders(s Services) *loaders {
	l := &loaders{
		organisations:      dataload.New(s.Organisations.FindOrganisationsByIDs),
		competencies:       dataload.New(s.Catalogue.FindCompetenciesByIDs),
		roles:              dataload.New(s.Catalogue.FindRolesByIDs),
		courses:            dataload.New(s.Catalogue.FindCoursesByIDs),
		levels:             dataload.New(dataload.ZeroIfMissing(s.Catalogue.FindLevelsByCompetencyIDs)),
		requirements:       dataload.New(dataload.ZeroIfMissing(s.Catalogue.FindRequirementsByRoleIDs)),
		courseCompetencies: dataload.New(dataload.ZeroIfMissing(s.Catalogue.FindCourseCompetenciesByCourseIDs)),
		learnerRoleIDs:     dataload.New(dataload.ZeroIfMissing(s.Learners.FindRoleIDsByLearnerIDs)),
		learners:           dataload.New(s.Learners.FindLearnersByIDs),
		proficiencies:      dataload.New(dataload.ZeroIfMissing(s.Learning.FindProficienciesByLearnerIDs)),
		certificates:       dataload.New(dataload.ZeroIfMissing(s.Learning.FindCertificatesByEnrolmentIDs)),
		enrolments:         dataload.New(s.Learning.FindEnrolmentsByIDs),
	}
	if s.Recommendations != nil {
		l.learnerInterests = dataload.New(dataload.ZeroIfMissing(s.Recommendations.LearningInterests))
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
	l.plans = dataload.New(ps.FindPlansByIDs)
	l.planCourseIDs = dataload.New(dataload.ZeroIfMissing(ps.FindCourseIDsByPlanIDs))
	l.planProgress = dataload.New(func(ctx context.Context, ids []int64) (map[int64]*models.PlanProgress, error) {
		return ps.FindPlanProgress(ctx, ids, progressScope(ctx))
	})
	l.assignedCourses = dataload.New(dataload.ZeroIfMissing(ps.FindAssignedCourses))
}

// addBlended adds the loaders of batches, events and sessions over Services.Blended.
func (l *loaders) addBlended(s Services) {
	bs := s.Blended
	if bs == nil {
		return
	}
	l.batches = dataload.New(bs.FindBatchesByIDs)
	l.seatCounts = dataload.New(dataload.ZeroIfMissing(bs.FindSeatCounts))
	l.batchSessions = dataload.New(dataload.ZeroIfMissing(bs.FindSessionsByBatchIDs))
	l.events = dataload.New(bs.FindEventsByIDs)
	l.eventSessions = dataload.New(dataload.ZeroIfMissing(bs.FindSessionsByEventIDs))
	l.sessions = dataload.New(bs.FindSessionsByIDs)
	l.sessionCompetencies = dataload.New(dataload.ZeroIfMissing(bs.FindSessionCompetencies))
	l.sessionCounts = dataload.New(dataload.ZeroIfMissing(bs.FindSessionCounts))
	l.waitlistPositions = dataload.New(dataload.ZeroIfMissing(bs.FindWaitlistPositions))
	l.seatDecisions = dataload.New(dataload.ZeroIfMissing(bs.FindSeatDecisions))
	// The caller's own rows: resolvers load them only for a caller with a learner record.
	l.mySeatRequests = dataload.New(dataload.ZeroIfMissing(func(ctx context.Context, batchIDs []int64) (map[int64]*models.SeatRequest, error) {
		return mySeatRequests(ctx, bs, callerOf(ctx).LearnerID, batchIDs)
	}))
	l.myRegistrations = dataload.New(dataload.ZeroIfMissing(func(ctx context.Context, sessionIDs []int64) (map[int64]*models.SessionRegistration, error) {
		return bs.FindRegistrations(ctx, callerOf(ctx).LearnerID, sessionIDs)
	}))
	l.myAttendance = dataload.New(dataload.ZeroIfMissing(func(ctx context.Context, sessionIDs []int64) (map[int64]*models.Attendance, error) {
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
	l.karmaTotals = dataload.New(dataload.ZeroIfMissing(ks.FindKarmaTotals))
	l.assessmentAttempts = dataload.New(dataload.ZeroIfMissing(ks.FindAssessmentAttempts))
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
func load[V any](ctx context.Context, l *dataload.Loader[V], id int64, kind string) (V, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataload.ErrNotFound) {
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
	if fields, ok := dataload.Selection(ctx, list, "course"); ok {
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
		if err := l.courses.Prefetch(ctx, courses); err != nil {
			return err
		}
	}
	if dataload.Selects(ctx, list, "gapsAddressed", "competency") {
		return l.competencies.Prefetch(ctx, slices.Compact(slices.Sorted(slices.Values(competencies))))
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
	if !dataload.Selects(ctx, "competency") {
		return nil
	}
	ids := make([]int64, len(book))
	for i, p := range book {
		ids[i] = p.CompetencyID
	}
	return loadersFrom(ctx).competencies.Prefetch(ctx, ids)
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
