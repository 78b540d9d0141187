// Package telemetry is the service's observability: OpenTelemetry tracing
// (exported over OTLP when configured, absent otherwise), the structured log
// handler (JSON, request id and operation on every line, secrets scrubbed), and
// the Prometheus metrics that are not HTTP's (GraphQL operations, errors by
// code, cache lookups, database pool, recommender compute time).
//
// Nothing here is global except the recommender histogram (ObserveRecommend),
// which the service calls from wherever it computes; everything else is built
// by cmd/karmayogi and passed to the server and the GraphQL handler.
package telemetry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ServiceName is the service.name of every span, unless OTEL_SERVICE_NAME says otherwise.
const ServiceName = "karmayogi"

// TracingEnabled reports whether the environment configures an OTLP trace
// exporter: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
// set and OTEL_SDK_DISABLED is not true.
func TracingEnabled() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Tracing is a configured tracer provider and how to flush it.
type Tracing struct {
	// Provider creates the spans; nil when tracing is off, and then nothing is
	// instrumented at all (no otelhttp wrapper, no query hooks): zero cost.
	Provider trace.TracerProvider
	shutdown func(context.Context) error
}

// Shutdown flushes spans not yet exported and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}

// SetupTracing returns tracing configured from the standard OTEL_* environment
// variables, or a Tracing with a nil Provider when TracingEnabled is false.
// OTEL_EXPORTER_OTLP_PROTOCOL (or ..._TRACES_PROTOCOL) chooses grpc or
// http/protobuf (the default); the exporters read the endpoint, headers,
// timeout and TLS settings themselves, and the SDK reads OTEL_TRACES_SAMPLER
// (default: parentbased_always_on). When on, the provider and the W3C trace
// context propagator become otel's globals too.
func SetupTracing(ctx context.Context, version string) (*Tracing, error) {
	if !TracingEnabled() {
		return &Tracing{}, nil
	}
	protocol := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var exporter sdktrace.SpanExporter
	var err error
	switch protocol {
	case "", "http/protobuf":
		exporter, err = otlptracehttp.New(ctx)
	case "grpc":
		exporter, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: want grpc or http/protobuf", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	return NewTracing(ctx, version, sdktrace.WithBatcher(exporter))
}

// NewTracing returns tracing through an SDK provider with the service's
// resource and the given options (an exporter, for one: tests pass
// sdktrace.WithSyncer(tracetest.NewInMemoryExporter())). It sets otel's globals.
func NewTracing(ctx context.Context, version string, opts ...sdktrace.TracerProviderOption) (*Tracing, error) {
	if version == "" {
		version = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			version = bi.Main.Version
		}
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", ServiceName), attribute.String("service.version", version)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithResource(res)}, opts...)...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Tracing{Provider: tp, shutdown: tp.Shutdown}, nil
}

// InstrumentDB adds a span for every SQL statement bun runs. Statements are
// recorded with placeholders, never with their arguments, and error messages
// are scrubbed of emails and tokens. A nil tp does nothing.
func InstrumentDB(db *bun.DB, tp trace.TracerProvider) {
	if tp == nil {
		return
	}
	//lint:ignore SA1019 the hook goes on the caller's DB; WithQueryHook would return a copy the caller never queries.
	db.AddQueryHook(scrubbedQueryHook{bunotel.NewQueryHook(bunotel.WithTracerProvider(tp), bunotel.WithFormattedQueries(false))})
}

// scrubbedQueryHook keeps values out of the error a span records: a unique
// violation on learners.email, say, names the email.
type scrubbedQueryHook struct{ *bunotel.QueryHook }

func (h scrubbedQueryHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if orig := e.Err; orig != nil && !isBenign(orig) {
		e.Err = errors.New(Scrub(orig.Error()))
		defer func() { e.Err = orig }()
	}
	h.QueryHook.AfterQuery(ctx, e)
}

// isBenign reports the errors bunotel does not record.
func isBenign(err error) bool { return err == sql.ErrNoRows || err == sql.ErrTxDone }

// InstrumentRedis adds a span for every Redis command, without its arguments
// (they hold cached values). A nil tp does nothing.
func InstrumentRedis(client redis.UniversalClient, tp trace.TracerProvider) error {
	if tp == nil {
		return nil
	}
	return redisotel.InstrumentTracing(client, redisotel.WithTracerProvider(tp), redisotel.WithDBStatement(false))
}

// RedisClienter is a cache that lets its go-redis client be instrumented.
type RedisClienter interface {
	RedisClient() redis.UniversalClient
}

// InstrumentCache traces the commands of a Redis-backed cache. It reports
// false when c does not expose its client (the in-process cache, which has no
// commands to trace, or a cache without a RedisClient method).
func InstrumentCache(c any, tp trace.TracerProvider) (bool, error) {
	rc, ok := c.(RedisClienter)
	if !ok || tp == nil {
		return false, nil
	}
	return true, InstrumentRedis(rc.RedisClient(), tp)
}
