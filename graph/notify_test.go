package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

const sRecs = `subscription($l: ID!, $n: Int) { recommendationsChanged(learnerId: $l, first: $n) {
	learner { name } generatedAt cached items { rank course { code } } } }`

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient speaks graphql-transport-ws to the handler, as the graphql-ws package
// does. A goroutine reads the connection (answering pings) into msgs, and the
// error that ended it into done.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMessage
	done chan error
}

// dial opens a websocket to c's handler and sends connection_init with payload;
// it does not wait for the answer.
func (c *client) dial(payload map[string]any) *wsClient {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.url, "http"),
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		c.t.Fatalf("dial: %v", err)
	}
	if got := res.Header.Get("Sec-WebSocket-Protocol"); got != "graphql-transport-ws" {
		c.t.Fatalf("subprotocol %q", got)
	}
	ws := &wsClient{t: c.t, conn: conn, msgs: make(chan wsMessage, 16), done: make(chan error, 1)}
	c.t.Cleanup(func() { conn.CloseNow() })
	go ws.pump()
	ws.send(wsMessage{Type: "connection_init", Payload: mustJSON(c.t, payload)})
	return ws
}

func (ws *wsClient) pump() {
	for {
		_, b, err := ws.conn.Read(context.Background())
		if err != nil {
			ws.done <- err
			return
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			ws.done <- err
			return
		}
		if m.Type == "ping" {
			ws.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
			continue
		}
		ws.msgs <- m
	}
}

// signedIn opens a websocket with c's token in connection_init, as frontends send it.
func (c *client) signedIn() *wsClient {
	c.t.Helper()
	ws := c.dial(map[string]any{"Authorization": "Bearer " + c.token})
	if m := ws.read(); m.Type != "connection_ack" {
		c.t.Fatalf("want connection_ack, got %+v", m)
	}
	return ws
}

func (ws *wsClient) send(m wsMessage) {
	ws.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, _ := json.Marshal(m)
	if err := ws.conn.Write(ctx, websocket.MessageText, b); err != nil {
		ws.t.Fatalf("write: %v", err)
	}
}

// readErr returns the next message other than a ping, or the error that ended
// the connection, waiting up to 10 seconds.
func (ws *wsClient) readErr() (wsMessage, error) {
	select {
	case m := <-ws.msgs:
		return m, nil
	case err := <-ws.done:
		return wsMessage{}, err
	case <-time.After(10 * time.Second):
		return wsMessage{}, errors.New("no message in 10s")
	}
}

func (ws *wsClient) read() wsMessage {
	ws.t.Helper()
	m, err := ws.readErr()
	if err != nil {
		ws.t.Fatalf("read: %v", err)
	}
	return m
}

// quiet fails if a message other than a ping arrives within d.
func (ws *wsClient) quiet(d time.Duration) {
	ws.t.Helper()
	select {
	case m := <-ws.msgs:
		ws.t.Fatalf("unexpected message %+v (%s)", m, m.Payload)
	case err := <-ws.done:
		ws.t.Fatalf("connection ended: %v", err)
	case <-time.After(d):
	}
}

func (ws *wsClient) subscribe(id, query string, vars map[string]any) {
	ws.t.Helper()
	ws.send(wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(ws.t, map[string]any{"query": query, "variables": vars})})
}

// recsEvent is the payload of one next message of sRecs.
type recsEvent struct {
	Data *struct {
		RecommendationsChanged struct {
			Learner     struct{ Name string }
			GeneratedAt time.Time
			Cached      bool
			Items       []struct {
				Rank   int
				Course struct{ Code string }
			}
		}
	}
	Errors []gqlError
}

func (e recsEvent) codes() string {
	var out []string
	for _, it := range e.Data.RecommendationsChanged.Items {
		out = append(out, it.Course.Code)
	}
	return strings.Join(out, ",")
}

// next reads the next message of subscription id, which must be a next.
func (ws *wsClient) next(id string) recsEvent {
	ws.t.Helper()
	m := ws.read()
	if m.Type != "next" || m.ID != id {
		ws.t.Fatalf("want next %s, got %+v (%s)", id, m, m.Payload)
	}
	var e recsEvent
	decode(ws.t, m.Payload, &e)
	return e
}

// assertEnd reads the end of subscription id: an error message (the
// subscription's error after it started) with code, or, for code "", complete.
func (ws *wsClient) assertEnd(id, code string) {
	ws.t.Helper()
	m := ws.read()
	if code == "" {
		if m.Type != "complete" || m.ID != id {
			ws.t.Fatalf("want complete %s, got %+v (%s)", id, m, m.Payload)
		}
		return
	}
	var errs []gqlError
	if m.Type != "error" || m.ID != id {
		ws.t.Fatalf("want error %s, got %+v (%s)", id, m, m.Payload)
	}
	decode(ws.t, m.Payload, &errs)
	if len(errs) != 1 || errs[0].Extensions["code"] != code {
		ws.t.Fatalf("want one %s error, got %s", code, m.Payload)
	}
	assertNoLeak(ws.t, string(m.Payload))
}

// assertRefused checks that the server closed the connection with code.
func (ws *wsClient) assertRefused(code websocket.StatusCode, reason string) {
	ws.t.Helper()
	m, err := ws.readErr()
	if err == nil {
		ws.t.Fatalf("want the connection closed with %d, got %+v", code, m)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code || !strings.Contains(ce.Reason, reason) {
		ws.t.Fatalf("want close %d %q, got %v", code, reason, err)
	}
}

// TestRecommendationsChanged subscribes over a websocket, as graphql-ws does, and
// changes the learner's record over HTTP.
func TestRecommendationsChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f := e.f
		asha := e.asha.bind(t)

		t.Run("Self", func(t *testing.T) {
			ws := asha.bind(t).signedIn()
			ws.subscribe("1", sRecs, map[string]any{"l": f["$asha"], "n": 5})
			first := ws.next("1")
			if first.Errors != nil || first.Data.RecommendationsChanged.Learner.Name != "Asha Verma" || !strings.Contains(first.codes(), "GFR-101") {
				t.Fatalf("first list: %+v", first)
			}
			// Evidence over HTTP: a new list, computed afresh, for the new version of her record.
			asha.bind(t).data(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 2}})
			second := ws.next("1")
			if second.Errors != nil || second.Data.RecommendationsChanged.Cached ||
				!second.Data.RecommendationsChanged.GeneratedAt.After(first.Data.RecommendationsChanged.GeneratedAt) {
				t.Fatalf("after recordEvidence: %+v, first generated at %v", second, first.Data.RecommendationsChanged.GeneratedAt)
			}
			// Enrolling: the course leaves the list.
			asha.bind(t).data(mEnrol, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr101"]}})
			if third := ws.next("1"); strings.Contains(third.codes(), "GFR-101") {
				t.Fatalf("after enrolling in GFR-101: %s", third.codes())
			}
			// Someone else's change is not hers.
			e.pa.bind(t).data(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$bhaskar"], "competencyId": f["$tax"], "source": "SUPERVISOR", "level": 2}})
			ws.quiet(500 * time.Millisecond)
			// Stopped: her next change pushes nothing (gqlgen acknowledges the stop with a complete).
			ws.send(wsMessage{ID: "1", Type: "complete"})
			if m := ws.read(); m.Type != "complete" {
				t.Fatalf("after stopping: %+v", m)
			}
			asha.bind(t).data(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 3}})
			ws.quiet(500 * time.Millisecond)
		})

		t.Run("BurstCoalesced", func(t *testing.T) {
			ws := asha.bind(t).signedIn()
			ws.subscribe("1", sRecs, map[string]any{"l": f["$asha"]})
			ws.next("1")
			// One request that changes her record three times: one list, not three.
			asha.bind(t).data(`mutation($a: RecordEvidenceInput!, $b: RecordEvidenceInput!, $c: RecordEvidenceInput!) {
				a: recordEvidence(input: $a) { evidence { id } } b: recordEvidence(input: $b) { evidence { id } }
				c: recordEvidence(input: $c) { evidence { id } } }`, map[string]any{
				"a": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 1},
				"b": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 2},
				"c": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 3},
			})
			ws.next("1")
			ws.quiet(500 * time.Millisecond)
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			// As the query: a learner the caller may not see does not exist for them.
			for name, c := range map[string]*client{"OtherLearner": asha, "OtherOrganisation": e.mohfwAdmin} {
				ws := c.bind(t).signedIn()
				ws.subscribe("1", sRecs, map[string]any{"l": f["$bhaskar"]})
				m := ws.read()
				var ev recsEvent
				decode(t, m.Payload, &ev)
				if m.Type != "next" || ev.Data != nil || len(ev.Errors) != 1 || ev.Errors[0].Extensions["code"] != graph.CodeNotFound {
					t.Fatalf("%s: want one NOT_FOUND, got %+v (%s)", name, m, m.Payload)
				}
				ws.assertEnd("1", "")
			}
		})

		t.Run("ErrBadUserInput", func(t *testing.T) {
			ws := asha.bind(t).signedIn()
			ws.subscribe("1", sRecs, map[string]any{"l": f["$asha"], "n": 101})
			var ev recsEvent
			decode(t, ws.read().Payload, &ev)
			if len(ev.Errors) != 1 || ev.Errors[0].Extensions["field"] != "first" {
				t.Fatalf("first: 101: %+v", ev)
			}
		})

		t.Run("AccessLost", func(t *testing.T) {
			// DoE's admin follows Asha; she moves to another ministry: the subscription
			// ends as a new one would, NOT_FOUND.
			ws := e.doeAdmin.bind(t).signedIn()
			ws.subscribe("7", sRecs, map[string]any{"l": f["$asha"]})
			ws.next("7")
			e.pa.bind(t).data(mUpdate, map[string]any{"input": map[string]any{"id": f["$asha"], "organisationId": f["$mohfw"]}})
			ws.assertEnd("7", graph.CodeNotFound)
		})

		t.Run("ErrTokenExpired", func(t *testing.T) {
			// A token that expires while the subscription runs: the next change ends it.
			token, _, err := asha.tokens.Issue(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, f["$asha"])}, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			short := *asha
			short.token = token
			ws := short.bind(t).signedIn()
			ws.subscribe("1", sRecs, map[string]any{"l": f["$asha"]})
			ws.next("1")
			time.Sleep(2100 * time.Millisecond)
			e.pa.bind(t).data(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 4}})
			ws.assertEnd("1", graph.CodeUnauthenticated)
		})
	})
}

// TestSubscriptionSignIn: a websocket needs a valid token in connection_init.
func TestSubscriptionSignIn(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	c := newClient(t, db)
	learner := c.as(models.Caller{Role: models.RoleLearner, LearnerID: 1})

	t.Run("ErrNoToken", func(t *testing.T) {
		c.anonymous().bind(t).dial(nil).assertRefused(4403, "sign in required")
	})
	t.Run("ErrInvalidToken", func(t *testing.T) {
		c.bind(t).dial(map[string]any{"Authorization": "Bearer not-a-token"}).assertRefused(4403, "invalid or expired token")
		c.bind(t).dial(map[string]any{"Authorization": learner.token}).assertRefused(4403, "invalid or expired token") // no Bearer
	})
	t.Run("TokenSpellings", func(t *testing.T) {
		for _, p := range []map[string]any{
			{"Authorization": "Bearer " + learner.token},
			{"authorization": "Bearer " + learner.token},
			{"token": learner.token},
		} {
			if m := learner.bind(t).dial(p).read(); m.Type != "connection_ack" {
				t.Errorf("%v: got %+v", p, m)
			}
		}
	})
	t.Run("ErrRegistrationToken", func(t *testing.T) {
		reg := c.as(models.Caller{Role: models.RoleLearner, Email: "new.person@gov.in", Registration: true}).bind(t).signedIn()
		reg.subscribe("1", sRecs, map[string]any{"l": graph.GlobalID("Learner", 1)})
		var ev recsEvent
		decode(t, reg.read().Payload, &ev)
		if len(ev.Errors) != 1 || ev.Errors[0].Extensions["code"] != graph.CodeForbidden {
			t.Fatalf("registration token: %+v", ev)
		}
	})
}

// TestSubscriptionShutdown: when the server shuts down (its cache closes), a
// subscription is not completed, which a client would take as the end: it stays
// open until the connection drops, and the client reconnects elsewhere.
func TestSubscriptionShutdown(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	bus := cache.NewMemory()
	c := newClientWith(t, db, func(s *graph.Services) { s.Notifier = &service.Notifier{Cache: bus} })
	f := seed(t, c)
	ws := c.as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, f["$asha"])}).signedIn()
	ws.subscribe("1", sRecs, map[string]any{"l": f["$asha"]})
	ws.next("1")
	bus.Close()
	ws.quiet(500 * time.Millisecond)
}

// TestMutationsAnnounce: every mutation of a learner's record announces the
// learner, once, after it succeeded; others announce nothing.
func TestMutationsAnnounce(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	bus := &service.Notifier{Cache: cache.NewMemory(), Coalesce: time.Millisecond}
	c := newClientWith(t, db, func(s *graph.Services) { s.Notifier = bus })
	e := attackEnvOn(t, c, db)
	seedBlended(t, e)
	f := e.f
	asha, admin := e.asha, e.pa
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	heard, err := bus.Subscribe(sctx, dbID(t, f["$asha"]))
	if err != nil {
		t.Fatal(err)
	}
	var enrolment struct {
		Enrol struct{ Enrolment struct{ ID string } }
	}
	for _, tc := range []struct {
		name  string
		by    *client
		query string
		input map[string]any
		heard bool
	}{
		{"RecordEvidence", asha, mRecord, map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 2}, true},
		{"Enrol", asha, mEnrol, map[string]any{"learnerId": f["$asha"], "courseId": f["$emp101"]}, true},
		{"UpdateProgress", asha, mProgress, nil, true}, // the enrolment above
		{"RateCourse", asha, mRate, map[string]any{"learnerId": f["$asha"], "courseId": f["$emp101"], "stars": 4}, true},
		{"DismissRecommendation", asha, `mutation($input: DismissRecommendationInput!) { dismissRecommendation(input: $input) { recommendations { generatedAt } } }`,
			map[string]any{"learnerId": f["$asha"], "courseId": f["$tax301"]}, true},
		{"AssignRole", admin, `mutation($input: AssignRoleInput!) { assignRole(input: $input) { learner { id } } }`,
			map[string]any{"learnerId": f["$asha"], "roleId": f["$ds"]}, true},
		{"UpdateLearner", admin, mUpdate, map[string]any{"id": f["$asha"], "name": "Asha V. Verma"}, true},
		{"OtherLearner", admin, mRecord, map[string]any{"learnerId": f["$bhaskar"], "competencyId": f["$tax"], "source": "SUPERVISOR", "level": 2}, false},
		{"ErrRefused", asha, mRecord, map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 9}, false},
		{"Catalogue", admin, `mutation($input: UpdateCourseInput!) { updateCourse(input: $input) { course { id } } }`,
			map[string]any{"id": f["$emp101"], "title": "Empathy in Public Service (2027)"}, false},
		{"RequestSeat", asha, mRequestSeat, map[string]any{"batchId": f["$batch"], "learnerId": f["$asha"]}, true},
		{"RegisterForSession", asha, mRegisterSession, map[string]any{"sessionId": f["$eventSession"], "learnerId": f["$asha"]}, false},
		{"RecordAttendance", e.doeAdmin, mAttend, map[string]any{"sessionId": f["$eventSession"], "learnerIds": []string{f["$bhaskar"], f["$asha"]}}, true},
		{"TakeAssessment", e.provider, mAssess, map[string]any{"enrolmentId": f["$ashaEnrolment"], "score": 0.5}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.input == nil {
				tc.input = map[string]any{"enrolmentId": enrolment.Enrol.Enrolment.ID, "progress": 0.5}
			}
			r := tc.by.bind(t).post(tc.query, map[string]any{"input": tc.input})
			if refused := strings.HasPrefix(tc.name, "Err"); refused != (len(r.Errors) > 0) {
				t.Fatalf("refused: %v, want %v: %s", !refused, refused, r.Body)
			}
			if tc.name == "Enrol" {
				decode(t, r.Data, &enrolment)
			}
			if n, _ := receivedWithin(heard, 200*time.Millisecond); (n == 1) != tc.heard || n > 1 {
				t.Errorf("announced %d times, want heard %v (%s)", n, tc.heard, r.Body)
			}
		})
	}
}

// receivedWithin counts the values ch delivers within d, and reports whether it closed.
func receivedWithin(ch <-chan struct{}, d time.Duration) (n int, closed bool) {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return n, true
			}
			n++
		case <-deadline:
			return n, false
		}
	}
}

// TestWebsocketOrigins: pages of other origins may open a websocket only when
// listed (the CORS origins); clients that send no Origin (servers, Node) may.
func TestWebsocketOrigins(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	tokens, err := auth.NewTokens(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	h := graph.NewHandler(withTokens(services(db, nil), tokens),
		graph.Options{WebsocketOrigins: []string{"https://app.example.gov.in"}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for origin, want := range map[string]int{"": 101, "https://app.example.gov.in": 101, "https://elsewhere.example.com": 403} {
		header := http.Header{}
		if origin != "" {
			header.Set("Origin", origin)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"),
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
		cancel()
		if conn != nil {
			conn.CloseNow()
		}
		if res == nil || res.StatusCode != want {
			t.Errorf("Origin %q: %v, %v; want HTTP %d", origin, res, err, want)
		}
	}
}
