// Package testenv starts private PostgreSQL and Redis servers on ports of their
// own, for tests and load scenarios that stop, restart or reconfigure a server:
// those must never touch the machine's shared instances.
//
// A server lives in a temporary directory and is stopped by Close. PostgreSQL
// refuses to run as root, so when the process is root the cluster is created and
// run as the "postgres" user (runuser).
package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TB is the part of testing.TB the helpers here use. testenv does not import
// testing: the load harness links it into the binary, which must not link testing.
type TB interface {
	Helper()
	Cleanup(func())
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// FreePort returns a TCP port that nothing listens on at the moment.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitPort waits until something accepts connections on port, or the deadline passes.
func waitPort(port int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on port %d after %s: %w", port, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Postgres is a private PostgreSQL cluster.
type Postgres struct {
	Port int
	Dir  string // the data directory
	bin  string // the directory holding initdb, pg_ctl and postgres
	log  string

	mu      sync.Mutex
	running bool
}

// postgresBin finds the directory of PostgreSQL's server programs: PG_BIN, then
// the newest /usr/lib/postgresql/*/bin, then PATH.
func postgresBin() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("testenv: PostgreSQL's initdb not found (set PG_BIN to its directory)")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// asServer runs a PostgreSQL program as the server's user: as "postgres" when we
// are root, since PostgreSQL will not run as root.
func asServer(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// NewPostgres creates a cluster in a new temporary directory (trust
// authentication, fsync off: these servers hold nothing worth keeping) and starts
// it on a free port. extraConf lines are appended to postgresql.conf.
func NewPostgres(extraConf ...string) (*Postgres, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "karmayogi-pg-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{Port: port, Dir: filepath.Join(dir, "data"), bin: bin, log: filepath.Join(dir, "server.log")}
	if err := serverOwns(dir); err != nil {
		return nil, err
	}
	if out, err := asServer(filepath.Join(bin, "initdb"), "-D", p.Dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("testenv: initdb: %v\n%s", err, out)
	}
	conf := append([]string{"fsync = off", "synchronous_commit = off", "full_page_writes = off",
		"listen_addresses = '127.0.0.1'", fmt.Sprintf("port = %d", port), "unix_socket_directories = '" + dir + "'",
		"max_connections = 200"}, extraConf...)
	if err := appendFile(filepath.Join(p.Dir, "postgresql.conf"), strings.Join(conf, "\n")+"\n"); err != nil {
		return nil, err
	}
	return p, p.Start()
}

// serverOwns gives a directory to the postgres user when we run as root.
func serverOwns(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("testenv: running as root needs a postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// appendFile appends text to a file (as root, one that postgres owns).
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(text)
	return err
}

// URL returns the connection URL of database db (a new cluster has "postgres").
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Start starts the server and waits until it accepts connections.
func (p *Postgres) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return nil
	}
	if out, err := asServer(filepath.Join(p.bin, "pg_ctl"), "-D", p.Dir, "-l", p.log, "-w", "-t", "30", "start").CombinedOutput(); err != nil {
		return fmt.Errorf("testenv: pg_ctl start: %v\n%s", err, out)
	}
	p.running = true
	return waitPort(p.Port, 10*time.Second)
}

// Stop stops the server at once (fast mode: open connections are cut).
func (p *Postgres) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return nil
	}
	if out, err := asServer(filepath.Join(p.bin, "pg_ctl"), "-D", p.Dir, "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("testenv: pg_ctl stop: %v\n%s", err, out)
	}
	p.running = false
	return nil
}

// Restart stops the server, waits for down, and starts it again.
func (p *Postgres) Restart(down time.Duration) error {
	if err := p.Stop(); err != nil {
		return err
	}
	time.Sleep(down)
	return p.Start()
}

// CreateDatabase creates a database on the server.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) error {
	out, err := exec.CommandContext(ctx, "psql", p.URL("postgres"), "-v", "ON_ERROR_STOP=1", "-qc",
		fmt.Sprintf(`CREATE DATABASE %q`, name)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("testenv: create database %s: %v\n%s", name, err, out)
	}
	return nil
}

// Close stops the server and removes its directory.
func (p *Postgres) Close() error {
	err := p.Stop()
	if rmErr := os.RemoveAll(filepath.Dir(p.Dir)); err == nil {
		err = rmErr
	}
	return err
}

// Redis is a private redis-server without persistence.
type Redis struct {
	Port int
	Args []string // extra arguments, e.g. cluster settings
	dir  string
	conf string // a configuration file to start with (a sentinel needs one); "" for none

	mu  sync.Mutex
	cmd *exec.Cmd // nil while stopped
}

// NewRedis starts a redis-server on a free port.
func NewRedis(args ...string) (*Redis, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("testenv: redis-server not found: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return newRedis(port, args...)
}

// newRedis starts a redis-server on port.
func newRedis(port int, args ...string) (*Redis, error) {
	dir, err := os.MkdirTemp("", "karmayogi-redis-")
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, Args: args, dir: dir}
	if err := r.Start(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Addr is host:port.
func (r *Redis) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port)) }

// URL is the redis:// URL of database 0.
func (r *Redis) URL() string { return "redis://" + r.Addr() + "/0" }

// Start starts the server and waits until it accepts connections.
func (r *Redis) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	args := append([]string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir}, r.Args...)
	if r.conf != "" {
		args = append([]string{r.conf}, args...)
	}
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testenv: start redis-server: %w", err)
	}
	r.cmd = cmd
	return waitPort(r.Port, 5*time.Second)
}

// Stop kills the server, as a crash would.
func (r *Redis) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return nil
	}
	err := r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
	return err
}

// Restart kills the server, waits for down, and starts it again, empty.
func (r *Redis) Restart(down time.Duration) error {
	if err := r.Stop(); err != nil {
		return err
	}
	time.Sleep(down)
	return r.Start()
}

// Close stops the server and removes its directory.
func (r *Redis) Close() error {
	err := r.Stop()
	if rmErr := os.RemoveAll(r.dir); err == nil {
		err = rmErr
	}
	return err
}

// Unavailable ends a test that could not start its private server (err): it
// fails under CI=true, where every server must run, and is skipped elsewhere.
func Unavailable(tb TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("private server required under CI=true: %v", err)
	}
	tb.Skipf("private server unavailable (set CI=true to fail instead): %v", err)
}
