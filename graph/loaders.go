package graph

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/openkarmayogi/karmayogi/models"
)

// loaders batch the lookups of one request: every key asked for while a batch is
// open is fetched with one call of a batch method of the services.
type loaders struct {
	organisations      *dataloadgen.Loader[int64, *models.Organisation]
	competencies       *dataloadgen.Loader[int64, *models.Competency]
	roles              *dataloadgen.Loader[int64, *models.Role]
	courses            *dataloadgen.Loader[int64, *models.Course]
	levels             *dataloadgen.Loader[int64, []models.CompetencyLevel]  // by competency ID
	requirements       *dataloadgen.Loader[int64, []models.RoleRequirement]  // by role ID
	courseCompetencies *dataloadgen.Loader[int64, []models.CourseCompetency] // by course ID
	learnerRoleIDs     *dataloadgen.Loader[int64, []int64]                   // by learner ID
	learnerInterests   *dataloadgen.Loader[int64, []int64]                   // competency IDs by learner ID, in order
	learners           *dataloadgen.Loader[int64, *models.Learner]
	proficiencies      *dataloadgen.Loader[int64, []*models.Proficiency] // stored, by learner ID
	certificates       *dataloadgen.Loader[int64, *models.Certificate]   // by enrolment ID; nil for none
	enrolments         *dataloadgen.Loader[int64, *models.Enrolment]

	// Plans (nil loaders when no service keeps plans).
	plans           *dataloadgen.Loader[int64, *models.Plan]
	planCourseIDs   *dataloadgen.Loader[int64, []int64]                 // by plan ID, in the plan's order
	planProgress    *dataloadgen.Loader[int64, *models.PlanProgress]    // by plan ID, as the caller may see it
	assignedCourses *dataloadgen.Loader[int64, []models.AssignedCourse] // by learner ID

	// Blended learning and events (nil loaders when no service keeps them).
	batches             *dataloadgen.Loader[int64, *models.Batch]
	seatCounts          *dataloadgen.Loader[int64, models.SeatCounts]          // by batch ID
	batchSessions       *dataloadgen.Loader[int64, []*models.Session]          // by batch ID, by start
	events              *dataloadgen.Loader[int64, *models.LearningEvent]      // learning events
	eventSessions       *dataloadgen.Loader[int64, []*models.Session]          // by event ID, by start
	sessions            *dataloadgen.Loader[int64, *models.Session]            // sessions of batches and events
	sessionCompetencies *dataloadgen.Loader[int64, []models.SessionCompetency] // by session ID
	sessionCounts       *dataloadgen.Loader[int64, models.SessionCounts]       // by session ID
	waitlistPositions   *dataloadgen.Loader[int64, int]                        // by seat request ID; 0 unless WAITLISTED
	seatDecisions       *dataloadgen.Loader[int64, []models.SeatDecision]      // by seat request ID, by step
	// The signed-in learner's own rows (the caller's LearnerID; nil for none).
	mySeatRequests  *dataloadgen.Loader[int64, *models.SeatRequest]         // by batch ID
	myRegistrations *dataloadgen.Loader[int64, *models.SessionRegistration] // by session ID
	myAttendance    *dataloadgen.Loader[int64, *models.Attendance]          // by session ID

	// Karma (nil loaders when no service keeps it).
	karmaTotals        *dataloadgen.Loader[int64, int]                         // by learner ID
	assessmentAttempts *dataloadgen.Loader[int64, []*models.AssessmentAttempt] // by enrolment ID, oldest first
}

// Batching options. The resolvers of a list run concurrently, so their keys
// arrive close together; a key that comes after the window has closed costs one
// more query. 10ms keeps a page of 500 in one batch even under the race detector
// on two cores (5ms did not), at the price of up to 10ms per level of nesting.
// Batches stay well under every engine's limit on query parameters.
var loaderOptions = []dataloadgen.Option{
	dataloadgen.WithWait(10 * time.Millisecond),
	dataloadgen.WithBatchCapacity(1000),
}

func newLoaders(s Services) *loaders {
	l := &loaders{
		organisations:      dataloadgen.NewMappedLoader(s.Organisations.FindOrganisationsByIDs, loaderOptions...),
		competencies:       dataloadgen.NewMappedLoader(s.Catalogue.FindCompetenciesByIDs, loaderOptions...),
		roles:              dataloadgen.NewMappedLoader(s.Catalogue.FindRolesByIDs, loaderOptions...),
		courses:            dataloadgen.NewMappedLoader(s.Catalogue.FindCoursesByIDs, loaderOptions...),
		levels:             dataloadgen.NewMappedLoader(zeroIfMissing(s.Catalogue.FindLevelsByCompetencyIDs), loaderOptions...),
		requirements:       dataloadgen.NewMappedLoader(zeroIfMissing(s.Catalogue.FindRequirementsByRoleIDs), loaderOptions...),
		courseCompetencies: dataloadgen.NewMappedLoader(zeroIfMissing(s.Catalogue.FindCourseCompetenciesByCourseIDs), loaderOptions...),
		learnerRoleIDs:     dataloadgen.NewMappedLoader(zeroIfMissing(s.Learners.FindRoleIDsByLearnerIDs), loaderOptions...),
		learners:           dataloadgen.NewMappedLoader(s.Learners.FindLearnersByIDs, loaderOptions...),
		proficiencies:      dataloadgen.NewMappedLoader(zeroIfMissing(s.Learning.FindProficienciesByLearnerIDs), loaderOptions...),
		certificates:       dataloadgen.NewMappedLoader(zeroIfMissing(s.Learning.FindCertificatesByEnrolmentIDs), loaderOptions...),
		enrolments:         dataloadgen.NewMappedLoader(s.Learning.FindEnrolmentsByIDs, loaderOptions...),
	}
	if s.Recommendations != nil {
		l.learnerInterests = dataloadgen.NewMappedLoader(zeroIfMissing(s.Recommendations.LearningInterests), loaderOptions...)
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
	l.plans = dataloadgen.NewMappedLoader(ps.FindPlansByIDs, loaderOptions...)
	l.planCourseIDs = dataloadgen.NewMappedLoader(zeroIfMissing(ps.FindCourseIDsByPlanIDs), loaderOptions...)
	l.planProgress = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]*models.PlanProgress, error) {
		return ps.FindPlanProgress(ctx, ids, progressScope(ctx))
	}, loaderOptions...)
	l.assignedCourses = dataloadgen.NewMappedLoader(zeroIfMissing(ps.FindAssignedCourses), loaderOptions...)
}

// addBlended adds the loaders of batches, events and sessions over Services.Blended.
func (l *loaders) addBlended(s Services) {
	bs := s.Blended
	if bs == nil {
		return
	}
	l.batches = dataloadgen.NewMappedLoader(bs.FindBatchesByIDs, loaderOptions...)
	l.seatCounts = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindSeatCounts), loaderOptions...)
	l.batchSessions = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindSessionsByBatchIDs), loaderOptions...)
	l.events = dataloadgen.NewMappedLoader(bs.FindEventsByIDs, loaderOptions...)
	l.eventSessions = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindSessionsByEventIDs), loaderOptions...)
	l.sessions = dataloadgen.NewMappedLoader(bs.FindSessionsByIDs, loaderOptions...)
	l.sessionCompetencies = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindSessionCompetencies), loaderOptions...)
	l.sessionCounts = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindSessionCounts), loaderOptions...)
	l.waitlistPositions = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindWaitlistPositions), loaderOptions...)
	l.seatDecisions = dataloadgen.NewMappedLoader(zeroIfMissing(bs.FindSeatDecisions), loaderOptions...)
	// The caller's own rows: resolvers load them only for a caller with a learner record.
	l.mySeatRequests = dataloadgen.NewMappedLoader(zeroIfMissing(func(ctx context.Context, batchIDs []int64) (map[int64]*models.SeatRequest, error) {
		return mySeatRequests(ctx, bs, callerOf(ctx).LearnerID, batchIDs)
	}), loaderOptions...)
	l.myRegistrations = dataloadgen.NewMappedLoader(zeroIfMissing(func(ctx context.Context, sessionIDs []int64) (map[int64]*models.SessionRegistration, error) {
		return bs.FindRegistrations(ctx, callerOf(ctx).LearnerID, sessionIDs)
	}), loaderOptions...)
	l.myAttendance = dataloadgen.NewMappedLoader(zeroIfMissing(func(ctx context.Context, sessionIDs []int64) (map[int64]*models.Attendance, error) {
		return bs.FindAttendanceByLearner(ctx, callerOf(ctx).LearnerID, sessionIDs)
	}), loaderOptions...)
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
	l.karmaTotals = dataloadgen.NewMappedLoader(zeroIfMissing(ks.FindKarmaTotals), loaderOptions...)
	l.assessmentAttempts = dataloadgen.NewMappedLoader(zeroIfMissing(ks.FindAssessmentAttempts), loaderOptions...)
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

// withLoaders is the HTTP middleware that gives each request its own loaders.
func withLoaders(s Services, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadersKey{}, newLoaders(s))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// loadersFrom returns the request's loaders.
func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	if l == nil {
		panic("graph: no loaders in context; serve through NewHandler")
	}
	return l
}

// load loads one object, turning a missing key into ENOTFOUND for kind.
func load[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], id int64, kind string) (V, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, models.NotFound(kind)
	}
	return v, err
}
