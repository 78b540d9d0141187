// Package dataload batches the lookups of one GraphQL request: the keys that the
// items of a list ask for are fetched with one call of a batch method, and the
// fields outside any list are fetched at once. Package graph keeps one Loader per
// kind of record in each request.
package dataload

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// ErrNotFound is a key the batch method did not return.
var ErrNotFound = errors.New("dataload: not found")

// ErrorSlice is LoadAll's error when some keys failed: each key's error, nil
// for those that did not.
type ErrorSlice []error

func (e ErrorSlice) Error() string {
	for _, err := range e {
		if err != nil {
			return err.Error()
		}
	}
	return "dataload: no error"
}

// Unwrap lets errors.Is and errors.As see the keys' errors.
func (e ErrorSlice) Unwrap() []error { return e }

// Batching. The items of a list are resolved concurrently (gqlgen gives each its
// goroutine), so a batch cannot know from the keys alone when its last key has
// come. A batch opened inside a list is dispatched as soon as every item of the
// list (of each list within a list, and of the lists holding them) has asked
// this loader, which needs no wait at all; only when that cannot be known (an
// item that never asks: its value is null, or its inner list empty) does it
// wait out maxWait for stragglers. Batches stay well under every
// engine's limit on query parameters.
var maxWait = 10 * time.Millisecond // a var for the tests

const capacity = 1000

// waited counts the batches dispatched by maxWait rather than when ready.
var waited atomic.Int64

// Waited is how many batches, in this process so far, waited out the window
// because the loader could not tell that their lists had asked for everything.
func Waited() int64 { return waited.Load() }

// Loader batches the lookups of one kind in a request. A key asked for by a field
// inside a list joins the open batch; a key asked for outside any list is
// fetched at once, since no sibling will add to its batch. Either way a key is
// read once per loader: what is kept, or being fetched, serves every field that
// asks for it later (a mutation renews the request's loaders, so nothing read
// before a write is served after it).
type Loader[V any] struct {
	fetch func(context.Context, []int64) (map[int64]V, error)

	mu      sync.Mutex
	entries map[int64]*entry[V]                  // every key asked for or primed
	open    *batch                               // the batch new keys join; nil when none is open
	asked   map[*graphql.FieldContext]*listAsked // by list field: its items' asks
}

// listAsked counts the asks of the items of a list of n (0: unknown) to a
// loader. An item's first ask is in wave 1, its second in wave 2 (another field
// of the item asking the same loader), and so on: a batch waits for the wave of
// each list it holds keys of to be complete, so an item's second field does not
// make a batch of one. An item of a list of lists asks when every item of its
// own list has (once per wave): so a list inside a list is counted too.
type listAsked struct {
	n     int
	asks  map[int]int // by item: how many times it has asked
	waves []int       // waves[w-1]: how many items have asked at least w times
}

// ask counts an ask of item and returns its wave.
func (a *listAsked) ask(item int) int {
	w := a.asks[item] + 1
	a.asks[item] = w
	if len(a.waves) < w {
		a.waves = append(a.waves, 0)
	}
	a.waves[w-1]++
	return w
}

// complete reports whether every item has asked at least w times.
func (a *listAsked) complete(w int) bool { return a.n > 0 && len(a.waves) >= w && a.waves[w-1] >= a.n }

// entry is a key's value or error, once done is closed.
type entry[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// batch is the keys waiting to be fetched together, and the lists whose items
// asked while it was open, with the wave each must complete: it is ready when
// each of them has.
type batch struct {
	ctx   context.Context
	keys  []int64
	timer *time.Timer
	lists map[*listAsked]int
}

// New returns a loader that fetches with fetch, a batch method of the services.
func New[V any](fetch func(context.Context, []int64) (map[int64]V, error)) *Loader[V] {
	return &Loader[V]{fetch: fetch, entries: map[int64]*entry[V]{}, asked: map[*graphql.FieldContext]*listAsked{}}
}

// Load returns the value of id; a missing key is ErrNotFound.
func (l *Loader[V]) Load(ctx context.Context, id int64) (V, error) {
	vs, err := l.LoadAll(ctx, []int64{id})
	if err != nil {
		var zero V
		var each ErrorSlice
		if errors.As(err, &each) {
			return zero, each[0]
		}
		return zero, err
	}
	return vs[0], nil
}

// LoadAll returns the values of ids in their order; when some fail, the error is
// an ErrorSlice with each key's error (ErrNotFound for a missing one).
func (l *Loader[V]) LoadAll(ctx context.Context, ids []int64) ([]V, error) {
	var es []*entry[V]
	if in := lists(ctx); len(in) > 0 {
		es = l.join(ctx, ids, in)
	} else {
		es = l.fetchNow(ctx, ids)
	}
	out := make([]V, len(ids))
	var errs ErrorSlice
	for i, e := range es {
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			if errs == nil {
				errs = make(ErrorSlice, len(ids))
			}
			errs[i] = e.err
			continue
		}
		out[i] = e.v
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}

// fetchNow fetches at once, with one call, the keys that nobody has asked for
// yet; the others it takes from what is kept or being fetched.
func (l *Loader[V]) fetchNow(ctx context.Context, ids []int64) []*entry[V] {
	es := make([]*entry[V], len(ids))
	var missing []int64
	var fresh []*entry[V]
	l.mu.Lock()
	for i, id := range ids {
		if e := l.entries[id]; e != nil {
			es[i] = e
			continue
		}
		e := &entry[V]{done: make(chan struct{})}
		l.entries[id], es[i] = e, e
		missing, fresh = append(missing, id), append(fresh, e)
	}
	l.mu.Unlock()
	if len(missing) > 0 {
		m, err := l.fetch(ctx, missing)
		for i, id := range missing {
			settle(fresh[i], m, id, err)
		}
	}
	return es
}

// join adds the keys not yet asked for to the open batch (opening one if none
// is) and counts the item as having asked, in each of the lists it is in
// (innermost first). The batch is dispatched when every list whose items asked
// while it was open has been asked by all of its items, or when it is full.
func (l *Loader[V]) join(ctx context.Context, ids []int64, in []level) []*entry[V] {
	l.mu.Lock()
	chain := make([]*listAsked, len(in))
	for i, lv := range in {
		a := l.asked[lv.list]
		if a == nil {
			n := length(lv.list)
			a = &listAsked{n: n, asks: make(map[int]int, n)}
			l.asked[lv.list] = a
		}
		chain[i] = a
	}
	// The ask, carried up while it completes its list's wave; each list above
	// waits for the wave its item will be in once the list below completes.
	waves := make([]int, len(chain))
	waves[0] = chain[0].ask(in[0].item)
	for i := 1; i < len(chain); i++ {
		if chain[i-1].complete(waves[i-1]) { // this ask completed the wave below: an ask here
			waves[i] = chain[i].ask(in[i].item)
		} else {
			waves[i] = chain[i].asks[in[i].item] + 1
		}
	}
	es := make([]*entry[V], len(ids))
	for i, id := range ids {
		e := l.entries[id]
		if e == nil {
			e = &entry[V]{done: make(chan struct{})}
			l.entries[id] = e
			if l.open == nil {
				b := &batch{ctx: context.WithoutCancel(ctx), lists: map[*listAsked]int{}}
				b.timer = time.AfterFunc(maxWait, func() {
					if l.dispatch(b) {
						waited.Add(1)
					}
				})
				l.open = b
			}
			l.open.keys = append(l.open.keys, id)
		}
		es[i] = e
	}
	b := l.open
	ready := false
	if b != nil {
		for i, a := range chain {
			b.lists[a] = max(b.lists[a], waves[i])
		}
		ready = len(b.keys) >= capacity
		if !ready {
			ready = true
			for a, w := range b.lists {
				ready = ready && a.complete(w)
			}
		}
	}
	l.mu.Unlock()
	if ready {
		l.dispatch(b)
	}
	return es
}

// dispatch fetches a batch's keys, once, and settles their entries; false if
// it was dispatched already.
func (l *Loader[V]) dispatch(b *batch) bool {
	l.mu.Lock()
	if l.open != b {
		l.mu.Unlock()
		return false
	}
	l.open = nil
	b.timer.Stop()
	es := make([]*entry[V], len(b.keys))
	for i, id := range b.keys {
		es[i] = l.entries[id]
	}
	l.mu.Unlock()
	m, err := l.fetch(b.ctx, b.keys)
	for i, id := range b.keys {
		settle(es[i], m, id, err)
	}
	return true
}

// settle gives e the value of id in m, or err, or ErrNotFound.
func settle[V any](e *entry[V], m map[int64]V, id int64, err error) {
	if err != nil {
		e.err = err
	} else if v, ok := m[id]; ok {
		e.v = v
	} else {
		e.err = ErrNotFound
	}
	close(e.done)
}

// Prefetch fetches ids in one call now and primes the loader with what it found,
// so that the fields of a list that then ask for them find them at once. The
// resolver of a list calls it with the keys its children will ask for; keys not
// found are left to the loader to report.
func (l *Loader[V]) Prefetch(ctx context.Context, ids []int64) error {
	if l == nil || len(ids) == 0 {
		return nil
	}
	m, err := l.fetch(ctx, ids)
	if err != nil {
		return err
	}
	for id, v := range m {
		l.Prime(id, v)
	}
	return nil
}

// Prime caches a value for id unless one is cached (or being fetched) already.
func (l *Loader[V]) Prime(id int64, v V) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.entries[id]; ok {
		return false
	}
	e := &entry[V]{done: make(chan struct{}), v: v}
	close(e.done)
	l.entries[id] = e
	return true
}

// level is a list the field being resolved is inside: the list's field and the
// item's index in it.
type level struct {
	list *graphql.FieldContext
	item int
}

// length is the number of items of a list field (0 if unknown), which the list's
// resolver left in its field context before the items were resolved.
func length(list *graphql.FieldContext) int {
	if list != nil {
		if r := reflect.ValueOf(list.Result); r.Kind() == reflect.Slice {
			return r.Len()
		}
	}
	return 0
}

// lists returns the lists the field being resolved is inside, innermost first.
func lists(ctx context.Context) []level {
	var out []level
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index == nil {
			continue
		}
		out = append(out, level{list: fc.Parent, item: *fc.Index})
	}
	return out
}

// Selection returns the fields selected at the path of fields below the field
// being resolved (by name, through fragments), and whether the path is selected
// at all: whether prefetching for it pays, and what for.
func Selection(ctx context.Context, path ...string) ([]graphql.CollectedField, bool) {
	fields := graphql.CollectFieldsCtx(ctx, nil)
	oc := graphql.GetOperationContext(ctx)
	for _, name := range path {
		var below ast.SelectionSet
		found := false
		for _, f := range fields {
			if f.Name == name {
				below, found = append(below, f.Selections...), true
			}
		}
		if !found {
			return nil, false
		}
		fields = graphql.CollectFields(oc, below, nil)
	}
	return fields, true
}

// Selects reports whether the field being resolved selects the path.
func Selects(ctx context.Context, path ...string) bool {
	_, ok := Selection(ctx, path...)
	return ok
}

// ZeroIfMissing wraps a batch method that leaves out keys with nothing to return,
// so that those keys load the zero value (nil, an empty list, zero counts) rather
// than a not-found error.
func ZeroIfMissing[V any](fetch func(context.Context, []int64) (map[int64]V, error)) func(context.Context, []int64) (map[int64]V, error) {
	return func(ctx context.Context, ids []int64) (map[int64]V, error) {
		m, err := fetch(ctx, ids)
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = make(map[int64]V, len(ids))
		}
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				var zero V
				m[id] = zero
			}
		}
		return m, nil
	}
}
