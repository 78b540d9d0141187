package main

import (
	"strings"
	"testing"
)

// TestDemoBanner: the start-up notice says what the server does: production has
// no GraphiQL, and a configured mail server gets the codes, not the log; the
// console is served in both.
func TestDemoBanner(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cfg         Config
		want, never []string
	}{
		{"Production", Config{Env: "production", SMTPURL: "smtp://mail:587?from=a@gov.in"},
			[]string{"Console: http://x/app/", "GraphQL: http://x/graphql", "no GraphiQL", "mails the code"}, []string{"GraphiQL: http", "logs the code"}},
		{"Development", Config{Env: "development"},
			[]string{"Console: http://x/app/", "GraphiQL: http://x/", "logs the code here"}, []string{"mails the code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := demoBanner(tc.cfg, "http://x")
			for _, w := range tc.want {
				if !strings.Contains(b, w) {
					t.Errorf("banner lacks %q:\n%s", w, b)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(b, n) {
					t.Errorf("banner says %q:\n%s", n, b)
				}
			}
		})
	}
}
