// Package middleware is the HTTP side of access: who the caller of a request is
// (a bearer token, or a websocket's connection_init token), the client's address,
// rate limits per caller, and the request's language, deadline and body limit
// (request.go). What a caller may do is internal/authz's to decide.
package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/openkarmayogi/karmayogi/internal/authz"
	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
	"github.com/openkarmayogi/karmayogi/models"
)

// The extensions.code of refusals made before GraphQL runs.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeRateLimited     = gqlhttp.CodeRateLimited
)

var errSignInRequired = authz.ErrSignInRequired

// Limiter admits or refuses one more request for a key.
type Limiter interface {
	Allow(key string) bool
}

// TokenVerifier turns a bearer token into a caller.
type TokenVerifier interface {
	Verify(token string) (*models.Caller, error)
}

type (
	clientAddrKey struct{}
	sessionKey    struct{}
)

// session holds the caller of one request. It is a box rather than a context
// value so that verifyOtp can sign the caller in for the rest of the request: the
// learner in its payload is then rendered for the learner who just proved their email.
// A websocket connection is one long request; its token is kept to be checked again
// before each event of its subscriptions (AuthoriseEvent).
type session struct {
	caller *models.Caller
	token  string
	tokens TokenVerifier
}

// WithSession gives ctx a session for caller (nil: anonymous), signed in with token.
func WithSession(ctx context.Context, caller *models.Caller, token string, tokens TokenVerifier) context.Context {
	ctx = context.WithValue(ctx, sessionKey{}, &session{caller: caller, token: token, tokens: tokens})
	if caller != nil {
		ctx = models.WithCaller(ctx, caller)
	}
	return ctx
}

// Caller returns the caller of ctx's request, or nil for an anonymous one.
func Caller(ctx context.Context) *models.Caller {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		return s.caller
	}
	return models.CallerFrom(ctx)
}

// SignIn makes c the caller for the rest of ctx's request.
func SignIn(ctx context.Context, c *models.Caller) {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		s.caller = c
	}
}

// ClientAddr returns the address of the client of ctx's request, for rate limits.
func ClientAddr(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}

// peerHost is the address of the connection's other end.
func peerHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// WithClientAddr puts the client's address in the context, for rate limits: the
// connection's peer or, when that peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one. A client can forge the header but not the hop, so
// only entries that trusted proxies appended are believed.
func WithClientAddr(trusted []netip.Prefix, next http.Handler) http.Handler {
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := peerHost(r)
		if isTrusted(host) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				hop := strings.TrimSpace(hops[i])
				if _, err := netip.ParseAddr(hop); err != nil {
					break // a malformed entry: trust nothing before it
				}
				host = hop
				if !isTrusted(hop) {
					break
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, host)))
	})
}

// Authenticate puts the caller of a valid bearer token, and the client address, in
// the request context. A token that fails verification is refused outright with
// HTTP 401, so a client never mistakes an expired session for anonymous access.
func Authenticate(tokens TokenVerifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if ClientAddr(ctx) == "" {
			ctx = context.WithValue(ctx, clientAddrKey{}, peerHost(r))
		}
		var caller *models.Caller
		var token string
		if h := r.Header.Get("Authorization"); h != "" {
			t, ok := BearerToken(h)
			token = t
			var err error
			if caller, err = tokens.Verify(token); !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				WriteError(w, http.StatusUnauthorized, i18n.From(ctx).Error(CodeUnauthenticated, "invalid or expired token"), CodeUnauthenticated)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(WithSession(ctx, caller, token, tokens)))
	})
}

// BearerToken returns the token of an Authorization header value "Bearer <token>";
// the scheme's name is case-insensitive (RFC 6750, RFC 9110 section 11.1).
func BearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// CloseForbidden is the close code of a websocket refused at connection_init, as
// the graphql-transport-ws protocol advises. graphql-ws clients retry it a few
// times, asking their connectionParams again: a fresh token then gets in.
const CloseForbidden = 4403

// AuthenticateConnection is the websocket's InitFunc: the token in the
// connection_init payload becomes the connection's caller, as Authenticate makes a
// bearer token the caller of a request. The payload carries it as
// {"Authorization": "Bearer <token>"}, {"authorization": ...} or {"token": "<token>"};
// without one, a token in the upgrade request's Authorization header (which
// Authenticate has checked) serves. Every subscription needs a signed-in caller, so
// a connection without a valid token is refused: closed with 4403 and a reason.
func AuthenticateConnection(tokens TokenVerifier) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		refuse := func(reason string) (context.Context, *transport.InitPayload, error) {
			ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, reason), CloseForbidden)
			return ctx, nil, errors.New(reason)
		}
		token := p.Authorization()
		if token != "" {
			var ok bool
			if token, ok = BearerToken(token); !ok {
				return refuse("invalid or expired token")
			}
		} else if token = p.GetString("token"); token != "" {
			if t, ok := BearerToken(token); ok {
				token = t
			}
		}
		if token = strings.TrimSpace(token); token == "" {
			if Caller(ctx) != nil {
				return ctx, nil, nil // signed in by the upgrade request's header
			}
			return refuse(`sign in required: send {"Authorization": "Bearer <token>"} in connection_init`)
		}
		caller, err := tokens.Verify(token)
		if err != nil {
			return refuse("invalid or expired token")
		}
		return WithSession(ctx, caller, token, tokens), nil, nil
	}
}

// AuthoriseEvent admits another event of a subscription: the connection's token
// must still be valid (it may have expired since the connection opened), or the
// subscription ends UNAUTHENTICATED. Who may see what is checked again by the
// resolver and guardFields, as for the first event.
func AuthoriseEvent(ctx context.Context) error {
	s, ok := ctx.Value(sessionKey{}).(*session)
	if !ok || s.caller == nil || s.tokens == nil {
		return errSignInRequired
	}
	if _, err := s.tokens.Verify(s.token); err != nil {
		return models.Errorf(models.EUNAUTHORIZED, "the token has expired; sign in again and resubscribe")
	}
	return nil
}

// RateLimit refuses a caller's requests beyond limit with HTTP 429: a signed-in
// caller is counted by their token's subject, anyone else by their address.
func RateLimit(limit Limiter, next http.Handler) http.Handler {
	if limit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "addr:" + ClientAddr(r.Context())
		if c := Caller(r.Context()); c != nil {
			key = "sub:" + c.Subject
		}
		if !limit.Allow(key) {
			w.Header().Set("Retry-After", "1")
			WriteError(w, http.StatusTooManyRequests, i18n.From(r.Context()).Error(CodeRateLimited, "too many requests; slow down"), CodeRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WriteError answers a request refused before GraphQL ran, in GraphQL's shape.
func WriteError(w http.ResponseWriter, status int, message, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message": message, "extensions": map[string]string{"code": code}}}})
}
