package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/app"
	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// client talks to the real handler over HTTP, as a GraphQL client would. It
// sends token as a bearer token when set: by default a PLATFORM_ADMIN's.
type client struct {
	t      *testing.T
	url    string
	db     *store.DB
	logs   *syncBuffer
	tokens *auth.Tokens
	mail   *mailbox
	token  string
	lang   string // Accept-Language, when set
}

// testSecret signs the tokens of tests.
var testSecret = []byte("a test secret of at least thirty-two bytes")

// mailbox is the OTP sender of tests: it keeps the last code sent to each address.
type mailbox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (m *mailbox) SendOTP(_ context.Context, email, code string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[email] = code
	return nil
}

func (m *mailbox) code(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.codes[email]
}

// unlimited admits every request: the rate limits have tests of their own.
type unlimited struct{}

func (unlimited) Allow(string) bool { return true }

// as returns a client that sends a token for the given caller.
func (c *client) as(caller models.Caller) *client {
	c.t.Helper()
	token, _, err := c.tokens.Issue(caller, time.Hour)
	if err != nil {
		c.t.Fatal(err)
	}
	cc := *c
	cc.token = token
	return &cc
}

// anonymous returns a client that sends no token.
func (c *client) anonymous() *client {
	cc := *c
	cc.token = ""
	return &cc
}

// syncBuffer collects the handler's log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient serves the GraphQL handler over db and returns a client for it.
func newClient(t *testing.T, db *store.DB) *client {
	t.Helper()
	return newClientWith(t, db, nil)
}

// services are the API's services over db, wired as serve wires them
// (app.NewServices) with an in-process cache; logger nil: slog.Default().
func services(db *store.DB, logger *slog.Logger) graph.Services {
	return app.NewServices(app.Deps{Store: db, Logger: logger})
}

// withTokens is s verifying tokens with tokens.
func withTokens(s graph.Services, tokens graph.TokenVerifier) graph.Services {
	s.Tokens = tokens
	return s
}

// newClientWith serves the handler over db's services, changed by edit when it
// is not nil, completed with sign-in over db, and returns a PLATFORM_ADMIN's client.
func newClientWith(t *testing.T, db *store.DB, edit func(*graph.Services)) *client {
	t.Helper()
	return newClientOptions(t, db, edit, graph.Options{})
}

// newClientOptions is newClientWith with handler options besides introspection
// and the logger, which it sets.
func newClientOptions(t *testing.T, db *store.DB, edit func(*graph.Services), o graph.Options) *client {
	t.Helper()
	tokens, err := auth.NewTokens(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	mail := &mailbox{codes: map[string]string{}}
	logs := &syncBuffer{}
	o.Introspection, o.Logger = true, slog.New(slog.NewTextHandler(logs, nil))
	s := services(db, o.Logger)
	if edit != nil {
		edit(&s)
	}
	s.Access, s.Tokens = db, tokens
	s.SignIn = &auth.SignIn{Store: db, Learners: db, Tokens: tokens, Sender: mail, Domains: []string{"gov.in", "nic.in"},
		PerEmail: unlimited{}, PerAddress: unlimited{}}
	h := graph.NewHandler(s, o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &client{t: t, url: srv.URL, db: db, logs: logs, tokens: tokens, mail: mail}
	return c.as(models.Caller{Role: models.RolePlatformAdmin, Subject: "operator:test"})
}

// gqlError is an entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// response is a GraphQL response as a client sees it.
type response struct {
	Status int
	Header http.Header `json:"-"`
	Body   string
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// in returns a copy of c that sends Accept-Language: lang.
func (c *client) in(lang string) *client {
	cp := *c
	cp.lang = lang
	return &cp
}

// post sends a query with variables over POST.
func (c *client) post(query string, vars map[string]any) response {
	c.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return c.send(req)
}

// get sends a query over GET.
func (c *client) get(query string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.url+"?query="+url.QueryEscape(query), nil)
	return c.send(req)
}

func (c *client) send(req *http.Request) response {
	c.t.Helper()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
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
	r := response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if err := json.Unmarshal(b, &r); err != nil {
		c.t.Fatalf("response is not JSON: %v\n%s", err, b)
	}
	return r
}

// data sends a query that must succeed and returns its data.
func (c *client) data(query string, vars map[string]any) json.RawMessage {
	c.t.Helper()
	r := c.post(query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		c.t.Fatalf("unexpected errors (HTTP %d): %s", r.Status, r.Body)
	}
	return r.Data
}

// decode unmarshals JSON into v.
func decode(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// assertJSON checks that got is the JSON want, whatever the layout.
func assertJSON(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		gi, _ := json.MarshalIndent(g, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("JSON differs\n got: %s\nwant: %s", gi, wi)
	}
}

// assertError checks that a response has exactly one error, with the given code
// and (if not "") extensions.field and message.
func assertError(t *testing.T, r response, code, field, message string) {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one %s error, got: %s", code, r.Body)
	}
	e := r.Errors[0]
	if got := e.Extensions["code"]; got != code {
		t.Errorf("extensions.code = %v, want %s (%s)", got, code, r.Body)
	}
	if field != "" {
		if got := e.Extensions["field"]; got != field {
			t.Errorf("extensions.field = %v, want %s (%s)", got, field, r.Body)
		}
	}
	if message != "" && e.Message != message {
		t.Errorf("message = %q, want %q", e.Message, message)
	}
}

// fixture is a small government: IDs of what it holds, keyed by placeholders that
// expected JSON uses ("$mof").
type fixture map[string]string

// expand replaces the placeholders in s with the fixture's IDs, longest first so
// that "$emp101" is not read as "$emp" followed by "101".
func (f fixture) expand(s string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, k, f[k])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// seed builds the fixture through the API's own mutations:
//
//	MOF (ministry) > DOE (department) > DGACR (organisation); MOHFW (ministry)
//	competencies PROC (functional), EMP (behavioural), TAX (domain)
//	roles SO (PROC 3 x2, EMP 2), DS (TAX 4)
//	courses GFR-101, GFR-201, EMP-101, TAX-301
//	learners E001 (DGACR, SO), E002 (DOE, DS), E003 (MOHFW), E004 (MOF, SO and DS)
func seed(t *testing.T, c *client) fixture {
	t.Helper()
	f := fixture{}
	id := func(key string, raw json.RawMessage, path ...string) {
		var v any
		decode(t, raw, &v)
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		f[key] = v.(string)
	}
	org := func(key, code, name, typ, parent string) {
		vars := map[string]any{"input": map[string]any{"code": code, "name": name, "type": typ}}
		if parent != "" {
			vars["input"].(map[string]any)["parentId"] = f[parent]
		}
		id(key, c.data(`mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }`, vars),
			"createOrganisation", "organisation", "id")
	}
	org("$mof", "MOF", "Ministry of Finance", "MINISTRY", "")
	org("$doe", "DOE", "Department of Expenditure", "DEPARTMENT", "$mof")
	org("$dgacr", "DGACR", "Office of the Director General of Audit, Central Receipts", "ORGANISATION", "$doe")
	org("$mohfw", "MOHFW", "Ministry of Health and Family Welfare", "MINISTRY", "")

	competency := func(key string, input map[string]any) {
		id(key, c.data(`mutation($input: CreateCompetencyInput!) { createCompetency(input: $input) { competency { id } } }`,
			map[string]any{"input": input}), "createCompetency", "competency", "id")
	}
	competency("$proc", map[string]any{"code": "PROC", "name": "Public Procurement", "description": "Buying goods and services under the GFR.",
		"type": "FUNCTIONAL", "area": "Public Procurement (GFR)", "levels": []map[string]any{
			{"level": 1, "name": "Basic", "description": "Knows the GFR rules on procurement."},
			{"level": 2, "name": "Intermediate", "description": "Runs a limited tender."},
			{"level": 3, "name": "Proficient", "description": "Runs an open tender on GeM."},
			{"level": 4, "name": "Advanced", "description": "Designs procurement for a ministry."},
			{"level": 5, "name": "Expert", "description": "Shapes procurement policy."},
		}})
	competency("$emp", map[string]any{"code": "EMP", "name": "Empathy", "description": "Understanding citizens and colleagues.",
		"type": "BEHAVIOURAL", "area": "Working with People"})
	competency("$tax", map[string]any{"code": "TAX", "name": "Indirect Taxation", "description": "GST and customs.",
		"type": "DOMAIN", "area": "Taxation"})

	role := func(key string, input map[string]any) {
		id(key, c.data(`mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } } }`,
			map[string]any{"input": input}), "createRole", "role", "id")
	}
	role("$so", map[string]any{"code": "SO", "name": "Section Officer", "description": "Heads a section.", "requirements": []map[string]any{
		{"competencyId": f["$proc"], "requiredLevel": 3, "weight": 2},
		{"competencyId": f["$emp"], "requiredLevel": 2},
	}})
	role("$ds", map[string]any{"code": "DS", "name": "Deputy Secretary", "description": "Heads a branch.", "requirements": []map[string]any{
		{"competencyId": f["$tax"], "requiredLevel": 4},
	}})

	course := func(key string, input map[string]any) {
		id(key, c.data(`mutation($input: CreateCourseInput!) { createCourse(input: $input) { course { id } } }`,
			map[string]any{"input": input}), "createCourse", "course", "id")
	}
	course("$gfr101", map[string]any{"code": "GFR-101", "title": "Basics of GFR 2017", "description": "The General Financial Rules.",
		"provider": "iGOT", "format": "ONLINE", "durationHours": 6,
		"competencies": []map[string]any{{"competencyId": f["$proc"], "fromLevel": 0, "toLevel": 2}}})
	course("$gfr201", map[string]any{"code": "GFR-201", "title": "Advanced Public Procurement", "description": "Tenders, GeM and contracts.",
		"provider": "ISTM", "format": "BLENDED", "durationHours": 20,
		"competencies": []map[string]any{{"competencyId": f["$proc"], "fromLevel": 2, "toLevel": 4}}})
	course("$emp101", map[string]any{"code": "EMP-101", "title": "Empathy in Public Service", "description": "Listening to citizens.",
		"provider": "iGOT", "format": "FACE_TO_FACE", "durationHours": 3,
		"competencies": []map[string]any{{"competencyId": f["$emp"], "fromLevel": 0, "toLevel": 3}}})
	course("$tax301", map[string]any{"code": "TAX-301", "title": "GST Administration", "description": "Running GST.",
		"provider": "NACIN", "format": "ONLINE", "durationHours": 40,
		"competencies": []map[string]any{{"competencyId": f["$tax"], "fromLevel": 2, "toLevel": 4}}})

	learner := func(key string, input map[string]any) {
		id(key, c.data(`mutation($input: RegisterLearnerInput!) { registerLearner(input: $input) { learner { id } } }`,
			map[string]any{"input": input}), "registerLearner", "learner", "id")
	}
	learner("$asha", map[string]any{"employeeCode": "E001", "name": "Asha Verma", "email": "asha.verma@gov.in",
		"designation": "Section Officer", "organisationId": f["$dgacr"], "roleIds": []string{f["$so"]}})
	learner("$bhaskar", map[string]any{"employeeCode": "E002", "name": "Bhaskar Rao", "email": "bhaskar.rao@gov.in",
		"designation": "Deputy Secretary", "organisationId": f["$doe"], "roleIds": []string{f["$ds"]}})
	learner("$chitra", map[string]any{"employeeCode": "E003", "name": "Chitra Iyer", "email": "chitra.iyer@nic.in",
		"designation": "Assistant Section Officer", "organisationId": f["$mohfw"]})
	learner("$devendra", map[string]any{"employeeCode": "E004", "name": "Devendra Singh", "email": "devendra.singh@gov.in",
		"designation": "Under Secretary", "organisationId": f["$mof"], "roleIds": []string{f["$ds"], f["$so"]}})
	return f
}
