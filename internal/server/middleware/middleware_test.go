package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header, token string
		ok            bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer  abc ", "abc", true},
		{"Basic abc", "", false},
		{"abc", "", false},
	} {
		if token, ok := middleware.BearerToken(tc.header); token != tc.token || ok != tc.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tc.header, token, ok, tc.token, tc.ok)
		}
	}
}

// The client address is the peer's, or what trusted proxies appended to
// X-Forwarded-For; a client's own entries are not believed.
func TestWithClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		peer, forwarded, want string
	}{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "198.51.100.7", "192.0.2.1"},                          // an untrusted peer's header is ignored
		{"10.0.0.2:5000", "198.51.100.7", "198.51.100.7"},                        // one trusted proxy
		{"10.0.0.2:5000", "203.0.113.9, 198.51.100.7, 10.0.0.3", "198.51.100.7"}, // the nearest untrusted hop
		{"10.0.0.2:5000", "198.51.100.7, garbage", "10.0.0.2"},                   // a malformed entry: trust nothing before it
	} {
		var got string
		h := middleware.WithClientAddr(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = middleware.ClientAddr(r.Context())
		}))
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.RemoteAddr = tc.peer
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %q, want %q", tc.peer, tc.forwarded, got, tc.want)
		}
	}
}

type verifier map[string]*models.Caller

func (v verifier) Verify(token string) (*models.Caller, error) {
	if c, ok := v[token]; ok {
		return c, nil
	}
	return nil, errors.New("invalid")
}

type limiter map[string]int

func (l limiter) Allow(key string) bool { l[key]++; return l[key] <= 1 }

// A valid token makes the request's caller; an invalid one is 401, never
// anonymous; rate limits count a caller by subject and anyone else by address.
func TestAuthenticateAndRateLimit(t *testing.T) {
	alice := &models.Caller{Subject: "learner:1", Role: models.RoleLearner, LearnerID: 1}
	limits := limiter{}
	var seen *models.Caller
	h := middleware.Authenticate(verifier{"good": alice}, middleware.RateLimit(limits, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = middleware.Caller(r.Context())
	})))
	serve := func(auth string) *httptest.ResponseRecorder {
		seen = nil
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.RemoteAddr = "192.0.2.1:5000"
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := serve("Bearer good"); w.Code != 200 || seen != alice {
		t.Fatalf("valid token: %d, caller %v", w.Code, seen)
	}
	if w := serve("Bearer bad"); w.Code != http.StatusUnauthorized || seen != nil || !strings.Contains(w.Body.String(), middleware.CodeUnauthenticated) {
		t.Fatalf("invalid token: %d %s", w.Code, w.Body)
	}
	if w := serve(""); w.Code != 200 || seen != nil {
		t.Fatalf("anonymous: %d, caller %v", w.Code, seen)
	}
	if w := serve(""); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("second anonymous request from the address: %d, want 429", w.Code)
	}
	if limits["sub:learner:1"] != 1 || limits["addr:192.0.2.1"] != 2 {
		t.Fatalf("rate-limit keys %v", limits)
	}
}

// A subscription's events need the connection's token to be valid still.
func TestAuthoriseEvent(t *testing.T) {
	alice := &models.Caller{Subject: "learner:1"}
	tokens := verifier{"good": alice}
	if err := middleware.AuthoriseEvent(context.Background()); models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("no session: %v", err)
	}
	ctx := middleware.WithSession(context.Background(), alice, "good", tokens)
	if err := middleware.AuthoriseEvent(ctx); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	delete(tokens, "good") // expired
	if err := middleware.AuthoriseEvent(ctx); models.ErrorCode(err) != models.EUNAUTHORIZED {
		t.Fatalf("expired token: %v", err)
	}
	bob := &models.Caller{Subject: "learner:2"}
	middleware.SignIn(ctx, bob)
	if middleware.Caller(ctx) != bob {
		t.Fatal("SignIn does not change the request's caller")
	}
}
