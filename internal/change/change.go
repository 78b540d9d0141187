// Package change carries what a write changed from the service that made it to
// whoever must react: the request's loaders, the subscriptions and the response
// cache. A caller starts a Set with Track; the services record into it as they
// write (Learners, Shared); the caller then reads it. Writes made where nothing
// tracks them record nothing, at no cost.
package change

import (
	"context"
	"slices"
	"sync"
)

// Set is what one or more writes changed.
type Set struct {
	mu       sync.Mutex
	learners map[int64]bool
	shared   bool
}

type key struct{}

// Track returns a context whose writes are recorded in the returned Set.
func Track(ctx context.Context) (context.Context, *Set) {
	s := &Set{}
	return context.WithValue(ctx, key{}, s), s
}

func from(ctx context.Context) *Set {
	s, _ := ctx.Value(key{}).(*Set)
	return s
}

// Learners records that the records of these learners changed: their evidence,
// proficiencies, enrolments, roles, details, seats, attendance, karma, interests
// or assignments. The store records every learner whose version it moves.
func Learners(ctx context.Context, ids ...int64) {
	s := from(ctx)
	if s == nil || len(ids) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.learners == nil {
		s.learners = make(map[int64]bool, len(ids))
	}
	for _, id := range ids {
		s.learners[id] = true
	}
}

// Shared records that something more than learners' records changed: the
// catalogue, an organisation, a plan, a batch or session, a rule; anything that
// answers about other learners may show.
func Shared(ctx context.Context) {
	if s := from(ctx); s != nil {
		s.mu.Lock()
		s.shared = true
		s.mu.Unlock()
	}
}

// LearnerIDs returns the learners recorded, in ascending order.
func (s *Set) LearnerIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.learners))
	for id := range s.learners {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// LearnersOnly reports whether the writes changed learners' records and nothing
// else. An empty Set is not: a write that recorded nothing may have changed
// anything.
func (s *Set) LearnersOnly() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.shared && len(s.learners) > 0
}
