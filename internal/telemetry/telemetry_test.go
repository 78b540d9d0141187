package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
)

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Email", `duplicate key (email)=(asha.verma@gov.in)`, `duplicate key (email)=([email])`},
		{"JWT", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x rejected", "token [token] rejected"},
		{"Bearer", "Authorization: Bearer abc.def", "Authorization: Bearer [token]"},
		{"Plain", "applied migrations", "applied migrations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := telemetry.Scrub(tc.in); got != tc.want {
				t.Errorf("Scrub(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	h, err := telemetry.NewLogHandler(&buf, telemetry.LogOptions{Format: "json", Level: slog.LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(h).With("email", "x@nic.in")
	req := &telemetry.Request{ID: "req-1"}
	ctx := telemetry.WithRequest(context.Background(), req)
	req.SetOperation("Me")
	logger.ErrorContext(ctx, "sign-in failed for a@gov.in", "err", fmt.Errorf("lookup b@gov.in: %w", errors.New("boom")),
		"token", "eyJx.eyJy.z", "group", slog.GroupValue(slog.String("who", "c@gov.in")), "n", 3)
	logger.Info("no request")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"request_id": "req-1", "operation": "Me", "msg": "sign-in failed for [email]",
		"err": "lookup [email]: boom", "token": "[redacted]", "email": "[redacted]", "n": 3.0} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v", k, first[k], want)
		}
	}
	if g, _ := first["group"].(map[string]any); g["who"] != "[email]" {
		t.Errorf("group.who = %v, want [email]", first["group"])
	}
	if strings.Contains(lines[1], "request_id") {
		t.Errorf("a line without a request has a request id: %s", lines[1])
	}
	if strings.Contains(buf.String(), "gov.in") || strings.Contains(buf.String(), "nic.in") {
		t.Errorf("an email reached the log: %s", buf.String())
	}
}

func TestLogOptions(t *testing.T) {
	if _, err := telemetry.NewLogHandler(&bytes.Buffer{}, telemetry.LogOptions{Format: "xml"}); err == nil {
		t.Error("format xml accepted")
	}
	for in, want := range map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, "WARN": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := telemetry.ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := telemetry.ParseLevel("loud"); err == nil {
		t.Error("level loud accepted")
	}
}

func TestRequestID(t *testing.T) {
	if got := telemetry.RequestID("abc-123_x.y:z"); got != "abc-123_x.y:z" {
		t.Errorf("a sensible client id was replaced: %q", got)
	}
	for _, bad := range []string{"", "has space", "new\nline", strings.Repeat("a", 129), `quote"`} {
		got := telemetry.RequestID(bad)
		if got == bad || len(got) != 32 {
			t.Errorf("RequestID(%q) = %q, want a new 32-hex id", bad, got)
		}
	}
	if a, b := telemetry.RequestID(""), telemetry.RequestID(""); a == b {
		t.Error("two generated ids are equal")
	}
}

func TestGraphQLMetricsBoundOperationNames(t *testing.T) {
	m := telemetry.NewGraphQLMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	for i := range telemetry.MaxOperationNames + 50 {
		m.Observe(telemetry.Operation{Name: fmt.Sprintf("Op%d", i), Type: "query", Duration: time.Millisecond})
	}
	m.Observe(telemetry.Operation{Type: "query"})
	m.Observe(telemetry.Operation{Invalid: true, Codes: []string{"GRAPHQL_PARSE_FAILED"}})
	m.Observe(telemetry.Operation{Name: "Op1", Type: "query", Codes: []string{"NOT_FOUND", ""}})
	series, err := testutil.GatherAndCount(reg, "karmayogi_graphql_operations_total")
	if err != nil {
		t.Fatal(err)
	}
	// MaxOperationNames names ok, "other", "anonymous", "invalid" error, Op1 error.
	if want := telemetry.MaxOperationNames + 4; series != want {
		t.Errorf("%d series, want %d", series, want)
	}
	want := `
# HELP karmayogi_graphql_errors_total Errors in GraphQL responses by operation name and extensions.code (resolver errors such as NOT_FOUND or INTERNAL, and request errors such as GRAPHQL_VALIDATION_FAILED).
# TYPE karmayogi_graphql_errors_total counter
karmayogi_graphql_errors_total{code="GRAPHQL_PARSE_FAILED",operation="invalid"} 1
karmayogi_graphql_errors_total{code="NOT_FOUND",operation="Op1"} 1
karmayogi_graphql_errors_total{code="UNKNOWN",operation="Op1"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "karmayogi_graphql_errors_total"); err != nil {
		t.Error(err)
	}
	var nilMetrics *telemetry.GraphQLMetrics
	nilMetrics.Observe(telemetry.Operation{Name: "X"}) // a nil *GraphQLMetrics counts nothing and does not panic
}

func TestCacheCollector(t *testing.T) {
	var stats cache.Stats
	stats.Hits.Add(3)
	stats.Misses.Add(2)
	stats.Errors.Add(1)
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewCacheCollector(func() *cache.Stats { return &stats }))
	want := `
# HELP karmayogi_cache_errors_total Cache calls that failed (Redis slow or down), so the value was computed directly or not stored.
# TYPE karmayogi_cache_errors_total counter
karmayogi_cache_errors_total 1
# HELP karmayogi_cache_hits_total Cached values found (recommendations, learning paths, gap reports).
# TYPE karmayogi_cache_hits_total counter
karmayogi_cache_hits_total 3
# HELP karmayogi_cache_misses_total Cached values not found, so computed.
# TYPE karmayogi_cache_misses_total counter
karmayogi_cache_misses_total 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	empty := prometheus.NewRegistry()
	empty.MustRegister(telemetry.NewCacheCollector(func() *cache.Stats { return nil }))
	if n, err := testutil.GatherAndCount(empty); err != nil || n != 3 {
		t.Errorf("nil stats: %d series, %v; want 3 zeros", n, err)
	}
}

func TestObserveRecommend(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.RecommenderCollector())
	before := testutil.CollectAndCount(telemetry.RecommenderCollector())
	if before != 4 {
		t.Errorf("%d series before any computation, want one per kind (4)", before)
	}
	telemetry.ObserveRecommend(telemetry.RecommendLearningPath, 20*time.Millisecond)
	out, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range out {
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == telemetry.RecommendLearningPath && m.GetHistogram().GetSampleCount() == 0 {
				t.Error("learning_path observation not counted")
			}
		}
	}
}

func TestTracingOffByDefault(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tr, err := telemetry.SetupTracing(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Provider != nil {
		t.Fatal("a tracer provider without an OTLP endpoint")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if telemetry.TracingEnabled() {
		t.Error("OTEL_SDK_DISABLED=true does not turn tracing off")
	}
}

func TestTracingOnWithEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1") // nothing listens: export fails, serving does not
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	tr, err := telemetry.SetupTracing(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Provider == nil {
		t.Fatal("no tracer provider with an OTLP endpoint")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	tr.Shutdown(ctx) // the export fails; Shutdown returns within the deadline
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")
	if _, err := telemetry.SetupTracing(context.Background(), "test"); err == nil {
		t.Error("an unknown OTLP protocol accepted")
	}
}

// TestRedisSpans traces commands on the shared Redis (127.0.0.1:6379, or
// TEST_REDIS_URL); it is skipped without Redis unless CI=true.
func TestRedisSpans(t *testing.T) {
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	ctx := context.Background()
	if err := client.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis: %v", err)
		}
		t.Skipf("no Redis: %v", err)
	}
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(ctx)
	if err := telemetry.InstrumentRedis(client, tp); err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("telemetry-test:%d", time.Now().UnixNano())
	ctx, span := tp.Tracer("test").Start(ctx, "parent")
	client.Set(ctx, key, "secret-value@gov.in", time.Minute)
	client.Del(ctx, key)
	span.End()
	var names []string
	for _, s := range exporter.GetSpans() {
		names = append(names, s.Name)
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.String(), "secret-value") {
				t.Errorf("span %s holds the value: %s=%s", s.Name, a.Key, a.Value.String())
			}
		}
	}
	if strings.Join(names, ",") != "set,del,parent" {
		t.Errorf("spans %v, want set, del, parent", names)
	}
}
