package cache_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
)

// TestRedisCluster runs the suite against a real three-master Redis Cluster,
// then checks what a cluster changes: keys land on every node, multi-key
// deletes span slots, and a message published through one node reaches a
// subscriber connected through another.
func TestRedisCluster(t *testing.T) {
	cl, err := testenv.NewRedisCluster()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	t.Cleanup(func() { cl.Close() })
	open := func(t *testing.T, url, prefix string) *cache.Redis {
		t.Helper()
		c, err := cache.NewRedisCluster(url, cache.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("Suite", func(t *testing.T) {
		runSuite(t, func(t *testing.T) cache.Cache { return open(t, cl.URL(), rand.Text()+":") })
	})

	t.Run("KeysOnEveryNode", func(t *testing.T) {
		ctx := t.Context()
		c := open(t, cl.URL(), "spread:")
		keys := make([]string, 60)
		for i := range keys {
			keys[i] = fmt.Sprintf("rec:v1:%d:1:1:0:[5]", i)
			mustSet(t, c, keys[i], "v", 0)
		}
		count := func() (total int64, perNode []int64) {
			for _, n := range cl.Nodes {
				rc := redis.NewClient(&redis.Options{Addr: n.Addr()})
				// SCAN on one node lists that node's keys only.
				var size int64
				iter := rc.Scan(ctx, 0, "spread:*", 100).Iterator()
				for iter.Next(ctx) {
					size++
				}
				err := iter.Err()
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				total, perNode = total+size, append(perNode, size)
			}
			return total, perNode
		}
		total, perNode := count()
		for i, n := range perNode {
			if n == 0 {
				t.Errorf("node %s holds no key of 60: %v", cl.Nodes[i].Addr(), perNode)
			}
		}
		if total != 60 {
			t.Errorf("the nodes hold %d keys, want 60", total)
		}
		// One Delete across every slot: a multi-key DEL would fail with CROSSSLOT.
		if err := c.Delete(ctx, keys...); err != nil {
			t.Fatal(err)
		}
		if total, perNode := count(); total != 0 {
			t.Errorf("after Delete the nodes hold %v keys", perNode)
		}
	})

	t.Run("PubSubAcrossNodes", func(t *testing.T) {
		ctx := t.Context()
		// Each client knows one seed node only; both learn the rest.
		sub := open(t, "redis+cluster://"+cl.Nodes[0].Addr(), "news:")
		pub := open(t, "redis+cluster://"+cl.Nodes[2].Addr(), "news:")
		for i := range 8 { // channels whose slots sit on different nodes
			channel := fmt.Sprintf("learner-changed:%d", i)
			msgs := mustSubscribe(t, sub, channel)
			if err := pub.Publish(ctx, channel, []byte("changed")); err != nil {
				t.Fatal(err)
			}
			if got := receive(t, msgs); got != "changed" {
				t.Fatalf("channel %s: got %q", channel, got)
			}
		}
		// One publisher's messages arrive in the order sent.
		msgs := mustSubscribe(t, sub, "ordered")
		for i := range 20 {
			if err := pub.Publish(ctx, "ordered", []byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 20 {
			if got := receive(t, msgs); got != fmt.Sprint(i) {
				t.Fatalf("message %d is %q: out of order", i, got)
			}
		}
	})

	// Last: it stops a node. The keys of its slots fail; GetOrCompute still answers.
	t.Run("NodeDown", func(t *testing.T) {
		ctx := t.Context()
		c := open(t, cl.URL(), "down:")
		victim := cl.Nodes[1]
		direct := redis.NewClient(&redis.Options{Addr: victim.Addr()})
		defer direct.Close()
		key := ""
		for i := 0; key == "" && i < 100; i++ {
			k := fmt.Sprintf("k%d", i)
			mustSet(t, c, k, "cached", 0)
			if n, err := direct.Exists(ctx, "down:"+k).Result(); err == nil && n == 1 {
				key = k // held by the victim (for another node's key it answers MOVED)
			}
		}
		if key == "" {
			t.Fatal("no key landed on the victim")
		}
		if err := victim.Stop(); err != nil {
			t.Fatal(err)
		}
		var g cache.Group
		start := time.Now()
		v, cached, err := g.GetOrCompute(ctx, c, key, time.Minute, func(context.Context) ([]byte, error) { return []byte("computed"), nil })
		t.Logf("GetOrCompute with the key's node down took %v", time.Since(start))
		if err != nil || cached || string(v) != "computed" {
			t.Fatalf("GetOrCompute = %q, %v, %v; want computed directly", v, cached, err)
		}
		if g.Stats.Errors.Load() == 0 {
			t.Error("the failing node was not counted as a cache error")
		}
	})
}
