package cache_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

func TestMemory(t *testing.T) {
	runSuite(t, func(t *testing.T) cache.Cache {
		return mustOpenMemory(t)
	})
}

// TestMemoryBound checks that a Memory holds at most MaxMemoryEntries values
// and never drops counters to make room.
func TestMemoryBound(t *testing.T) {
	ctx := t.Context()
	m := mustOpenMemory(t)
	if _, err := m.Incr(ctx, "version"); err != nil {
		t.Fatal(err)
	}
	const n = cache.MaxMemoryEntries + 1000
	for i := range n {
		mustSet(t, m, fmt.Sprint(i), "v", 0)
	}
	held := 0
	for i := range n {
		_, err := m.Get(ctx, fmt.Sprint(i))
		switch {
		case err == nil:
			held++
		case !errors.Is(err, cache.ErrMiss):
			t.Fatal(err)
		}
	}
	if held != cache.MaxMemoryEntries {
		t.Errorf("Memory holds %d values, want %d", held, cache.MaxMemoryEntries)
	}
	assertValue(t, m, fmt.Sprint(n-1), "v") // the newest value is kept
	if v, err := m.Counter(ctx, "version"); err != nil || v != 1 {
		t.Errorf("Counter(version) = %d, %v; want 1, nil", v, err)
	}
}

func mustOpenMemory(tb testing.TB) *cache.Memory {
	tb.Helper()
	m := cache.NewMemory()
	tb.Cleanup(func() { _ = m.Close() })
	return m
}
