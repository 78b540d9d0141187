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
	learners           *dataloadgen.Loader[int64, *models.Learner]
	proficiencies      *dataloadgen.Loader[int64, []*models.Proficiency] // stored, by learner ID
	certificates       *dataloadgen.Loader[int64, *models.Certificate]   // by enrolment ID; nil for none

	// Plans (nil loaders when no service keeps plans).
	plans           *dataloadgen.Loader[int64, *models.Plan]
	planCourseIDs   *dataloadgen.Loader[int64, []int64]                 // by plan ID, in the plan's order
	planProgress    *dataloadgen.Loader[int64, *models.PlanProgress]    // by plan ID, as the caller may see it
	assignedCourses *dataloadgen.Loader[int64, []models.AssignedCourse] // by learner ID
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
		levels:             dataloadgen.NewMappedLoader(emptyIfMissing(s.Catalogue.FindLevelsByCompetencyIDs), loaderOptions...),
		requirements:       dataloadgen.NewMappedLoader(emptyIfMissing(s.Catalogue.FindRequirementsByRoleIDs), loaderOptions...),
		courseCompetencies: dataloadgen.NewMappedLoader(emptyIfMissing(s.Catalogue.FindCourseCompetenciesByCourseIDs), loaderOptions...),
		learnerRoleIDs:     dataloadgen.NewMappedLoader(emptyIfMissing(s.Learners.FindRoleIDsByLearnerIDs), loaderOptions...),
		learners:           dataloadgen.NewMappedLoader(s.Learners.FindLearnersByIDs, loaderOptions...),
		proficiencies:      dataloadgen.NewMappedLoader(emptyIfMissing(s.Learning.FindProficienciesByLearnerIDs), loaderOptions...),
		certificates:       dataloadgen.NewMappedLoader(nilIfMissing(s.Learning.FindCertificatesByEnrolmentIDs), loaderOptions...),
	}
	l.addPlans(s)
	return l
}

// addPlans adds the plan loaders over Services.Plans.
func (l *loaders) addPlans(s Services) {
	ps := s.Plans
	if ps == nil {
		return
	}
	l.plans = dataloadgen.NewMappedLoader(ps.FindPlansByIDs, loaderOptions...)
	l.planCourseIDs = dataloadgen.NewMappedLoader(emptyIfMissing(ps.FindCourseIDsByPlanIDs), loaderOptions...)
	l.planProgress = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]*models.PlanProgress, error) {
		return ps.FindPlanProgress(ctx, ids, progressScope(ctx))
	}, loaderOptions...)
	l.assignedCourses = dataloadgen.NewMappedLoader(emptyIfMissing(ps.FindAssignedCourses), loaderOptions...)
}

// nilIfMissing wraps a batch method that leaves out keys with nothing to return,
// so that those keys load nil rather than a not-found error.
func nilIfMissing[V any](fetch func(context.Context, []int64) (map[int64]*V, error)) func(context.Context, []int64) (map[int64]*V, error) {
	return func(ctx context.Context, ids []int64) (map[int64]*V, error) {
		m, err := fetch(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				m[id] = nil
			}
		}
		return m, nil
	}
}

// emptyIfMissing wraps a batch method that leaves out keys with nothing to
// return, so that those keys load an empty list rather than a not-found error.
func emptyIfMissing[V any](fetch func(context.Context, []int64) (map[int64][]V, error)) func(context.Context, []int64) (map[int64][]V, error) {
	return func(ctx context.Context, ids []int64) (map[int64][]V, error) {
		m, err := fetch(ctx, ids)
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = make(map[int64][]V, len(ids))
		}
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				m[id] = nil
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
