package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/console"
)

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// TestHandler: every page is the index (not cached, with a CSP), the hashed
// assets have their content types and a long cache, an unknown asset is 404.
func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET /app/", console.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var index string
	for _, p := range []string{"/app/", "/app/passbook", "/app/some/deep/route"} {
		t.Run("Index"+p, func(t *testing.T) {
			res, body := get(t, srv, p)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control %q", cc)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if !strings.Contains(body, `<div id="app">`) {
				t.Errorf("not the console's index:\n%s", body)
			}
			index = body
		})
	}

	assets := regexp.MustCompile(`/app/assets/[A-Za-z0-9_.-]+\.(js|css)`).FindAllStringSubmatch(index, -1)
	kinds := map[string]string{"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
	seen := map[string]bool{}
	for _, a := range assets {
		seen[a[1]] = true
		t.Run("Asset"+a[0], func(t *testing.T) {
			res, body := get(t, srv, a[0])
			if res.StatusCode != http.StatusOK || len(body) == 0 {
				t.Fatalf("status %d, %d bytes", res.StatusCode, len(body))
			}
			if ct := res.Header.Get("Content-Type"); ct != kinds[a[1]] {
				t.Errorf("Content-Type %q, want %q", ct, kinds[a[1]])
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	if !seen["js"] || !seen["css"] {
		t.Fatalf("the index names no script or no stylesheet: %v", assets)
	}

	for _, p := range []string{"/app/assets/nothing-here.js", "/app/assets/../index.html"} {
		t.Run("NotFound"+p, func(t *testing.T) {
			res, _ := get(t, srv, p)
			if p == "/app/assets/../index.html" {
				// The mux redirects to the clean path, /app/index.html: a page, so the index.
				if res.StatusCode != http.StatusOK {
					t.Errorf("status %d", res.StatusCode)
				}
				return
			}
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", res.StatusCode)
			}
		})
	}
}
