package gqlext

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/openkarmayogi/karmayogi/internal/telemetry"
)

// observer is the extension that makes each GraphQL operation observable:
//
//   - metrics (when graph's Options.Metrics is set): one count per response by operation
//     name, type and outcome, its latency, and each error by extensions.code;
//   - logs: the operation's name joins the request id on every line logged with
//     the request's context (telemetry.Request, set up by internal/server);
//   - traces (when Options.Tracer is set): a span per operation, from the
//     request read to the response, with a child span per resolver. Resolvers
//     under a list index (a field of each of 500 learners) get no span of their
//     own: their cost shows in the parent's span and in the SQL spans of the
//     dataloader batches.
//
// No query text, variable or error message goes into a span or a metric: they
// may hold emails, names or codes. Errors are recorded by extensions.code.
type observer struct {
	metrics *telemetry.GraphQLMetrics
	tracer  trace.Tracer // nil: no spans
	codeOf  func(error) string
}

// tracingObserver is the observer with resolver spans: a field interceptor is
// installed only when there is a tracer, so without one fields run as before.
type tracingObserver struct{ observer }

var (
	_ interface {
		graphql.HandlerExtension
		graphql.ResponseInterceptor
	} = observer{}
	_ graphql.FieldInterceptor = tracingObserver{}
)

const tracerName = "github.com/openkarmayogi/karmayogi/graph"

// NewObserver returns the extension for srv.Use: metrics to metrics (nil: none),
// spans to tp (nil: none). codeOf is the extensions.code a resolver's error is
// presented with, which its span records.
func NewObserver(metrics *telemetry.GraphQLMetrics, tp trace.TracerProvider, codeOf func(error) string) graphql.HandlerExtension {
	o := observer{metrics: metrics, codeOf: codeOf}
	if tp == nil {
		return o
	}
	o.tracer = tp.Tracer(tracerName)
	return tracingObserver{o}
}

func (observer) ExtensionName() string                   { return "Observer" }
func (observer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs around every response, those of operations that ran
// and those refused before they could (parse and validation errors, limits).
func (o observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	var opCtx *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		opCtx = graphql.GetOperationContext(ctx)
	}
	op := telemetry.Operation{Invalid: opCtx == nil || opCtx.Operation == nil}
	start := time.Now()
	if opCtx != nil && !opCtx.Stats.OperationStart.IsZero() {
		start = opCtx.Stats.OperationStart
	}
	if !op.Invalid {
		op.Name, op.Type = opCtx.Operation.Name, string(opCtx.Operation.Operation)
		name := op.Name
		if name == "" {
			name = telemetry.OperationAnonymous
		}
		telemetry.SetOperation(ctx, name)
	}

	var span trace.Span
	if o.tracer != nil {
		spanName := "graphql"
		if !op.Invalid {
			spanName = op.Type
			if op.Name != "" {
				spanName += " " + op.Name
			}
		}
		ctx, span = o.tracer.Start(ctx, spanName, trace.WithTimestamp(start),
			trace.WithAttributes(attribute.String("graphql.operation.type", op.Type), attribute.String("graphql.operation.name", op.Name)))
	}

	resp := next(ctx)

	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			op.Codes = append(op.Codes, code)
		}
	}
	op.Duration = time.Since(start)
	o.metrics.Observe(op)
	if span != nil {
		if len(op.Codes) > 0 {
			span.SetAttributes(attribute.StringSlice("graphql.error.codes", op.Codes))
			span.SetStatus(codes.Error, op.Codes[0])
		}
		span.End()
	}
	return resp
}

// InterceptField gives a resolver its span, when the operation is traced.
func (o tracingObserver) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return next(ctx)
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || underList(fc) {
		return next(ctx)
	}
	ctx, span := o.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attribute.String("graphql.field.path", fc.Path().String()),
		attribute.String("graphql.field.parent", fc.Object),
		attribute.String("graphql.field.name", fc.Field.Name)))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		code := o.codeOf(err)
		span.SetAttributes(attribute.String("graphql.error.code", code))
		span.SetStatus(codes.Error, code)
	}
	return res, err
}

// underList reports whether the field is resolved once per element of a list.
func underList(fc *graphql.FieldContext) bool {
	for p := fc.Parent; p != nil; p = p.Parent {
		if p.Index != nil {
			return true
		}
	}
	return false
}
