package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/service"
)

// Subscriptions, and the announcements that drive them. A mutation that changes a
// learner's record announces it (announceChanges) through service.Notifier, that
// is through the cache's publish/subscribe, so every process sharing the cache
// hears it; a subscription to the learner (follow) then computes its value again
// and pushes it.

// announceTimeout bounds the announcement of one mutation: it is sent after the
// change is made, and an unreachable cache must not hold the response for long.
const announceTimeout = time.Second

// announceChanges is the field middleware that announces every successful
// mutation of a learner's record (changedLearners). An announcement that fails
// is logged: the change is made, and subscribers see it with the next one.
func announceChanges(n *service.Notifier, logger *slog.Logger) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		fc := graphql.GetFieldContext(ctx)
		if err != nil || fc.Object != "Mutation" {
			return res, err
		}
		ids := changedLearners(fc, res)
		if len(ids) == 0 {
			return res, nil
		}
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), announceTimeout)
		defer cancel()
		var failed int
		var first error
		for _, id := range ids {
			if err := n.LearnerChanged(actx, id); err != nil {
				if failed++; first == nil {
					first = err
				}
			}
		}
		if failed > 0 { // once per mutation, however many learners it changed
			logger.WarnContext(ctx, "subscriptions: change not announced", "mutation", fc.Field.Name,
				"learners", failed, "error", first)
		}
		return res, nil
	}
}

// changedLearners returns the learners whose records a mutation's payload says it
// changed (evidence, enrolments and progress, ratings, dismissals, roles, details,
// seats and the enrolments they bring, attendance and what it completes, final
// assessments), or none for a mutation that changes no learner's record. A new
// learner (registerLearner) has no subscribers yet; plans change learning paths,
// not recommendations; registrations for event sessions change neither. A seat that
// a withdrawal frees goes to someone on the waiting list whom the payload does not
// name: their subscribers hear of it with their next change.
func changedLearners(fc *graphql.FieldContext, payload any) []int64 {
	one := func(id int64) []int64 { return []int64{id} }
	switch p := payload.(type) {
	case *model.RecordEvidencePayload:
		if p != nil && p.Evidence != nil {
			return one(p.Evidence.LearnerID)
		}
	case *model.EnrolPayload:
		if p != nil && p.Enrolment != nil {
			return one(p.Enrolment.LearnerID)
		}
	case *model.UpdateProgressPayload:
		if p != nil && p.Enrolment != nil {
			return one(p.Enrolment.LearnerID)
		}
	case *model.DismissRecommendationPayload:
		if p != nil && p.Recommendations != nil {
			return one(p.Recommendations.LearnerID)
		}
	case *model.AssignRolePayload:
		if p != nil && p.Learner != nil {
			return one(p.Learner.ID)
		}
	case *model.UpdateLearnerPayload:
		if p != nil && p.Learner != nil {
			return one(p.Learner.ID)
		}
	case *model.RateCoursePayload: // names the course only; the learner is in the input
		if in, ok := fc.Args["input"].(model.RateCourseInput); ok && p != nil {
			if id, err := decodeID("input.learnerId", typeLearner, in.LearnerID); err == nil {
				return one(id)
			}
		}
	case *model.RequestSeatPayload:
		if p != nil && p.SeatRequest != nil {
			return one(p.SeatRequest.LearnerID)
		}
	case *model.DecideSeatRequestPayload:
		if p != nil && p.SeatRequest != nil {
			return one(p.SeatRequest.LearnerID)
		}
	case *model.WithdrawSeatRequestPayload:
		if p != nil && p.SeatRequest != nil {
			return one(p.SeatRequest.LearnerID)
		}
	case *model.ConfirmCompletionPayload:
		if p != nil && p.Enrolment != nil {
			return one(p.Enrolment.LearnerID)
		}
	case *model.ApproveRegistrationPayload:
		if p != nil && p.Learner != nil {
			return one(p.Learner.ID)
		}
	case *model.TakeAssessmentPayload:
		if p != nil && p.Attempt != nil {
			return one(p.Attempt.LearnerID)
		}
	case *model.RecordAttendancePayload: // names the session; the learners are in the input
		if in, ok := fc.Args["input"].(model.RecordAttendanceInput); ok && p != nil {
			if ids, err := decodeIDs("input.learnerIds", typeLearner, in.LearnerIds); err == nil {
				return ids
			}
		}
	}
	return nil
}

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
			ctx = context.WithValue(ctx, loadersKey{}, newLoaders(s.services))
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
		ectx, cancel := context.WithTimeout(context.WithValue(ctx, loadersKey{}, newLoaders(s.services)), s.timeout)
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
