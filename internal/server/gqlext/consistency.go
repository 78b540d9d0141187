package gqlext

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/models"
)

// ReadRouting is the operation middleware that says where an operation's reads
// may go (models.WithReplicaReads, models.WithFreshReads); the store applies it.
//
//   - A mutation reads the primary, in everything it resolves: the change itself
//     and its payload's nested fields, so a payload always shows the change made.
//   - A subscription reads the primary: its events follow announcements of changes,
//     which a lagging replica may not have yet.
//   - A query may read a replica, unless its caller (token subject) ran a mutation
//     in this process less than window ago: read-your-writes, so that the screen a
//     client shows after a change is not older than the change. verifyOtp signs its
//     caller in, so the new token's subject counts too.
//
// The window is per process. With several processes behind a load balancer, a
// caller's next query may reach one that has not seen their mutation, and read a
// replica that lags; route a caller to one process (affinity on the Authorization
// header) to make the window hold across them.
type ReadRouting struct {
	window time.Duration

	mu    sync.Mutex
	wrote map[string]time.Time // subject → when their last mutation ended
	swept time.Time
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*ReadRouting)(nil)

// NewReadRouting returns the extension with the read-your-writes window.
func NewReadRouting(window time.Duration) *ReadRouting {
	return &ReadRouting{window: window, wrote: map[string]time.Time{}}
}

func (*ReadRouting) ExtensionName() string                   { return "ReadRouting" }
func (*ReadRouting) Validate(graphql.ExecutableSchema) error { return nil }

func (r *ReadRouting) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	before := subjectOf(ctx)
	if op != nil && op.Operation == ast.Query && !r.recent(before) && !respcache.Computing(ctx) {
		return next(models.WithReplicaReads(ctx))
	}
	ctx = models.WithFreshReads(ctx)
	h := next(ctx)
	if op == nil || op.Operation != ast.Mutation {
		return h
	}
	return func(rctx context.Context) *graphql.Response {
		resp := h(rctx)
		r.mark(before, subjectOf(ctx)) // after signing in, the session holds the new caller
		return resp
	}
}

func subjectOf(ctx context.Context) string {
	if c := middleware.Caller(ctx); c != nil {
		return c.Subject
	}
	return ""
}

// mark opens the window for subjects, and forgets those whose window has closed.
func (r *ReadRouting) mark(subjects ...string) {
	if r.window <= 0 {
		return
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > r.window {
		for s, t := range r.wrote {
			if now.Sub(t) >= r.window {
				delete(r.wrote, s)
			}
		}
		r.swept = now
	}
	for _, s := range subjects {
		if s != "" {
			r.wrote[s] = now
		}
	}
}

// recent reports whether subject ran a mutation less than the window ago.
func (r *ReadRouting) recent(subject string) bool {
	if r.window <= 0 || subject == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.wrote[subject]
	return ok && time.Since(t) < r.window
}

// ReplicaReads lets the reads of every request to next be served by a replica:
// for the report files, which only read and are cached for half a minute anyway.
func ReplicaReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(models.WithReplicaReads(r.Context())))
	})
}
