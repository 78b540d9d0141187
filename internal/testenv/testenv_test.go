package testenv_test

import (
	"context"
	"database/sql"
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
