package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

// Request is what the log handler adds to each line logged with a request's
// context: its id and, once the GraphQL handler knows it, the operation name.
type Request struct {
	ID        string
	operation atomic.Pointer[string]
}

// SetOperation records the GraphQL operation the request runs.
func (r *Request) SetOperation(name string) {
	if r != nil {
		r.operation.Store(&name)
	}
}

// Operation is the GraphQL operation the request runs, or "".
func (r *Request) Operation() string {
	if r == nil {
		return ""
	}
	if p := r.operation.Load(); p != nil {
		return *p
	}
	return ""
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request ctx carries, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// SetOperation records the GraphQL operation of the request ctx carries, if any.
func SetOperation(ctx context.Context, name string) { RequestFrom(ctx).SetOperation(name) }

// RequestIDHeader is the header a request id comes in and goes out in.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the client's request id if it is a sensible one (1 to 128
// characters of letters, digits and -_.:/+=), or a new random one.
func RequestID(fromClient string) string {
	if n := len(fromClient); n > 0 && n <= 128 && strings.Trim(fromClient, idChars) == "" {
		return fromClient
	}
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+="

// LogOptions choose the format and level of the service's logs.
type LogOptions struct {
	Format string     // "json" (the default) or "text"
	Level  slog.Level // lines below it are dropped; the zero value is Info
}

// NewLogHandler returns the service's log handler: JSON (or text) lines on w,
// each with request_id and operation when logged with a request's context
// (and trace_id, span_id inside a trace), and every string and error scrubbed
// of email addresses and bearer tokens.
//
// Keys that name a secret (token, authorization, password, secret, email, otp)
// are redacted whatever their value. The development OTP sender's "code" is
// not: printing it is that sender's purpose, and production refuses to start
// without a mail sender.
func NewLogHandler(w io.Writer, o LogOptions) (slog.Handler, error) {
	ho := &slog.HandlerOptions{Level: o.Level}
	var h slog.Handler
	switch o.Format {
	case "", "json":
		h = slog.NewJSONHandler(w, ho)
	case "text":
		h = slog.NewTextHandler(w, ho)
	default:
		return nil, fmt.Errorf("log format %q: want json or text", o.Format)
	}
	return contextHandler{h}, nil
}

// ParseLevel reads debug, info, warn or error.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if s == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// contextHandler adds the request's fields and scrubs secrets.
type contextHandler struct{ next slog.Handler }

func (h contextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = scrubAttr(a)
	}
	return contextHandler{h.next.WithAttrs(out)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.next.WithGroup(name)}
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Scrub(r.Message), r.PC)
	if req := RequestFrom(ctx); req != nil {
		out.AddAttrs(slog.String("request_id", req.ID))
		if op := req.Operation(); op != "" {
			out.AddAttrs(slog.String("operation", op))
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		out.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrubAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// secretKeys are attribute keys whose values are never logged.
var secretKeys = map[string]bool{"token": true, "access_token": true, "authorization": true, "password": true,
	"secret": true, "email": true, "otp": true, "jwt": true, "cookie": true}

func scrubAttr(a slog.Attr) slog.Attr {
	if secretKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[redacted]")
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Scrub(v.String()))
	case slog.KindGroup:
		as := v.Group()
		out := make([]any, len(as))
		for i, g := range as {
			out[i] = scrubAttr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Scrub(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, Scrub(x.String()))
		case []byte:
			return slog.String(a.Key, Scrub(string(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	jwtPattern   = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	bearer       = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/\-]+=*`)
)

// Scrub replaces email addresses, JWTs and bearer credentials in s.
func Scrub(s string) string {
	if strings.Contains(s, "@") {
		s = emailPattern.ReplaceAllString(s, "[email]")
	}
	if strings.Contains(s, "eyJ") {
		s = jwtPattern.ReplaceAllString(s, "[token]")
	}
	if strings.Contains(s, "earer") || strings.Contains(s, "EARER") {
		s = bearer.ReplaceAllString(s, "Bearer [token]")
	}
	return s
}
