package cache

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ValuesAndCounters reads values and counters together, in one round trip where
// the cache allows it (Redis: one pipeline), so that a value and the counters it
// was stored under are compared as of one moment. A missing value is nil; a
// missing counter is 0.
func ValuesAndCounters(ctx context.Context, c Cache, values, counters []string) ([][]byte, []int64, error) {
	if m, ok := c.(interface {
		valuesAndCounters(ctx context.Context, values, counters []string) ([][]byte, []int64, error)
	}); ok {
		return m.valuesAndCounters(ctx, values, counters)
	}
	vs := make([][]byte, len(values))
	for i, k := range values {
		v, err := c.Get(ctx, k)
		if err != nil && !errors.Is(err, ErrMiss) {
			return nil, nil, err
		}
		vs[i] = v
	}
	ns := make([]int64, len(counters))
	for i, k := range counters {
		n, err := c.Counter(ctx, k)
		if err != nil {
			return nil, nil, err
		}
		ns[i] = n
	}
	return vs, ns, nil
}

func (m *Memory) valuesAndCounters(_ context.Context, values, counters []string) ([][]byte, []int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	vs := make([][]byte, len(values))
	for i, k := range values {
		if e, ok := m.values[k]; ok && !e.expired(time.Now()) {
			vs[i] = append([]byte(nil), e.value...)
		}
	}
	ns := make([]int64, len(counters))
	for i, k := range counters {
		ns[i] = m.counters[k]
	}
	return vs, ns, nil
}

func (r *Redis) valuesAndCounters(ctx context.Context, values, counters []string) ([][]byte, []int64, error) {
	// One GET per key in a pipeline rather than MGET, which fails in a cluster when
	// the keys live in different slots. A counter is a decimal string in Redis.
	cmds := make([]*redis.StringCmd, len(values)+len(counters))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range values {
			cmds[i] = p.Get(ctx, r.prefix+k)
		}
		for i, k := range counters {
			cmds[len(values)+i] = p.Get(ctx, r.prefix+k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, r.wrap("get", err)
	}
	vs := make([][]byte, len(values))
	for i := range values {
		v, err := cmds[i].Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, nil, r.wrap("get", err)
		}
		vs[i] = v
	}
	ns := make([]int64, len(counters))
	for i := range counters {
		s, err := cmds[len(values)+i].Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, nil, r.wrap("get", err)
		}
		if ns[i], err = strconv.ParseInt(s, 10, 64); err != nil {
			return nil, nil, r.wrap("counter", err)
		}
	}
	return vs, ns, nil
}
