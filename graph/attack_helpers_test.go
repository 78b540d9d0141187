package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// This file holds the scaffolding of the attack suite (attack_test.go): a seeded
// government with a client for each kind of caller, a snapshot of every table to
// prove an attack changed nothing, raw HTTP requests for what a GraphQL client
// would never send, forged tokens, and checks that a response leaks nothing.

// attackEnv is the seed fixture (see seed) with a client for each kind of caller.
type attackEnv struct {
	db *store.DB
	f  fixture

	pa         *client // PLATFORM_ADMIN
	anon       *client // no token
	asha       *client // LEARNER Asha Verma (E001), in DGACR (MOF > DOE > DGACR)
	doeAdmin   *client // ORG_ADMIN of DOE (subtree DOE > DGACR), learner Bhaskar Rao (E002)
	mohfwAdmin *client // ORG_ADMIN of MOHFW, another ministry, learner Chitra Iyer (E003)
	provider   *client // CONTENT_PROVIDER with no learner record

	auditID string // the global ID of an audit entry (the seed's mutations are audited)
}

// people is the personal data of the fixture's learners, by first name: what must
// never reach a caller who may not see them.
var people = map[string][]string{
	"asha":     {"Asha Verma", "asha.verma@gov.in", "E001"},
	"bhaskar":  {"Bhaskar Rao", "bhaskar.rao@gov.in", "E002"},
	"chitra":   {"Chitra Iyer", "chitra.iyer@nic.in", "E003"},
	"devendra": {"Devendra Singh", "devendra.singh@gov.in", "E004"},
}

// pii returns the personal data of the named learners.
func pii(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, people[n]...)
	}
	return out
}

// newAttackEnv serves the handler over db, seeds the fixture and makes the clients.
func newAttackEnv(t *testing.T, db *store.DB) *attackEnv {
	t.Helper()
	c := newClient(t, db)
	return attackEnvOn(t, c, db)
}

// attackEnvOn seeds the fixture through c (a PLATFORM_ADMIN's client) and makes the clients.
func attackEnvOn(t *testing.T, c *client, db *store.DB) *attackEnv {
	t.Helper()
	f := seed(t, c)
	id := func(key string) int64 { return dbID(t, f[key]) }
	e := &attackEnv{db: db, f: f, pa: c, anon: c.anonymous()}
	e.asha = c.as(models.Caller{Role: models.RoleLearner, LearnerID: id("$asha"), OrganisationID: id("$dgacr")})
	e.doeAdmin = c.as(models.Caller{Role: models.RoleOrgAdmin, LearnerID: id("$bhaskar"), OrganisationID: id("$doe")})
	e.mohfwAdmin = c.as(models.Caller{Role: models.RoleOrgAdmin, LearnerID: id("$chitra"), OrganisationID: id("$mohfw")})
	e.provider = c.as(models.Caller{Role: models.RoleContentProvider, Subject: "operator:content-provider"})
	var log struct {
		AuditLog struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	decode(t, c.data(`{ auditLog(first: 1) { edges { node { id } } } }`, nil), &log)
	if len(log.AuditLog.Edges) != 1 {
		t.Fatal("the seed left no audit entry")
	}
	e.auditID = log.AuditLog.Edges[0].Node.ID

	// Bhaskar's learning record, for attacks on records that are not the caller's.
	var rec struct {
		RecordEvidence struct{ Evidence struct{ ID string } }
		Enrol          struct{ Enrolment struct{ ID string } }
	}
	decode(t, c.data(`mutation($e: RecordEvidenceInput!, $n: EnrolInput!) {
		recordEvidence(input: $e) { evidence { id } } enrol(input: $n) { enrolment { id } } }`, map[string]any{
		"e": map[string]any{"learnerId": f["$bhaskar"], "competencyId": f["$tax"], "source": "SUPERVISOR", "level": 3},
		"n": map[string]any{"learnerId": f["$bhaskar"], "courseId": f["$tax301"]},
	}), &rec)
	f["$bhaskarEvidence"], f["$bhaskarEnrolment"] = rec.RecordEvidence.Evidence.ID, rec.Enrol.Enrolment.ID
	return e
}

// seedBlended adds to the attack fixture what the blended-learning and karma
// attacks reach for: a final assessment on GFR-101 with Asha enrolled in it; a
// ONE_STEP_APPROVAL batch of GFR-201 that has begun, with a session and Bhaskar's
// pending request for a seat; and an event hosted by DOE with a session running
// now, Bhaskar registered for it.
func seedBlended(t *testing.T, e *attackEnv) {
	t.Helper()
	f, pa := e.f, e.pa.bind(t)
	now := time.Now().UTC().Truncate(time.Second)
	id := func(key string, raw json.RawMessage, path ...string) {
		var v any
		decode(t, raw, &v)
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		f[key] = v.(string)
	}
	pa.data(`mutation($id: ID!) { updateCourse(input: {id: $id, passMark: 0.7}) { course { id } } }`, map[string]any{"id": f["$gfr101"]})
	id("$ashaEnrolment", e.asha.bind(t).data(`mutation($i: EnrolInput!) { enrol(input: $i) { enrolment { id } } }`,
		map[string]any{"i": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr101"]}}), "enrol", "enrolment", "id")
	id("$batch", e.provider.bind(t).data(`mutation($i: CreateBatchInput!) { createBatch(input: $i) { batch { id } } }`,
		map[string]any{"i": map[string]any{"code": "ATK-B1", "courseId": f["$gfr201"], "name": "Attack batch", "venue": "ISTM",
			"startsAt": now.Add(-24 * time.Hour), "endsAt": now.Add(10 * 24 * time.Hour), "seats": 5, "policy": "ONE_STEP_APPROVAL"}}),
		"createBatch", "batch", "id")
	id("$batchSession", e.provider.bind(t).data(`mutation($i: CreateSessionInput!) { createSession(input: $i) { session { id } } }`,
		map[string]any{"i": map[string]any{"code": "ATK-B1-S1", "batchId": f["$batch"], "title": "Day one",
			"startsAt": now.Add(-24 * time.Hour), "endsAt": now.Add(-20 * time.Hour)}}), "createSession", "session", "id")
	id("$bhaskarSeat", pa.data(`mutation($i: RequestSeatInput!) { requestSeat(input: $i) { seatRequest { id } } }`,
		map[string]any{"i": map[string]any{"batchId": f["$batch"], "learnerId": f["$bhaskar"]}}), "requestSeat", "seatRequest", "id")
	id("$event", e.doeAdmin.bind(t).data(`mutation($i: CreateLearningEventInput!) { createLearningEvent(input: $i) { event { id } } }`,
		map[string]any{"i": map[string]any{"code": "ATK-EVENT", "name": "DOE learning week", "organisationId": f["$doe"],
			"startsAt": now.Add(-time.Hour), "endsAt": now.Add(48 * time.Hour)}}), "createLearningEvent", "event", "id")
	id("$eventSession", e.doeAdmin.bind(t).data(`mutation($i: CreateSessionInput!) { createSession(input: $i) { session { id } } }`,
		map[string]any{"i": map[string]any{"code": "ATK-EVENT-1", "eventId": f["$event"], "title": "Open talk", "capacity": 10,
			"startsAt": now.Add(-30 * time.Minute), "endsAt": now.Add(2 * time.Hour)}}), "createSession", "session", "id")
	pa.data(`mutation($i: RegisterForSessionInput!) { registerForSession(input: $i) { registration { status } } }`,
		map[string]any{"i": map[string]any{"sessionId": f["$eventSession"], "learnerId": f["$bhaskar"]}})
}

// dbID returns the database ID in a global ID.
func dbID(t *testing.T, gid string) int64 {
	t.Helper()
	_, n, ok := graph.ParseGlobalID(gid)
	if !ok {
		t.Fatalf("not a global ID: %q", gid)
	}
	return n
}

// b64 is the opaque encoding of global IDs and cursors, for forging them.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// bind returns a copy of c that reports to t, for use inside a subtest.
func (c *client) bind(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}

// ask posts a query and checks that the response leaks no internals.
func (c *client) ask(query string, vars map[string]any) response {
	c.t.Helper()
	r := c.post(query, vars)
	assertNoLeak(c.t, r.Body)
	return r
}

// rawResponse is what the server answered to a raw request; the embedded
// response is filled when the body is JSON.
type rawResponse struct {
	response
	Header http.Header
	JSON   bool
}

// raw sends a request exactly as given, with c's token unless header sets an
// Authorization of its own, and checks that the answer leaks no internals.
func (c *client) raw(method, target string, header http.Header, body []byte) rawResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	var r rawResponse
	r.JSON = json.Unmarshal(b, &r.response) == nil
	r.Status, r.Body, r.Header = res.StatusCode, string(b), res.Header
	assertNoLeak(c.t, r.Body)
	return r
}

// postJSON sends body as a JSON POST, as raw does.
func (c *client) postJSON(body []byte, header http.Header) rawResponse {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	for k, vs := range header {
		h[k] = vs
	}
	return c.raw(http.MethodPost, c.url, h, body)
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leakMarkers betray internals: SQL, driver messages, stacks, panics.
var leakMarkers = []string{"SELECT", "sqlite", "pq:", "SQLSTATE", "goroutine", ".go:", "pgx", "syntax error", "runtime error", "panic"}

// assertNoLeak checks that a response body shows no internals.
func assertNoLeak(t *testing.T, body string) {
	t.Helper()
	for _, m := range leakMarkers {
		if strings.Contains(body, m) {
			t.Errorf("response leaks %q: %.400s", m, body)
		}
	}
}

// assertAbsent checks that none of the strings appear in a response body.
func assertAbsent(t *testing.T, body string, strs ...string) {
	t.Helper()
	for _, s := range strs {
		if strings.Contains(body, s) {
			t.Errorf("response reveals %q: %.400s", s, body)
		}
	}
}

// assertAllCodes checks that a response has errors and that every one has the code.
func assertAllCodes(t *testing.T, r response, code string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("want %s errors, got none: %.400s", code, r.Body)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != code {
			t.Errorf("extensions.code = %v, want %s: %.400s", e.Extensions["code"], code, r.Body)
		}
	}
}

// assertNoData checks that a response carries no data, or only nulls at the top.
func assertNoData(t *testing.T, r response) {
	t.Helper()
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(r.Data, &m); err != nil {
		t.Errorf("data = %.300s, want none", r.Data)
		return
	}
	for k, v := range m {
		if v != nil {
			t.Errorf("data.%s = %.300v, want none", k, v)
		}
	}
}

// assertRefused checks that a request was refused before it ran: HTTP 4xx, an
// error in the body if it is JSON, no data, and never INTERNAL.
func assertRefused(t *testing.T, r rawResponse) {
	t.Helper()
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("HTTP %d, want a 4xx refusal: %.300s", r.Status, r.Body)
	}
	if r.JSON {
		assertNoData(t, r.response)
		assertNotInternal(t, r.response)
	}
}

// assertNotInternal checks that no error of a response is INTERNAL.
func assertNotInternal(t *testing.T, r response) {
	t.Helper()
	for _, e := range r.Errors {
		if e.Extensions["code"] == graph.CodeInternal {
			t.Errorf("INTERNAL error: %.400s", r.Body)
		}
	}
}

// dbState is every row of every table the API writes (sign-in codes aside),
// each table's rows rendered and sorted.
type dbState map[string][]string

var snapshotTables = []string{"organisations", "competencies", "competency_levels", "roles", "role_requirements",
	"courses", "course_competencies", "learners", "learner_roles", "evidence", "proficiencies", "enrolments",
	"certificates", "course_ratings", "counters", "settings", "audit_entries", "dismissals", "learner_gaps", "gap_rollups",
	"plans", "plan_courses", "plan_learners",
	"batches", "seat_requests", "seat_decisions", "learning_events", "sessions", "session_competencies", "session_registrations",
	"attendance", "assessment_attempts", "karma_rules", "karma_ledger", "karma_totals"}

// snapshot reads the whole database; a missing table (dropped by an injection) fails the test.
func snapshot(t *testing.T, db *store.DB) dbState {
	t.Helper()
	ctx := context.Background()
	s := dbState{}
	for _, table := range snapshotTables {
		rows, err := db.Bun().QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("snapshot: table %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				switch x := v.(type) {
				case []byte:
					v = string(x)
				case time.Time:
					v = x.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(&b, "%s=%v;", cols[i], v)
			}
			out = append(out, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		sort.Strings(out)
		s[table] = out
	}
	return s
}

// assertUnchanged checks that the database is as it was in before.
func assertUnchanged(t *testing.T, db *store.DB, before dbState, except ...string) {
	t.Helper()
	after := snapshot(t, db)
	skip := map[string]bool{}
	for _, e := range except {
		skip[e] = true
	}
	for _, table := range snapshotTables {
		if skip[table] {
			continue
		}
		b, a := before[table], after[table]
		if strings.Join(b, "\n") == strings.Join(a, "\n") {
			continue
		}
		t.Errorf("table %s changed: %d rows before, %d after", table, len(b), len(a))
		for i := 0; i < max(len(a), len(b)); i++ {
			var x, y string
			if i < len(b) {
				x = b[i]
			}
			if i < len(a) {
				y = a[i]
			}
			if x != y {
				t.Errorf("  first difference:\n    before: %.300s\n    after:  %.300s", x, y)
				break
			}
		}
	}
}

// countingLimiter admits n requests per key; every key asked about is recorded.
type countingLimiter struct {
	n    int
	seen map[string]int
}

func (l *countingLimiter) Allow(key string) bool {
	l.seen[key]++
	return l.seen[key] <= l.n
}

// serveWith serves the handler over db with the given options and sign-in
// limiters, and returns a PLATFORM_ADMIN's client.
func serveWith(t *testing.T, db *store.DB, o graph.Options, perEmail, perAddress auth.Limiter) *client {
	t.Helper()
	tokens, err := auth.NewTokens(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	mail := &mailbox{codes: map[string]string{}}
	logs := &syncBuffer{}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	s := services(db, o.Logger)
	s.Tokens = tokens
	s.SignIn = &auth.SignIn{Store: db, Learners: db, Tokens: tokens, Sender: mail, Domains: []string{"gov.in", "nic.in"},
		PerEmail: perEmail, PerAddress: perAddress}
	srv := httptest.NewServer(graph.NewHandler(s, o))
	t.Cleanup(srv.Close)
	c := &client{t: t, url: srv.URL, db: db, logs: logs, tokens: tokens, mail: mail}
	return c.as(models.Caller{Role: models.RolePlatformAdmin, Subject: "operator:test"})
}

// forge signs claims like the service's own (a PLATFORM_ADMIN operator's, valid
// for an hour) after edit changes them, with method and key.
func forge(t *testing.T, method jwt.SigningMethod, key any, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"iss": auth.Issuer, "aud": []string{auth.Audience}, "sub": "operator:PLATFORM_ADMIN",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "forged",
		"role": string(models.RolePlatformAdmin)}
	if edit != nil {
		edit(claims)
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamper rewrites the payload of a signed token with edit and keeps the old signature.
func tamper(t *testing.T, token string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	edit(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(mustJSON(t, claims))
	return strings.Join(parts, ".")
}

// signInCode runs requestOtp for email and returns the code the mailbox received.
func signInCode(t *testing.T, c *client, email string) string {
	t.Helper()
	r := c.anonymous().bind(t).ask(`mutation($e: String!) { requestOtp(input: {email: $e}) { expiresAt } }`, map[string]any{"e": email})
	if len(r.Errors) > 0 {
		t.Fatalf("requestOtp %s: %s", email, r.Body)
	}
	code := c.mail.code(models.NormaliseEmail(email))
	if code == "" {
		t.Fatalf("no code mailed to %s", email)
	}
	return code
}

// otherCode returns a 6-digit code that is not code.
func otherCode(code string, k int) string {
	var n int
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%06d", (n+k)%1_000_000)
}
