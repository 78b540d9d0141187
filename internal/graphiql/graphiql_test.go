package graphiql_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/graphiql"
)

func TestHandler(t *testing.T) {
	h := graphiql.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	t.Run("Page", func(t *testing.T) {
		rec := get("/")
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		for _, want := range []string{`src="graphiql/graphiql.min.js"`, `href="graphiql/graphiql.min.css"`, `src="graphiql/init.js"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	})
	t.Run("Assets", func(t *testing.T) {
		for path, typ := range map[string]string{
			"/graphiql/graphiql.min.js": "text/javascript", "/graphiql/graphiql.min.css": "text/css",
			"/graphiql/react.production.min.js": "text/javascript", "/graphiql/react-dom.production.min.js": "text/javascript",
			"/graphiql/init.js": "text/javascript", "/graphiql/LICENSES.txt": "text/plain",
		} {
			rec := get(path)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), typ) || rec.Body.Len() == 0 {
				t.Errorf("%s: %d %q, %d bytes", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
			}
		}
		if init := get("/graphiql/init.js").Body.String(); !strings.Contains(init, "'/graphql'") {
			t.Errorf("init.js does not point at /graphql: %.200s", init)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/graphiql/", "/graphiql/index.html", "/graphiql/nothing.js", "/elsewhere", "/graphiql/../graphiql.go"} {
			if rec := get(path); rec.Code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, rec.Code)
			}
		}
	})
}
