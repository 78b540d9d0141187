package cache_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

func TestRedis(t *testing.T) {
	url := redisURL()
	requireRedis(t, url)
	runSuite(t, func(t *testing.T) cache.Cache {
		return mustOpenRedis(t, url)
	})
}

// TestRedisResilience kills and restarts a private redis-server and checks
// that GetOrCompute keeps answering while it is down and that the cache works
// again by itself once it is back.
func TestRedisResilience(t *testing.T) {
	ctx := t.Context()
	port := freePort(t)
	srv := startRedisServer(t, port)
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	c := mustOpenRedis(t, url)
	eventually(t, 10*time.Second, func() error { return c.Ping(ctx) })

	var logs syncBuffer
	g := cache.Group{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	calls := 0
	compute := func(context.Context) ([]byte, error) {
		calls++
		return []byte("value"), nil
	}
	getOrCompute := func(key string) (cached bool) {
		t.Helper()
		v, cached, err := g.GetOrCompute(ctx, c, key, time.Minute, compute)
		if err != nil || string(v) != "value" {
			t.Fatalf("GetOrCompute(%s) = %q, %v; want value, nil", key, v, err)
		}
		return cached
	}

	t.Run("Up", func(t *testing.T) {
		if getOrCompute("a") || !getOrCompute("a") {
			t.Fatal("want a computed, then cached")
		}
	})

	srv.stop(t)
	t.Run("Down", func(t *testing.T) {
		calls = 0
		start := time.Now()
		for _, key := range []string{"a", "b", "b"} {
			if getOrCompute(key) {
				t.Fatalf("GetOrCompute(%s) cached=true with Redis down", key)
			}
		}
		t.Logf("3 GetOrCompute calls with Redis down took %v", time.Since(start))
		if calls != 3 {
			t.Errorf("compute called %d times, want 3", calls)
		}
		if n := g.Stats.Errors.Load(); n == 0 {
			t.Error("Stats.Errors = 0, want cache errors counted")
		}
		if n := strings.Count(logs.String(), "cache failing"); n != 1 {
			t.Errorf("logged %d cache failures, want 1:\n%s", n, logs.String())
		}
		if err := c.Ping(ctx); err == nil {
			t.Error("Ping succeeded with Redis down")
		}
	})

	srv.start(t)
	t.Run("Recovered", func(t *testing.T) {
		eventually(t, 30*time.Second, func() error {
			if err := c.Set(ctx, "k", []byte("v"), 0); err != nil {
				return err
			}
			v, err := c.Get(ctx, "k")
			if err == nil && string(v) != "v" {
				err = fmt.Errorf("Get(k) = %q, want v", v)
			}
			return err
		})
		if getOrCompute("c") || !getOrCompute("c") {
			t.Fatal("want c computed, then cached")
		}
		if !strings.Contains(logs.String(), "cache working again") {
			t.Errorf("recovery not logged:\n%s", logs.String())
		}
	})
}

// TestRedisUnresponsive points the cache at a server that accepts
// connections but never answers, and checks that GetOrCompute still answers
// (the read timeout ends each wait).
func TestRedisUnresponsive(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
			go func() { _, _ = io.Copy(io.Discard, conn) }()
		}
	}()

	c, err := cache.NewRedis("redis://" + l.Addr().String() + "/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var g cache.Group
	start := time.Now()
	v, cached, err := g.GetOrCompute(t.Context(), c, "k", time.Minute, func(context.Context) ([]byte, error) {
		return []byte("value"), nil
	})
	t.Logf("GetOrCompute against an unresponsive server took %v", time.Since(start))
	if err != nil || string(v) != "value" || cached {
		t.Fatalf("GetOrCompute = %q, %v, %v; want value, false, nil", v, cached, err)
	}
	if n := g.Stats.Errors.Load(); n == 0 {
		t.Error("Stats.Errors = 0, want the timeout counted")
	}
}

func redisURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// skipOrFail skips the test locally but fails it under CI, where every
// backend must be tested.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func requireRedis(t *testing.T, url string) {
	t.Helper()
	c, err := cache.NewRedis(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		skipOrFail(t, "Redis at %s unreachable: %v", url, err)
	}
}

// mustOpenRedis returns a Redis whose keys and channels carry a prefix unique
// to the test, and deletes the test's keys when it ends.
func mustOpenRedis(tb testing.TB, url string) *cache.Redis {
	tb.Helper()
	prefix := "karmayogi-test:" + rand.Text() + ":"
	c, err := cache.NewRedis(url, cache.WithPrefix(prefix))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = c.Close()
		deleteKeys(tb, url, prefix)
	})
	return c
}

// deleteKeys removes the keys under prefix. A scan is fine here: it is test
// cleanup, not invalidation.
func deleteKeys(tb testing.TB, url, prefix string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		tb.Error(err)
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("delete test keys: %v", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisServer is a private redis-server that a test may stop and restart;
// tests never stop the shared one.
type redisServer struct {
	port int
	dir  string
	cmd  *exec.Cmd // nil while stopped
}

// startRedisServer starts a private redis-server on port, without
// persistence, and stops it when the test ends.
func startRedisServer(t *testing.T, port int) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		skipOrFail(t, "redis-server not found: %v", err)
	}
	s := &redisServer{port: port, dir: t.TempDir()}
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *redisServer) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command("redis-server",
		"--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
}

func (s *redisServer) stop(t *testing.T) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Errorf("kill redis-server: %v", err)
	}
	_ = s.cmd.Wait()
	s.cmd = nil
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
