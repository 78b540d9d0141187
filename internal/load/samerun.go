package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/models"
)

// The queries of the same-run benchmark (make bench-http): what a learner opening
// the app asks for. Each is sent with a learner's token, the catalogue page too,
// so that per-caller rate limits see many callers, as in production.
const (
	SameRunRecommendations = "recommendations"
	SameRunLearningPath    = "learningPath"
	SameRunPassbook        = "passbook"
	SameRunCatalogue       = "catalogue"
)

// SameRunQueries are the documents of the same-run benchmark, by name, in the
// order the report lists them.
var SameRunQueries = []struct{ Name, Query string }{
	{SameRunRecommendations, `query Recommendations($id: ID!) { recommendations(learnerId: $id, first: 10) { items { course { id title } } } }`},
	{SameRunLearningPath, `query LearningPath($id: ID!) { learningPath(learnerId: $id) { totalHours steps { order cumulativeHours course { id title } } } }`},
	{SameRunPassbook, `query Passbook($id: ID!) { learner(id: $id) { name
  proficiencies { competency { name } level confidence intervalLow intervalHigh updatedAt } } }`},
	{SameRunCatalogue, `query Courses { courses(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { node { id code title provider format durationHours } } } }`},
}

// SameRunTargets returns, for the query named, one request per learner (their
// token, their ID) to base+"/graphql". The URL's fragment names the query.
func SameRunTargets(base, name string, fx *Fixtures, mint Minter, ttl time.Duration) ([]vegeta.Target, error) {
	var query string
	for _, q := range SameRunQueries {
		if q.Name == name {
			query = q.Query
		}
	}
	if query == "" {
		return nil, fmt.Errorf("load: no same-run query %q", name)
	}
	out := make([]vegeta.Target, len(fx.Learners))
	for i := range out {
		l := fx.Learners[i]
		token, err := mint(learnerCaller(l), ttl)
		if err != nil {
			return nil, err
		}
		vars := map[string]any{}
		if strings.Contains(query, "$id") {
			vars["id"] = GlobalID("Learner", l.ID)
		}
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/graphql-response+json"},
			"Authorization": {"Bearer " + token}}
		out[i] = vegeta.Target{Method: http.MethodPost, URL: fmt.Sprintf("%s/graphql#%s/%d/0", base, name, i), Body: body, Header: h}
	}
	return out, nil
}

// BareKey is the cache key under which the bare handler finds the answer to a
// request: a hash of its Authorization header and body, so that the bare side
// does no parsing at all.
func BareKey(authorization string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(authorization))
	h.Write([]byte{0})
	h.Write(body)
	return "bench-http:" + hex.EncodeToString(h.Sum(nil))
}

// BareHandler is the floor the API is measured against: a plain net/http handler
// that answers a request with the bytes stored under its BareKey, read with one
// cache GET: 404 when nothing is stored under it, 503 when the cache fails.
func BareHandler(get func(ctx context.Context, key string) ([]byte, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, err := get(r.Context(), BareKey(r.Header.Get("Authorization"), body))
		if errors.Is(err, cache.ErrMiss) {
			http.Error(w, "not primed", http.StatusNotFound)
			return
		} else if err != nil { // the cache failed: say so, apart from a miss
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/graphql-response+json")
		w.Write(b)
	})
}

// PrimeBare sends each target to the API twice (the first fills the API's caches,
// the second is its cached answer) and stores the second answer for the bare
// handler under the target's BareKey, with set; it returns the API's answers'
// median size. Any failure, or an answer with errors, is an error: the two sides
// must answer the same thing.
func PrimeBare(ctx context.Context, targets []vegeta.Target, set func(ctx context.Context, key string, value []byte) error) (int, error) {
	var (
		mu    sync.Mutex
		first error
		sizes []int
		wg    sync.WaitGroup
		next  = make(chan vegeta.Target)
	)
	client := newClient()
	for range 8 {
		wg.Go(func() {
			for t := range next {
				var body []byte
				err := post(ctx, client, t)
				if err == nil {
					body, err = postBody(ctx, client, t)
				}
				if err == nil {
					err = set(ctx, BareKey(t.Header.Get("Authorization"), t.Body), body)
				}
				mu.Lock()
				first = cmpErr(first, err)
				sizes = append(sizes, len(body))
				mu.Unlock()
			}
		})
	}
	for _, t := range targets {
		next <- t
	}
	close(next)
	wg.Wait()
	if first != nil {
		return 0, first
	}
	return median(sizes), nil
}

func median(v []int) int {
	if len(v) == 0 {
		return 0
	}
	s := append([]int(nil), v...)
	for i := 1; i < len(s); i++ { // a few hundred values: insertion sort
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

// SameRun is one query measured against the bare handler in one run.
type SameRun struct {
	Query   string  `json:"query"`
	Clients int     `json:"clients"`
	Bytes   int     `json:"bytes"` // the answer's median size
	API     Stats   `json:"api"`
	Bare    Stats   `json:"bare"`
	Ratio   float64 `json:"ratio"`     // API throughput / bare throughput
	P50x    float64 `json:"p50_times"` // API p50 / bare p50
}

// String is one line of the text report.
func (s SameRun) String() string {
	return fmt.Sprintf("%-16s API %7.0f/s p50 %6.2f ms p99 %6.2f ms | bare %7.0f/s p50 %6.2f ms p99 %6.2f ms | %.2f× throughput, p50 %.1f× (%d B, %d+%d errors)",
		s.Query, s.API.Throughput, s.API.P50, s.API.P99, s.Bare.Throughput, s.Bare.P50, s.Bare.P99, s.Ratio, s.P50x, s.Bytes,
		s.API.Requests-s.API.OK, s.Bare.Requests-s.Bare.OK)
}

// CompareSameRun drives api and bare (the same requests, to the API and to the
// bare handler) with clients concurrent clients, flat out, in alternating windows
// of window each, rounds times (the side that goes first alternates too), so that
// the machine's noise falls on both; throughput is successes over the time each
// side ran.
func (r *Runner) CompareSameRun(ctx context.Context, query string, api, bare []vegeta.Target, clients int, window time.Duration, rounds int) SameRun {
	res := SameRun{Query: query, Clients: clients}
	var apiOut, bareOut []Outcome
	var apiTime, bareTime time.Duration
	for i := range rounds {
		sides := []bool{true, false}
		if i%2 == 1 {
			sides = []bool{false, true}
		}
		for _, isAPI := range sides {
			if ctx.Err() != nil {
				break
			}
			tr, outs, took := api, &apiOut, &apiTime
			if !isAPI {
				tr, outs, took = bare, &bareOut, &bareTime
			}
			o := r.closedLoop(ctx, tr, clients, window)
			*outs = append(*outs, o...)
			*took += Elapsed(o)
		}
	}
	res.API, res.Bare = stats(apiOut, apiTime), stats(bareOut, bareTime)
	res.Ratio = ratio(res.API.Throughput, res.Bare.Throughput)
	res.P50x = ratio(float64(res.API.P50), float64(res.Bare.P50))
	return res
}

// closedLoop sends targets round robin from clients concurrent workers, each
// sending its next request when the last is answered, for d.
func (r *Runner) closedLoop(ctx context.Context, targets []vegeta.Target, clients int, d time.Duration) []Outcome {
	a := r.attacker(uint64(clients))
	stop := context.AfterFunc(ctx, func() { a.Stop() })
	defer stop()
	var out []Outcome
	for res := range a.Attack(vegeta.NewStaticTargeter(targets...), vegeta.ConstantPacer{}, d, "same-run") {
		out = append(out, Classify(res))
	}
	return out
}

func learnerCaller(l Learner) models.Caller {
	return models.Caller{Role: models.RoleLearner, LearnerID: l.ID, OrganisationID: l.OrganisationID}
}
