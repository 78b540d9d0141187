package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// Read replicas (PostgreSQL only). The routing rules, in the order they apply:
//
//  1. A statement inside a transaction runs on the transaction's connection: the
//     primary. bun never asks the resolver about those.
//  2. A statement that is not a read goes to the primary. A read is a SELECT built
//     with bun's query builder (bun.IsReadOnlyQuery: no data-modifying WITH), or
//     a raw statement the store marks with readOnly.
//  3. A read whose context does not allow replicas (models.ReplicaReadsAllowed)
//     goes to the primary. Only the GraphQL layer allows them, for query
//     operations of callers who have not written recently; mutations,
//     subscriptions, migrations, start-up, tools and imports read the primary.
//  4. Otherwise the read goes to the replica in use, if one is; if none is, to
//     the primary.
//  5. A read that a replica fails because it is unreachable, shutting down,
//     refusing writes or cancelling for a conflict with recovery runs again on the
//     primary; an unreachable replica is taken out of use at once.
//
// A process reads from one replica at a time, chosen at random among those in
// service and kept while it stays in service, so its reads never go back in time
// except when it moves to another replica. A monitor checks every replica every
// CheckInterval: it is in service when it answers and, with MaxLag, when it has
// replayed all the WAL the primary had written MaxLag ago.
//
// bun's extra/bunexp.ReadWriteConnResolver is not used: with every replica
// unhealthy it routes reads to all of them rather than to the primary, it checks
// only every 5 s, it cannot retry a failed read, and it knows no context rule.

// Replicas configures read replicas for Open.
type Replicas struct {
	// URLs are postgres:// URLs of streaming replicas of the primary.
	URLs []string
	// MaxLag takes a replica out of service while it has not replayed what the
	// primary had written MaxLag ago; 0 means no bound (only reachability counts).
	MaxLag time.Duration
	// CheckInterval is how often each replica is checked; 0 means a second.
	CheckInterval time.Duration
	// Logger hears when a replica leaves or returns to service; nil: slog.Default().
	Logger *slog.Logger
}

// Option configures Open.
type Option func(*options)

type options struct{ replicas Replicas }

// WithReplicas serves reads from read replicas; see Replicas and the routing rules
// in replica.go.
func WithReplicas(r Replicas) Option { return func(o *options) { o.replicas = r } }

// ReadRouting counts the statements outside transactions by where they went, since
// Open, and says which replicas are in service.
type ReadRouting struct {
	Replica   int64 // sent to a replica
	Write     int64 // primary: not a read
	Fresh     int64 // primary: a read whose context does not allow a replica
	NoReplica int64 // primary: a read a replica could have served, with none in service
	Retried   int64 // primary: a read a replica failed, run again
	Replicas  []ReplicaState
}

// ReplicaState is one replica as the monitor last saw it.
type ReplicaState struct {
	Name      string // host:port/database, without credentials
	InService bool
	Serving   bool // the replica this process reads from
}

// ReadRouting reports where statements went; ok is false without replicas.
func (db *DB) ReadRouting() (r ReadRouting, ok bool) {
	s := db.replicas
	if s == nil {
		return r, false
	}
	r = ReadRouting{Replica: s.stats.replica.Load(), Write: s.stats.write.Load(), Fresh: s.stats.fresh.Load(),
		NoReplica: s.stats.noReplica.Load(), Retried: s.stats.retried.Load()}
	cur := s.current.Load()
	for _, rep := range s.replicas {
		r.Replicas = append(r.Replicas, ReplicaState{Name: rep.name, InService: rep.up.Load(), Serving: rep == cur})
	}
	return r, true
}

// ReplicaPools are the replicas' connection pools, for their statistics.
func (db *DB) ReplicaPools() map[string]*sql.DB {
	if db.replicas == nil {
		return nil
	}
	out := make(map[string]*sql.DB, len(db.replicas.replicas))
	for _, r := range db.replicas.replicas {
		out[r.name] = r.db
	}
	return out
}

// Fresh returns ctx for store work that reads outside a transaction and then
// writes on the strength of what it read (bulk upserts resolve codes to IDs
// first): its reads go to the primary, whatever the caller allowed.
func Fresh(ctx context.Context) context.Context { return models.WithFreshReads(ctx) }

type readOnlyKey struct{}

// ReadOnly marks ctx for one raw statement that only reads, so rule 2 lets a
// replica serve it. Raw statements are writes unless marked.
func ReadOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

// queryRows runs a raw statement that only reads and returns its rows, on a
// replica when the routing rules allow. It stands in for db.bun.QueryContext,
// which bun never routes. Query hooks (tracing) do not see it when a replica
// serves it.
func (db *DB) queryRows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.replicas != nil {
		if conn := db.replicas.reader(ctx); conn != nil {
			return conn.QueryContext(ctx, db.bun.QueryGen().FormatQuery(query, args...))
		}
	}
	return db.bun.QueryContext(ctx, query, args...)
}

// replicaSet is the bun.ConnResolver that applies the routing rules.
type replicaSet struct {
	primary  *sql.DB
	replicas []*replica
	first    int // where the search for a replica to use starts: spreads processes
	cfg      Replicas
	logger   *slog.Logger

	mu      sync.Mutex // serialises choosing the replica in use
	current atomic.Pointer[replica]
	samples []lsnSample // the primary's WAL position over time; the monitor's own

	stats struct{ replica, write, fresh, noReplica, retried atomic.Int64 }

	wake chan struct{} // asks the monitor for a check now
	stop chan struct{}
	done chan struct{}
}

type lsnSample struct {
	at  time.Time
	lsn string
}

// replica is one read replica. It is the bun.IConn the resolver returns, so that a
// read it fails can run again on the primary.
type replica struct {
	set  *replicaSet
	name string
	db   *sql.DB
	up   atomic.Bool

	checked bool // the monitor's own: probed at least once
}

var _ bun.ConnResolver = (*replicaSet)(nil)

// openReplicas connects to the replicas, checks them once and starts the monitor.
// A replica that does not answer is not an error: the primary serves until it does.
func openReplicas(ctx context.Context, primary *sql.DB, cfg Replicas) (*replicaSet, error) {
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = time.Second
	}
	s := &replicaSet{primary: primary, cfg: cfg, logger: cfg.Logger, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	for _, raw := range cfg.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			s.closeReplicas()
			return nil, errors.New("DATABASE_READ_URL: each replica needs a postgres:// URL")
		}
		db, err := openPostgres(raw)
		if err != nil {
			s.closeReplicas()
			return nil, fmt.Errorf("DATABASE_READ_URL: %w", err)
		}
		s.replicas = append(s.replicas, &replica{set: s, name: u.Host + u.Path, db: db})
	}
	s.first = rand.IntN(len(s.replicas))
	s.check(ctx)
	go s.monitor()
	return s, nil
}

// ResolveConn implements bun.ConnResolver: nil means the primary.
func (s *replicaSet) ResolveConn(ctx context.Context, q bun.Query) bun.IConn {
	if _, raw := q.(*bun.RawQuery); !bun.IsReadOnlyQuery(q) && !(raw && ctx.Value(readOnlyKey{}) != nil) {
		s.stats.write.Add(1)
		return nil
	}
	if conn := s.reader(ctx); conn != nil {
		return conn
	}
	return nil
}

// reader returns the replica for a read in ctx, or nil for the primary (rules 3, 4).
func (s *replicaSet) reader(ctx context.Context) bun.IConn {
	if !models.ReplicaReadsAllowed(ctx) {
		s.stats.fresh.Add(1)
		return nil
	}
	r := s.current.Load()
	if r == nil {
		s.stats.noReplica.Add(1)
		return nil
	}
	s.stats.replica.Add(1)
	return r
}

// Close implements bun.ConnResolver; bun.DB.Close calls it.
func (s *replicaSet) Close() error {
	close(s.stop)
	<-s.done
	return s.closeReplicas()
}

func (s *replicaSet) closeReplicas() error {
	var first error
	for _, r := range s.replicas {
		if err := r.db.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *replicaSet) monitor() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.wake:
		}
		s.check(context.Background())
	}
}

// check probes every replica and chooses the one to read from.
func (s *replicaSet) check(ctx context.Context) {
	target := s.lagTarget(ctx)
	for _, r := range s.replicas {
		r.setInService(r.probe(ctx, target))
	}
	s.choose()
}

// lagTarget samples the primary's WAL position and returns the position a replica
// must have replayed to be in service: the newest sample at least MaxLag old (the
// oldest one until there is such a sample, so a replica that starts far behind is
// not used until it has caught up). "" means no bound.
func (s *replicaSet) lagTarget(ctx context.Context) string {
	if s.cfg.MaxLag <= 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var lsn string
	if err := s.primary.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err == nil {
		s.samples = append(s.samples, lsnSample{at: time.Now(), lsn: lsn})
	}
	if len(s.samples) == 0 {
		return ""
	}
	i := 0
	for j, sm := range s.samples {
		if time.Since(sm.at) >= s.cfg.MaxLag {
			i = j
		}
	}
	s.samples = s.samples[i:]
	return s.samples[0].lsn
}

// probe reports "" when r answers and has replayed target (any position when
// target is ""), else why it is out of service. A server that is not a standby
// has no replay position and passes.
func (r *replica) probe(ctx context.Context, target string) string {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if target == "" {
		if err := r.db.PingContext(ctx); err != nil {
			return "unreachable: " + err.Error()
		}
		return ""
	}
	var caughtUp bool
	if err := r.db.QueryRowContext(ctx, "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)", target).Scan(&caughtUp); err != nil {
		return "unreachable: " + err.Error()
	}
	if !caughtUp {
		return fmt.Sprintf("lagging: has not replayed the primary's WAL of %s ago (%s)", r.set.cfg.MaxLag, target)
	}
	return ""
}

// setInService records the outcome of a probe, logging the first and every change.
func (r *replica) setInService(why string) {
	up := why == ""
	if was := r.up.Swap(up); was != up || !r.checked {
		if up {
			r.set.logger.Info("database: read replica in service", "replica", r.name)
		} else {
			r.set.logger.Warn("database: read replica out of service", "replica", r.name, "reason", why)
		}
	}
	r.checked = true
}

// choose keeps the replica in use while it is in service, or moves to the next one
// that is, or to the primary when none is.
func (s *replicaSet) choose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.current.Load()
	if cur != nil && cur.up.Load() {
		return
	}
	var next *replica
	for i := range s.replicas {
		if r := s.replicas[(s.first+i)%len(s.replicas)]; r.up.Load() {
			next = r
			break
		}
	}
	if next == cur {
		return
	}
	s.current.Store(next)
	if next == nil {
		s.logger.Warn("database: no read replica in service; reading from the primary")
	} else {
		s.logger.Info("database: reading from replica", "replica", next.name)
	}
}

// failed handles a read r could not run: reports whether to run it again on the
// primary, and takes an unreachable r out of service at once.
func (r *replica) failed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	switch {
	case unreachable(err):
		if r.up.CompareAndSwap(true, false) {
			r.set.logger.Warn("database: read replica out of service", "replica", r.name, "reason", "unreachable: "+err.Error())
			r.set.choose()
			select {
			case r.set.wake <- struct{}{}:
			default:
			}
		}
	case !Refused(err):
		return false
	}
	r.set.stats.retried.Add(1)
	return true
}

// unreachable reports errors that mean the server cannot run statements now.
func unreachable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// connection exceptions; admin shutdown, crash shutdown, cannot connect now; too many connections
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "53300"
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Refused reports errors a standby gives where the primary would not: a statement
// that writes (read_only_sql_transaction), or one cancelled for a conflict with
// recovery (serialization_failure).
func Refused(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "25006" || pg.Code == "40001")
}

// QueryContext implements bun.IConn.
func (r *replica) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if r.failed(ctx, err) {
		return r.set.primary.QueryContext(ctx, query, args...)
	}
	return rows, err
}

// ExecContext implements bun.IConn.
func (r *replica) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := r.db.ExecContext(ctx, query, args...)
	if r.failed(ctx, err) {
		return r.set.primary.ExecContext(ctx, query, args...)
	}
	return res, err
}

// QueryRowContext implements bun.IConn.
func (r *replica) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	row := r.db.QueryRowContext(ctx, query, args...)
	if r.failed(ctx, row.Err()) {
		return r.set.primary.QueryRowContext(ctx, query, args...)
	}
	return row
}
