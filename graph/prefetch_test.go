package graph_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// countingCatalogue counts the batch lookups of courses and competencies, and
// keeps the path of the field that made the last: a loader's batch runs with the
// context of the first item that asked, a prefetch with the list's own.
type countingCatalogue struct {
	models.CatalogueService
	courses, competencies atomic.Int64
	mu                    sync.Mutex
	paths                 []string
}

func (c *countingCatalogue) FindCoursesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Course, error) {
	c.courses.Add(1)
	c.record(ctx)
	return c.CatalogueService.FindCoursesByIDs(ctx, ids)
}

func (c *countingCatalogue) FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Competency, error) {
	c.competencies.Add(1)
	c.record(ctx)
	return c.CatalogueService.FindCompetenciesByIDs(ctx, ids)
}

func (c *countingCatalogue) record(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		c.paths = append(c.paths, fc.Path().String())
	}
}

// TestListsPrefetchTheirChildren: recommendations and a learning path with their
// courses' titles and gaps' competencies, and a passbook with its competencies,
// are resolved without one lookup per item, computed or cached: the list's
// resolver fetches what its items will ask for, in one lookup, so no item waits
// out the loaders' batching window. Courses' catalogue fields come from the
// recommender's catalogue snapshot without a lookup at all; a counter (enrolments)
// takes one.
func TestListsPrefetchTheirChildren(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := &countingCatalogue{CatalogueService: service.NewCatalogue(db)}
		c := newClientWith(t, db, func(s *graph.Services) { s.Catalogue = cat })
		e := attackEnvOn(t, c, db)
		asha := e.asha.bind(t)
		vars := map[string]any{"l": e.f["$asha"]}
		recs := func(d map[string]any) int { return len(d["recommendations"].(map[string]any)["items"].([]any)) }
		steps := func(d map[string]any) int { return len(d["learningPath"].(map[string]any)["steps"].([]any)) }
		cases := []struct {
			name, list, query     string
			courses, competencies int64
			items                 func(map[string]any) int
		}{
			{"recommendations", "recommendations", `query($l: ID!) { recommendations(learnerId: $l, first: 10) { items { course { id title } gapsAddressed { competency { name } } } } }`, 0, 1, recs},
			{"recommendations with a counter", "recommendations", `query($l: ID!) { recommendations(learnerId: $l, first: 10) { items { course { title enrolmentCount } } } }`, 1, 0, recs},
			{"learningPath", "learningPath", `query($l: ID!) { learningPath(learnerId: $l) { steps { course { id title } gapsAddressed { competency { name } } } } }`, 0, 1, steps},
			{"learningPath with a counter", "learningPath", `query($l: ID!) { learningPath(learnerId: $l) { steps { course { ...C } } } } fragment C on Course { id ratingCount }`, 1, 0, steps},
			{"passbook", "learner.proficiencies", `query($l: ID!) { learner(id: $l) { proficiencies { level competency { name } } } }`, 0, 1,
				func(d map[string]any) int { return len(d["learner"].(map[string]any)["proficiencies"].([]any)) }},
		}
		for _, tc := range cases {
			for _, round := range []string{"computed", "cached"} {
				cat.courses.Store(0)
				cat.competencies.Store(0)
				cat.paths = nil
				var d map[string]any
				decode(t, asha.data(tc.query, vars), &d)
				if n := tc.items(d); n < 2 {
					t.Fatalf("%s: %d items; the test needs a list", tc.name, n)
				}
				if got := cat.courses.Load(); got != tc.courses {
					t.Errorf("%s, %s: %d course lookups, want %d", tc.name, round, got, tc.courses)
				}
				if got := cat.competencies.Load(); got != tc.competencies {
					t.Errorf("%s, %s: %d competency lookups, want %d", tc.name, round, got, tc.competencies)
				}
				for _, p := range cat.paths { // made by the list's resolver, not by an item waiting for the batch
					if p != tc.list {
						t.Errorf("%s, %s: a lookup made by %s, want by %s", tc.name, round, p, tc.list)
					}
				}
			}
		}
	})
}

// statementLog keeps the SQL the store runs while on.
type statementLog struct {
	mu    sync.Mutex
	on    bool
	stmts []string
}

func (s *statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (s *statementLog) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.stmts = append(s.stmts, ev.Query)
	}
}

func (s *statementLog) record(on bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = on
	out := s.stmts
	s.stmts = nil
	return out
}

// TestCachedRecommendationsStatements pins down the SQL of a cached
// recommendations request with its courses' titles: the learner (for the access
// check and its version) and the catalogue version; the titles come from the
// catalogue snapshot. Issue 17 asks for none; a guard against the count growing (a
// loader per item would add ten). A course's enrolment count, which moves without
// the catalogue version, is still read afresh.
func TestCachedRecommendationsStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha := e.asha.bind(t)
		vars := map[string]any{"l": e.f["$asha"]}
		type items struct {
			Recommendations struct {
				Cached bool
				Items  []struct {
					Course struct {
						ID, Title      string
						EnrolmentCount *int
					}
				}
			}
		}
		ask := func(q string) (items, []string) {
			t.Helper()
			log := &statementLog{}
			//lint:ignore SA1019 the store queries its own DB; WithQueryHook would hook a copy it never uses.
			db.Bun().AddQueryHook(log)
			log.record(true)
			var d items
			decode(t, asha.data(q, vars), &d)
			stmts := log.record(false)
			if len(d.Recommendations.Items) < 2 {
				t.Fatalf("%d items; the test needs a list", len(d.Recommendations.Items))
			}
			return d, stmts
		}
		titles := `query($l: ID!) { recommendations(learnerId: $l, first: 10) { cached items { course { id title } } } }`
		ask(titles) // computed and cached
		d, stmts := ask(titles)
		if !d.Recommendations.Cached || len(stmts) != 2 {
			t.Errorf("cached %v, %d statements, want 2 (learner, catalogue version):\n%s", d.Recommendations.Cached, len(stmts), strings.Join(stmts, "\n"))
		}

		// Bhaskar enrols in the first course recommended to Asha: her ranking stays
		// cached, the course's count moves without the catalogue version.
		counts := `query($l: ID!) { recommendations(learnerId: $l, first: 10) { cached items { course { id title enrolmentCount } } } }`
		before, _ := ask(counts)
		first := before.Recommendations.Items[0].Course
		e.pa.bind(t).data(mEnrol, map[string]any{"input": map[string]any{"learnerId": e.f["$bhaskar"], "courseId": first.ID}})
		after, stmts := ask(counts)
		got := after.Recommendations.Items[0].Course
		if !after.Recommendations.Cached || got.ID != first.ID || got.EnrolmentCount == nil || *got.EnrolmentCount != *first.EnrolmentCount+1 {
			t.Errorf("after an enrolment: cached %v, course %s with %d enrolments, want %s with %d", after.Recommendations.Cached,
				got.ID, deref(got.EnrolmentCount), first.ID, *first.EnrolmentCount+1)
		}
		if len(stmts) != 3 {
			t.Errorf("with a counter: %d statements, want 3 (learner, catalogue version, courses):\n%s", len(stmts), strings.Join(stmts, "\n"))
		}

		// In one request, the same course elsewhere than in the list (Bhaskar's
		// enrolments) is read afresh, whatever the list took from the snapshot.
		var both struct {
			Recommendations struct {
				Items []struct{ Course struct{ ID string } }
			}
			Other struct {
				Enrolments struct {
					Edges []struct {
						Node struct {
							Course struct {
								ID             string
								EnrolmentCount int
							}
						}
					}
				}
			}
		}
		decode(t, e.pa.bind(t).data(`query($l: ID!, $b: ID!) { recommendations(learnerId: $l, first: 10) { items { course { id title } } }
  other: learner(id: $b) { enrolments(first: 50) { edges { node { course { id enrolmentCount } } } } } }`,
			map[string]any{"l": e.f["$asha"], "b": e.f["$bhaskar"]}), &both)
		seen := false
		for _, edge := range both.Other.Enrolments.Edges {
			if c := edge.Node.Course; c.ID == first.ID {
				seen = true
				if c.EnrolmentCount != *first.EnrolmentCount+1 {
					t.Errorf("%s among Bhaskar's enrolments beside the list: %d enrolments, want %d", c.ID, c.EnrolmentCount, *first.EnrolmentCount+1)
				}
			}
		}
		if !seen {
			t.Errorf("Bhaskar's enrolments lack %s: %+v", first.ID, both.Other)
		}

		// A new title is a catalogue change: the next answer has it.
		e.pa.bind(t).data(`mutation($id: ID!) { updateCourse(input: {id: $id, title: "Renamed for the test"}) { course { id } } }`,
			map[string]any{"id": first.ID})
		renamed, _ := ask(titles)
		if c := renamed.Recommendations.Items[0].Course; c.ID == first.ID && c.Title != "Renamed for the test" {
			t.Errorf("after renaming %s: title %q", c.ID, c.Title)
		}
		found := false
		for _, it := range renamed.Recommendations.Items {
			found = found || (it.Course.ID == first.ID && it.Course.Title == "Renamed for the test")
		}
		if !found {
			t.Errorf("after renaming %s, no item has it with its new title: %+v", first.ID, renamed.Recommendations.Items)
		}
	})
}

func deref(n *int) int {
	if n == nil {
		return -1
	}
	return *n
}
