// Package wsguard caps the subscriptions of the GraphQL endpoint's websockets,
// per connection and per token subject, and counts each subscribe message
// against the caller's request rate (package graph wires it into gqlgen's
// websocket transport).
package wsguard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
)

// Default caps on subscriptions: one learner's frontend follows a few things at
// once, on one connection or a few (tabs). 5,000 on one connection took 1.5 GB and
// slowed everyone else's requests to seconds.
const (
	DefaultSubscriptionsPerConnection = 10
	DefaultSubscriptionsPerSubject    = 20
)

// Close codes of a websocket refused for what it asked (graphql-transport-ws):
// 4429 for too many requests (subscriptions past a cap, or past the caller's
// request rate), 4409 for a subscription id already in use.
const (
	closeTooMany   = 4429
	closeDuplicate = 4409
)

// Guard caps the subscriptions of each websocket connection and of each
// subject (the token's, across this process's connections), and counts each
// subscribe message against the caller's request rate. A connection past a cap
// is closed with 4429 and a reason. It reads the protocol's messages as they
// arrive (guardedConn), before gqlgen parses their documents.
type Guard struct {
	perConnection, perSubject int
	rate                      middleware.Limiter // nil: no rate
	mu                        sync.Mutex
	subjects                  map[string]int // active subscriptions by subject
}

// New returns a guard with the caps (0: the defaults) and the request rate (nil: none).
func New(perConnection, perSubject int, rate middleware.Limiter) *Guard {
	if perConnection <= 0 {
		perConnection = DefaultSubscriptionsPerConnection
	}
	if perSubject <= 0 {
		perSubject = DefaultSubscriptionsPerSubject
	}
	return &Guard{perConnection: perConnection, perSubject: perSubject, rate: rate, subjects: map[string]int{}}
}

type wsStateKey struct{}

// wsState is one connection's: its subject (once connection_init has signed it
// in) and its active subscription ids.
type wsState struct {
	mu      sync.Mutex
	subject string
	active  map[string]bool
}

// Middleware gives each websocket request a wsState, where the connection
// (Implementation) and its sign-in (InitFunc) find it.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			r = r.WithContext(context.WithValue(r.Context(), wsStateKey{}, &wsState{active: map[string]bool{}}))
		}
		next.ServeHTTP(w, r)
	})
}

// Init wraps the websocket's InitFunc: the caller it signs in is the connection's subject.
func (g *Guard) Init(next transport.WebsocketInitFunc) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, ack, err := next(ctx, p)
		if s, ok := ctx.Value(wsStateKey{}).(*wsState); ok && err == nil {
			if c := middleware.Caller(ctx); c != nil {
				s.mu.Lock()
				s.subject = c.Subject
				s.mu.Unlock()
			}
		}
		return ctx, ack, err
	}
}

// Implementation wraps the websocket implementation so that g sees each message.
func (g *Guard) Implementation(impl transport.WebsocketImplementation) transport.WebsocketImplementation {
	return guardedImplementation{impl: impl, guard: g}
}

type guardedImplementation struct {
	impl  transport.WebsocketImplementation
	guard *Guard
}

func (i guardedImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := i.impl.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	s, ok := r.Context().Value(wsStateKey{}).(*wsState)
	if !ok {
		s = &wsState{active: map[string]bool{}}
	}
	return &guardedConn{WebsocketConn: conn, guard: i.guard, state: s}, nil
}

// guardedConn is a websocket connection whose client messages start and stop
// subscriptions in the guard's count, and whose server messages end them.
type guardedConn struct {
	transport.WebsocketConn
	guard  *Guard
	state  *wsState
	closed sync.Once
}

// wsEnvelope is the part of a message the guard reads.
type wsEnvelope struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (c *guardedConn) NextReader() (int, io.Reader, error) {
	kind, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		return kind, r, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return kind, nil, err
	}
	var m wsEnvelope
	if json.Unmarshal(b, &m) == nil {
		switch m.Type {
		case "subscribe", "start": // graphql-transport-ws, subscriptions-transport-ws
			if code, reason := c.guard.start(c.state, m.ID); code != 0 {
				c.WebsocketConn.WriteClose(code, reason)
				return kind, nil, transport.ErrWebsocketClosed // the transport stops reading and closes
			}
		case "complete", "stop":
			c.guard.end(c.state, m.ID)
		}
	}
	return kind, bytes.NewReader(b), nil
}

func (c *guardedConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m wsEnvelope
	if json.Unmarshal(b, &m) == nil && m.ID != "" && (m.Type == "complete" || m.Type == "error") {
		c.guard.end(c.state, m.ID)
	}
	return c.WebsocketConn.WriteJSON(json.RawMessage(b))
}

// Close ends the connection's subscriptions in the count.
func (c *guardedConn) Close() error {
	c.closed.Do(func() { c.guard.endAll(c.state) })
	return c.WebsocketConn.Close()
}

// SetReadLimit and SetReadDeadline pass on to the connection, which gqlgen
// asks for them by interface.
func (c *guardedConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

func (c *guardedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// start admits subscription id on the connection, or returns the close code and
// reason that refuse it.
func (g *Guard) start(s *wsState, id string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.rate != nil && s.subject != "" && !g.rate.Allow("sub:"+s.subject) {
		return closeTooMany, "too many requests; slow down"
	}
	if s.active[id] {
		return closeDuplicate, fmt.Sprintf("Subscriber for %s already exists", id)
	}
	if len(s.active) >= g.perConnection {
		return closeTooMany, fmt.Sprintf("too many subscriptions on one connection; at most %d", g.perConnection)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.subject != "" && g.subjects[s.subject] >= g.perSubject {
		return closeTooMany, fmt.Sprintf("too many subscriptions for one caller; at most %d", g.perSubject)
	}
	s.active[id] = true
	if s.subject != "" {
		g.subjects[s.subject]++
	}
	return 0, ""
}

// end takes subscription id of the connection out of the count, if it is in it.
func (g *Guard) end(s *wsState, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.active[id] {
		return
	}
	delete(s.active, id)
	g.release(s.subject, 1)
}

// endAll takes every subscription of a closed connection out of the count.
func (g *Guard) endAll(s *wsState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g.release(s.subject, len(s.active))
	clear(s.active)
}

func (g *Guard) release(subject string, n int) {
	if subject == "" || n == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.subjects[subject] -= n; g.subjects[subject] <= 0 {
		delete(g.subjects, subject)
	}
}
