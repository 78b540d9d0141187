// Package dataload batches the lookups of one GraphQL request (dataloadgen):
// the keys that the fields of a list ask for while a batch is open are fetched
// with one call of a batch method, and the fields outside any list are fetched
// at once. Package graph keeps one Loader per kind of record in each request.
package dataload

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"
)

// Batching options. The resolvers of a list run concurrently, so their keys
// arrive close together; a key that comes after the window has closed costs one
// more query. 10ms keeps a page of 500 in one batch even under the race detector
// on two cores (5ms did not). Only the fields inside a list wait for it (see
// Loader); a list whose resolver knows its children's keys prefetches them.
// Batches stay well under every engine's limit on query parameters.
var loaderOptions = []dataloadgen.Option{
	dataloadgen.WithWait(10 * time.Millisecond),
	dataloadgen.WithBatchCapacity(1000),
}

// Loader batches the lookups of one kind in a request. A key asked for by a field
// inside a list waits out the batching window for its siblings' keys; a key asked
// for outside any list is fetched at once, since no sibling will add to its batch
// (two such fields of one object asking the same loader cost two queries, in
// parallel, rather than one after a wait, and such a field reads afresh what the
// loader holds). What either way reads is kept for the list fields that ask later.
type Loader[V any] struct {
	batched *dataloadgen.Loader[int64, V]
	fetch   func(context.Context, []int64) (map[int64]V, error)
}

// New returns a loader that fetches with fetch, a batch method of the services.
func New[V any](fetch func(context.Context, []int64) (map[int64]V, error)) *Loader[V] {
	return &Loader[V]{batched: dataloadgen.NewMappedLoader(fetch, loaderOptions...), fetch: fetch}
}

// Load returns the value of id; a missing key is dataloadgen.ErrNotFound.
func (l *Loader[V]) Load(ctx context.Context, id int64) (V, error) {
	if inList(ctx) {
		return l.batched.Load(ctx, id)
	}
	vs, err := l.LoadAll(ctx, []int64{id})
	if err != nil {
		var zero V
		var each dataloadgen.ErrorSlice
		if errors.As(err, &each) {
			return zero, each[0]
		}
		return zero, err
	}
	return vs[0], nil
}

// LoadAll returns the values of ids in their order; when some fail, the error is
// a dataloadgen.ErrorSlice with each key's error (ErrNotFound for a missing one).
func (l *Loader[V]) LoadAll(ctx context.Context, ids []int64) ([]V, error) {
	if inList(ctx) {
		return l.batched.LoadAll(ctx, ids)
	}
	m, err := l.fetch(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]V, len(ids))
	var errs dataloadgen.ErrorSlice
	for i, id := range ids {
		v, ok := m[id]
		if !ok {
			if errs == nil {
				errs = make(dataloadgen.ErrorSlice, len(ids))
			}
			errs[i] = dataloadgen.ErrNotFound
			continue
		}
		out[i] = v
		l.batched.Prime(id, v)
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}

// Prefetch fetches ids in one call now and primes the loader with what it found,
// so that the fields of a list that then ask for them find them at once instead
// of waiting out the batching window. The resolver of a list calls it with the
// keys its children will ask for; keys not found are left to the loader to report.
func (l *Loader[V]) Prefetch(ctx context.Context, ids []int64) error {
	if l == nil || len(ids) == 0 {
		return nil
	}
	m, err := l.fetch(ctx, ids)
	if err != nil {
		return err
	}
	for id, v := range m {
		l.batched.Prime(id, v)
	}
	return nil
}

// Prime caches a value for id unless one is cached already.
func (l *Loader[V]) Prime(id int64, v V) bool { return l.batched.Prime(id, v) }

// inList reports whether the field being resolved is inside a list: its siblings
// in the list may ask the same loader for their keys at about the same time.
func inList(ctx context.Context) bool {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index != nil {
			return true
		}
	}
	return false
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
