package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/service"
)

// Subscriptions, and the announcements that drive them. A mutation that changes a
// learner's record announces it (afterWrites, graph/changes.go) through
// service.Notifier, that is through the cache's publish/subscribe, so every
// process sharing the cache hears it; a subscription to the learner (follow) then
// computes its value again and pushes it.

// subscriptions is what subscription resolvers need besides the services: the
// notifier, new loaders for each event, the error presenter for errors that end
// a subscription, and the time limit of one event's work. It is also the extension
// that gives each response of a subscription loaders of its own: a subscription
// lives as long as its connection, and loaders that lived as long would serve
// objects loaded hours before.
type subscriptions struct {
	notifier *service.Notifier
	services Services // for new loaders
	present  graphql.ErrorPresenterFunc
	timeout  time.Duration
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*subscriptions)(nil)

func (*subscriptions) ExtensionName() string                   { return "SubscriptionLoaders" }
func (*subscriptions) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse gives each response of a subscription, whose fields resolve
// as it is written, new loaders.
func (s *subscriptions) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
			ctx = withNewLoaders(ctx, s.services)
		}
	}
	return next(ctx)
}

// follow serves a subscription to learner learnerID's changes: it subscribes
// first, so no change is missed, then returns a channel carrying compute's value
// now and again after each change the notifier reports (several close together
// are one). Each computation runs with new loaders within the time limit, and
// only while the connection's token is valid (middleware.AuthoriseEvent). An error from the
// first computation is returned; a later one ends the subscription with that
// error, as the client would get it on subscribing again (NOT_FOUND for a learner
// they may no longer see). The channel closes when ctx ends: the client stops, or
// the connection closes.
func follow[T any](ctx context.Context, s *subscriptions, learnerID int64, compute func(context.Context) (T, error)) (<-chan T, error) {
	ctx, unsubscribe := context.WithCancel(ctx)
	changed, err := s.notifier.Subscribe(ctx, learnerID)
	if err != nil {
		unsubscribe()
		return nil, err
	}
	event := func() (T, error) {
		if err := middleware.AuthoriseEvent(ctx); err != nil {
			var zero T
			return zero, err
		}
		ectx, cancel := context.WithTimeout(withNewLoaders(ctx, s.services), s.timeout)
		defer cancel()
		return compute(ectx)
	}
	first, err := event()
	if err != nil {
		unsubscribe()
		return nil, err
	}
	out := make(chan T, 1)
	out <- first
	go func() {
		defer unsubscribe()
		defer close(out)
		for range changed {
			v, err := event()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				transport.AddSubscriptionError(ctx, s.present(ctx, graphql.ErrorOnPath(ctx, err)))
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
		// The notifier's cache closed: the server is shutting down. Closing out would
		// complete the subscription, and a client takes that as the end; instead it
		// stays open, silent, until the connection drops with the process and the
		// client reconnects and subscribes again, elsewhere.
		<-ctx.Done()
	}()
	return out, nil
}
