package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// TestPersistedQueries runs automatic persisted queries over the cache: a hash
// alone is PersistedQueryNotFound until the query has been sent once with it.
func TestPersistedQueries(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	c := serveWith(t, db, graph.Options{Introspection: true, PersistedQueries: cache.NewMemory()}, unlimited{}, unlimited{})
	apq := func(query, hash string) rawResponse {
		body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
		if query != "" {
			body["query"] = query
		}
		return c.postJSON(mustJSON(t, body), nil)
	}
	sum := func(q string) string { h := sha256.Sum256([]byte(q)); return hex.EncodeToString(h[:]) }
	query := `{ competencies(first: 1) { totalCount } }`

	if r := apq("", sum(query)); !strings.Contains(r.Body, "PersistedQueryNotFound") {
		t.Fatalf("unknown hash: %s", r.Body)
	}
	if r := apq(query, sum(query)); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("register: HTTP %d %s", r.Status, r.Body)
	}
	if r := apq("", sum(query)); r.Status != http.StatusOK || !strings.Contains(r.Body, `"totalCount":0`) {
		t.Fatalf("by hash: HTTP %d %s", r.Status, r.Body)
	}
	if r := apq(query, sum("another query")); len(r.Errors) == 0 {
		t.Fatalf("a hash that does not match its query was accepted: %s", r.Body)
	}
	// A hostile document is refused when it is registered, so no hash ever names one.
	bomb := "{ " + strings.Repeat("a ", 5000) + "}"
	assertRefusedWith(t, apq(bomb, sum(bomb)), "fields")
	if r := apq("", sum(bomb)); !strings.Contains(r.Body, "PersistedQueryNotFound") {
		t.Fatalf("a refused document was persisted: %s", r.Body)
	}
}
