package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

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
