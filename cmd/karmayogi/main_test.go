package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// startMain runs the real program in-process on a fresh database of engine.
func startMain(t *testing.T, engine string) *Main {
	t.Helper()
	m := &Main{
		Config: Config{DatabaseURL: storetest.OpenURL(t, engine), Addr: "127.0.0.1:0", Env: "development",
			Demo: true, DemoLearners: 300},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Notice: io.Discard,
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// graphQL posts query with a bearer token ("" for none) and decodes its data into out.
func graphQL(t *testing.T, base, token, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var envelope struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil || len(envelope.Errors) > 0 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(envelope.Data, out); err != nil {
		t.Fatal(err)
	}
}

func TestServeDemo(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			m := startMain(t, engine)
			base := m.Server.URL()
			var data struct {
				Competencies struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Name   string
							Levels []struct{ Level int }
						}
					}
				}
				Courses, Learners struct{ TotalCount int }
			}
			// The token command signs with the secret serve generated and stored.
			admin := mintToken(t, m.Config.DatabaseURL, "--role", "PLATFORM_ADMIN")
			graphQL(t, base, admin, `{ competencies(first: 200) { totalCount edges { node { code name type area levels { level } } } }
				courses(first: 1) { totalCount } learners(first: 1) { totalCount } }`, &data)
			names := map[string]bool{}
			for _, e := range data.Competencies.Edges {
				names[e.Node.Name] = len(e.Node.Levels) == 5
			}
			if data.Competencies.TotalCount < 100 || !names["Stress Management"] || !names["Procurement Mgmt. through GeM"] {
				t.Fatalf("competencies: %d, real names with 5 levels: %v %v", data.Competencies.TotalCount,
					names["Stress Management"], names["Procurement Mgmt. through GeM"])
			}
			if data.Courses.TotalCount < 1000 || data.Learners.TotalCount != 300 {
				t.Fatalf("courses %d, learners %d", data.Courses.TotalCount, data.Learners.TotalCount)
			}
			for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"database":"ok"`, "/metrics": "karmayogi_http_request_duration_seconds", "/": "<html",
				"/app/passbook": `<div id="app">`} { // the console, its index for every page
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
					t.Fatalf("GET %s: %d %.200s", path, resp.StatusCode, body)
				}
			}
		})
	}
}

// TestDemoSeedsOnlyAnEmptyDatabase restarts on the same database: the data stays as it was.
func TestDemoSeedsOnlyAnEmptyDatabase(t *testing.T) {
	m := startMain(t, "sqlite")
	url := m.Config.DatabaseURL
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	again := &Main{Config: m.Config, Logger: m.Logger, Notice: io.Discard}
	again.Config.DemoLearners = 50
	if err := again.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	var data struct{ Learners struct{ TotalCount int } }
	graphQL(t, again.Server.URL(), mintToken(t, url, "--role", "PLATFORM_ADMIN"), `{ learners(first: 1) { totalCount } }`, &data)
	if data.Learners.TotalCount != 300 || again.Config.DatabaseURL != url {
		t.Fatalf("learners after restart = %d, want 300", data.Learners.TotalCount)
	}
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mintToken runs `karmayogi token` against the database at url and returns the
// last line of its standard output, where the token is.
func mintToken(t *testing.T, url string, args ...string) string {
	t.Helper()
	t.Setenv("DATABASE_URL", url)
	code, stdout, stderr := runCLI(t, append([]string{"token"}, args...)...)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) == 0 {
		t.Fatalf("token %v: exit %d: %s", args, code, stderr)
	}
	return lines[len(lines)-1]
}

func TestTokenCommand(t *testing.T) {
	m := startMain(t, "sqlite")
	url, base := m.Config.DatabaseURL, m.Server.URL()
	t.Run("LearnerSeesOnlyThemselves", func(t *testing.T) {
		token := mintToken(t, url, "--role", "LEARNER", "--learner", "EMP0000001", "--ttl", "5m")
		var data struct {
			Viewer   struct{ EmployeeCode string }
			Learners struct{ TotalCount int }
		}
		graphQL(t, base, token, `{ viewer { employeeCode } learners(first: 5) { totalCount } }`, &data)
		if data.Viewer.EmployeeCode != "EMP0000001" || data.Learners.TotalCount != 1 {
			t.Fatalf("viewer %q, learners %d; want EMP0000001 and 1", data.Viewer.EmployeeCode, data.Learners.TotalCount)
		}
	})
	t.Run("OperatorsByName", func(t *testing.T) {
		// Two-step approvals need two approvers: named operator tokens differ.
		subject := func(token string) string {
			parts := strings.Split(token, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var c struct{ Sub string }
			if err := json.Unmarshal(payload, &c); err != nil {
				t.Fatal(err)
			}
			return c.Sub
		}
		a := subject(mintToken(t, url, "--role", "PLATFORM_ADMIN", "--name", "asha.rao@mof"))
		b := subject(mintToken(t, url, "--role", "PLATFORM_ADMIN"))
		if a != "operator:asha.rao@mof" || b != "operator:PLATFORM_ADMIN" {
			t.Errorf("subjects %q and %q", a, b)
		}
	})
	t.Setenv("DATABASE_URL", url)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"ErrUnknownRole", []string{"token", "--role", "KING"}, 2, "--role must be"},
		{"ErrLearnerMissing", []string{"token", "--role", "LEARNER"}, 2, "--learner is required"},
		{"ErrOrgMissing", []string{"token", "--role", "ORG_ADMIN"}, 2, "--org is required"},
		{"ErrBadName", []string{"token", "--role", "PLATFORM_ADMIN", "--name", "two words"}, 2, "--name must be"},
		{"ErrUnknownLearner", []string{"token", "--role", "LEARNER", "--learner", "NOBODY"}, 1, "NOBODY"},
		{"ErrUnknownOrg", []string{"token", "--role", "ORG_ADMIN", "--org", "NOWHERE"}, 1, "NOWHERE"},
		{"ErrTTL", []string{"token", "--role", "PLATFORM_ADMIN", "--ttl", "-1h"}, 2, "--ttl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Fatalf("exit %d, want %d; stdout %q; stderr %q", code, tc.code, stdout, stderr)
			}
		})
	}
}

func TestImportExitStatus(t *testing.T) {
	t.Setenv("DATABASE_URL", storetest.OpenURL(t, "sqlite"))
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("orgs.csv", "code,name,type,parent_code\nMOF-DOR,Department of Revenue,DEPARTMENT,MOF\nMOF,Ministry of Finance,MINISTRY,\n")
	mixed := write("learners.csv", "employee_code,name,email,designation,organisation_code\n"+
		"E1,Asha Rao,asha.rao@gov.in,Section Officer,MOF-DOR\n"+
		"E2,Ravi Iyer,ravi.iyer@gov.in,Section Officer,NOPE\n")
	badHeader := write("bad.csv", "code,nom,type\nX,Y,MINISTRY\n")
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantStderr string
	}{
		{"AllStored", []string{"import", "organisations", good}, 0, ""},
		{"Reimport", []string{"import", "organisations", good}, 0, ""},
		{"SomeRejected", []string{"import", "learners", mixed}, 1, "line 3: organisation_code:"},
		{"BadHeader", []string{"import", "organisations", badHeader}, 2, "nom"},
		{"MissingFile", []string{"import", "organisations", filepath.Join(dir, "none.csv")}, 2, "no such file"},
		{"UnknownKind", []string{"import", "badges", good}, 2, "organisations"},
		{"NoArguments", []string{"import"}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.wantStderr) {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
		})
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", storetest.OpenURL(t, "sqlite"))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"migrate", "status"}, 0, "pending"},
		{[]string{"migrate", "up"}, 0, "migrations"},
		{[]string{"migrate", "status"}, 0, "applied"},
		{[]string{"migrate", "down"}, 0, "rolled back"},
		{[]string{"migrate", "sideways"}, 2, ""},
	} {
		code, stdout, _ := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.want) {
			t.Fatalf("%v: exit %d, stdout %q", tc.args, code, stdout)
		}
	}
}

// TestSchemaIsCommitted keeps schema.graphql equal to what `karmayogi schema` prints.
func TestSchemaIsCommitted(t *testing.T) {
	code, stdout, _ := runCLI(t, "schema")
	committed, err := os.ReadFile("../../schema.graphql")
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	if stdout != string(committed) {
		t.Fatal("schema.graphql differs from `karmayogi schema`; run make generate")
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, stderr := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestImportRefreshesCachedAnswers: rows imported while servers answer from the
// shared cache (REDIS_URL) move its global epoch, so no server keeps serving an
// answer cached before the import; an import that stores nothing moves nothing.
func TestImportRefreshesCachedAnswers(t *testing.T) {
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	prefix := fmt.Sprintf("test-import-%d:", time.Now().UnixNano())
	shared, err := cache.NewRedis(url, cache.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.Close() })
	if err := shared.Ping(context.Background()); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI: %v", err)
		}
		t.Skip("no Redis:", err)
	}
	t.Setenv("DATABASE_URL", storetest.OpenURL(t, "sqlite"))
	t.Setenv("REDIS_URL", url)
	t.Setenv("KARMAYOGI_CACHE_PREFIX", prefix)
	csv := filepath.Join(t.TempDir(), "orgs.csv")
	if err := os.WriteFile(csv, []byte("code,name,type,parent_code\nMOF,Ministry of Finance,MINISTRY,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	epoch := func() int64 {
		t.Helper()
		n, err := shared.Counter(context.Background(), "resp-epoch:all")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := epoch()
	if code, _, stderr := runCLI(t, "import", "organisations", csv); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if got := epoch(); got != before+1 {
		t.Fatalf("epoch %d after an import that stored rows, want %d", got, before+1)
	}
	empty := filepath.Join(t.TempDir(), "none.csv")
	if err := os.WriteFile(empty, []byte("code,name,type,parent_code\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "import", "organisations", empty); code != 0 {
		t.Fatalf("empty import: exit %d: %s", code, stderr)
	}
	if got := epoch(); got != before+1 {
		t.Fatalf("epoch %d after an import that stored nothing, want %d", got, before+1)
	}
}
