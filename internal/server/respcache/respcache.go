// Package respcache is the response cache (issue 17): it answers a query it has
// answered before with the bytes it gave then: no parsing, no resolvers, no SQL,
// no decoding and encoding again. Only queries whose every field is known to
// depend on nothing but
//
//   - the caller (subject, role, learner, organisation: all access depends on;
//     for the catalogue alone, the caller's role, as its answers are everyone's),
//   - the reader's language, the Accept header, the document and its variables,
//   - the estimator model and the day (estimates are read as of the day),
//   - the learners the root fields name (learnerId, id), and
//   - everything else an API write can change (the catalogue, roles, plans...)
//
// are cached (Rules, which package graph gives). The last two are epochs: counters
// in the cache that every mutation moves before it is acknowledged (MoveEpochs): a
// mutation whose writes changed only learners' records (internal/change) moves
// theirs, any other the global one. An entry stores the epochs it was computed
// under; a request reads the entry and the current epochs in one round trip
// (cache.ValuesAndCounters) and serves the entry only if they are equal. So a
// write acknowledged in one process is seen by the next read in any other sharing
// the cache, with no message to wait for. Catalogue changes made outside the API
// (imports, the course-effect job) are noticed by polling the catalogue version
// (Options.CatalogueCheck); `karmayogi import` moves the global epoch (ForgetAll)
// in the cache it shares with the servers (REDIS_URL); other writes outside the
// API wait for an entry's TTL. When the cache fails, requests take the uncached
// path.
package respcache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
)

// Options turn the response cache on (graph's Options.ResponseCache).
type Options struct {
	// Cache keeps the entries and the epochs; with several API processes it must be
	// the cache they share (Redis).
	Cache cache.Cache
	// TTL bounds an entry's life, and so how long a write made outside the API can
	// go unseen; 0 means DefaultTTL.
	TTL time.Duration
	// CatalogueCheck is how often the catalogue version is read to notice catalogue
	// changes made outside the API; 0 means DefaultCatalogueCheck.
	CatalogueCheck time.Duration
	// CatalogueVersion reads it; nil: never.
	CatalogueVersion func(context.Context) (int64, error)
	// ModelVersion is the estimator model in use, part of every key; nil: 0.
	ModelVersion func() int
	// Stats, when set, counts the answers served (hits) and the cache's failures
	// (errors): serve shares the recommendations' counters, whose hits a served
	// answer stands for. Misses are the computation's to count.
	Stats *cache.Stats
}

// Response cache defaults.
const (
	DefaultTTL            = 10 * time.Minute
	DefaultCatalogueCheck = time.Second
	maxShapes             = 10000    // documents whose cacheability is remembered
	maxCachedDocument     = 16 << 10 // bytes; a longer document is never cached
	globalEpoch           = "resp-epoch:all"
)

// ForgetAll moves the global epoch, so that every answer cached in c is
// computed again when next asked: for writes made outside the API (karmayogi
// import), which the API's own mutations do not announce.
func ForgetAll(ctx context.Context, c cache.Cache) error {
	_, err := c.Incr(ctx, globalEpoch)
	return err
}

// learnerEpoch is the counter a mutation of learner id's record moves.
func learnerEpoch(id int64) string { return "resp-epoch:l:" + strconv.FormatInt(id, 10) }

// Rules are what the cache knows of the schema: package graph's, whose fields
// it names.
type Rules struct {
	// Roots are the query fields whose answers may be cached, with the name of the
	// argument naming the learner they depend on ("": none, the catalogue). A
	// root named with "" promises more: with the Fields below it, its answer is
	// the same for every signed-in caller of a role (and of a registration or
	// pending token), so the cache shares it among them.
	Roots map[string]string
	// Fields are the fields below the roots ("Type.field", or "Type.*" for all of
	// a type's) that depend only on what the epochs stand for.
	Fields map[string]bool
	// LearnerID decodes a learner's global ID, as the root fields' arguments hold it.
	LearnerID func(string) (int64, error)
}

// Cache is the middleware and its state.
type Cache struct {
	o      Options
	schema *ast.Schema
	rules  Rules
	spend  func(ctx context.Context, cost int) bool
	logger *slog.Logger

	mu     sync.Mutex
	shapes map[[sha256.Size]byte]*shape // by a hash of the document

	lastCheck atomic.Int64 // unix nanoseconds of the last catalogue check
	checking  atomic.Bool
	catalogue atomic.Int64 // the version last seen, 0 before the first
}

// shape is what the cache knows of a document: whether its answers may be
// cached, and where its root fields name learners.
type shape struct {
	cacheable bool
	op        string       // the operation's name
	learners  []*ast.Value // the learner arguments of its root fields
}

// New returns the cache for schema's queries under rules. spend spends a served
// answer's cost from its caller's budget again, or refuses to (then the answer is
// computed, and refused, as it would be uncached).
func New(o Options, schema *ast.Schema, rules Rules, spend func(ctx context.Context, cost int) bool, logger *slog.Logger) *Cache {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.CatalogueCheck <= 0 {
		o.CatalogueCheck = DefaultCatalogueCheck
	}
	rc := &Cache{o: o, schema: schema, rules: rules, spend: spend, logger: logger, shapes: map[[sha256.Size]byte]*shape{}}
	rc.lastCheck.Store(time.Now().UnixNano())
	return rc
}

// Cacheable reports whether the answers to query's operation may be cached.
func (rc *Cache) Cacheable(query, operationName string) bool {
	return rc.shapeOf(query, operationName) != nil
}

// shapeOf parses and validates query against the schema once, and says whether
// its answers may be cached.
func (rc *Cache) shapeOf(query, operationName string) *shape {
	if len(query) > maxCachedDocument {
		return nil
	}
	h := sha256.Sum256([]byte(query))
	rc.mu.Lock()
	s, ok := rc.shapes[h]
	rc.mu.Unlock()
	if !ok {
		s = rc.analyse(query)
		rc.mu.Lock()
		if len(rc.shapes) < maxShapes {
			rc.shapes[h] = s
		}
		rc.mu.Unlock()
	}
	if !s.cacheable || (operationName != "" && operationName != s.op) {
		return nil
	}
	return s
}

func (rc *Cache) analyse(query string) *shape {
	doc, errs := gqlparser.LoadQueryWithRules(rc.schema, query, rules.NewDefaultRules())
	if len(errs) > 0 || len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		return &shape{}
	}
	op := doc.Operations[0]
	s := &shape{op: op.Name}
	ok := len(op.Directives) == 0
	var walk func(set ast.SelectionSet, root bool)
	walk = func(set ast.SelectionSet, root bool) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				for _, d := range sel.Directives {
					ok = ok && (d.Name == "include" || d.Name == "skip")
				}
				if sel.Name == "__typename" {
					continue
				}
				if root {
					arg, known := rc.rules.Roots[sel.Name]
					if !known {
						ok = false
						continue
					}
					if arg != "" {
						a := sel.Arguments.ForName(arg)
						if a == nil {
							ok = false
							continue
						}
						s.learners = append(s.learners, a.Value)
					}
				} else if sel.ObjectDefinition == nil || !(rc.rules.Fields[sel.ObjectDefinition.Name+"."+sel.Name] ||
					rc.rules.Fields[sel.ObjectDefinition.Name+".*"]) {
					ok = false
					continue
				}
				walk(sel.SelectionSet, false)
			case *ast.InlineFragment:
				ok = ok && len(sel.Directives) == 0
				walk(sel.SelectionSet, root)
			case *ast.FragmentSpread:
				ok = ok && len(sel.Directives) == 0 && sel.Definition != nil
				if sel.Definition != nil {
					walk(sel.Definition.SelectionSet, root)
				}
			}
		}
	}
	walk(op.SelectionSet, true)
	s.cacheable = ok
	return s
}

// request is the part of a GraphQL-over-HTTP POST body the cache reads.
type request struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// Middleware serves cached answers, and caches the answers it lets through that
// may be cached. It runs after authentication and rate limits.
func (rc *Cache) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.checkCatalogue(r.Context())
		key, learners, ok := rc.keyOf(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		counters := make([]string, 0, 1+len(learners))
		counters = append(counters, globalEpoch)
		for _, id := range learners {
			counters = append(counters, learnerEpoch(id))
		}
		vals, epochs, err := cache.ValuesAndCounters(ctx, rc.o.Cache, []string{key}, counters)
		if err != nil { // the cache is down: the uncached path, as the rest of the API does
			if rc.o.Stats != nil {
				rc.o.Stats.Errors.Add(1)
			}
			next.ServeHTTP(w, r)
			return
		}
		if e, ok := decodeEntry(vals[0]); ok && slices.Equal(e.epochs, epochs) && rc.spend(ctx, e.cost) {
			if rc.o.Stats != nil {
				rc.o.Stats.Hits.Add(1)
			}
			w.Header().Set("Content-Type", e.contentType)
			w.WriteHeader(http.StatusOK)
			w.Write(e.body)
			return
		}
		// Computed on the primary: a replica that has not replayed a write would
		// store an old answer under the epochs that write moved.
		m := &miss{}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(ctx, responseMissKey{}, m)))
		if rec.status != http.StatusOK || !errorFree(rec.body.Bytes()) || m.volatile.Load() {
			return
		}
		entry := encodeEntry(epochs, m.cost, rec.Header().Get("Content-Type"), rec.body.Bytes())
		if err := rc.o.Cache.Set(context.WithoutCancel(ctx), key, entry, rc.o.TTL); err != nil {
			rc.logger.DebugContext(ctx, "response cache: not stored", "error", err)
		}
	})
}

// keyOf names the answer to r, with the learners it depends on, or says it may
// not be cached.
func (rc *Cache) keyOf(r *http.Request) (string, []int64, bool) {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" || r.Body == nil {
		return "", nil, false
	}
	if code, _ := gqlhttp.CheckContentType(r.Header.Get("Content-Type")); code != 0 {
		return "", nil, false // the transport refuses it, as it must every time
	}
	body, err := io.ReadAll(r.Body) // read already by middleware.LimitBody: a copy in memory
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return "", nil, false
	}
	var q request
	if err := json.Unmarshal(body, &q); err != nil || q.Query == "" || len(q.Extensions) > 0 {
		return "", nil, false
	}
	s := rc.shapeOf(q.Query, q.OperationName)
	if s == nil {
		return "", nil, false
	}
	var vars map[string]any
	if len(q.Variables) > 0 && !bytes.Equal(q.Variables, []byte("null")) {
		if err := json.Unmarshal(q.Variables, &vars); err != nil {
			return "", nil, false
		}
	}
	c := middleware.Caller(r.Context())
	if c == nil && len(s.learners) > 0 {
		return "", nil, false // what learners' records show needs a caller
	}
	learners := make([]int64, 0, len(s.learners))
	for _, v := range s.learners {
		id, err := v.Value(vars)
		str, isString := id.(string)
		if err != nil || !isString {
			return "", nil, false
		}
		n, err := rc.rules.LearnerID(str)
		if err != nil {
			return "", nil, false // the uncached path gives the error
		}
		learners = append(learners, n)
	}
	model := 0
	if rc.o.ModelVersion != nil {
		model = rc.o.ModelVersion()
	}
	// Whose answer it is. A document of catalogue roots alone (no learner
	// argument) is answered alike for every caller of one access class (Rules.Roots),
	// anonymous visitors being one, so one entry serves them all; any other is the
	// caller's own.
	who := []string{"anonymous"}
	if c != nil {
		who = []string{"class", string(c.Role), strconv.FormatBool(c.Registration), strconv.FormatBool(c.Pending)}
	}
	if len(learners) > 0 {
		who = append(who, "caller", c.Subject, strconv.FormatInt(c.LearnerID, 10), strconv.FormatInt(c.OrganisationID, 10), c.Email)
	}
	h := sha256.New()
	for _, part := range append(who, string(i18n.From(r.Context())),
		r.Header.Get("Accept"), strconv.Itoa(model), time.Now().UTC().Format("20060102"), q.OperationName, q.Query) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(q.Variables)
	return "resp:v1:" + hex.EncodeToString(h.Sum(nil)), learners, true
}

// checkCatalogue reads the catalogue version in the background, at most every
// CatalogueCheck, and moves the global epoch when it moved: a catalogue change
// made outside the API (an import) is then seen within about that long.
func (rc *Cache) checkCatalogue(ctx context.Context) {
	if rc.o.CatalogueVersion == nil || time.Since(time.Unix(0, rc.lastCheck.Load())) < rc.o.CatalogueCheck ||
		!rc.checking.CompareAndSwap(false, true) {
		return
	}
	rc.lastCheck.Store(time.Now().UnixNano())
	go func() {
		defer rc.checking.Store(false)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		v, err := rc.o.CatalogueVersion(ctx)
		if err != nil {
			return
		}
		if old := rc.catalogue.Swap(v); old != 0 && old != v {
			if _, err := rc.o.Cache.Incr(ctx, globalEpoch); err != nil {
				rc.logger.WarnContext(ctx, "response cache: catalogue change not recorded", "error", err)
			}
		}
	}()
}

// responseMissKey marks a request the response cache lets through: its reads go
// to the primary (gqlext.ReadRouting), and what its entry needs is recorded
// under it (a *miss).
type responseMissKey struct{}

// miss is what the computing of an answer records for its entry.
type miss struct {
	cost     int         // set once, before the resolvers run (Cost)
	volatile atomic.Bool // set by any resolver (Volatile)
}

// Computing reports whether ctx is a request whose answer the response cache
// may store: its reads must go to the primary.
func Computing(ctx context.Context) bool {
	_, ok := ctx.Value(responseMissKey{}).(*miss)
	return ok
}

// Volatile tells the cache not to store the answer being computed: one that the
// same request, asked again, would not get. A ranking computed afresh says
// "cached: false"; asked again, the ranking comes from the cache. A stored answer
// is then only ever one that is as true when it is served again.
func Volatile(ctx context.Context) {
	if m, ok := ctx.Value(responseMissKey{}).(*miss); ok {
		m.volatile.Store(true)
	}
}

// Cost records an operation's complexity for the response cache, which spends
// it again from the caller's budget when it serves the answer (New's spend). It
// runs after FixedComplexityLimit.
type Cost struct{}

func (Cost) ExtensionName() string                   { return "ResponseCost" }
func (Cost) Validate(graphql.ExecutableSchema) error { return nil }

func (Cost) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	if m, ok := ctx.Value(responseMissKey{}).(*miss); ok {
		if s := extension.GetComplexityStats(ctx); s != nil {
			m.cost = s.Complexity
		}
	}
	return nil
}

// MoveEpochs moves the epochs a mutation's writes changed, before the mutation
// is acknowledged (graph's afterWrites): the learners' when the writes changed learners'
// records only (change.Set.LearnersOnly), else the global one, as for a mutation
// that failed (it may have changed something).
func (rc *Cache) MoveEpochs(ctx context.Context, mutation string, changed *change.Set, err error) {
	keys := []string{globalEpoch}
	if err == nil && changed.LearnersOnly() {
		keys = keys[:0]
		for _, id := range changed.LearnerIDs() {
			keys = append(keys, learnerEpoch(id))
		}
	}
	for _, k := range keys {
		if _, ierr := rc.o.Cache.Incr(context.WithoutCancel(ctx), k); ierr != nil {
			// Entries are unreadable while the cache is down; those stored before
			// may be served once it is back, until their TTL.
			rc.logger.WarnContext(ctx, "response cache: change not recorded", "mutation", mutation, "error", ierr)
		}
	}
}

// entry is a cached answer with the epochs and cost it was computed under.
type entry struct {
	epochs      []int64
	cost        int
	contentType string
	body        []byte
}

func encodeEntry(epochs []int64, cost int, contentType string, body []byte) []byte {
	b := make([]byte, 0, len(body)+16+8*len(epochs)+len(contentType))
	b = binary.AppendUvarint(b, uint64(len(epochs)))
	for _, e := range epochs {
		b = binary.AppendVarint(b, e)
	}
	b = binary.AppendUvarint(b, uint64(cost))
	b = binary.AppendUvarint(b, uint64(len(contentType)))
	b = append(b, contentType...)
	return append(b, body...)
}

var errBadEntry = errors.New("response cache: bad entry")

func decodeEntry(b []byte) (entry, bool) {
	var e entry
	if b == nil {
		return e, false
	}
	read := func() (uint64, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, errBadEntry
		}
		b = b[k:]
		return n, nil
	}
	n, err := read()
	if err != nil || n > 64 {
		return e, false
	}
	e.epochs = make([]int64, n)
	for i := range e.epochs {
		v, k := binary.Varint(b)
		if k <= 0 {
			return e, false
		}
		e.epochs[i], b = v, b[k:]
	}
	cost, err := read()
	if err != nil {
		return e, false
	}
	ct, err := read()
	if err != nil || ct > uint64(len(b)) {
		return e, false
	}
	e.cost, e.contentType, e.body = int(cost), string(b[:ct]), b[ct:]
	return e, true
}

// errorFree reports whether a JSON response has no "errors" member.
func errorFree(body []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return false
	}
	_, hasErrors := top["errors"]
	_, hasData := top["data"]
	return hasData && !hasErrors
}

// recorder passes a response through and keeps a copy of its body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
