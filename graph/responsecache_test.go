package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/app"
	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/cache"
	demo "github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// The documents the response-cache tests ask: what make bench-http asks.
const (
	rcRecommendations = `query R($l: ID!) { recommendations(learnerId: $l, first: 10) { items { course { id title } } } }`
	rcPath            = `query P($l: ID!) { learningPath(learnerId: $l) { totalHours steps { order cumulativeHours course { id title } } } }`
	rcPassbook        = `query B($l: ID!) { learner(id: $l) { name
  proficiencies { competency { name } level confidence intervalLow intervalHigh updatedAt }
  evidence(first: 20) { edges { node { id source level score observedAt competency { name } } } }
  enrolments(first: 20) { edges { node { id status progress course { title } } } }
  certificates(first: 20) { edges { node { issuedAt verificationCode course { title } } } } } }`
	rcCatalogue = `query C { courses(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { node { id code title provider format durationHours } } } }`
	// rcDictionary is the load harness's competencies document.
	rcDictionary = `query D { competencies(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id code name nameHi area type } } } }`
)

// responseCacheClient serves a handler with the response cache over c (a cache
// the handlers of one test share, as API processes share Redis) and its own
// recommendation service over the same cache, as serve wires them.
func responseCacheClient(t *testing.T, db *store.DB, c cache.Cache) *client {
	t.Helper()
	shared := func(s *graph.Services) { *s = app.NewServices(app.Deps{Store: db, Cache: c}) }
	return newClientOptions(t, db, shared, graph.Options{ResponseCache: &respcache.Options{Cache: c,
		CatalogueVersion: db.CatalogueVersion, CatalogueCheck: time.Hour}})
}

// responseCacheEnv is the attack fixture served with the response cache (over
// an in-process cache of its own), and a log of the statements the store runs.
func responseCacheEnv(t *testing.T, db *store.DB) (*attackEnv, *statementLog) {
	t.Helper()
	mem := cache.NewMemory()
	t.Cleanup(func() { mem.Close() })
	e := attackEnvOn(t, responseCacheClient(t, db, mem), db)
	log := &statementLog{}
	//lint:ignore SA1019 the store queries its own DB; WithQueryHook would hook a copy it never uses.
	db.Bun().AddQueryHook(log)
	return e, log
}

// sharedTestCaches returns two caches that share their keys, as two API processes
// do: the same Memory twice, or two clients of the test Redis under one key
// prefix of their own.
func sharedTestCaches(t *testing.T, engine string) (cache.Cache, cache.Cache) {
	t.Helper()
	if engine == "memory" {
		m := cache.NewMemory()
		t.Cleanup(func() { m.Close() })
		return m, m
	}
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	prefix := fmt.Sprintf("test-respcache-%d:", rand.Int64())
	var out [2]cache.Cache
	for i := range out {
		c, err := cache.NewRedis(url, cache.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.Ping(context.Background()); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("Redis is required under CI: %v", err)
			}
			t.Skip("no Redis:", err)
		}
		out[i] = c
	}
	return out[0], out[1]
}

// TestCachedRequestRunsNoStatements: a query answered before is answered again
// without a single SQL statement (recommendations with titles, a learning path, a
// catalogue page); a mutation of the learner makes the next answer computed again.
func TestCachedRequestRunsNoStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, log := responseCacheEnv(t, db)
		asha := e.asha.bind(t)
		vars := map[string]any{"l": e.f["$asha"]}
		for _, q := range []string{rcRecommendations, rcPath, rcPassbook, rcCatalogue, rcDictionary} {
			vars := vars
			if q == rcCatalogue || q == rcDictionary {
				vars = nil
			}
			first := asha.post(q, vars)
			log.record(true)
			again := asha.post(q, vars)
			stmts := log.record(false)
			if len(again.Errors) > 0 || again.Body != first.Body {
				t.Fatalf("%.40s: answered %s, then %s", q, first.Body, again.Body)
			}
			if len(stmts) != 0 {
				t.Errorf("%.40s: a cached answer ran %d statements, want none:\n%s", q, len(stmts), strings.Join(stmts, "\n"))
			}
		}
		// Evidence about Asha: her answers are computed again, other learners' and
		// the catalogue's are not.
		var written struct {
			RecordEvidence struct{ Evidence struct{ ID string } }
		}
		decode(t, e.pa.bind(t).data(`mutation($e: RecordEvidenceInput!) { recordEvidence(input: $e) { evidence { id } } }`, map[string]any{
			"e": map[string]any{"learnerId": e.f["$asha"], "competencyId": e.f["$tax"], "source": "SUPERVISOR", "level": 4}}), &written)
		log.record(true)
		asha.post(rcRecommendations, vars)
		if stmts := log.record(false); len(stmts) == 0 {
			t.Error("after her mutation, Asha's recommendations were answered from the cache")
		}
		if book := asha.post(rcPassbook, vars); !strings.Contains(book.Body, written.RecordEvidence.Evidence.ID) {
			t.Errorf("after her mutation, Asha's passbook lacks the evidence %s: %s", written.RecordEvidence.Evidence.ID, book.Body)
		}
		log.record(true)
		asha.post(rcCatalogue, nil)
		if stmts := log.record(false); len(stmts) != 0 {
			t.Errorf("after a learner's mutation, the catalogue page ran %d statements", len(stmts))
		}
	})
}

// TestResponseCacheReadYourWritesAcrossProcesses: two API processes over one
// database and one cache; a write acknowledged by one is seen by the next read in
// the other, whose answer to the same query was cached before the write: a
// learner's dismissal (her epoch) and a course's new title (the global epoch).
func TestResponseCacheReadYourWritesAcrossProcesses(t *testing.T) {
	for _, engine := range []string{"memory", "redis"} {
		t.Run(engine, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ca, cb := sharedTestCaches(t, engine)
				a, b := responseCacheClient(t, db, ca), responseCacheClient(t, db, cb)
				e := attackEnvOn(t, a, db)
				vars := map[string]any{"l": e.f["$asha"]}
				ashaA, ashaB := e.asha.bind(t), e.asha.bind(t)
				ashaB.url = b.url
				type recs struct {
					Recommendations struct {
						Items []struct{ Course struct{ ID, Title string } }
					}
				}
				read := func(c *client) recs {
					var r recs
					decode(t, c.data(rcRecommendations, vars), &r)
					return r
				}
				before := read(ashaB)
				read(ashaB) // cached in B
				if len(before.Recommendations.Items) == 0 {
					t.Fatal("no recommendations")
				}
				dismissed := before.Recommendations.Items[0].Course.ID
				ashaA.data(`mutation($i: DismissRecommendationInput!) { dismissRecommendation(input: $i) { recommendations { learner { id } } } }`,
					map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "courseId": dismissed}})
				for _, it := range read(ashaB).Recommendations.Items {
					if it.Course.ID == dismissed {
						t.Fatalf("process B served the course dismissed through A: %s", dismissed)
					}
				}

				// A catalogue change through B is seen in A's catalogue page at once.
				pageA := e.asha.bind(t)
				var page struct {
					Courses struct {
						Edges []struct{ Node struct{ ID, Title string } }
					}
				}
				decode(t, pageA.data(rcCatalogue, nil), &page)
				pageA.data(rcCatalogue, nil) // cached in A
				course := page.Courses.Edges[0].Node
				paB := e.pa.bind(t)
				paB.url = b.url
				paB.data(`mutation($id: ID!) { updateCourse(input: {id: $id, title: "Retitled through B"}) { course { id } } }`,
					map[string]any{"id": course.ID})
				decode(t, pageA.data(rcCatalogue, nil), &page)
				if got := page.Courses.Edges[0].Node; got.ID != course.ID || got.Title != "Retitled through B" {
					t.Errorf("process A's catalogue page after B's change: %+v, want %s retitled", got, course.ID)
				}

				// And a competency created through B is in A's dictionary at once.
				var dict struct {
					Competencies struct{ TotalCount int }
				}
				decode(t, pageA.data(rcDictionary, nil), &dict)
				pageA.data(rcDictionary, nil) // cached in A
				known := dict.Competencies.TotalCount
				paB.data(`mutation { createCompetency(input: {code: "A0-NEW", name: "Created through B", description: "d", type: BEHAVIOURAL, area: "a"}) { competency { id } } }`, nil)
				decode(t, pageA.data(rcDictionary, nil), &dict)
				if dict.Competencies.TotalCount != known+1 {
					t.Errorf("process A's dictionary after B created a competency: %d competencies, want %d", dict.Competencies.TotalCount, known+1)
				}
			})
		})
	}
}

// TestResponseCacheKeepsCallersApart: an answer cached for one caller is never
// another's: two ORG_ADMINs of different organisations and a learner ask for the
// same learner's recommendations, in both orders; each gets what the uncached
// path gives them (the admin of her organisation the list, the other admin and
// another learner a refusal).
func TestResponseCacheKeepsCallersApart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		mem := cache.NewMemory()
		t.Cleanup(func() { mem.Close() })
		c := responseCacheClient(t, db, mem)
		e := attackEnvOn(t, c, db)
		plain := newClient(t, db) // no response cache: the uncached answers
		for _, learner := range []string{"$asha", "$chitra"} {
			vars := map[string]any{"l": e.f[learner]}
			callers := []*client{e.doeAdmin, e.mohfwAdmin, e.asha}
			for round := range 2 { // the second round in reverse order, all answers cached
				for i := range callers {
					who := callers[i]
					if round == 1 {
						who = callers[len(callers)-1-i]
					}
					got := who.bind(t).post(rcRecommendations, vars)
					want := *who.bind(t)
					want.url = plain.url
					uncached := want.post(rcRecommendations, vars)
					if got.Body != uncached.Body || got.Status != uncached.Status {
						t.Errorf("%s, caller %d, round %d:\ncached:   %d %s\nuncached: %d %s", learner, i, round, got.Status, got.Body, uncached.Status, uncached.Body)
					}
				}
			}
		}
		// The check has teeth: some callers were refused and some answered.
		doe := e.doeAdmin.bind(t).post(rcRecommendations, map[string]any{"l": e.f["$asha"]})
		mohfw := e.mohfwAdmin.bind(t).post(rcRecommendations, map[string]any{"l": e.f["$asha"]})
		if len(doe.Errors) > 0 || len(mohfw.Errors) == 0 {
			t.Errorf("DOE's admin: %s; MOHFW's admin: %s", doe.Body, mohfw.Body)
		}
	})
}

// TestResponseCacheSharesTheCatalogue: a catalogue page or dictionary page that
// one learner's request put in the cache is served to another learner without a
// statement, in either language, and equals what the uncached path gives her;
// a caller of another access class (an ORG_ADMIN, an anonymous visitor, a
// registration or a pending token) has its answer computed for it, equal to its
// uncached one, and then cached for that class.
func TestResponseCacheSharesTheCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, log := responseCacheEnv(t, db)
		plain := newClient(t, db)
		chitra := e.pa.as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f["$chitra"]), OrganisationID: dbID(t, e.f["$mohfw"])})
		others := map[string]*client{
			"an ORG_ADMIN":         e.doeAdmin,
			"an anonymous visitor": e.anon,
			"a registration token": e.pa.as(models.Caller{Role: models.RoleLearner, Email: "newcomer@gov.in", Registration: true}),
			"a pending token": e.pa.as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f["$chitra"]),
				OrganisationID: dbID(t, e.f["$mohfw"]), Pending: true}),
		}
		uncached := func(who *client, lang, q string) response {
			u := *who.bind(t).in(lang)
			u.url = plain.url
			return u.post(q, nil)
		}
		// Her token's first request reads its revocation, which is then cached.
		chitra.bind(t).post(`{ __typename }`, nil)
		for _, lang := range []string{"en", "hi"} {
			for _, q := range []string{rcCatalogue, rcDictionary} {
				first := e.asha.bind(t).in(lang).post(q, nil)
				log.record(true)
				shared := chitra.bind(t).in(lang).post(q, nil)
				if stmts := log.record(false); len(stmts) != 0 {
					t.Errorf("%s, %.30s: another learner's request ran %d statements, want none:\n%s", lang, q, len(stmts), strings.Join(stmts, "\n"))
				}
				if want := uncached(chitra, lang, q); len(first.Errors) > 0 || shared.Body != first.Body || shared.Body != want.Body {
					t.Errorf("%s, %.30s: Asha got %s,\nChitra %s,\nuncached %s", lang, q, first.Body, shared.Body, want.Body)
				}
				for name, who := range others {
					log.record(true)
					got := who.bind(t).in(lang).post(q, nil)
					if stmts := log.record(false); len(stmts) == 0 {
						t.Errorf("%s, %.30s: %s was served the learners' entry", lang, q, name)
					}
					if want := uncached(who, lang, q); got.Body != want.Body || got.Status != want.Status {
						t.Errorf("%s, %.30s, %s: %d %s, uncached %d %s", lang, q, name, got.Status, got.Body, want.Status, want.Body)
					}
					log.record(true)
					again := who.bind(t).in(lang).post(q, nil)
					if stmts := log.record(false); len(stmts) != 0 || again.Body != got.Body {
						t.Errorf("%s, %.30s, %s asked again: %d statements, %s", lang, q, name, len(stmts), again.Body)
					}
				}
			}
		}
	})
}

// TestResponseCacheHonoursTheTransport: a cached answer is served only to a
// request the transport would take: the same document, cached, posted with a
// Content-Type the transport refuses (or none) gets the refusal, 415, as a server
// without the cache gives; for an anonymous visitor and a learner.
func TestResponseCacheHonoursTheTransport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, _ := responseCacheEnv(t, db)
		plain := newClient(t, db)
		body, _ := json.Marshal(map[string]any{"query": rcCatalogue})
		for name, who := range map[string]*client{"an anonymous visitor": e.anon, "a learner": e.asha} {
			w := who.bind(t)
			for range 2 { // computed, then cached
				if got := w.postJSON(body, nil); got.Status != http.StatusOK || len(got.Errors) > 0 {
					t.Fatalf("%s: %d %s", name, got.Status, got.Body)
				}
			}
			u := *w
			u.url = plain.url
			for _, ct := range []string{"", "text/plain", "application/json; charset=latin1"} {
				h := http.Header{"Content-Type": {ct}}
				got, want := w.postJSON(body, h), u.postJSON(body, h)
				if got.Status != http.StatusUnsupportedMediaType || got.Status != want.Status || got.Body != want.Body {
					t.Errorf("%s, Content-Type %q: %d %s, uncached %d %s", name, ct, got.Status, got.Body, want.Status, want.Body)
				}
			}
		}
	})
}

// TestResponseCacheKeepsOnlyCachedRankings: a document that asks whether the
// ranking came from the cache is not stored while the answer says it did not
// (the same request asked again would say it did); the answer that says it did
// is stored and served again, without a statement.
func TestResponseCacheKeepsOnlyCachedRankings(t *testing.T) {
	const ranked = `query K($l: ID!) { recommendations(learnerId: $l, first: 10) { cached generatedAt items { course { id title } } } }`
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, log := responseCacheEnv(t, db)
		asha := e.asha.bind(t)
		vars := map[string]any{"l": e.f["$asha"]}
		fresh := asha.post(ranked, vars)
		log.record(true)
		second := asha.post(ranked, vars)
		computed := log.record(true)
		third := asha.post(ranked, vars)
		served := log.record(false)
		if !strings.Contains(fresh.Body, `"cached":false`) || !strings.Contains(second.Body, `"cached":true`) {
			t.Fatalf("want a fresh ranking, then a cached one: %s\n%s", fresh.Body, second.Body)
		}
		if len(computed) == 0 {
			t.Error(`the answer that said "cached": false was stored and served again`)
		}
		if len(served) != 0 || third.Body != second.Body {
			t.Errorf("the cached ranking's answer, asked again: %d statements, %s (want %s)", len(served), third.Body, second.Body)
		}
	})
}

// TestResponseCacheOutage: with its cache unreachable (closed), the response
// cache lets every request through to the uncached path: the answers are right,
// reads and writes alike.
func TestResponseCacheOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		down := cache.NewMemory()
		down.Close()
		c := newClientOptions(t, db, nil, graph.Options{ResponseCache: &respcache.Options{Cache: down}})
		e := attackEnvOn(t, c, db)
		plain := newClient(t, db)
		vars := map[string]any{"l": e.f["$asha"]}
		for _, q := range []string{rcRecommendations, rcPath, rcCatalogue} {
			for range 2 {
				got := e.asha.bind(t).post(q, vars)
				want := *e.asha.bind(t)
				want.url = plain.url
				if u := want.post(q, vars); len(got.Errors) > 0 || got.Body != u.Body {
					t.Errorf("%.40s with the cache down: %s, want %s", q, got.Body, u.Body)
				}
			}
		}
	})
}

// TestResponseCacheAnswersEqualComputedOnes: over the seeded learners, query
// shapes and both languages, the answer the response cache serves (the second
// time a caller asks) is byte for byte, and with the same Content-Type, the
// answer a server without it gives (over the same cache of rankings).
func TestResponseCacheAnswersEqualComputedOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Run(ctx, bulk.New(db), demo.Options{Learners: 30, Courses: 200}); err != nil {
			t.Fatal(err)
		}
		page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 30})
		if err != nil || len(page.Items) < 20 {
			t.Fatalf("learners: %d, %v", len(page.Items), err)
		}
		mem := cache.NewMemory()
		t.Cleanup(func() { mem.Close() })
		// The uncached path over the same ranking cache: that a cached ranking is the
		// computed one is TestCachedAnswersEqualComputedOnes'.
		warm := responseCacheClient(t, db, mem)
		cold := newClientWith(t, db, func(s *graph.Services) { *s = app.NewServices(app.Deps{Store: db, Cache: mem}) })
		shapes := []string{
			rcRecommendations, rcPath, rcPassbook, rcCatalogue, rcDictionary,
			`query($t: CompetencyType) { competencies(first: 3, filter: { type: $t }) { edges { node { name nameHi description } } } }`,
			`query { competencies(first: 2) { edges { node { code levels { level } } } } }`, // not cached: levels
			`query($l: ID!) { recommendations(learnerId: $l, first: 10) { generatedAt learner { id name } items { rank score explanation
  course { id code title titleHi description provider format durationHours }
  gapsAddressed { competency { id name nameHi } fromLevel toLevel gapClosed } signals { gapCoverage } } } }`,
			`query($l: ID!) { recommendations(learnerId: $l) { learner { name } items { course { __typename ...C } } } } fragment C on Course { id title }`,
			`query($l: ID!) { learningPath(learnerId: $l, budgetHours: 20) { gapBefore gapAfter steps { dueDate course { t: title hours: durationHours code } gapsAddressed { competency { name } } } } }`,
			`query($l: ID!) { learner(id: $l) { id name } courses(first: 5) { edges { cursor node { title } } } }`,
			`query($l: ID!) { recommendations(learnerId: $l, first: 3) { cached items { course { id enrolmentCount } } } }`, // not cached
			// The load harness's: cached once the answer says the ranking was.
			`query W($l: ID!) { recommendations(learnerId: $l, first: 10) { cached generatedAt
  items { rank score explanation course { id title durationHours } gapsAddressed { competency { name } fromLevel toLevel gapClosed } } } }`,
		}
		compared := 0
		for _, l := range page.Items {
			caller := models.Caller{Role: models.RoleLearner, LearnerID: l.ID, OrganisationID: l.OrganisationID}
			for _, lang := range []string{"en", "hi"} {
				w, c := warm.as(caller).in(lang).bind(t), cold.as(caller).in(lang).bind(t)
				vars := map[string]any{"l": graphGlobalID("Learner", l.ID)}
				for _, q := range shapes {
					w.post(q, vars) // computed, and cached unless it shows a ranking computed afresh
					w.post(q, vars) // so computed again, and cached
					cached := w.post(q, vars)
					computed := c.post(q, vars)
					if cached.Status != computed.Status || cached.Body != computed.Body ||
						cached.Header.Get("Content-Type") != computed.Header.Get("Content-Type") {
						t.Errorf("learner %d, %s, %.60s...:\ncached:   %d %s %s\ncomputed: %d %s %s", l.ID, lang, q,
							cached.Status, cached.Header.Get("Content-Type"), cached.Body, computed.Status, computed.Header.Get("Content-Type"), computed.Body)
					}
					compared++
				}
			}
		}
		if compared < 400 {
			t.Errorf("compared %d answers", compared)
		}
	})
}

// TestMutationsMoveEpochs: what a mutation's writes changed (internal/change), not
// its name or payload, decides which epochs move: a mutation of learners' records
// only moves those learners' epochs (a seat another learner is promoted to moves
// theirs too); one that changes anything shared (the catalogue, a seat count, a
// registration), or fails, moves the global one.
func TestMutationsMoveEpochs(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	c := cache.NewMemory()
	t.Cleanup(func() { c.Close() })
	cl := responseCacheClient(t, db, c)
	e := attackEnvOn(t, cl, db)
	seedBlended(t, e)
	f := e.f
	asha, admin := e.asha, e.pa
	counter := func(key string) int64 {
		n, err := c.Counter(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ashaEpoch := "resp-epoch:l:" + fmt.Sprint(dbID(t, f["$asha"]))
	var enrolment struct {
		Enrol struct{ Enrolment struct{ ID string } }
	}
	for _, tc := range []struct {
		name   string
		by     *client
		query  string
		input  map[string]any
		global bool // else asha's epoch alone
	}{
		{"RecordEvidence", asha, mRecord, map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 2}, false},
		{"Enrol", asha, mEnrol, map[string]any{"learnerId": f["$asha"], "courseId": f["$emp101"]}, false},
		{"UpdateProgress", asha, mProgress, nil, false},
		{"RateCourse", asha, mRate, map[string]any{"learnerId": f["$asha"], "courseId": f["$emp101"], "stars": 4}, false},
		{"DismissRecommendation", asha, `mutation($input: DismissRecommendationInput!) { dismissRecommendation(input: $input) { recommendations { generatedAt } } }`,
			map[string]any{"learnerId": f["$asha"], "courseId": f["$tax301"]}, false},
		{"AssignRole", admin, `mutation($input: AssignRoleInput!) { assignRole(input: $input) { learner { id } } }`,
			map[string]any{"learnerId": f["$asha"], "roleId": f["$ds"]}, false},
		{"UpdateLearner", admin, mUpdate, map[string]any{"id": f["$asha"], "name": "Asha V. Verma"}, false},
		{"TakeAssessment", e.provider, mAssess, map[string]any{"enrolmentId": f["$ashaEnrolment"], "score": 0.5}, false},
		{"ErrRefused", asha, mRecord, map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 9}, true},
		{"Catalogue", admin, `mutation($input: UpdateCourseInput!) { updateCourse(input: $input) { course { id } } }`,
			map[string]any{"id": f["$emp101"], "title": "Empathy in Public Service (2027)"}, true},
		{"RequestSeat", asha, mRequestSeat, map[string]any{"batchId": f["$batch"], "learnerId": f["$asha"]}, true},
		{"RegisterForSession", asha, mRegisterSession, map[string]any{"sessionId": f["$eventSession"], "learnerId": f["$asha"]}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.input == nil {
				tc.input = map[string]any{"enrolmentId": enrolment.Enrol.Enrolment.ID, "progress": 0.5}
			}
			global, learner := counter("resp-epoch:all"), counter(ashaEpoch)
			r := tc.by.bind(t).post(tc.query, map[string]any{"input": tc.input})
			if refused := strings.HasPrefix(tc.name, "Err"); refused != (len(r.Errors) > 0) {
				t.Fatalf("refused: %v, want %v: %s", !refused, refused, r.Body)
			}
			if tc.name == "Enrol" {
				decode(t, r.Data, &enrolment)
			}
			movedGlobal, movedLearner := counter("resp-epoch:all") != global, counter(ashaEpoch) != learner
			if movedGlobal != tc.global || (!tc.global && !movedLearner) {
				t.Errorf("global epoch moved %v, asha's %v; want global %v", movedGlobal, movedLearner, tc.global)
			}
		})
	}
}
