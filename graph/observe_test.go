package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/server"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
)

// obsEnv is the whole HTTP stack as serve builds it: internal/server around the
// GraphQL handler, with the service's log handler, metrics and (optionally) tracing.
type obsEnv struct {
	t      *testing.T
	url    string
	db     *store.DB
	logs   *obsBuffer
	tokens *auth.Tokens
	mail   *obsMailbox
	admin  string // a PLATFORM_ADMIN's token
}

type obsBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *obsBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *obsBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// obsMailbox keeps the codes it is asked to send, instead of logging them.
type obsMailbox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (m *obsMailbox) SendOTP(_ context.Context, email, code string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[email] = code
	return nil
}

func (m *obsMailbox) code(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.codes[email]
}

type obsUnlimited struct{}

func (obsUnlimited) Allow(string) bool { return true }

func newObsEnv(t *testing.T, tp trace.TracerProvider) *obsEnv {
	t.Helper()
	db := storetest.Open(t, "sqlite")
	telemetry.InstrumentDB(db.Bun(), tp)
	tokens, err := auth.NewTokens([]byte("a test secret of at least thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	mail := &obsMailbox{codes: map[string]string{}}
	logs := &obsBuffer{}
	h, err := telemetry.NewLogHandler(logs, telemetry.LogOptions{Format: "json", Level: slog.LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(h)
	signIn := &auth.SignIn{Store: db, Learners: db, Tokens: tokens, Sender: mail, Domains: []string{"gov.in"},
		PerEmail: obsUnlimited{}, PerAddress: obsUnlimited{}}
	metrics := telemetry.NewGraphQLMetrics()
	s := services(db, logger)
	s.SignIn, s.Tokens = signIn, tokens
	gql := graph.NewHandler(s,
		graph.Options{Introspection: true, Logger: logger, Metrics: metrics, Tracer: tp})
	srv := httptest.NewServer(server.New(server.Config{GraphQL: gql, Database: db, Logger: logger, SQL: db.Bun().DB,
		Collectors: []prometheus.Collector{metrics}, Tracer: tp}).Handler())
	t.Cleanup(srv.Close)
	admin, _, err := tokens.Issue(models.Caller{Role: models.RolePlatformAdmin, Subject: "operator:test"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &obsEnv{t: t, url: srv.URL, db: db, logs: logs, tokens: tokens, mail: mail, admin: admin}
}

type obsResponse struct {
	Status int
	Header http.Header
	Body   string
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends one operation as a browser client would, with the given token and headers.
func (e *obsEnv) post(token, query string, vars map[string]any, header map[string]string) obsResponse {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := obsResponse{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatalf("response is not JSON: %s", b)
	}
	return r
}

func (e *obsEnv) mustData(token, query string, vars map[string]any, v any) {
	e.t.Helper()
	r := e.post(token, query, vars, nil)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		e.t.Fatalf("HTTP %d: %s", r.Status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			e.t.Fatal(err)
		}
	}
}

// logLines parses the JSON log lines.
func (e *obsEnv) logLines() []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			e.t.Fatalf("log line is not JSON: %s", line)
		}
		out = append(out, m)
	}
	return out
}

// TestLogsCarryNoSecrets runs the whole sign-in flow (an admin registers a
// learner, the learner asks for a code, gets one wrong, signs in and reads their
// record) and checks that no email, code or token reaches the log, while every
// request's line carries its request id and operation.
func TestLogsCarryNoSecrets(t *testing.T) {
	e := newObsEnv(t, nil)
	const email = "asha.verma@gov.in"

	var org struct {
		CreateOrganisation struct{ Organisation struct{ ID string } }
	}
	e.mustData(e.admin, `mutation NewMinistry { createOrganisation(input: {code: "MOF", name: "Ministry of Finance", type: MINISTRY}) { organisation { id } } }`, nil, &org)
	e.mustData(e.admin, `mutation Register($in: RegisterLearnerInput!) { registerLearner(input: $in) { learner { id } } }`,
		map[string]any{"in": map[string]any{"employeeCode": "E1", "name": "Asha Verma", "email": email, "designation": "Section Officer",
			"organisationId": org.CreateOrganisation.Organisation.ID}}, nil)

	e.mustData("", `mutation RequestOtp($email: String!) { requestOtp(input: {email: $email}) { expiresAt } }`, map[string]any{"email": email}, nil)
	code := e.mail.code(email)
	if len(code) != 6 {
		t.Fatalf("no code sent: %q", code)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	r := e.post("", `mutation VerifyOtp($email: String!, $code: String!) { verifyOtp(input: {email: $email, code: $code}) { token } }`,
		map[string]any{"email": email, "code": wrong}, nil)
	if len(r.Errors) == 0 {
		t.Fatalf("a wrong code signed in: %s", r.Body)
	}
	var signedIn struct{ VerifyOtp struct{ Token string } }
	e.mustData("", `mutation VerifyOtp($email: String!, $code: String!) { verifyOtp(input: {email: $email, code: $code}) { token } }`,
		map[string]any{"email": email, "code": code}, &signedIn)
	token := signedIn.VerifyOtp.Token
	if token == "" {
		t.Fatal("no token")
	}
	e.mustData(token, `query Me { viewer { name email } }`, nil, nil)
	// A GET whose URL holds the email: the query string is never logged.
	req, _ := http.NewRequest(http.MethodGet, e.url+"/graphql?query="+strings.ReplaceAll(`query Lookup { viewer { name } } # `+email, " ", "+"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	// A tampered token is refused and not logged.
	e.post(token+"x", `query Me { viewer { name } }`, nil, nil)

	logs := e.logs.String()
	for _, secret := range []string{email, "asha.verma", code, token, e.admin, strings.Split(token, ".")[2]} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %.20q...:\n%s", secret, logs)
		}
	}

	ops := map[string]int{}
	for _, line := range e.logLines() {
		if line["msg"] != "request" {
			continue
		}
		if id, _ := line["request_id"].(string); len(id) != 32 {
			t.Errorf("request line without a generated request id: %v", line)
		}
		if op, _ := line["operation"].(string); op != "" {
			ops[op]++
		}
	}
	for op, n := range map[string]int{"NewMinistry": 1, "Register": 1, "RequestOtp": 1, "VerifyOtp": 2, "Me": 1, "Lookup": 1} {
		if ops[op] != n {
			t.Errorf("%d request lines for operation %s, want %d (all: %v)", ops[op], op, n, ops)
		}
	}
}

func TestRequestIDIsEchoedAndLogged(t *testing.T) {
	e := newObsEnv(t, nil)
	r := e.post("", `query Catalogue { competencies(first: 1) { totalCount } }`, nil, map[string]string{"X-Request-Id": "portal-7f3a"})
	if got := r.Header.Get("X-Request-Id"); got != "portal-7f3a" {
		t.Fatalf("X-Request-Id = %q, want the client's", got)
	}
	if !strings.Contains(e.logs.String(), `"request_id":"portal-7f3a","operation":"Catalogue"`) {
		t.Errorf("log lacks the request id and operation:\n%s", e.logs.String())
	}
	r = e.post("", `{ competencies(first: 1) { totalCount } }`, nil, map[string]string{"X-Request-Id": "bad id\twith spaces"})
	if got := r.Header.Get("X-Request-Id"); len(got) != 32 || strings.Contains(got, " ") {
		t.Fatalf("X-Request-Id = %q, want a generated one in place of a malformed one", got)
	}
}

// TestTraceOfAQuery checks that one query makes one trace holding the HTTP
// request's span, the operation's, the resolver's and the SQL statements'.
func TestTraceOfAQuery(t *testing.T) {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	e := newObsEnv(t, tp)
	e.mustData(e.admin, `mutation NewMinistry { createOrganisation(input: {code: "MOF", name: "Ministry of Finance", type: MINISTRY}) { organisation { id } } }`, nil, nil)
	exporter.Reset()

	e.mustData("", `query Catalogue { organisations(first: 5) { totalCount edges { node { code } } } }`, nil, nil)

	spans := exporter.GetSpans()
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	httpSpan, ok := byName["POST /graphql"]
	if !ok {
		t.Fatalf("no HTTP span; spans: %v", spanNames(spans))
	}
	op, ok := byName["query Catalogue"]
	if !ok {
		t.Fatalf("no operation span; spans: %v", spanNames(spans))
	}
	resolver, ok := byName["Query.organisations"]
	if !ok {
		t.Fatalf("no resolver span; spans: %v", spanNames(spans))
	}
	var sql []tracetest.SpanStub
	for _, s := range spans {
		if hasAttr(s, "db.system", "sqlite") {
			sql = append(sql, s)
		}
	}
	if len(sql) == 0 {
		t.Fatalf("no SQL span; spans: %v", spanNames(spans))
	}
	trace := httpSpan.SpanContext.TraceID()
	for _, s := range append([]tracetest.SpanStub{op, resolver}, sql...) {
		if s.SpanContext.TraceID() != trace {
			t.Errorf("span %s is in another trace", s.Name)
		}
	}
	if op.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
		t.Errorf("operation span's parent is not the HTTP span")
	}
	if resolver.Parent.SpanID() != op.SpanContext.SpanID() {
		t.Errorf("resolver span's parent is not the operation span")
	}
	for _, s := range sql {
		if !descends(s, resolver, spans) {
			t.Errorf("SQL span %s is not under the resolver", s.Name)
		}
		for _, a := range s.Attributes {
			if a.Key == "db.statement" && strings.Contains(a.Value.AsString(), "MOF") {
				t.Errorf("SQL span holds a value: %s", a.Value.AsString())
			}
		}
	}
	if !hasAttr(httpSpan, "request.id", "") {
		t.Errorf("HTTP span lacks request.id: %v", httpSpan.Attributes)
	}
}

func TestNoTracerNoSpans(t *testing.T) {
	// The global provider is a no-op unless telemetry.SetupTracing configured one;
	// with a nil Tracer nothing is wrapped, so this only checks nothing breaks.
	e := newObsEnv(t, nil)
	e.mustData("", `{ organisations(first: 1) { totalCount } }`, nil, nil)
}

func TestGraphQLMetrics(t *testing.T) {
	e := newObsEnv(t, nil)
	e.mustData("", `query Catalogue { competencies(first: 1) { totalCount } }`, nil, nil)
	e.mustData("", `query Catalogue { competencies(first: 1) { totalCount } }`, nil, nil)
	e.post("", `query Private { viewer { name } }`, nil, nil)                              // UNAUTHENTICATED
	e.post("", `query Broken { nope }`, nil, nil)                                          // GRAPHQL_VALIDATION_FAILED
	e.post("", `{ learners( }`, nil, nil)                                                  // GRAPHQL_PARSE_FAILED, no operation
	e.post(e.admin, `query Missing { node(id: "TGVhcm5lcjo5OTk5OQ==") { id } }`, nil, nil) // null, no error

	res, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	metrics := string(b)
	for _, want := range []string{
		`karmayogi_graphql_operations_total{operation="Catalogue",outcome="ok",type="query"} 2`,
		`karmayogi_graphql_operations_total{operation="Private",outcome="error",type="query"} 1`,
		// Refused before an operation was chosen: counted under "invalid".
		`karmayogi_graphql_operations_total{operation="invalid",outcome="error",type="unknown"} 2`,
		`karmayogi_graphql_errors_total{code="UNAUTHENTICATED",operation="Private"} 1`,
		`karmayogi_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED",operation="invalid"} 1`,
		`karmayogi_graphql_errors_total{code="GRAPHQL_PARSE_FAILED",operation="invalid"} 1`,
		`karmayogi_graphql_operation_duration_seconds_count{operation="Catalogue",type="query"} 2`,
		`go_sql_open_connections{db_name="karmayogi"}`,
		`karmayogi_recommender_compute_seconds_count{kind="recommendations"}`,
		`karmayogi_http_request_duration_seconds_count{code="200",route="graphql"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestContentNegotiation checks the GraphQL-over-HTTP media types on the real handler.
func TestContentNegotiation(t *testing.T) {
	e := newObsEnv(t, nil)
	for _, tc := range []struct {
		name, accept, query string
		status              int
		contentType         string
		data                bool
	}{
		{"GraphQLResponse", "application/graphql-response+json", `{ competencies(first: 1) { totalCount } }`, 200, "application/graphql-response+json; charset=utf-8", true},
		{"GraphQLResponseValidationError", "application/graphql-response+json", `{ nope }`, 400, "application/graphql-response+json; charset=utf-8", false},
		{"LegacyJSONValidationError", "application/json", `{ nope }`, 200, "application/json; charset=utf-8", false},
		{"NoAcceptValidationError", "", `{ nope }`, 400, "application/json; charset=utf-8", false},
		{"ApolloClient", "application/graphql-response+json,application/json;q=0.9", `{ competencies(first: 1) { totalCount } }`, 200, "application/graphql-response+json; charset=utf-8", true},
		{"FieldErrorKeepsData", "application/graphql-response+json", `{ viewer { name } }`, 200, "application/graphql-response+json; charset=utf-8", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.accept != "" {
				h["Accept"] = tc.accept
			}
			r := e.post("", tc.query, nil, h)
			if r.Status != tc.status || r.Header.Get("Content-Type") != tc.contentType {
				t.Errorf("HTTP %d %q, want %d %q: %s", r.Status, r.Header.Get("Content-Type"), tc.status, tc.contentType, r.Body)
			}
			if got := strings.Contains(r.Body, `"data"`); got != tc.data {
				t.Errorf("data entry present = %v, want %v: %s", got, tc.data, r.Body)
			}
		})
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// hasAttr reports whether s has the attribute, with the value unless value is "".
func hasAttr(s tracetest.SpanStub, key, value string) bool {
	for _, a := range s.Attributes {
		if a.Key == attribute.Key(key) && (value == "" || a.Value.String() == value) {
			return true
		}
	}
	return false
}

// descends reports whether s is under ancestor in spans.
func descends(s, ancestor tracetest.SpanStub, spans tracetest.SpanStubs) bool {
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, x := range spans {
		byID[x.SpanContext.SpanID()] = x
	}
	for p := s.Parent.SpanID(); p.IsValid(); {
		if p == ancestor.SpanContext.SpanID() {
			return true
		}
		parent, ok := byID[p]
		if !ok {
			return false
		}
		p = parent.Parent.SpanID()
	}
	return false
}
