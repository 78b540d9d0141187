package cache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

// runSuite runs the cases every Cache must pass. newCache returns a fresh,
// empty cache for each case and arranges for it to be closed.
func runSuite(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	tests := []struct {
		name string
		run  func(t *testing.T, c cache.Cache)
	}{
		{"GetMiss", testGetMiss},
		{"SetGet", testSetGet},
		{"Overwrite", testOverwrite},
		{"AddOnlyWhenAbsent", testAddOnlyWhenAbsent},
		{"ValueIsCopied", testValueIsCopied},
		{"TTLExpiry", testTTLExpiry},
		{"NegativeTTL", testNegativeTTL},
		{"DeleteMultiple", testDeleteMultiple},
		{"IncrFromMissing", testIncrFromMissing},
		{"IncrConcurrent", testIncrConcurrent},
		{"Counter", testCounter},
		{"PublishSubscribe", testPublishSubscribe},
		{"PublishOtherChannel", testPublishOtherChannel},
		{"SubscribeClosesOnCancel", testSubscribeClosesOnCancel},
		{"GetOrComputeOnce", testGetOrComputeOnce},
		{"GetOrComputeCached", testGetOrComputeCached},
		{"GetOrComputeError", testGetOrComputeError},
		{"ValuesAndCounters", testValuesAndCounters},
		{"Ping", testPing},
		{"ErrClosed", testErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newCache(t))
		})
	}
}

func testGetMiss(t *testing.T, c cache.Cache) {
	if _, err := c.Get(t.Context(), "missing"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get(missing) error = %v, want ErrMiss", err)
	}
}

func testSetGet(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	mustSet(t, c, "k", "v", 0)
	mustSet(t, c, "empty", "", 0)
	assertValue(t, c, "k", "v")
	// An empty value is a hit, not a miss.
	if v, err := c.Get(ctx, "empty"); err != nil || len(v) != 0 {
		t.Fatalf("Get(empty) = %q, %v; want empty value, nil", v, err)
	}
}

func testOverwrite(t *testing.T, c cache.Cache) {
	mustSet(t, c, "k", "first", 0)
	mustSet(t, c, "k", "second", 0)
	assertValue(t, c, "k", "second")
}

// Add stores a value only where none lives: not over a Set, not over another
// Add, but over an expired value and after a Delete.
func testAddOnlyWhenAbsent(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	add := func(key, value string, ttl time.Duration, want bool) {
		t.Helper()
		if stored, err := c.Add(ctx, key, []byte(value), ttl); err != nil || stored != want {
			t.Fatalf("Add(%s, %s) = %v, %v; want %v, nil", key, value, stored, err, want)
		}
	}
	add("k", "filled", time.Hour, true)
	add("k", "again", time.Hour, false)
	assertValue(t, c, "k", "filled")
	mustSet(t, c, "k", "written", 0)
	add("k", "stale", time.Hour, false)
	assertValue(t, c, "k", "written")
	if err := c.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	add("k", "after delete", 0, true)
	assertValue(t, c, "k", "after delete")
	add("short", "v", 50*time.Millisecond, true)
	eventually(t, 10*time.Second, func() error {
		if stored, err := c.Add(ctx, "short", []byte("w"), time.Hour); err != nil || !stored {
			return fmt.Errorf("Add over an expired value = %v, %v; want true, nil", stored, err)
		}
		return nil
	})
	assertValue(t, c, "short", "w")
	if _, err := c.Add(ctx, "k", []byte("v"), -time.Second); err == nil || errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Add with negative ttl error = %v, want a ttl error", err)
	}
}

func testValueIsCopied(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	in := []byte("value")
	if err := c.Set(ctx, "k", in, 0); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	out, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	out[1] = 'Y'
	assertValue(t, c, "k", "value")
}

func testTTLExpiry(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	mustSet(t, c, "short", "v", 50*time.Millisecond)
	mustSet(t, c, "long", "v", time.Hour)
	mustSet(t, c, "forever", "v", 0)
	eventually(t, 10*time.Second, func() error {
		_, err := c.Get(ctx, "short")
		if errors.Is(err, cache.ErrMiss) {
			return nil
		}
		return fmt.Errorf("Get(short) error = %v, want ErrMiss", err)
	})
	assertValue(t, c, "long", "v")
	assertValue(t, c, "forever", "v")
}

func testNegativeTTL(t *testing.T, c cache.Cache) {
	err := c.Set(t.Context(), "k", []byte("v"), -time.Second)
	if err == nil || errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Set with negative ttl error = %v, want a ttl error", err)
	}
	if _, err := c.Get(t.Context(), "k"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get after rejected Set error = %v, want ErrMiss", err)
	}
}

func testDeleteMultiple(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, c, k, k, 0)
	}
	if _, err := c.Incr(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "a", "b", "n", "missing"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := c.Delete(ctx); err != nil {
		t.Fatalf("Delete with no keys: %v", err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := c.Get(ctx, k); !errors.Is(err, cache.ErrMiss) {
			t.Errorf("Get(%s) after Delete error = %v, want ErrMiss", k, err)
		}
	}
	if n, err := c.Counter(ctx, "n"); err != nil || n != 0 {
		t.Errorf("Counter(n) after Delete = %d, %v; want 0, nil", n, err)
	}
	assertValue(t, c, "c", "c")
}

func testIncrFromMissing(t *testing.T, c cache.Cache) {
	for want := int64(1); want <= 3; want++ {
		n, err := c.Incr(t.Context(), "n")
		if err != nil || n != want {
			t.Fatalf("Incr = %d, %v; want %d, nil", n, err, want)
		}
	}
}

func testIncrConcurrent(t *testing.T, c cache.Cache) {
	const goroutines, perGoroutine = 50, 20
	ctx := t.Context()
	var (
		mu   sync.Mutex
		seen = make(map[int64]bool)
		wg   sync.WaitGroup
	)
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				n, err := c.Incr(ctx, "n")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	const total = goroutines * perGoroutine
	if n, err := c.Counter(ctx, "n"); err != nil || n != total {
		t.Fatalf("Counter = %d, %v; want %d, nil", n, err, total)
	}
	// Atomic increments hand out each value exactly once.
	for i := int64(1); i <= total; i++ {
		if !seen[i] {
			t.Fatalf("no Incr returned %d", i)
		}
	}
}

func testCounter(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	if n, err := c.Counter(ctx, "n"); err != nil || n != 0 {
		t.Fatalf("Counter(missing) = %d, %v; want 0, nil", n, err)
	}
	for range 3 {
		if _, err := c.Incr(ctx, "n"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := c.Counter(ctx, "n"); err != nil || n != 3 {
		t.Fatalf("Counter = %d, %v; want 3, nil", n, err)
	}
	// Reading does not change the counter.
	if n, err := c.Counter(ctx, "n"); err != nil || n != 3 {
		t.Fatalf("second Counter = %d, %v; want 3, nil", n, err)
	}
}

func testPublishSubscribe(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	sub1 := mustSubscribe(t, c, "events")
	sub2 := mustSubscribe(t, c, "events")
	for _, msg := range []string{"hello", "world"} {
		if err := c.Publish(ctx, "events", []byte(msg)); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	for i, sub := range []<-chan []byte{sub1, sub2} {
		for _, want := range []string{"hello", "world"} {
			if got := receive(t, sub); got != want {
				t.Fatalf("subscriber %d got %q, want %q", i+1, got, want)
			}
		}
	}
}

func testPublishOtherChannel(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	sub := mustSubscribe(t, c, "mine")
	if err := c.Publish(ctx, "other", []byte("not for me")); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, "mine", []byte("for me")); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, sub); got != "for me" {
		t.Fatalf("got %q, want %q", got, "for me")
	}
}

func testSubscribeClosesOnCancel(t *testing.T, c cache.Cache) {
	ctx, cancel := context.WithCancel(t.Context())
	sub, err := c.Subscribe(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-sub:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("subscription channel not closed after cancel")
		}
	}
}

func testGetOrComputeOnce(t *testing.T, c cache.Cache) {
	const callers = 20
	var (
		g     cache.Group
		calls atomic.Int64
		start = make(chan struct{})
		wg    sync.WaitGroup
	)
	compute := func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte("value"), nil
	}
	for range callers {
		wg.Go(func() {
			<-start
			v, _, err := g.GetOrCompute(t.Context(), c, "k", time.Minute, compute)
			if err != nil || string(v) != "value" {
				t.Errorf("GetOrCompute = %q, %v; want value, nil", v, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("compute called %d times for %d concurrent callers, want 1", n, callers)
	}
	if n := g.Stats.Errors.Load(); n != 0 {
		t.Fatalf("Stats.Errors = %d, want 0", n)
	}
}

func testGetOrComputeCached(t *testing.T, c cache.Cache) {
	var (
		g     cache.Group
		calls atomic.Int64
	)
	compute := func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte("value"), nil
	}
	for i, wantCached := range []bool{false, true} {
		v, cached, err := g.GetOrCompute(t.Context(), c, "k", time.Minute, compute)
		if err != nil || string(v) != "value" || cached != wantCached {
			t.Fatalf("call %d: GetOrCompute = %q, %v, %v; want value, %v, nil", i+1, v, cached, err, wantCached)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("compute called %d times, want 1", n)
	}
	if h, m := g.Stats.Hits.Load(), g.Stats.Misses.Load(); h != 1 || m != 1 {
		t.Fatalf("Stats hits, misses = %d, %d; want 1, 1", h, m)
	}
}

func testGetOrComputeError(t *testing.T, c cache.Cache) {
	var g cache.Group
	errCompute := errors.New("compute failed")
	_, _, err := g.GetOrCompute(t.Context(), c, "k", time.Minute, func(context.Context) ([]byte, error) {
		return nil, errCompute
	})
	if !errors.Is(err, errCompute) {
		t.Fatalf("GetOrCompute error = %v, want %v", err, errCompute)
	}
	// The error is not cached: the next call computes again.
	v, cached, err := g.GetOrCompute(t.Context(), c, "k", time.Minute, func(context.Context) ([]byte, error) {
		return []byte("value"), nil
	})
	if err != nil || string(v) != "value" || cached {
		t.Fatalf("GetOrCompute after error = %q, %v, %v; want value, false, nil", v, cached, err)
	}
}

func testPing(t *testing.T, c cache.Cache) {
	if err := c.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testErrClosed(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	sub := mustSubscribe(t, c, "events")
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// The subscription ends with the cache.
	deadline := time.After(10 * time.Second)
	for closed := false; !closed; {
		select {
		case _, ok := <-sub:
			closed = !ok
		case <-deadline:
			t.Fatal("subscription channel not closed after Close")
		}
	}
	if _, err := c.Get(ctx, "k"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Get after Close error = %v, want ErrClosed", err)
	}
	if err := c.Set(ctx, "k", nil, 0); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Set after Close error = %v, want ErrClosed", err)
	}
	if _, err := c.Add(ctx, "k", nil, 0); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Add after Close error = %v, want ErrClosed", err)
	}
	if _, err := c.Incr(ctx, "n"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Incr after Close error = %v, want ErrClosed", err)
	}
	if _, err := c.Subscribe(ctx, "events"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Subscribe after Close error = %v, want ErrClosed", err)
	}
	if err := c.Ping(ctx); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Ping after Close error = %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func mustSet(t *testing.T, c cache.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(t.Context(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%s): %v", key, err)
	}
}

func assertValue(t *testing.T, c cache.Cache, key, want string) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	if err != nil || !bytes.Equal(got, []byte(want)) {
		t.Fatalf("Get(%s) = %q, %v; want %q, nil", key, got, err, want)
	}
}

func mustSubscribe(t *testing.T, c cache.Cache, channel string) <-chan []byte {
	t.Helper()
	sub, err := c.Subscribe(t.Context(), channel)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", channel, err)
	}
	return sub
}

// receive waits for one message, failing the test if none comes.
func receive(t *testing.T, sub <-chan []byte) string {
	t.Helper()
	select {
	case msg, ok := <-sub:
		if !ok {
			t.Fatal("subscription closed")
		}
		return string(msg)
	case <-time.After(10 * time.Second):
		t.Fatal("no message received")
		return ""
	}
}

// eventually calls check until it returns nil, failing the test if it has not
// by the deadline. The deadline is generous: only the outcome is asserted.
func eventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testValuesAndCounters: values and counters read together; a missing value is
// nil, an expired one too, a missing counter 0; a closed cache says so.
func testValuesAndCounters(t *testing.T, c cache.Cache) {
	ctx := t.Context()
	mustSet(t, c, "a", "1", 0)
	mustSet(t, c, "gone", "x", 20*time.Millisecond)
	for range 3 {
		if _, err := c.Incr(ctx, "n"); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	vs, ns, err := cache.ValuesAndCounters(ctx, c, []string{"a", "missing", "gone"}, []string{"n", "none"})
	if err != nil || string(vs[0]) != "1" || vs[1] != nil || vs[2] != nil || ns[0] != 3 || ns[1] != 0 {
		t.Fatalf("ValuesAndCounters = %q, %v, %v; want [1 nil nil], [3 0]", vs, ns, err)
	}
	c.Close()
	if _, _, err := cache.ValuesAndCounters(ctx, c, []string{"a"}, []string{"n"}); err == nil {
		t.Error("a closed cache answered")
	}
}
