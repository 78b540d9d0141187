package testenv_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"github.com/openkarmayogi/karmayogi/internal/testenv"
)

// A private PostgreSQL answers, refuses while stopped, and answers again after a
// restart; so does a private Redis, empty after its restart.
func TestPrivateServers(t *testing.T) {
	ctx := context.Background()
	pg, err := testenv.NewPostgres()
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", pg.URL("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := func() error {
		var n int
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
	}
	if err := one(); err != nil {
		t.Fatalf("query: %v", err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := one(); err == nil {
		t.Error("a stopped server answered")
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	if err := one(); err != nil {
		t.Errorf("after restart: %v", err)
	}

	rs, err := testenv.NewRedis()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr(), MaxRetries: -1})
	defer rc.Close()
	if err := rc.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rs.Restart(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var got error
	for range 20 { // the client reconnects by itself
		if got = rc.Get(ctx, "k").Err(); got == redis.Nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got != redis.Nil {
		t.Errorf("after restart: %v, want an empty server (redis.Nil)", got)
	}
}

// A replica made by NewReplica serves what the primary writes, refuses writes of
// its own, and while its replay is paused keeps answering with the old data.
func TestReplica(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	primary, err := testenv.NewPostgres()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	defer primary.Close()
	replica, err := primary.NewReplica()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	defer replica.Close() // before the primary's
	pdb, rdb := openSQL(t, primary.URL("postgres")), openSQL(t, replica.URL("postgres"))

	if _, err := pdb.ExecContext(ctx, "CREATE TABLE t (n int)"); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		t.Helper()
		if err := rdb.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatalf("count on the replica: %v", err)
		}
		return n
	}
	if _, err := pdb.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if err := replica.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("replica has %d rows, want 1", n)
	}
	if _, err := rdb.ExecContext(ctx, "INSERT INTO t VALUES (2)"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("insert on the replica: %v, want a read-only error", err)
	}

	if err := replica.PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pdb.ExecContext(ctx, "INSERT INTO t VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := count(); n != 1 {
		t.Errorf("paused replica has %d rows, want still 1", n)
	}
	if err := replica.ResumeReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if err := replica.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("resumed replica has %d rows, want 2", n)
	}
}

func openSQL(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A RedisCluster answers through a cluster client, spreads keys over its three
// masters and delivers pub/sub messages between clients on different nodes.
func TestRedisCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := testenv.NewRedisCluster()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	defer c.Close()
	if !strings.HasPrefix(c.URL(), "redis+cluster://127.0.0.1:") || len(c.Addrs()) != 3 {
		t.Fatalf("URL %s, Addrs %v", c.URL(), c.Addrs())
	}
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer rc.Close()
	for i := range 30 {
		if err := rc.Set(ctx, fmt.Sprintf("k%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range c.Nodes {
		one := redis.NewClient(&redis.Options{Addr: n.Addr()})
		size, err := one.DBSize(ctx).Result()
		one.Close()
		if err != nil || size == 0 {
			t.Errorf("node %s holds %d keys (%v), want some", n.Addr(), size, err)
		}
	}
	sub := redis.NewClient(&redis.Options{Addr: c.Nodes[0].Addr()})
	defer sub.Close()
	ps := sub.Subscribe(ctx, "news")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	pub := redis.NewClient(&redis.Options{Addr: c.Nodes[2].Addr()})
	defer pub.Close()
	if err := pub.Publish(ctx, "news", "hello").Err(); err != nil {
		t.Fatal(err)
	}
	if m, err := ps.ReceiveMessage(ctx); err != nil || m.Payload != "hello" {
		t.Fatalf("ReceiveMessage = %v, %v; want hello", m, err)
	}
}
