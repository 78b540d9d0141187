package middleware

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
)

// LanguageOfConnection lets connection_init choose a websocket's language as a
// header would, {"Accept-Language": "hi"} (GraphiQL sends its headers there);
// without one, the upgrade request's Accept-Language (WithLanguage) stands.
func LanguageOfConnection(next transport.WebsocketInitFunc) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		for k, v := range p {
			if s, ok := v.(string); ok && strings.EqualFold(k, "Accept-Language") {
				ctx = i18n.With(ctx, i18n.Parse(s))
			}
		}
		return next(ctx, p)
	}
}

// WithLanguage puts the language the request's Accept-Language prefers, Hindi or
// English (i18n.Parse), in its context: explanations, error messages and generic
// level descriptors are written in it. A websocket's is its upgrade request's, or
// its connection_init's (LanguageOfConnection). The response varies with the
// header, which a cache of GET responses must know.
func WithLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Language")
		next.ServeHTTP(w, r.WithContext(i18n.With(r.Context(), i18n.Parse(r.Header.Get("Accept-Language")))))
	})
}

// WithTimeout bounds the work of a request: resolvers and the database see the
// deadline. A websocket lives as long as its connection; the work of each of its
// events is bounded instead (graph's follow).
func WithTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// LimitBody refuses a request body over maxBytes with HTTP 413. The body is
// read here, so a refusal never reaches gqlgen (which would answer it with 200).
func LimitBody(maxBytes int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBytes {
			WriteError(w, http.StatusRequestEntityTooLarge, "request body too large", "BAD_REQUEST")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
			if err != nil {
				WriteError(w, http.StatusRequestEntityTooLarge, "request body too large", "BAD_REQUEST")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}
