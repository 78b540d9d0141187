package telemetry

import (
	"database/sql"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

// Operation label values that are not an operation's name.
const (
	OperationAnonymous = "anonymous" // an operation without a name
	OperationInvalid   = "invalid"   // refused before an operation was chosen (parse error, unknown name)
	OperationOther     = "other"     // a name beyond MaxOperationNames
)

// MaxOperationNames bounds the operation label: clients choose operation names,
// so after this many distinct ones further names are counted as "other".
const MaxOperationNames = 500

// GraphQLMetrics are the GraphQL handler's metrics. Register them with a
// registry (server.Config.Collectors) and pass them to graph.Options.Metrics.
type GraphQLMetrics struct {
	operations *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]bool
}

// NewGraphQLMetrics returns unregistered GraphQL metrics:
//
//	karmayogi_graphql_operations_total{operation, type, outcome}   outcome ok or error
//	karmayogi_graphql_operation_duration_seconds{operation, type}  from request read to response
//	karmayogi_graphql_errors_total{operation, code}                each error in a response, by extensions.code
func NewGraphQLMetrics() *GraphQLMetrics {
	return &GraphQLMetrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "karmayogi_graphql_operations_total",
			Help: "GraphQL operations by operation name, type (query, mutation, subscription) and outcome (ok: no errors; error: at least one).",
		}, []string{"operation", "type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "karmayogi_graphql_operation_duration_seconds",
			Help:    "GraphQL operation latency, from reading the request to the response, by operation name and type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "karmayogi_graphql_errors_total",
			Help: "Errors in GraphQL responses by operation name and extensions.code (resolver errors such as NOT_FOUND or INTERNAL, and request errors such as GRAPHQL_VALIDATION_FAILED).",
		}, []string{"operation", "code"}),
		names: map[string]bool{},
	}
}

// Describe implements prometheus.Collector.
func (m *GraphQLMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.operations.Describe(ch)
	m.duration.Describe(ch)
	m.errors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *GraphQLMetrics) Collect(ch chan<- prometheus.Metric) {
	m.operations.Collect(ch)
	m.duration.Collect(ch)
	m.errors.Collect(ch)
}

// Operation is one GraphQL response, as the metrics count it.
type Operation struct {
	Name     string        // the operation's name; "" for an anonymous one
	Type     string        // query, mutation, subscription; "" if none was chosen
	Invalid  bool          // refused before an operation was chosen
	Duration time.Duration // from reading the request to the response
	Codes    []string      // extensions.code of each error, "" where there was none
}

// Observe counts one response. A nil m does nothing.
func (m *GraphQLMetrics) Observe(op Operation) {
	if m == nil {
		return
	}
	name, typ := m.label(op), op.Type
	if typ == "" {
		typ = "unknown"
	}
	outcome := "ok"
	if len(op.Codes) > 0 {
		outcome = "error"
	}
	m.operations.WithLabelValues(name, typ, outcome).Inc()
	m.duration.WithLabelValues(name, typ).Observe(op.Duration.Seconds())
	for _, c := range op.Codes {
		if c == "" {
			c = "UNKNOWN"
		}
		m.errors.WithLabelValues(name, c).Inc()
	}
}

// label bounds the operation label's values.
func (m *GraphQLMetrics) label(op Operation) string {
	switch {
	case op.Invalid:
		return OperationInvalid
	case op.Name == "":
		return OperationAnonymous
	case len(op.Name) > 100:
		return OperationOther
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[op.Name] {
		return op.Name
	}
	if len(m.names) >= MaxOperationNames {
		return OperationOther
	}
	m.names[op.Name] = true
	return op.Name
}

// NewCacheCollector returns counters that read the cache lookups' statistics
// on every scrape:
//
//	karmayogi_cache_hits_total, karmayogi_cache_misses_total, karmayogi_cache_errors_total
//
// stats may return nil (nothing counted yet, or no cache group): zeros.
func NewCacheCollector(stats func() *cache.Stats) prometheus.Collector {
	read := func(f func(*cache.Stats) int64) func() float64 {
		return func() float64 {
			if s := stats(); s != nil {
				return float64(f(s))
			}
			return 0
		}
	}
	return collectorList{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "karmayogi_cache_hits_total",
			Help: "Cached values found (recommendations, learning paths, gap reports)."},
			read(func(s *cache.Stats) int64 { return s.Hits.Load() })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "karmayogi_cache_misses_total",
			Help: "Cached values not found, so computed."},
			read(func(s *cache.Stats) int64 { return s.Misses.Load() })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "karmayogi_cache_errors_total",
			Help: "Cache calls that failed (Redis slow or down), so the value was computed directly or not stored."},
			read(func(s *cache.Stats) int64 { return s.Errors.Load() })),
	}
}

// collectorList is several collectors registered as one.
type collectorList []prometheus.Collector

func (l collectorList) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range l {
		c.Describe(ch)
	}
}

func (l collectorList) Collect(ch chan<- prometheus.Metric) {
	for _, c := range l {
		c.Collect(ch)
	}
}

// NewDBStatsCollector returns the connection pool's statistics
// (go_sql_open_connections, go_sql_in_use_connections, go_sql_wait_count_total,
// go_sql_wait_duration_seconds_total, ...) labelled db_name=name.
func NewDBStatsCollector(db *sql.DB, name string) prometheus.Collector {
	return collectors.NewDBStatsCollector(db, name)
}

// recommendSeconds is the one global metric: the service observes it from
// wherever it computes, without wiring.
var recommendSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "karmayogi_recommender_compute_seconds",
	Help:    "Time the recommender spent computing (cache misses only), by kind: recommendations, learning_path, cohort, gap_report.",
	Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
}, []string{"kind"})

// Recommender kinds for ObserveRecommend.
const (
	RecommendRecommendations = "recommendations"
	RecommendLearningPath    = "learning_path"
	RecommendCohort          = "cohort"
	RecommendGapReport       = "gap_report"
)

func init() {
	// Each kind's series exists from the start, so /metrics shows the family
	// (with zero counts) before the first computation.
	for _, k := range []string{RecommendRecommendations, RecommendLearningPath, RecommendCohort, RecommendGapReport} {
		recommendSeconds.WithLabelValues(k)
	}
}

// ObserveRecommend records one recommender computation of kind (one of the
// Recommend* constants) that took d. Call it around the pure computation, not
// around cache hits:
//
//	start := time.Now()
//	list := recommender.Rank(...)
//	telemetry.ObserveRecommend(telemetry.RecommendRecommendations, time.Since(start))
func ObserveRecommend(kind string, d time.Duration) {
	recommendSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

// RecommenderCollector is the recommender histogram, for registering with a
// registry; a collector may be registered with several.
func RecommenderCollector() prometheus.Collector { return recommendSeconds }

// RoutedStatements counts the statements sent to a pool ("primary" or
// "replica") for a reason.
type RoutedStatements struct {
	Pool, Reason string
	Count        int64
}

// ReplicaState is a read replica as the store last saw it.
type ReplicaState struct {
	Name      string
	InService bool // answers and is within the lag bound
	Serving   bool // the replica this process reads from
}

// NewReadRoutingCollector returns the store's routing between the primary and
// read replicas, read on every scrape:
//
//	karmayogi_db_statements_total{pool, reason}  statements outside transactions:
//	    pool="replica" reason="read"; pool="primary" reason="write", "fresh"
//	    (a read that must see the latest writes), "no_replica" (none in service)
//	    or "retry" (a replica failed the read)
//	karmayogi_db_replica_in_service{replica}     1 while the replica may serve reads
//	karmayogi_db_replica_serving{replica}        1 for the replica this process reads from
func NewReadRoutingCollector(read func() ([]RoutedStatements, []ReplicaState)) prometheus.Collector {
	return &readRouting{read: read,
		statements: prometheus.NewDesc("karmayogi_db_statements_total",
			"SQL statements outside transactions by the pool that ran them (primary, replica) and why.", []string{"pool", "reason"}, nil),
		inService: prometheus.NewDesc("karmayogi_db_replica_in_service",
			"1 while a read replica answers and is within the lag bound, else 0.", []string{"replica"}, nil),
		serving: prometheus.NewDesc("karmayogi_db_replica_serving",
			"1 for the read replica this process reads from, else 0.", []string{"replica"}, nil),
	}
}

type readRouting struct {
	read                           func() ([]RoutedStatements, []ReplicaState)
	statements, inService, serving *prometheus.Desc
}

func (c *readRouting) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.statements
	ch <- c.inService
	ch <- c.serving
}

func (c *readRouting) Collect(ch chan<- prometheus.Metric) {
	routed, replicas := c.read()
	for _, r := range routed {
		ch <- prometheus.MustNewConstMetric(c.statements, prometheus.CounterValue, float64(r.Count), r.Pool, r.Reason)
	}
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, r := range replicas {
		ch <- prometheus.MustNewConstMetric(c.inService, prometheus.GaugeValue, one(r.InService), r.Name)
		ch <- prometheus.MustNewConstMetric(c.serving, prometheus.GaugeValue, one(r.Serving), r.Name)
	}
}
