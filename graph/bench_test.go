package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// BenchmarkRefuse measures how cheaply the handler refuses hostile documents:
// each iteration is one whole HTTP request, answered with a refusal.
func BenchmarkRefuse(b *testing.B) {
	db := storetest.Open(b, "sqlite")
	h := graph.NewHandler(services(db, nil), graph.Options{})
	var frag strings.Builder
	frag.WriteString("{ __typename ...F0 } ")
	for i := range 5 {
		frag.WriteString("fragment F" + string(rune('0'+i)) + " on Query { " + strings.Repeat("...F"+string(rune('1'+i))+" ", 10) + "} ")
	}
	frag.WriteString("fragment F5 on Query { __typename }")
	for _, bc := range []struct{ name, query string }{
		{"TenThousandFields", "{ " + strings.Repeat("__typename ", 10_000) + "}"},
		{"FiftyThousandTokens", "{ " + strings.Repeat("__typename ", 50_000) + "}"},
		{"ThousandAliases", "{ " + strings.Repeat("a: __typename ", 1000) + "}"},
		{"DepthFifty", "{ " + strings.Repeat("organisations { edges { node { ", 17) + "code" + strings.Repeat(" } } }", 17) + " }"},
		{"FragmentExplosion", frag.String()},
	} {
		body, _ := json.Marshal(map[string]string{"query": bc.query})
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code < 400 {
					b.Fatalf("HTTP %d: %.200s", w.Code, w.Body)
				}
			}
		})
	}
}
