// Package pgload bulk-loads a PostgreSQL database. A Loader is a
// models.BulkWriter for filling a database that holds no learners yet (a fresh one, after its catalogue): the
// catalogue goes through the ordinary bulk path, and the learners with their
// learning record go in with COPY instead of upserts, with every derived row
// (proficiencies, certificates, COURSE_COMPLETION and EVENT_ATTENDANCE evidence,
// karma, gap rows and rollups, course counts) computed in Go by the same rules and
// functions, so the database ends up as the bulk path would have left it.
//
// It does so by replaying the bulk path's semantics, call by call, on the learners
// it holds in memory: each Upsert call has the effects (and the rejections) that
// the same call of the bulk path (bulk.Writer) would have, including what depends on how records fall into
// calls (versions are bumped once per call, FIRST_ENROLMENT goes to the earliest
// enrolment of the first call that enrols the learner, karma's monthly cap counts
// what earlier calls awarded). What it cannot replay it refuses with an error:
// a learner given twice, or records for a learner whose batch is closed.
//
// The records must come in the seed's order: catalogue first, then for each batch
// of learners their records. A call of UpsertLearners that follows learning-record
// calls closes the learners before it: their rows are derived (proficiencies
// estimated on every core) and sent while the caller generates the next batch.
//
// Everything happens in one transaction on one connection: at the first learner
// the loader locks the learner tables, checks they are empty, sets aside their
// foreign keys, unique constraints and indexes and truncates them (so COPY can
// FREEZE the rows); Finish builds the constraints and indexes again from their
// stored definitions (so the unique keys and foreign keys are checked), sets the
// sequences, recounts the courses, analyzes and commits. A failure rolls it all
// back. While it runs, the learner tables and the catalogue tables they refer to
// are locked: load before serving.
package pgload

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/models"
)

// ErrNoBulkLoad is returned by New for a database a bulk load cannot fill:
// not PostgreSQL, or holding learners (or rows that refer to them) already.
var ErrNoBulkLoad = errors.New("store: a bulk load needs a PostgreSQL database without learners")

// Options configures a Loader.
type Options struct {
	Progress io.Writer // one line per stage; nil for silence
	Workers  int       // goroutines deriving rows; 0: GOMAXPROCS
}

// Stats says what a load wrote and how long each stage took.
type Stats struct {
	Rows   map[string]int64         // rows copied, by table
	Copy   map[string]time.Duration // time spent in COPY, by table
	Stages []Stage                  // in order
}

// Stage is a stage of a load and its duration.
type Stage struct {
	Name     string
	Duration time.Duration
}

// loaderMode is where a Loader is.
type loaderMode int

const (
	loadBeforeLearners loaderMode = iota // before the first learner: catalogue records go to the DB
	loadCopying                          // learners are being loaded with COPY
	loadPassThrough                      // the database had learners after all: every call goes to the DB
	loadFinished                         // committed, rolled back or closed
)

// Loader loads learners and their learning record into an empty PostgreSQL
// database; see New. It is not safe for concurrent use.
type Loader struct {
	db   *store.DB
	bulk *bulk.Writer // the bulk path, which the loader passes records to or falls back on
	opts Options
	mode loaderMode

	cat  *loadCatalogue
	conn *sql.Conn
	defs *loadDefs
	seq  map[string]*loadSequence

	learnerIDs map[string]int64 // every learner loaded, by employee code
	emails     map[string]bool
	open       map[int64]*loadLearner // the learners whose records may still come
	openOrder  []*loadLearner
	recorded   bool // a learning-record call since the last UpsertLearners

	// What the courses' counts become: only those the bulk path would recount.
	enrolmentCount, ratingSum, ratingCount map[int64]int64
	enrolTouched, ratingTouched            map[int64]bool

	// The pipeline: closed batches go to the workers and, in order, to the writer.
	ctx     context.Context
	cancel  context.CancelFunc
	tasks   chan *loadBatch
	ordered chan *loadBatch
	workers sync.WaitGroup
	written chan struct{}
	failMu  sync.Mutex
	failErr error

	// Owned by the writer until written is closed: each table's rows not sent yet,
	// as the batches encoded them, and the rollups summed so far.
	pending      [numLoadTables][]copyRows
	pendingBytes [numLoadTables]int
	rollups      map[domain.RollupKey]*domain.RollupSum
	peers        map[[2]int64]*models.PeerSum
	free         [numLoadTables]chan []byte // each table's encoding buffers, once sent, for the batches to come

	stats   Stats
	started time.Time
	// Where the streaming went: in the loader's calls (waiting on the pipeline
	// included), and deriving on the workers.
	inCalls, waiting time.Duration
	deriving         atomic.Int64 // nanoseconds, summed over the workers
}

// timeCall adds the time since start to the time spent in the loader's calls.
func (l *Loader) timeCall(start time.Time) { l.inCalls += time.Since(start) }

// New returns a Loader for db, or ErrNoBulkLoad (wrapped, saying why) when db is
// not PostgreSQL or already holds learners. The check is repeated, under lock,
// when the first learner arrives; should the database have gained learners by
// then, the Loader passes every call on to db instead.
func New(ctx context.Context, db *store.DB, opts Options) (*Loader, error) {
	if db.Dialect() != "postgres" {
		return nil, fmt.Errorf("%w: the database is %s", ErrNoBulkLoad, db.Dialect())
	}
	if db.Estimator() == nil {
		panic("store: the learning record needs an estimator (SetEstimator)")
	}
	tables, err := learnerTables(ctx, db.Bun().DB)
	if err != nil {
		return nil, err
	}
	if table, err := firstNonEmpty(ctx, db.Bun().DB, tables); err != nil {
		return nil, err
	} else if table != "" {
		return nil, fmt.Errorf("%w: %s holds rows", ErrNoBulkLoad, table)
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return &Loader{db: db, bulk: bulk.New(db), opts: opts, stats: Stats{Rows: map[string]int64{}, Copy: map[string]time.Duration{}}}, nil
}

// notice writes a progress line.
func (l *Loader) notice(format string, args ...any) {
	if l.opts.Progress != nil {
		fmt.Fprintf(l.opts.Progress, "load: "+format+"\n", args...)
	}
}

// stage records that a stage ended now, started at since, and reports it.
func (l *Loader) stage(name string, since time.Time) {
	d := time.Since(since)
	l.stats.Stages = append(l.stats.Stages, Stage{Name: name, Duration: d})
	l.notice("%s in %s", name, d.Round(time.Millisecond))
}

// pg runs fn on the load's connection.
func (l *Loader) pg(fn func(c *pgx.Conn) error) error {
	return l.conn.Raw(func(dc any) error { return fn(dc.(*stdlib.Conn).Conn()) })
}

// exec runs statements on the load's connection.
func (l *Loader) exec(ctx context.Context, sql string) error {
	return l.pg(func(c *pgx.Conn) error {
		_, err := c.PgConn().Exec(ctx, sql).ReadAll()
		return err
	})
}

// failed returns the error that stopped the pipeline, if any.
func (l *Loader) failed() error {
	l.failMu.Lock()
	defer l.failMu.Unlock()
	return l.failErr
}

// fail records the first error that stops the load.
func (l *Loader) fail(err error) {
	l.failMu.Lock()
	defer l.failMu.Unlock()
	if l.failErr == nil {
		l.failErr = err
	}
}

// begin starts the load at the first learner-side call: the catalogue snapshot,
// then, in the load's transaction, the locks, the emptiness check, the constraints
// and indexes set aside, the truncation and the sequences.
func (l *Loader) begin(ctx context.Context) error {
	switch l.mode {
	case loadCopying:
		return l.failed()
	case loadPassThrough:
		return nil
	case loadFinished:
		return errors.New("store: the bulk load is finished")
	}
	l.started = time.Now()
	cat, err := loadCatalogueSnapshot(ctx, l.db)
	if err != nil {
		return err
	}
	conn, err := l.db.Bun().DB.Conn(ctx)
	if err != nil {
		return err
	}
	l.conn, l.cat = conn, cat
	err = l.prepare(ctx)
	if errors.Is(err, ErrNoBulkLoad) {
		l.exec(context.WithoutCancel(ctx), "ROLLBACK")
		l.conn.Close()
		l.mode = loadPassThrough
		l.notice("%v; writing through the bulk path instead", err)
		return nil
	}
	if err != nil {
		l.exec(context.WithoutCancel(ctx), "ROLLBACK")
		l.conn.Close()
		l.mode = loadFinished
		return err
	}
	l.mode = loadCopying
	l.learnerIDs, l.emails, l.open = map[string]int64{}, map[string]bool{}, map[int64]*loadLearner{}
	l.enrolmentCount, l.ratingSum, l.ratingCount = map[int64]int64{}, map[int64]int64{}, map[int64]int64{}
	l.enrolTouched, l.ratingTouched = map[int64]bool{}, map[int64]bool{}
	l.rollups = map[domain.RollupKey]*domain.RollupSum{}
	l.peers = map[[2]int64]*models.PeerSum{}
	for t := range l.free {
		l.free[t] = make(chan []byte, 8*l.opts.Workers)
	}
	l.ctx, l.cancel = context.WithCancel(context.WithoutCancel(ctx))
	l.tasks, l.ordered, l.written = make(chan *loadBatch, 2*l.opts.Workers), make(chan *loadBatch, 4*l.opts.Workers), make(chan struct{})
	for range l.opts.Workers {
		l.workers.Add(1)
		go l.work()
	}
	go l.write()
	l.stage("prepared the learner tables (locked, checked empty, constraints and indexes set aside, truncated)", l.started)
	return nil
}

// prepare opens the transaction and readies the tables; ErrNoBulkLoad if they
// turn out not to be empty.
func (l *Loader) prepare(ctx context.Context) error {
	if err := l.exec(ctx, "BEGIN; SET LOCAL maintenance_work_mem = '1GB'; SET LOCAL work_mem = '256MB'"); err != nil {
		return err
	}
	tables, err := learnerTables(ctx, l.conn)
	if err != nil {
		return err
	}
	if err := l.exec(ctx, "LOCK TABLE "+strings.Join(tables, ", ")+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		return err
	}
	if table, err := firstNonEmpty(ctx, l.conn, tables); err != nil {
		return err
	} else if table != "" {
		return fmt.Errorf("%w: %s holds rows", ErrNoBulkLoad, table)
	}
	if err := l.checkColumns(ctx); err != nil {
		return err
	}
	if l.defs, err = readDefs(ctx, l.conn); err != nil {
		return err
	}
	if err := l.exec(ctx, l.defs.dropSQL()); err != nil {
		return err
	}
	names := make([]string, numLoadTables)
	for i, t := range loadTables {
		names[i] = t.name
	}
	if err := l.exec(ctx, "TRUNCATE "+strings.Join(names, ", ")); err != nil {
		return err
	}
	l.seq = map[string]*loadSequence{}
	for _, table := range sequenced {
		var s loadSequence
		if err := l.conn.QueryRowContext(ctx, "SELECT pg_get_serial_sequence($1, 'id')", table).Scan(&s.name); err != nil {
			return err
		}
		var last int64
		var called bool
		if err := l.conn.QueryRowContext(ctx, "SELECT last_value, is_called FROM "+s.name).Scan(&last, &called); err != nil {
			return err
		}
		s.start = last
		if called {
			s.start++
		}
		s.next = s.start
		l.seq[table] = &s
	}
	return nil
}
