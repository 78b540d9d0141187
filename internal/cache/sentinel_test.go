package cache_test

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
)

// TestRedisSentinel runs the suite against a master that a real Sentinel
// watches, then stops the master: the sentinel promotes the replica and the
// cache works again by itself, with what was replicated.
func TestRedisSentinel(t *testing.T) {
	s, err := testenv.NewRedisSentinel()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	t.Cleanup(func() { s.Close() })
	open := func(t *testing.T) *cache.Redis {
		t.Helper()
		c, err := cache.NewRedisSentinel(s.URL(), cache.WithPrefix(rand.Text()+":"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("Suite", func(t *testing.T) {
		runSuite(t, func(t *testing.T) cache.Cache { return open(t) })
	})

	t.Run("Failover", func(t *testing.T) {
		ctx := t.Context()
		c := open(t)
		mustSet(t, c, "k", "before", 0)
		eventually(t, 5*time.Second, func() error { // replicated
			return waitReplicated(t, s)
		})
		if err := s.Master.Stop(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		eventually(t, 20*time.Second, func() error {
			if err := c.Set(ctx, "after", []byte("v"), 0); err != nil {
				return err
			}
			v, err := c.Get(ctx, "k")
			if err == nil && string(v) != "before" {
				err = fmt.Errorf("Get(k) = %q, want before", v)
			}
			return err
		})
		t.Logf("the cache worked again %v after the master stopped", time.Since(start).Round(time.Millisecond))
	})
}

// waitReplicated reports whether the replica has every key the master has.
func waitReplicated(t *testing.T, s *testenv.RedisSentinel) error {
	t.Helper()
	m, err := cache.NewRedis(s.Master.URL())
	if err != nil {
		return err
	}
	defer m.Close()
	r, err := cache.NewRedis(s.Replica.URL())
	if err != nil {
		return err
	}
	defer r.Close()
	mk, err := m.RedisClient().DBSize(t.Context()).Result()
	if err != nil {
		return err
	}
	rk, err := r.RedisClient().DBSize(t.Context()).Result()
	if err != nil {
		return err
	}
	if rk < mk {
		return fmt.Errorf("replica has %d keys of %d", rk, mk)
	}
	return nil
}
