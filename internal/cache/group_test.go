package cache_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

// flakyCache fails Get and Set while down is set.
type flakyCache struct {
	cache.Cache
	down atomic.Bool
}

var errDown = errors.New("cache down")

func (f *flakyCache) Get(ctx context.Context, key string) ([]byte, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Cache.Get(ctx, key)
}

func (f *flakyCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if f.down.Load() {
		return errDown
	}
	return f.Cache.Set(ctx, key, value, ttl)
}

func TestGroupCacheDown(t *testing.T) {
	ctx := t.Context()
	c := &flakyCache{Cache: mustOpenMemory(t)}
	var logs syncBuffer
	g := cache.Group{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	var calls atomic.Int64
	compute := func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte("value"), nil
	}

	c.down.Store(true)
	for range 3 {
		v, cached, err := g.GetOrCompute(ctx, c, "k", time.Minute, compute)
		if err != nil || string(v) != "value" || cached {
			t.Fatalf("GetOrCompute with cache down = %q, %v, %v; want value, false, nil", v, cached, err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("compute called %d times, want 3", n)
	}
	if n := g.Stats.Errors.Load(); n != 3 {
		t.Errorf("Stats.Errors = %d, want 3", n)
	}
	if n := strings.Count(logs.String(), "cache failing"); n != 1 {
		t.Errorf("logged %d cache failures, want 1:\n%s", n, logs.String())
	}

	c.down.Store(false)
	for i, wantCached := range []bool{false, true} {
		if _, cached, err := g.GetOrCompute(ctx, c, "k", time.Minute, compute); err != nil || cached != wantCached {
			t.Fatalf("call %d after recovery: cached, err = %v, %v; want %v, nil", i+1, cached, err, wantCached)
		}
	}
	if n := strings.Count(logs.String(), "cache working again"); n != 1 {
		t.Errorf("logged %d recoveries, want 1:\n%s", n, logs.String())
	}
}

// TestGroupCallerCancelled checks that a caller that gives up does not spoil
// the shared computation for others.
func TestGroupCallerCancelled(t *testing.T) {
	c := mustOpenMemory(t)
	var (
		g       cache.Group
		calls   atomic.Int64
		started = make(chan struct{})
		release = make(chan struct{})
	)
	compute := func(ctx context.Context) ([]byte, error) {
		calls.Add(1)
		close(started)
		<-release
		return []byte("value"), ctx.Err()
	}

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, _, err := g.GetOrCompute(ctx, c, "k", time.Minute, compute)
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller error = %v, want context.Canceled", err)
	}
	close(release)

	v, _, err := g.GetOrCompute(t.Context(), c, "k", time.Minute, compute)
	if err != nil || string(v) != "value" {
		t.Fatalf("GetOrCompute = %q, %v; want value, nil", v, err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("compute called %d times, want 1", n)
	}
}
