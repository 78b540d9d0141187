package dataload

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// source is a batch method over the keys 1..99 (value: key × 10) that records
// each call's keys.
type source struct {
	mu    sync.Mutex
	calls [][]int64
}

func (s *source) fetch(_ context.Context, ids []int64) (map[int64]int, error) {
	s.mu.Lock()
	s.calls = append(s.calls, slices.Sorted(slices.Values(ids)))
	s.mu.Unlock()
	m := map[int64]int{}
	for _, id := range ids {
		if id < 100 {
			m[id] = int(id) * 10
		}
	}
	return m, nil
}

func (s *source) batches() [][]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// list returns the contexts of the n items of a list field under ctx, as gqlgen
// gives them to the fields of each item.
func list(ctx context.Context, name string, n int) []context.Context {
	fc := &graphql.FieldContext{Object: name, Result: make([]struct{}, n)}
	listCtx := graphql.WithFieldContext(ctx, fc)
	out := make([]context.Context, n)
	for i := range n {
		out[i] = graphql.WithFieldContext(listCtx, &graphql.FieldContext{Index: &i})
	}
	return out
}

// window sets the batching window for the test.
func window(t *testing.T, d time.Duration) {
	old := maxWait
	maxWait = d
	t.Cleanup(func() { maxWait = old })
}

// noWindow makes the window an hour for the test, so that only a batch known to
// be ready is dispatched before the test's deadline.
func noWindow(t *testing.T) context.Context {
	t.Helper()
	window(t, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// loadEach loads key(i) from every item at once and returns the values.
func loadEach(t *testing.T, l *Loader[int], items []context.Context, key func(i int) int64) []int {
	t.Helper()
	out := make([]int, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, ctx := range items {
		wg.Go(func() { out[i], errs[i] = l.Load(ctx, key(i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	return out
}

func TestListDispatchesWhenEveryItemHasAsked(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	before := Waited()
	got := loadEach(t, l, list(ctx, "items", 40), func(i int) int64 { return int64(i%20 + 1) })
	for i, v := range got {
		if want := (i%20 + 1) * 10; v != want {
			t.Errorf("item %d: %d, want %d", i, v, want)
		}
	}
	if b := s.batches(); len(b) != 1 || len(b[0]) != 20 {
		t.Errorf("batches %v, want one of the 20 distinct keys", b)
	}
	if Waited() != before {
		t.Error("the batch waited out the window")
	}
}

func TestPrimedKeysStillCountTheirItems(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	for id := int64(1); id <= 5; id++ {
		l.Prime(id, int(id)*10)
	}
	got := loadEach(t, l, list(ctx, "items", 10), func(i int) int64 { return int64(i + 1) })
	if got[0] != 10 || got[9] != 100 {
		t.Errorf("values %v", got)
	}
	if b := s.batches(); len(b) != 1 || !slices.Equal(b[0], []int64{6, 7, 8, 9, 10}) {
		t.Errorf("batches %v, want the five keys not primed", b)
	}
}

func TestTwoListsShareABatch(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	a, b := list(ctx, "a", 6), list(ctx, "b", 4)
	var wg sync.WaitGroup
	wg.Go(func() { loadEach(t, l, a, func(i int) int64 { return int64(i + 1) }) })
	wg.Go(func() { loadEach(t, l, b, func(i int) int64 { return int64(i + 50) }) })
	wg.Wait()
	var keys []int64
	for _, c := range s.batches() {
		keys = append(keys, c...)
	}
	slices.Sort(keys)
	if len(keys) != 10 || len(s.batches()) > 2 {
		t.Errorf("batches %v, want the 10 keys in at most two", s.batches())
	}
}

func TestListsWithinLists(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	var items []context.Context
	for _, outer := range list(ctx, "outer", 3) {
		items = append(items, list(outer, "inner", 2)...)
	}
	before := Waited()
	loadEach(t, l, items, func(i int) int64 { return int64(i + 1) })
	if b := s.batches(); len(b) != 1 || len(b[0]) != 6 {
		t.Errorf("batches %v, want one of 6", b)
	}
	if Waited() != before {
		t.Error("the batch waited out the window")
	}
}

func TestAnItemThatNeverAsksWaitsOutTheWindow(t *testing.T) {
	window(t, time.Millisecond)
	var s source
	l := New(s.fetch)
	items := list(context.Background(), "items", 4)
	before := Waited()
	loadEach(t, l, items[:3], func(i int) int64 { return int64(i + 1) }) // the fourth's value is null
	if b := s.batches(); len(b) != 1 || len(b[0]) != 3 {
		t.Errorf("batches %v, want one of 3", b)
	}
	if Waited() != before+1 {
		t.Errorf("%d batches waited, want 1", Waited()-before)
	}
}

func TestMissingKeys(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	items := list(ctx, "items", 2)
	var errs [2]error
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = l.Load(items[0], 100) })
	wg.Go(func() { _, errs[1] = l.LoadAll(items[1], []int64{1, 101}) })
	wg.Wait()
	if !errors.Is(errs[0], ErrNotFound) {
		t.Errorf("Load of a missing key: %v, want ErrNotFound", errs[0])
	}
	var each ErrorSlice
	if !errors.As(errs[1], &each) || each[0] != nil || !errors.Is(each[1], ErrNotFound) {
		t.Errorf("LoadAll: %v, want an ErrorSlice with the second key not found", errs[1])
	}
}

func TestOutsideAListFetchesAtOnceAndKeeps(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	if v, err := l.Load(ctx, 7); err != nil || v != 70 {
		t.Fatalf("Load: %d, %v", v, err)
	}
	if v, err := l.Load(list(ctx, "items", 1)[0], 7); err != nil || v != 70 {
		t.Fatalf("Load in a list: %d, %v", v, err)
	}
	if b := s.batches(); len(b) != 1 {
		t.Errorf("batches %v: the list's item should have found what was read outside it", b)
	}
}

func TestOutsideAListAKeyIsReadOnce(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if v, err := l.Load(ctx, 3); err != nil || v != 30 {
				t.Errorf("Load: %d, %v", v, err)
			}
		})
	}
	wg.Wait()
	if b := s.batches(); len(b) != 1 {
		t.Errorf("batches %v: four fields asking for one key outside a list should read it once", b)
	}
}

func TestTwoFieldsOfEachItemMakeTwoBatchesNotOnePerItem(t *testing.T) {
	ctx := noWindow(t)
	var s source
	l := New(s.fetch)
	items := list(ctx, "items", 8)
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Go(func() {
			for _, id := range []int64{int64(i + 1), int64(i + 50)} { // say, an item's author and its reviewer
				if v, err := l.Load(item, id); err != nil || v != int(id)*10 {
					t.Errorf("item %d, key %d: %d, %v", i, id, v, err)
				}
			}
		})
	}
	wg.Wait()
	if b := s.batches(); len(b) > 2 {
		t.Errorf("%d batches %v, want at most 2 (one per field)", len(b), b)
	}
}
