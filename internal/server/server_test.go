package server_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/server"
)

type up struct{}

func (up) Ping(context.Context) error { return nil }

func TestCORSAllowList(t *testing.T) {
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	for _, tc := range []struct {
		name    string
		origins []string
		origin  string
		allowed bool
	}{
		{"AllowedOrigin", []string{"https://portal.igot.gov.in"}, "https://portal.igot.gov.in", true},
		{"OtherOrigin", []string{"https://portal.igot.gov.in"}, "https://evil.example", false},
		{"NoListSameOriginOnly", nil, "https://portal.igot.gov.in", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: up{}, CORSOrigins: tc.origins}).Handler())
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/graphql", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("Access-Control-Allow-Origin")
			if (got == tc.origin) != tc.allowed || (!tc.allowed && got != "") {
				t.Fatalf("Access-Control-Allow-Origin = %q for %s, allowed %v", got, tc.origin, tc.allowed)
			}
			if tc.allowed && res.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials allowed; tokens go in a header, never cookies")
			}
		})
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPProf(t *testing.T) {
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	for _, on := range []bool{false, true} {
		t.Run(map[bool]string{false: "OffByDefault", true: "On"}[on], func(t *testing.T) {
			srv := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: up{}, PProf: on}).Handler())
			defer srv.Close()
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
				res, body := get(t, srv.URL+path)
				switch {
				case on && res.StatusCode != http.StatusOK:
					t.Errorf("%s: HTTP %d with pprof on", path, res.StatusCode)
				case !on && res.StatusCode != http.StatusNotFound:
					t.Errorf("%s: HTTP %d with pprof off, want 404: %.100s", path, res.StatusCode, body)
				}
			}
		})
	}
}

func TestMetricsFamilies(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stats cache.Stats
	stats.Hits.Add(2)
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	srv := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: up{}, SQL: db,
		CacheStats: func() *cache.Stats { return &stats }}).Handler())
	defer srv.Close()
	get(t, srv.URL+"/graphql")
	_, body := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`karmayogi_http_request_duration_seconds_count{code="200",route="graphql"} 1`,
		`karmayogi_cache_hits_total 2`, `karmayogi_cache_misses_total 0`, `karmayogi_cache_errors_total 0`,
		`go_sql_open_connections{db_name="karmayogi"}`, `go_sql_wait_count_total{db_name="karmayogi"}`,
		`karmayogi_recommender_compute_seconds_bucket{kind="recommendations",le="0.001"}`,
		`go_goroutines`, `process_cpu_seconds_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestRequestIDHeader(t *testing.T) {
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	srv := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: up{}}).Handler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
	req.Header.Set("X-Request-Id", "lb-42")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-Id"); got != "lb-42" {
		t.Errorf("X-Request-Id = %q, want the load balancer's lb-42", got)
	}
	res, _ = get(t, srv.URL+"/graphql")
	if got := res.Header.Get("X-Request-Id"); len(got) != 32 {
		t.Errorf("X-Request-Id = %q, want a generated one", got)
	}
}

// TestConsoleRoutes: the console is served under /app/ (its pages and assets), /app
// redirects there, and without a Console handler /app/ is not found.
func TestConsoleRoutes(t *testing.T) {
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"data":{}}`)) })
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("console " + r.URL.Path)) })
	srv := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: up{}, Console: page}).Handler())
	defer srv.Close()
	for _, p := range []string{"/app/", "/app/passbook", "/app/assets/x.js"} {
		res, body := get(t, srv.URL+p)
		if res.StatusCode != http.StatusOK || body != "console "+p {
			t.Errorf("GET %s: %d %q", p, res.StatusCode, body)
		}
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(srv.URL + "/app")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/app/" {
		t.Errorf("GET /app: %d to %q, want 301 to /app/", res.StatusCode, res.Header.Get("Location"))
	}

	off := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: up{}}).Handler())
	defer off.Close()
	if res, _ := get(t, off.URL+"/app/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /app/ without a console: %d, want 404", res.StatusCode)
	}
}
