// Package storetest is a test helper: it opens fresh, migrated stores for tests, on
// every engine: SQLite always, and PostgreSQL at TEST_DATABASE_URL (default: the server
// on 127.0.0.1). Under CI=true an unreachable PostgreSQL fails the test instead of
// skipping it. Only _test.go files import it; TestNoTestHelperInProduction fails if
// any other package, and so any binary, links it (or the testing package).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// Engines are the database engines every store test runs against.
var Engines = []string{"sqlite", "postgres"}

// PostgresURL is the server PostgreSQL tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Each runs fn as a subtest against a fresh store on every engine.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) { fn(t, Open(t, engine)) })
	}
}

// Open returns a fresh, migrated store on engine ("sqlite" or "postgres"), closed
// and dropped when the test ends.
func Open(tb testing.TB, engine string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = "sqlite://" + filepath.Join(tb.TempDir(), "test.db")
	case "postgres":
		dsn = postgresSchema(tb)
	default:
		tb.Fatalf("storetest: unknown engine %q", engine)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", engine, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate %s: %v", engine, err)
	}
	db.SetEstimator(recommender.NewEstimator())
	return db
}

// OpenURL returns the URL of a fresh, empty database on engine, for tests that run
// the program itself.
func OpenURL(tb testing.TB, engine string) string {
	tb.Helper()
	if engine == "postgres" {
		return postgresSchema(tb)
	}
	return "sqlite://" + filepath.Join(tb.TempDir(), "test.db")
}

// postgresSchema creates a private schema on the test server and returns a URL whose
// search_path points at it, so tests in parallel never see each other's rows.
func postgresSchema(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if os.Getenv("CI") == "true" {
			tb.Fatalf("storetest: PostgreSQL at %s is required under CI=true: %v", base, err)
		}
		tb.Skipf("storetest: PostgreSQL at %s unreachable (set CI=true to fail instead): %v", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("storetest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// BenchURL is BENCH_DATABASE_URL: a large seeded PostgreSQL database for benchmarks, or "".
func BenchURL() string { return os.Getenv("BENCH_DATABASE_URL") }

// Benchmark opens the database a benchmark measures: BENCH_DATABASE_URL, a large
// seeded one, with BENCH_ORGANISATION naming the organisation it is about; without
// them, a fresh store of engine seeded with the demo data set (opts) and its Ministry
// of Railways. It returns the store and the organisation's code.
func Benchmark(b *testing.B, engine string, opts seed.Options) (*store.DB, string) {
	b.Helper()
	url, code := BenchURL(), os.Getenv("BENCH_ORGANISATION")
	if url == "" {
		db := Open(b, engine)
		if _, err := seed.Run(context.Background(), bulk.New(db), opts); err != nil {
			b.Fatal(err)
		}
		return db, "MOR"
	}
	if code == "" {
		code = "MOR"
	}
	db, err := store.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetEstimator(recommender.NewEstimator())
	return db, code
}
