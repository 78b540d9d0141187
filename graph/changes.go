package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/internal/service"
)

// announceTimeout bounds the announcement of one mutation: it is sent after the
// change is made, and an unreachable cache must not hold the response for long.
const announceTimeout = time.Second

// afterWrites is the field middleware around each mutation that reacts to what
// its writes changed. The services record that (internal/change: the learners
// whose records moved, and whether anything shared did); resolvers say nothing
// about it. Before the mutation is acknowledged:
//   - the request's loaders are renewed, so nothing loaded before the writes is
//     served after them (the payload, a later mutation of the same document);
//   - the response cache's epochs move (rc, when the cache is on);
//   - the changed learners' subscribers are told (after a successful mutation).
//
// An announcement that fails is logged: the change is made, and subscribers see
// it with the next one.
func afterWrites(n *service.Notifier, rc *respcache.Cache, logger *slog.Logger) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Object != "Mutation" {
			return next(ctx)
		}
		ctx, changed := change.Track(ctx)
		res, err := next(ctx)
		renewLoaders(ctx)
		if rc != nil {
			rc.MoveEpochs(ctx, fc.Field.Name, changed, err)
		}
		if err == nil {
			announce(ctx, n, fc.Field.Name, changed.LearnerIDs(), logger)
		}
		return res, err
	}
}

// announce tells the learners' subscribers, in every process, that their records changed.
func announce(ctx context.Context, n *service.Notifier, mutation string, learners []int64, logger *slog.Logger) {
	if len(learners) == 0 {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), announceTimeout)
	defer cancel()
	var failed int
	var first error
	for _, id := range learners {
		if err := n.LearnerChanged(actx, id); err != nil {
			if failed++; first == nil {
				first = err
			}
		}
	}
	if failed > 0 { // once per mutation, however many learners it changed
		logger.WarnContext(ctx, "subscriptions: change not announced", "mutation", mutation, "learners", failed, "error", first)
	}
}
