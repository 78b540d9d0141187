package load

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// Env is what a load run targets: a database, a Redis and a server over
// them. Unless LOAD_DATABASE_URL and LOAD_REDIS_URL name existing ones, the
// database and Redis are private servers of internal/testenv, started here and
// stopped by Close, so that fault scenarios may stop and restart them; the
// shared servers on the machine are never touched.
type Env struct {
	PG    *testenv.Postgres // nil when LOAD_DATABASE_URL is given
	Redis *testenv.Redis    // nil when LOAD_REDIS_URL is given

	DatabaseURL, RedisURL string
	Secret                string  // KARMAYOGI_JWT_SECRET the server signs with
	Base                  string  // the server's base URL
	SQL                   *sql.DB // for fixtures and the lost-write check

	stopServer func() error
	log        io.Writer
}

// NewEnv starts (or connects to) the database and Redis and seeds the
// database with learners when it holds none.
func NewEnv(ctx context.Context, learners int, log io.Writer) (*Env, error) {
	e := &Env{DatabaseURL: os.Getenv("LOAD_DATABASE_URL"), RedisURL: os.Getenv("LOAD_REDIS_URL"), log: log,
		Secret: os.Getenv("KARMAYOGI_JWT_SECRET")}
	if e.Secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		e.Secret = hex.EncodeToString(b)
	}
	var err error
	if e.DatabaseURL == "" {
		// Durable: an acknowledged write must survive the restart scenarios.
		if e.PG, err = testenv.NewPostgres("fsync = on", "synchronous_commit = on", "full_page_writes = on"); err != nil {
			return nil, err
		}
		if err := e.PG.CreateDatabase(ctx, "karmayogi"); err != nil {
			e.Close()
			return nil, err
		}
		e.DatabaseURL = e.PG.URL("karmayogi")
		fmt.Fprintf(log, "load: private PostgreSQL on port %d (%s)\n", e.PG.Port, e.PG.Dir)
	}
	if e.RedisURL == "" {
		if e.Redis, err = testenv.NewRedis(); err != nil {
			e.Close()
			return nil, err
		}
		e.RedisURL = e.Redis.URL()
		fmt.Fprintf(log, "load: private Redis on port %d\n", e.Redis.Port)
	}
	if err := seedIfEmpty(ctx, e.DatabaseURL, learners, log); err != nil {
		e.Close()
		return nil, err
	}
	if e.SQL, err = sql.Open("pgx", e.DatabaseURL); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// seedIfEmpty migrates the database and, when it has no learners, seeds it.
func seedIfEmpty(ctx context.Context, url string, learners int, log io.Writer) error {
	db, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	db.SetEstimator(recommender.NewEstimator())
	page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 1})
	if err != nil {
		return err
	}
	if page.TotalCount > 0 {
		fmt.Fprintf(log, "load: the database holds %d learners; not seeding\n", page.TotalCount)
		return nil
	}
	start := time.Now()
	st, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: learners})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "load: seeded %d learners (%d evidence rows, %d enrolments) in %s\n", st.Learners, st.Evidence, st.Enrolments,
		time.Since(start).Round(time.Second))
	return nil
}

// Serve starts `karmayogi serve` (the binary self) on a free port, its log in
// logFile, and waits until it is ready.
func (e *Env) Serve(ctx context.Context, self, logFile string) error {
	port, err := testenv.FreePort()
	if err != nil {
		return err
	}
	out, err := os.Create(logFile)
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	// The request log at info would cost the server a line per request; warnings
	// and errors (internal errors with their cause) are what a run needs.
	cmd.Env = append(os.Environ(), "DATABASE_URL="+e.DatabaseURL, "REDIS_URL="+e.RedisURL, "KARMAYOGI_JWT_SECRET="+e.Secret,
		"KARMAYOGI_LOG_LEVEL=warn", "KARMAYOGI_ENV=development", "KARMAYOGI_CACHE_PREFIX=karmayogi-load:")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); out.Close() }()
	e.stopServer = func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			return <-exited
		}
	}
	e.Base = fmt.Sprintf("http://127.0.0.1:%d", port)
	fmt.Fprintf(e.log, "load: server pid %d at %s, log %s\n", cmd.Process.Pid, e.Base, logFile)
	return waitReady(ctx, e.Base, exited)
}

// waitReady polls /readyz until it answers 200, the server exits or a minute passes.
func waitReady(ctx context.Context, base string, exited <-chan error) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("load: the server exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("load: the server at %s was not ready within a minute", base)
}

// Minter signs tokens with the server's secret, by the server's own code.
func (e *Env) Minter() (Minter, error) {
	tokens, err := auth.NewTokens([]byte(e.Secret))
	if err != nil {
		return nil, err
	}
	return func(c models.Caller, ttl time.Duration) (string, error) {
		s, _, err := tokens.Issue(c, ttl)
		return s, err
	}, nil
}

// Attach makes the server at base, stopped by stop, env's server, in place of
// one Serve starts (a test serves in-process).
func (e *Env) Attach(base string, stop func() error) { e.Base, e.stopServer = base, stop }

// Close stops the server and the private servers.
func (e *Env) Close() error {
	var errs []string
	if e.stopServer != nil {
		if err := e.stopServer(); err != nil {
			errs = append(errs, "server: "+err.Error())
		}
	}
	if e.SQL != nil {
		e.SQL.Close()
	}
	if e.Redis != nil {
		if err := e.Redis.Close(); err != nil {
			errs = append(errs, "redis: "+err.Error())
		}
	}
	if e.PG != nil {
		if err := e.PG.Close(); err != nil {
			errs = append(errs, "postgres: "+err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("load: closing: %s", strings.Join(errs, "; "))
	}
	return nil
}

// queryRecorder keeps the SQL bun sends, with its arguments formatted in.
type queryRecorder struct{ queries []string }

func (q *queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q *queryRecorder) AfterQuery(_ context.Context, ev *bun.QueryEvent) {
	q.queries = append(q.queries, ev.Query)
}

// CoursePageSQL returns, as a pgbench script, the statements the store runs for
// courses(first: 20) with totalCount: recorded from the store itself, so the
// baseline is exactly our SQL.
func CoursePageSQL(ctx context.Context, url string) (string, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return "", err
	}
	defer db.Close()
	rec := &queryRecorder{}
	//lint:ignore SA1019 the store queries its own DB; WithQueryHook would hook a copy it never uses.
	db.Bun().AddQueryHook(rec)
	if _, err := db.FindCourses(ctx, models.CourseFilter{}, models.PageRequest{First: 20}); err != nil {
		return "", err
	}
	if len(rec.queries) == 0 {
		return "", fmt.Errorf("load: the store ran no SQL for a courses page")
	}
	return strings.Join(rec.queries, ";\n") + ";\n", nil
}

// OutFile is a file in the output directory, created if need be.
func OutFile(dir, name string) string {
	os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, name)
}
