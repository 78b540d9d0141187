package gqlext

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
)

// Spender admits or refuses spending n from a key's budget.
type Spender interface {
	AllowN(key string, n int) bool
}

// CostLimit spends each operation's complexity (at least 1) from its caller's
// budget before it runs: the request limit counts requests, and forty requests at
// the complexity limit kept two cores busy for 12 seconds. Signed-in callers are
// counted by subject, anonymous ones by address with a smaller budget. It runs
// after FixedComplexityLimit, which computes the complexity.
type CostLimit struct {
	SignedIn, Anonymous Spender // nil: spends nothing
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = CostLimit{}

func (CostLimit) ExtensionName() string                   { return "CostLimit" }
func (CostLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l CostLimit) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	cost := 1
	if s := extension.GetComplexityStats(ctx); s != nil {
		cost = max(cost, s.Complexity)
	}
	if l.Allow(ctx, cost) {
		return nil
	}
	return &gqlerror.Error{Message: fmt.Sprintf("this query costs %d and your query budget is spent; wait, or ask for less", cost),
		Extensions: map[string]any{"code": gqlhttp.CodeRateLimited}}
}

// Allow spends cost (at least 1) from ctx's caller's budget, as
// MutateOperationContext does: the response cache spends a served answer's so.
func (l CostLimit) Allow(ctx context.Context, cost int) bool {
	budget, key := l.Anonymous, "addr:"+middleware.ClientAddr(ctx)
	if c := middleware.Caller(ctx); c != nil {
		budget, key = l.SignedIn, "sub:"+c.Subject
	}
	return budget == nil || budget.AllowN(key, max(cost, 1))
}
