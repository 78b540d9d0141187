// Package service holds the use cases that span adapters: the recommender over the
// store's data, the in-memory catalogue snapshot, and the cache of results.
package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// Store is what the recommendation service reads.
type Store interface {
	models.RecommenderStore
	LearnerReader
	CatalogueReader
	LearningReader
	// FindAssignedCourses: the courses plans assign, which learning paths put first.
	FindAssignedCourses(ctx context.Context, learnerIDs []int64) (map[int64][]models.AssignedCourse, error)
	InterestReader
	FindOrganisationsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Organisation, error)
}

// Recommendations computes a learner's competency gaps, ranked courses and
// learning path on demand. Courses are scored against an in-memory snapshot of the
// catalogue, rebuilt when the catalogue version moves and, for the peer signal, in
// the background once it is older than PeerRefresh. Results are cached under keys that embed the learner's
// and the catalogue's versions, so any change that matters is a new key: nothing
// is ever invalidated by a scan. Nothing per learner is held in memory.
type Recommendations struct {
	Store       Store
	Interests   models.InterestService // sets learners' interests (SetLearningInterests)
	Cache       cache.Cache
	Params      recommender.Params
	Logger      *slog.Logger
	PeerRefresh time.Duration // 0 means a minute (reading the kept sums takes milliseconds)
	TTL         time.Duration // of a cached result; 0 means an hour
	Model       ParamsSource  // when set, the estimator's parameters in place of Params (the active model)

	group      cache.Group
	builds     singleflight.Group
	snapshot   atomic.Pointer[snapshot]
	refreshing atomic.Bool // a background read of the peer sums is running
	once       sync.Once
}

// snapshot is the catalogue as the recommender holds it, at one version, with
// the peer sums its peer signal was computed from and when they were read.
type snapshot struct {
	version   int64
	peersRead time.Time // when the peer sums were read
	cat       *recommender.Catalogue
	catalog   *models.Catalogue
	courses   map[int64]*models.Course // catalog's courses by ID
	outcomes  []models.PeerSum
}

// coursesByID indexes a catalogue's courses.
func coursesByID(c *models.Catalogue) map[int64]*models.Course {
	m := make(map[int64]*models.Course, len(c.Courses))
	for _, course := range c.Courses {
		m[course.ID] = course
	}
	return m
}

func (s *Recommendations) init() {
	s.once.Do(func() {
		if s.PeerRefresh <= 0 {
			s.PeerRefresh = time.Minute
		}
		if s.TTL <= 0 {
			s.TTL = time.Hour
		}
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		s.group.Logger = s.Logger
	})
}

// Stats are the cache's hits, misses and errors, for metrics.
func (s *Recommendations) Stats() *cache.Stats { return &s.group.Stats }

// catalogue returns the snapshot at the current catalogue version, building it at
// most once at a time. Only the very first build waits for the peer sums: the
// store keeps them per role and course (a fraction of a second to read over a
// million learners; reading the events they sum took 40 s, docs/benchmarks.md),
// so a catalogue change reuses the outcomes it has, and outcomes older than
// PeerRefresh are read again in the background while requests go on with the old.
func (s *Recommendations) catalogue(ctx context.Context) (*snapshot, error) {
	s.init()
	v, err := s.Store.CatalogueVersion(ctx)
	if err != nil {
		return nil, err
	}
	// At least v, not exactly: v may come from a replica that lags the primary the
	// snapshot was built from (FindCatalogue reads in a transaction, so on the
	// primary), and the counter only grows.
	if snap := s.snapshot.Load(); snap != nil && snap.version >= v {
		if time.Since(snap.peersRead) >= s.PeerRefresh {
			s.refreshPeers(ctx)
		}
		return snap, nil
	}
	built, err, _ := s.builds.Do(strconv.FormatInt(v, 10), func() (any, error) {
		c, err := s.Store.FindCatalogue(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		snap := &snapshot{version: c.Version, catalog: c, courses: coursesByID(c)}
		if old := s.snapshot.Load(); old != nil {
			snap.outcomes, snap.peersRead = old.outcomes, old.peersRead
		} else if snap.outcomes, err = s.firstPeers(ctx); err != nil {
			return nil, err
		} else {
			snap.peersRead = time.Now()
		}
		snap.cat = newCatalogue(c, snap.outcomes)
		s.store(snap)
		return snap, nil
	})
	if err != nil {
		return nil, err
	}
	return built.(*snapshot), nil
}

// PeerWait is how long the first snapshot waits for the peer sums. Past it,
// recommendations go on without the peer signal (a small loss of ranking quality:
// docs/benchmarks.md, ours_no_peer) until the outcomes arrive, rather than every
// request after a start waiting on a slow or overloaded database.
const PeerWait = 2 * time.Second

// firstPeers reads the peer sums for the first snapshot, waiting at most
// PeerWait; if they take longer, it returns none, and they are installed when read.
func (s *Recommendations) firstPeers(ctx context.Context) ([]models.PeerSum, error) {
	type read struct {
		outcomes []models.PeerSum
		err      error
	}
	s.refreshing.Store(true) // no other read starts while this one runs
	done := make(chan read, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		defer cancel()
		o, err := s.Store.FindPeerSums(ctx)
		done <- read{o, err}
	}()
	select {
	case r := <-done:
		s.refreshing.Store(false)
		return r.outcomes, r.err
	case <-time.After(PeerWait):
		go func() {
			r := <-done
			s.installPeers(r.outcomes, r.err)
		}()
		return nil, nil
	}
}

// refreshPeers reads the peer sums again in the background, once at a time,
// and rebuilds the newest snapshot with them.
func (s *Recommendations) refreshPeers(ctx context.Context) {
	if !s.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		defer cancel()
		s.installPeers(s.Store.FindPeerSums(ctx))
	}()
}

// installPeers rebuilds the newest snapshot with peer sums just read, and ends
// the read; on an error, the snapshot keeps its signal.
func (s *Recommendations) installPeers(outcomes []models.PeerSum, err error) {
	defer s.refreshing.Store(false)
	if err != nil {
		if s.Logger != nil {
			s.Logger.Warn("reading the peer signal failed; recommendations keep the previous one", "error", err)
		}
		return
	}
	at := time.Now()
	for {
		old := s.snapshot.Load()
		if old == nil { // the first build failed: the next request builds afresh
			return
		}
		snap := &snapshot{version: old.version, peersRead: at, catalog: old.catalog, courses: old.courses, outcomes: outcomes,
			cat: newCatalogue(old.catalog, outcomes)}
		if s.snapshot.CompareAndSwap(old, snap) { // else a catalogue change came in: rebuild on it
			return
		}
	}
}

// store makes snap the current snapshot unless a newer catalogue version is held.
func (s *Recommendations) store(snap *snapshot) {
	for {
		old := s.snapshot.Load()
		if old != nil && old.version > snap.version {
			return
		}
		if s.snapshot.CompareAndSwap(old, snap) {
			return
		}
	}
}

// newCatalogue turns the store's catalogue and peer sums into the recommender's.
func newCatalogue(c *models.Catalogue, outcomes []models.PeerSum) *recommender.Catalogue {
	courses := make([]recommender.Course, len(c.Courses))
	for i, course := range c.Courses {
		imparts := make([]recommender.Impart, len(c.Imparts[course.ID]))
		for j, cc := range c.Imparts[course.ID] {
			imparts[j] = recommender.Impart{CompetencyID: cc.CompetencyID, From: cc.FromLevel, To: cc.ToLevel, Efficacy: c.Efficacy(cc)}
		}
		courses[i] = recommender.Course{ID: course.ID, Title: course.Title, TitleHi: deref(course.TitleHi), Hours: course.DurationHours,
			RatingSum: course.RatingSum, RatingCount: course.RatingCount, Enrolments: course.EnrolmentCount, Imparts: imparts,
			Domains: courseDomains(c, c.Imparts[course.ID])}
	}
	return recommender.NewCatalogue(courses, c.CompetencyNames, recommender.PeerSignalsFromSums(outcomes)).WithHindiNames(c.CompetencyNamesHi)
}

// deref returns *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// learner gathers what the recommender needs about l, measured against roleID
// (its requirements, and its holders as peers) or, when nil, l's own roles, with
// its estimates read at the time at under the model p. EINVALID (field roleId) for
// an unknown role.
func (s *Recommendations) learner(ctx context.Context, l *models.Learner, roleID *int64, p recommender.Params, at time.Time) (recommender.Learner, error) {
	var in recommender.Learner
	ids, err := s.Store.FindRoleIDsByLearnerIDs(ctx, []int64{l.ID})
	if err != nil {
		return in, err
	}
	own := ids[l.ID]
	read := own // the roles whose requirements are read
	in.RoleIDs = own
	if roleID != nil {
		in.RoleIDs, read = []int64{*roleID}, append(slices.Clone(own), *roleID)
	}
	roles, err := s.Store.FindRolesByIDs(ctx, read)
	if err != nil {
		return in, err
	}
	if roleID != nil && roles[*roleID] == nil {
		return in, models.Invalid("roleId", "no such role")
	}
	reqs, err := s.Store.FindRequirementsByRoleIDs(ctx, read)
	if err != nil {
		return in, err
	}
	var all []recommender.Requirement
	for _, id := range in.RoleIDs {
		for _, r := range reqs[id] {
			all = append(all, recommender.Requirement{CompetencyID: r.CompetencyID, Level: r.RequiredLevel, Weight: r.Weight, RoleName: roles[id].Name})
		}
	}
	in.Requirements = recommender.MergeRequirements(all)
	// The estimate is read under the prior of the learner's own roles, whatever role
	// it is measured against: a role transition changes the gap, not the level.
	in.Held = domain.RequiredLevels(own, reqs)
	profs, err := s.Store.FindProficienciesByLearnerIDs(ctx, []int64{l.ID})
	if err != nil {
		return in, err
	}
	in.Stored = make(map[int64][]float64, len(profs[l.ID]))
	for _, pr := range profs[l.ID] {
		in.Stored[pr.CompetencyID] = recommender.Aged(p, pr.Distribution, pr.UpdatedAt, at)
	}
	excluded, err := s.Store.FindExcludedCourseIDs(ctx, l.ID)
	if err != nil {
		return in, err
	}
	in.Exclude = make(map[int64]bool, len(excluded))
	for _, id := range excluded {
		in.Exclude[id] = true
	}
	return in, nil
}

// ReadTime is the time estimates are read at (aged to, see recommender.Aged): today,
// so that a result cached under a key with the day (see key) stays right all day.
func ReadTime() time.Time {
	return time.Now().UTC().Truncate(24 * time.Hour)
}

// CompetencyGaps returns l's gap for each requirement of their roles, or of roleID.
func (s *Recommendations) CompetencyGaps(ctx context.Context, l *models.Learner, roleID *int64) ([]recommender.Gap, error) {
	s.init()
	p := s.params()
	in, err := s.learner(ctx, l, roleID, p, ReadTime())
	if err != nil {
		return nil, err
	}
	return recommender.Gaps(p, in), nil
}

// RecommendationList is a ranking as the API returns it.
type RecommendationList struct {
	LearnerID   int64                        `json:"learnerId"`
	RoleID      *int64                       `json:"roleId,omitempty"`
	Items       []recommender.Recommendation `json:"items"`
	GeneratedAt time.Time                    `json:"generatedAt"`
	Cached      bool                         `json:"-"`
	// Courses are the catalogue's courses at a version at least the one the list was
	// ranked at, by ID: their catalogue fields (code, title, description, provider,
	// format, hours), which only catalogue changes move, without a query. Their
	// counters (enrolments, ratings) move without one and must be read afresh.
	Courses map[int64]*models.Course `json:"-"`
}

// LearningPath is a plan as the API returns it.
type LearningPath struct {
	LearnerID int64  `json:"learnerId"`
	RoleID    *int64 `json:"roleId,omitempty"`
	recommender.Path
	Courses map[int64]*models.Course `json:"-"` // as RecommendationList's
}

// key names a cached result: the kind, the learner at their version, the catalogue
// at its version, the estimator model version and the arguments. A new version is
// a new key.
func key(kind string, l *models.Learner, catalogue int64, model int, roleID *int64, at time.Time, args ...any) string {
	role := int64(0)
	if roleID != nil {
		role = *roleID
	}
	day := at.Format("20060102") // estimates are read as of the day (ReadTime)
	// v3: explanations are phrases, rendered per reader's language (internal/i18n),
	// where v2 held English sentences.
	return fmt.Sprintf("%s:v3:%d:%d:%d:m%d:%d:%s:%v", kind, l.ID, l.Version, catalogue, model, role, day, args)
}

// Recommend returns the first courses ranked for l.
func (s *Recommendations) Recommend(ctx context.Context, l *models.Learner, roleID *int64, first int) (*RecommendationList, error) {
	snap, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	var out RecommendationList
	p, at := s.params(), ReadTime()
	cached, err := s.cached(ctx, key("rec", l, snap.version, p.Version, roleID, at, first), &out, func(ctx context.Context) (any, error) {
		defer observe(telemetry.RecommendRecommendations, time.Now())
		ctx = s.asNewAs(ctx, l)
		in, err := s.learner(ctx, l, roleID, p, at)
		if err != nil {
			return nil, err
		}
		if err := s.listFocus(ctx, snap.catalog, l, roleID, &in); err != nil {
			return nil, err
		}
		return &RecommendationList{LearnerID: l.ID, RoleID: roleID, GeneratedAt: time.Now().UTC(),
			Items: snap.cat.Recommend(p, in, first, recommender.ScoreOptions{})}, nil
	})
	out.Cached, out.Courses = cached, snap.courses
	return &out, err
}

// Path returns l's learning path within budgetHours (<= 0: no budget).
func (s *Recommendations) Path(ctx context.Context, l *models.Learner, roleID *int64, budgetHours float64) (*LearningPath, error) {
	snap, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	var out LearningPath
	p, at := s.params(), ReadTime()
	_, err = s.cached(ctx, key("path", l, snap.version, p.Version, roleID, at, budgetHours), &out, func(ctx context.Context) (any, error) {
		defer observe(telemetry.RecommendLearningPath, time.Now())
		ctx = s.asNewAs(ctx, l)
		in, err := s.learner(ctx, l, roleID, p, at)
		if err != nil {
			return nil, err
		}
		if err := s.focus(ctx, snap.catalog, l, &in, false); err != nil {
			return nil, err
		}
		assigned, err := s.assigned(ctx, l, &in)
		if err != nil {
			return nil, err
		}
		return &LearningPath{LearnerID: l.ID, RoleID: roleID, Path: snap.cat.LearningPath(p, in, budgetHours, assigned)}, nil
	})
	out.Courses = snap.courses
	return &out, err
}

// assigned returns the courses LIVE plans assign l that l has not completed, for
// the learning path to put first in due order. Such a course stays on the path
// while l is enrolled in it, or dismissed it from their recommendations: the plan
// still asks for it. Creating a LIVE plan bumps the version of each learner it
// assigns, so a cached path never misses a new assignment.
func (s *Recommendations) assigned(ctx context.Context, l *models.Learner, in *recommender.Learner) ([]recommender.Assigned, error) {
	courses, err := s.Store.FindAssignedCourses(ctx, []int64{l.ID})
	if err != nil {
		return nil, err
	}
	var out []recommender.Assigned
	for _, a := range courses[l.ID] {
		if a.Status != nil && *a.Status == models.Completed {
			continue
		}
		delete(in.Exclude, a.CourseID)
		out = append(out, recommender.Assigned{CourseID: a.CourseID, Due: a.DueDate})
	}
	return out, nil
}

// asNewAs returns the context in which to compute a value cached under l's
// version: ctx, if its reads see l at that version or later, else one that reads
// the primary. A value cached under a version must never be older than it: l may
// come from the primary (a mutation, read-your-writes) while ctx may read a
// replica that has not replayed the change yet, and an old value stored under the
// new version would be served for the whole TTL. The check reads l's version
// first, so the reads that follow, from the same replica, are at least as new
// (the store reads from one replica at a time; see store's replica.go). A
// value newer than its key is harmless: the key ends with the next version.
func (s *Recommendations) asNewAs(ctx context.Context, l *models.Learner) context.Context {
	if !models.ReplicaReadsAllowed(ctx) {
		return ctx
	}
	if now, err := s.Store.FindLearnerByID(ctx, l.ID); err != nil || now.Version < l.Version {
		return models.WithFreshReads(ctx)
	}
	return ctx
}

// observe records how long a computation that began at start took.
func observe(kind string, start time.Time) { telemetry.ObserveRecommend(kind, time.Since(start)) }

// cached decodes the result cached under key into out, or computes, caches and
// decodes it; concurrent misses compute once, and a cache that fails is bypassed.
func (s *Recommendations) cached(ctx context.Context, key string, out any, compute func(context.Context) (any, error)) (bool, error) {
	s.init()
	return cachedJSON(ctx, &s.group, s.Cache, s.TTL, key, out, compute)
}

// cachedJSON is cached with the group, cache and time to live given.
func cachedJSON(ctx context.Context, group *cache.Group, c cache.Cache, ttl time.Duration, key string, out any,
	compute func(context.Context) (any, error)) (bool, error) {
	b, cached, err := group.GetOrCompute(ctx, c, key, ttl, func(ctx context.Context) ([]byte, error) {
		v, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return false, err
	}
	return cached, json.Unmarshal(b, out)
}

// Dismiss records that l does not want courseID recommended again, and ranks
// their recommendations again without it: the first n, for the role they hold.
// It returns the learner at their new version and the new list.
func (s *Recommendations) Dismiss(ctx context.Context, l *models.Learner, courseID int64, reason string, n int) (*models.Learner, *RecommendationList, error) {
	if err := s.Store.Dismiss(ctx, l.ID, courseID, reason); err != nil {
		return nil, nil, err
	}
	l, err := s.Store.FindLearnerByID(ctx, l.ID) // at its new version
	if err != nil {
		return nil, nil, err
	}
	list, err := s.Recommend(ctx, l, nil, n)
	if err != nil {
		return nil, nil, err
	}
	return l, list, nil
}
