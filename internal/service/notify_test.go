package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/service"
)

// sharedCaches returns two caches that share their publish/subscribe, as two API
// processes do: the same Memory twice, or two clients of the test Redis under one
// key prefix of their own.
func sharedCaches(t *testing.T, engine string) (cache.Cache, cache.Cache) {
	t.Helper()
	if engine == "memory" {
		m := cache.NewMemory()
		t.Cleanup(func() { m.Close() })
		return m, m
	}
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	prefix := fmt.Sprintf("test-notify-%d:", rand.Int64())
	var out [2]cache.Cache
	for i := range out {
		c, err := cache.NewRedis(url, cache.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.Ping(ctx); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("Redis is required under CI: %v", err)
			}
			t.Skip("no Redis:", err)
		}
		out[i] = c
	}
	return out[0], out[1]
}

// received counts the values ch delivers within d, and reports whether it closed.
func received(ch <-chan struct{}, d time.Duration) (n int, closed bool) {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return n, true
			}
			n++
		case <-deadline:
			return n, false
		}
	}
}

// TestNotifier: announcements reach subscribers through the cache, in-process and
// across processes sharing Redis, a burst as one change, only to the learner's.
func TestNotifier(t *testing.T) {
	const window = 50 * time.Millisecond
	for _, engine := range []string{"memory", "redis"} {
		t.Run(engine, func(t *testing.T) {
			a, b := sharedCaches(t, engine)
			announcer := &service.Notifier{Cache: a}
			listener := &service.Notifier{Cache: b, Coalesce: window}
			sctx, stop := context.WithCancel(ctx)
			defer stop()
			asha, err := listener.Subscribe(sctx, 42)
			if err != nil {
				t.Fatal(err)
			}
			other, err := listener.Subscribe(sctx, 43)
			if err != nil {
				t.Fatal(err)
			}

			t.Run("Burst", func(t *testing.T) {
				start := time.Now()
				for range 20 {
					if err := announcer.LearnerChanged(ctx, 42); err != nil {
						t.Fatal(err)
					}
				}
				burst := time.Since(start)
				select {
				case <-asha:
				case <-time.After(5 * time.Second):
					t.Fatal("no change reported in 5s")
				}
				if took := time.Since(start); took < window {
					t.Errorf("reported after %v, before the window of %v closed", took, window)
				}
				n, _ := received(asha, 4*window)
				switch {
				case burst > window/2:
					t.Logf("the burst took %v, too long to be one window of %v; reported %d more times", burst, window, n)
				case n != 0:
					t.Errorf("20 announcements in %v reported %d more times", burst, n)
				}
			})

			t.Run("OnlyTheirs", func(t *testing.T) {
				if n, _ := received(other, 2*window); n != 0 {
					t.Errorf("learner 43 heard %d changes to learner 42", n)
				}
			})

			t.Run("SlowReader", func(t *testing.T) {
				// Two windows' worth of changes while nobody reads: one waits, not two.
				announcer.LearnerChanged(ctx, 42)
				time.Sleep(3 * window)
				announcer.LearnerChanged(ctx, 42)
				time.Sleep(3 * window)
				if n, _ := received(asha, 2*window); n != 1 {
					t.Errorf("%d changes waiting, want 1", n)
				}
			})

			t.Run("Unsubscribe", func(t *testing.T) {
				stop()
				if _, closed := received(asha, 5*time.Second); !closed {
					t.Error("the channel stayed open after its context ended")
				}
			})
		})
	}
}

// TestNotifierCacheClosed: closing the cache (shutdown) closes the subscriptions.
func TestNotifierCacheClosed(t *testing.T) {
	m := cache.NewMemory()
	n := &service.Notifier{Cache: m}
	ch, err := n.Subscribe(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, closed := received(ch, 5*time.Second); !closed {
		t.Error("the channel stayed open after the cache closed")
	}
	if _, err := n.Subscribe(ctx, 1); err != cache.ErrClosed {
		t.Errorf("Subscribe after Close: %v, want cache.ErrClosed", err)
	}
	if err := n.LearnerChanged(ctx, 1); err != cache.ErrClosed {
		t.Errorf("LearnerChanged after Close: %v, want cache.ErrClosed", err)
	}
}

// subscribeCounter counts the cache subscriptions made and ended.
type subscribeCounter struct {
	cache.Cache
	made, ended atomic.Int32
}

func (c *subscribeCounter) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	c.made.Add(1)
	context.AfterFunc(ctx, func() { c.ended.Add(1) })
	return c.Cache.Subscribe(ctx, channel)
}

// TestNotifierShared: the subscribers to one learner in a process share one cache
// subscription (with Redis, one connection), which ends when the last leaves.
func TestNotifierShared(t *testing.T) {
	c := &subscribeCounter{Cache: cache.NewMemory()}
	n := &service.Notifier{Cache: c, Coalesce: 10 * time.Millisecond}
	var subs [3]<-chan struct{}
	var stops [3]context.CancelFunc
	for i := range subs {
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		ch, err := n.Subscribe(sctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		subs[i], stops[i] = ch, stop
	}
	if got := c.made.Load(); got != 1 {
		t.Fatalf("3 subscribers made %d cache subscriptions, want 1", got)
	}
	n.LearnerChanged(ctx, 7)
	for i, ch := range subs {
		if k, _ := received(ch, 200*time.Millisecond); k != 1 {
			t.Errorf("subscriber %d heard %d changes, want 1", i, k)
		}
	}

	stops[0]()
	if _, closed := received(subs[0], 5*time.Second); !closed {
		t.Fatal("the first subscriber's channel stayed open after it left")
	}
	n.LearnerChanged(ctx, 7)
	for i, ch := range subs[1:] {
		if k, _ := received(ch, 200*time.Millisecond); k != 1 {
			t.Errorf("after the first left, subscriber %d heard %d changes, want 1", i+1, k)
		}
	}

	stops[1]()
	stops[2]()
	received(subs[2], 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for c.ended.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := c.ended.Load(); got != 1 {
		t.Fatalf("after everyone left, %d cache subscriptions ended, want 1", got)
	}
	// A new subscriber after that makes a new one, and hears.
	again, err := n.Subscribe(ctx, 7)
	if err != nil || c.made.Load() != 2 {
		t.Fatalf("resubscribing: %v, %d cache subscriptions made", err, c.made.Load())
	}
	n.LearnerChanged(ctx, 7)
	if k, _ := received(again, 200*time.Millisecond); k != 1 {
		t.Errorf("the new subscriber heard %d changes, want 1", k)
	}
}
