package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/testenv"
)

func TestConfigReadReplicas(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantErr  string
		urls     int
		ryw, lag time.Duration
	}{
		{"Defaults", map[string]string{"DATABASE_URL": "postgres://db/k"}, "", 0, 5 * time.Second, 30 * time.Second},
		{"Replicas", map[string]string{"DATABASE_URL": "postgres://db/k", "DATABASE_READ_URL": "postgres://r1/k, postgres://r2/k",
			"KARMAYOGI_READ_YOUR_WRITES_WINDOW": "2500ms", "KARMAYOGI_READ_MAX_LAG": "0"}, "", 2, 2500 * time.Millisecond, 0},
		{"ErrSQLite", map[string]string{"DATABASE_URL": "sqlite://x.db", "DATABASE_READ_URL": "postgres://r1/k"}, "needs a PostgreSQL DATABASE_URL", 0, 0, 0},
		{"ErrWindow", map[string]string{"KARMAYOGI_READ_YOUR_WRITES_WINDOW": "soon"}, "KARMAYOGI_READ_YOUR_WRITES_WINDOW must be a duration", 0, 0, 0},
		{"ErrLag", map[string]string{"KARMAYOGI_READ_MAX_LAG": "-1s"}, "KARMAYOGI_READ_MAX_LAG must be a duration", 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"DATABASE_URL", "DATABASE_READ_URL", "KARMAYOGI_READ_YOUR_WRITES_WINDOW", "KARMAYOGI_READ_MAX_LAG"} {
				t.Setenv(name, tc.env[name])
			}
			c, err := configFromEnv()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("configFromEnv() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(c.DatabaseReadURLs) != tc.urls || c.ReadYourWrites != tc.ryw || c.ReplicaMaxLag != tc.lag {
				t.Fatalf("configFromEnv() = %d read URLs, window %v, max lag %v, %v; want %d, %v, %v",
					len(c.DatabaseReadURLs), c.ReadYourWrites, c.ReplicaMaxLag, err, tc.urls, tc.ryw, tc.lag)
			}
		})
	}
}

// TestServeReplicaAndCluster runs the program on a private primary with a
// streaming replica, and a private three-node Redis Cluster: it migrates the
// primary, serves queries from the replica, uses the cluster as its cache, and
// reports the replica and the routing on /metrics.
func TestServeReplicaAndCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	primary, replica := testenv.Replicated(t, ctx, "app")
	cluster, err := testenv.NewRedisCluster()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	t.Cleanup(func() { cluster.Close() })

	m := &Main{
		Config: Config{DatabaseURL: primary.URL("app"), DatabaseReadURLs: []string{replica.URL("app")},
			ReadYourWrites: 5 * time.Second, ReplicaMaxLag: 30 * time.Second, RedisURL: cluster.URL(), CachePrefix: "karmayogi:",
			Addr: "127.0.0.1:0", Env: "development"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Notice: io.Discard,
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := replica.CatchUp(ctx, primary); err != nil { // the migrations
		t.Fatal(err)
	}
	base := m.Server.URL()
	// A query the response cache does not keep: what it keeps it computes on the
	// primary (respcache.Computing), so that a lagging replica cannot fill it.
	var data struct{ Roles struct{ TotalCount int } }
	graphQL(t, base, "", `{ roles(first: 1) { totalCount } }`, &data)

	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	if ready := get("/readyz"); !strings.Contains(ready, `"cache":"ok"`) {
		t.Errorf("/readyz = %s, want the cluster ok", ready)
	}
	metrics := get("/metrics")
	name := "127.0.0.1:" + strconv.Itoa(replica.Port) + "/app"
	for _, want := range []string{
		`karmayogi_db_replica_in_service{replica="` + name + `"} 1`,
		`karmayogi_db_replica_serving{replica="` + name + `"} 1`,
		`go_sql_open_connections{db_name="karmayogi-replica ` + name + `"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	reads := regexp.MustCompile(`karmayogi_db_statements_total\{pool="replica",reason="read"\} (\d+)`).FindStringSubmatch(metrics)
	if reads == nil || reads[1] == "0" {
		t.Errorf("/metrics: replica reads %v, want some", reads)
	}
}
