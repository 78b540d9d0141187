package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// NewReplica makes a streaming replica of the running server p: a base backup
// taken with pg_basebackup -R (which writes standby.signal and primary_conninfo),
// started in hot standby on a port of its own. It answers read-only queries and
// replays p's WAL as p writes it.
//
// p must accept replication connections from 127.0.0.1, which a cluster from
// NewPostgres does: wal_level=replica and max_wal_senders=10 are PostgreSQL's
// defaults, and initdb's trust entries admit replication from localhost.
// Close the replica before p, or p's Close waits for its walsender.
func (p *Postgres) NewReplica() (*Postgres, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "karmayogi-pg-replica-")
	if err != nil {
		return nil, err
	}
	r := &Postgres{Port: port, Dir: filepath.Join(dir, "data"), bin: p.bin, log: filepath.Join(dir, "server.log")}
	if err := serverOwns(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if out, err := asServer(filepath.Join(p.bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", fmt.Sprint(p.Port), "-U", "postgres",
		"-D", r.Dir, "-R", "-X", "stream", "-c", "fast", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testenv: pg_basebackup: %v\n%s", err, out)
	}
	// The backup carries the primary's postgresql.conf; later lines win.
	conf := []string{fmt.Sprintf("port = %d", port), "unix_socket_directories = '" + dir + "'", "hot_standby = on"}
	if err := appendFile(filepath.Join(r.Dir, "postgresql.conf"), strings.Join(conf, "\n")+"\n"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := r.Start(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// query runs one SQL statement with psql on database postgres and returns its
// output, unaligned and without headers.
func (p *Postgres) query(ctx context.Context, sql string) (string, error) {
	out, err := exec.CommandContext(ctx, "psql", p.URL("postgres"), "-X", "-v", "ON_ERROR_STOP=1", "-Atqc", sql).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("testenv: psql %q on port %d: %v\n%s", sql, p.Port, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// PauseReplay stops a replica from applying WAL (pg_wal_replay_pause): it keeps
// answering, with the data as of the pause, while it receives what the primary
// writes.
func (p *Postgres) PauseReplay(ctx context.Context) error {
	_, err := p.query(ctx, "SELECT pg_wal_replay_pause()")
	return err
}

// ResumeReplay lets a paused replica apply WAL again.
func (p *Postgres) ResumeReplay(ctx context.Context) error {
	_, err := p.query(ctx, "SELECT pg_wal_replay_resume()")
	return err
}

// CatchUp waits until the replica p has replayed everything primary had written
// when CatchUp was called, or ctx ends. It goes by the primary's insert position,
// not its flushed one: with synchronous_commit off (as NewPostgres sets) a commit
// can still sit in the WAL buffers.
func (p *Postgres) CatchUp(ctx context.Context, primary *Postgres) error {
	lsn, err := primary.query(ctx, "SELECT pg_current_wal_insert_lsn()")
	if err != nil {
		return err
	}
	for {
		done, err := p.query(ctx, fmt.Sprintf("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", lsn))
		if err != nil {
			return err
		}
		if done == "t" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testenv: replica on port %d has not replayed up to %s: %w", p.Port, lsn, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Replicated starts a private primary with a database named db and a streaming
// replica of it, both closed when the test ends (the replica first); a test that
// cannot start them ends as Unavailable says.
func Replicated(tb TB, ctx context.Context, db string) (primary, replica *Postgres) {
	tb.Helper()
	primary, err := NewPostgres()
	if err != nil {
		Unavailable(tb, err)
	}
	tb.Cleanup(func() { primary.Close() })
	if err := primary.CreateDatabase(ctx, db); err != nil {
		tb.Fatal(err)
	}
	if replica, err = primary.NewReplica(); err != nil {
		Unavailable(tb, err)
	}
	tb.Cleanup(func() { replica.Close() }) // runs before the primary's
	return primary, replica
}
