package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
)

// Spender admits or refuses spending n from a key's budget.
type Spender interface {
	AllowN(key string, n int) bool
}

// costLimit spends each operation's complexity (at least 1) from its caller's
// budget before it runs: the request limit counts requests, and forty requests at
// the complexity limit kept two cores busy for 12 seconds. Signed-in callers are
// counted by subject, anonymous ones by address with a smaller budget. It runs
// after FixedComplexityLimit, which computes the complexity.
type costLimit struct {
	signedIn, anonymous Spender
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = costLimit{}

func (costLimit) ExtensionName() string                   { return "CostLimit" }
func (costLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l costLimit) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	cost := 1
	if s := extension.GetComplexityStats(ctx); s != nil {
		cost = max(cost, s.Complexity)
	}
	budget, key := l.anonymous, "addr:"+middleware.ClientAddr(ctx)
	if c := callerOf(ctx); c != nil {
		budget, key = l.signedIn, "sub:"+c.Subject
	}
	if budget == nil || budget.AllowN(key, cost) {
		return nil
	}
	return &gqlerror.Error{Message: fmt.Sprintf("this query costs %d and your query budget is spent; wait, or ask for less", cost),
		Extensions: map[string]any{"code": CodeRateLimited}}
}
