package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Stats counts what a Group's lookups found, for metrics.
type Stats struct {
	Hits   atomic.Int64 // value found in the cache
	Misses atomic.Int64 // value not in the cache
	Errors atomic.Int64 // cache calls that failed, so the value was computed directly or not stored
}

// Group computes cached values at most once per key at a time and keeps
// answering when the cache fails. The zero value is ready to use; a Group must
// not be copied after first use. Use one Group per Cache, because calls are
// merged by key alone.
type Group struct {
	// Logger, if set, gets one warning when the cache starts failing and one
	// message when it works again, instead of a line per failed call.
	Logger *slog.Logger
	// Stats counts hits, misses and cache errors.
	Stats Stats

	flight  singleflight.Group
	failing atomic.Bool
}

type computed struct {
	value  []byte
	cached bool
}

// GetOrCompute returns the value under key in c, reporting cached=true if it
// came from the cache. On a miss it calls compute, stores the result for ttl
// and returns it with cached=false; concurrent misses for one key share one
// call to compute. If c fails, the value is computed directly and returned
// without error; the failure is counted in Stats.Errors and logged.
//
// compute runs with ctx's values but not its cancellation, since other
// callers may be waiting for it; it should bound its own running time. A
// caller whose ctx ends stops waiting and gets ctx's error. GetOrCompute
// returns compute's error unchanged, and does not cache it. The returned
// slice may be shared with other callers and must not be modified.
func (g *Group) GetOrCompute(ctx context.Context, c Cache, key string, ttl time.Duration, compute func(context.Context) ([]byte, error)) (value []byte, cached bool, err error) {
	v, err := c.Get(ctx, key)
	switch {
	case err == nil:
		g.Stats.Hits.Add(1)
		g.ok()
		return v, true, nil
	case errors.Is(err, ErrMiss):
		g.Stats.Misses.Add(1)
		g.ok()
	default:
		g.fail(key, err)
	}
	cacheUp := errors.Is(err, ErrMiss)

	ch := g.flight.DoChan(key, func() (any, error) {
		ctx := context.WithoutCancel(ctx)
		if cacheUp {
			// Another call may have stored the value between our Get and
			// becoming the leader; look again rather than compute twice.
			if v, err := c.Get(ctx, key); err == nil {
				return computed{v, true}, nil
			}
		}
		v, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		if cacheUp {
			if err := c.Set(ctx, key, v, ttl); err != nil {
				g.fail(key, err)
			}
		}
		return computed{v, false}, nil
	})
	select {
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, false, r.Err
		}
		res := r.Val.(computed)
		return res.value, res.cached, nil
	}
}

func (g *Group) fail(key string, err error) {
	g.Stats.Errors.Add(1)
	if g.failing.CompareAndSwap(false, true) && g.Logger != nil {
		g.Logger.Warn("cache failing, computing values directly", "key", key, "err", err)
	}
}

func (g *Group) ok() {
	if g.failing.CompareAndSwap(true, false) && g.Logger != nil {
		g.Logger.Info("cache working again")
	}
}
