package change_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/change"
)

func TestSet(t *testing.T) {
	for _, tc := range []struct {
		name         string
		record       func(ctx context.Context)
		learners     []int64
		learnersOnly bool
	}{
		{"nothing recorded: may have changed anything", func(context.Context) {}, []int64{}, false},
		{"learners", func(ctx context.Context) { change.Learners(ctx, 7, 3); change.Learners(ctx, 3) }, []int64{3, 7}, true},
		{"no learner named", func(ctx context.Context) { change.Learners(ctx) }, []int64{}, false},
		{"shared", func(ctx context.Context) { change.Shared(ctx) }, []int64{}, false},
		{"learners and shared", func(ctx context.Context) { change.Learners(ctx, 1); change.Shared(ctx) }, []int64{1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s := change.Track(context.Background())
			tc.record(ctx)
			if got := s.LearnerIDs(); !slices.Equal(got, tc.learners) {
				t.Errorf("LearnerIDs = %v, want %v", got, tc.learners)
			}
			if got := s.LearnersOnly(); got != tc.learnersOnly {
				t.Errorf("LearnersOnly = %v, want %v", got, tc.learnersOnly)
			}
		})
	}
}

// TestUntracked: recording where nothing tracks does nothing (the CLI, imports).
func TestUntracked(t *testing.T) {
	change.Learners(context.Background(), 1)
	change.Shared(context.Background())
}

// TestNested: a write tracked inside another tracked context records in the
// innermost set only.
func TestNested(t *testing.T) {
	outer, o := change.Track(context.Background())
	inner, i := change.Track(outer)
	change.Learners(inner, 5)
	if len(o.LearnerIDs()) != 0 || !slices.Equal(i.LearnerIDs(), []int64{5}) {
		t.Errorf("outer %v, inner %v", o.LearnerIDs(), i.LearnerIDs())
	}
}

// TestConcurrent: writes of one mutation may record from several goroutines.
func TestConcurrent(t *testing.T) {
	ctx, s := change.Track(context.Background())
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { change.Learners(ctx, int64(i%10)) })
	}
	wg.Wait()
	if got := s.LearnerIDs(); len(got) != 10 {
		t.Errorf("LearnerIDs = %v, want 0..9", got)
	}
}
