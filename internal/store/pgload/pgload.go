package pgload

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// Package pgload bulk-loads a PostgreSQL database. A Loader is a models.BulkWriter for filling a
// database that holds no learners yet (a fresh one, after its catalogue): the
// catalogue goes through the ordinary bulk path, and the learners with their
// learning record go in with COPY instead of upserts, with every derived row
// (proficiencies, certificates, COURSE_COMPLETION and EVENT_ATTENDANCE evidence,
// karma, gap rows and rollups, course counts) computed in Go by the same rules and
// functions, so the database ends up as the bulk path would have left it.
//
// It does so by replaying the bulk path's semantics, call by call, on the learners
// it holds in memory: each Upsert call has the effects (and the rejections) that
// the same call of *DB would have, including what depends on how records fall into
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

// loadTable is a table the loader writes, with the columns it copies and their types.
type loadTable struct {
	name    string
	columns []string // "name type", type as format_type spells it
}

// The tables, in the order of loadOutput.rows.
const (
	tLearners = iota
	tLearnerRoles
	tEvidence
	tProficiencies
	tEnrolments
	tCertificates
	tCourseRatings
	tAttendance
	tKarmaLedger
	tKarmaTotals
	tLearnerGaps
	tGapRollups
	tPeerEvents
	tPeerSums
	numLoadTables
)

const (
	cInt8  = "bigint"
	cInt4  = "integer"
	cFloat = "double precision"
	cText  = "text"
	cTime  = "timestamp with time zone"
)

func cols(spec ...string) []string { return spec }

var loadTables = [numLoadTables]loadTable{
	{"learners", cols("id "+cInt8, "employee_code "+cText, "name "+cText, "email "+cText, "designation "+cText,
		"organisation_id "+cInt8, "version "+cInt8, "created_at "+cTime, "updated_at "+cTime)},
	{"learner_roles", cols("learner_id "+cInt8, "role_id "+cInt8)},
	{"evidence", cols("id "+cInt8, "learner_id "+cInt8, "competency_id "+cInt8, "source "+cText, "level "+cInt4,
		"score "+cFloat, "observed_at "+cTime, "created_at "+cTime, "verification "+cText)},
	{"proficiencies", cols("learner_id "+cInt8, "competency_id "+cInt8, "level "+cInt4, "confidence "+cFloat,
		"distribution "+cText, "updated_at "+cTime, "p0 "+cFloat, "p1 "+cFloat, "p2 "+cFloat, "p3 "+cFloat, "p4 "+cFloat, "p5 "+cFloat)},
	{"enrolments", cols("id "+cInt8, "learner_id "+cInt8, "course_id "+cInt8, "status "+cText, "progress "+cFloat,
		"enrolled_at "+cTime, "completed_at "+cTime)},
	{"certificates", cols("id "+cInt8, "learner_id "+cInt8, "course_id "+cInt8, "enrolment_id "+cInt8,
		"verification_code "+cText, "issued_at "+cTime, "verification "+cText)},
	{"course_ratings", cols("learner_id "+cInt8, "course_id "+cInt8, "stars "+cInt4, "rated_at "+cTime)},
	{"attendance", cols("session_id "+cInt8, "learner_id "+cInt8, "recorded_at "+cTime, "recorded_by "+cText)},
	{"karma_ledger", cols("id "+cInt8, "learner_id "+cInt8, "reason "+cText, "subject "+cText, "points "+cInt4,
		"course_id "+cInt8, "event_id "+cInt8, "note "+cText, "awarded_at "+cTime)},
	{"karma_totals", cols("learner_id "+cInt8, "points "+cInt4)},
	{"learner_gaps", cols("learner_id "+cInt8, "competency_id "+cInt8, "organisation_id "+cInt8, "required "+cInt4,
		"weight "+cFloat, "gap "+cFloat, "level "+cInt4, "d0 "+cFloat, "d1 "+cFloat, "d2 "+cFloat, "d3 "+cFloat, "d4 "+cFloat, "d5 "+cFloat)},
	{"gap_rollups", cols("organisation_id "+cInt8, "competency_id "+cInt8, "required "+cInt4, "learners "+cInt8,
		"with_gap "+cInt8, "sum_gap "+cFloat, "sum_weighted "+cFloat, "h0 "+cInt8, "h1 "+cInt8, "h2 "+cInt8, "h3 "+cInt8,
		"h4 "+cInt8, "h5 "+cInt8, "wm0 "+cFloat, "wm1 "+cFloat, "wm2 "+cFloat, "wm3 "+cFloat, "wm4 "+cFloat, "wm5 "+cFloat)},
	{"peer_events", cols("learner_id "+cInt8, "role_id "+cInt8, "course_id "+cInt8, "weight "+cFloat, "value "+cFloat)},
	{"peer_sums", cols("role_id "+cInt8, "course_id "+cInt8, "events "+cInt8, "weight "+cFloat, "outcome "+cFloat)},
}

// copySQL returns the COPY statement of table t.
func (t loadTable) copySQL() string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i], _, _ = strings.Cut(c, " ")
	}
	return fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FORMAT binary, FREEZE)", t.name, strings.Join(names, ", "))
}

// sequenced are the loaded tables whose id comes from a sequence the loader advances.
var sequenced = []string{"learners", "evidence", "enrolments", "certificates", "karma_ledger"}

// loadSequence is a table's id sequence as the bulk path would draw from it.
type loadSequence struct {
	name        string // as pg_get_serial_sequence gives it
	start, next int64  // the next value before the load, and now
}

// take returns the next value, as nextval would.
func (s *loadSequence) take() int64 { s.next++; return s.next - 1 }

// copyChunk is how many bytes of one table the writer gathers before a COPY.
const copyChunk = 8 << 20

// Loader loads learners and their learning record into an empty PostgreSQL
// database; see New. It is not safe for concurrent use.
type Loader struct {
	db   *store.DB
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
	return &Loader{db: db, opts: opts, stats: Stats{Rows: map[string]int64{}, Copy: map[string]time.Duration{}}}, nil
}

// queryer is what both *sql.DB and *sql.Conn offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// learnerTables returns the learners table and every table that refers to it,
// directly or through another: the tables that must be empty for a load.
func learnerTables(ctx context.Context, q queryer) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
WITH RECURSIVE t (oid) AS (
	SELECT 'learners'::regclass::oid
	UNION
	SELECT c.conrelid FROM pg_constraint AS c JOIN t ON c.confrelid = t.oid WHERE c.contype = 'f'
)
SELECT oid::regclass::text FROM t ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The rollups and peer sums refer to no learner, but only learners' records fill them.
	for _, t := range []string{"gap_rollups", "peer_sums"} {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// firstNonEmpty returns the first of the tables that holds a row, or "".
func firstNonEmpty(ctx context.Context, q queryer, tables []string) (string, error) {
	parts := make([]string, len(tables))
	for i, t := range tables {
		parts[i] = fmt.Sprintf("SELECT %s AS name WHERE EXISTS (SELECT 1 FROM %s)", quoteLiteral(t), t)
	}
	rows, err := q.QueryContext(ctx, strings.Join(parts, " UNION ALL ")+" LIMIT 1")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var name string
	if rows.Next() {
		if err := rows.Scan(&name); err != nil {
			return "", err
		}
	}
	return name, rows.Err()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

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

// checkColumns checks that each loaded table has the columns the loader copies,
// of the types it encodes, and that every other column may be left to its default.
func (l *Loader) checkColumns(ctx context.Context) error {
	for _, t := range loadTables {
		rows, err := l.conn.QueryContext(ctx, `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
FROM pg_attribute AS a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`, t.name)
		if err != nil {
			return err
		}
		have := map[string]string{}
		var loose []string
		for rows.Next() {
			var name, typ string
			var notNull, hasDefault bool
			if err := rows.Scan(&name, &typ, &notNull, &hasDefault); err != nil {
				rows.Close()
				return err
			}
			have[name] = typ
			if notNull && !hasDefault {
				loose = append(loose, name)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		copied := map[string]bool{}
		for _, c := range t.columns {
			name, typ, _ := strings.Cut(c, " ")
			copied[name] = true
			if have[name] != typ {
				return fmt.Errorf("store: bulk load: %s.%s is %q, the loader writes %s", t.name, name, have[name], typ)
			}
		}
		for _, name := range loose {
			if !copied[name] {
				return fmt.Errorf("store: bulk load: %s.%s needs a value the loader does not write", t.name, name)
			}
		}
	}
	return nil
}

// ---- constraints and indexes

// loadDefs are the constraints and indexes of the loaded tables, set aside for
// the load and built again from these definitions at its end.
type loadDefs struct {
	keys    []loadDef // primary keys and unique constraints
	indexes []loadDef // other indexes
	foreign []loadDef // foreign keys on the loaded tables and those referring to them
}

// loadDef is one constraint or index: its table, name and definition.
type loadDef struct {
	table, name, def string
}

// readDefs reads the definitions of the loaded tables' constraints and indexes.
func readDefs(ctx context.Context, q queryer) (*loadDefs, error) {
	regs := make([]string, numLoadTables)
	for i, t := range loadTables {
		regs[i] = quoteLiteral(t.name) + "::regclass"
	}
	in := strings.Join(regs, ", ")
	d := &loadDefs{}
	scan := func(query string, each func(table, name, kind, def, index string) error) error {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var table, name, kind, def, index string
			if err := rows.Scan(&table, &name, &kind, &def, &index); err != nil {
				return err
			}
			if err := each(table, name, kind, def, index); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := scan(`
SELECT c.conrelid::regclass::text, quote_ident(c.conname), c.contype::text, pg_get_constraintdef(c.oid),
	CASE WHEN c.contype IN ('p', 'u') THEN c.conindid::regclass::text ELSE '' END
FROM pg_constraint AS c
WHERE (c.contype IN ('p', 'u', 'f') AND c.conrelid IN (`+in+`)) OR (c.contype = 'f' AND c.confrelid IN (`+in+`))
ORDER BY c.conrelid::regclass::text, c.conname`, func(table, name, kind, def, index string) error {
		switch kind {
		case "f":
			d.foreign = append(d.foreign, loadDef{table, name, def})
		default:
			if index != name {
				return fmt.Errorf("store: bulk load: constraint %s of %s has index %s of another name", name, table, index)
			}
			d.keys = append(d.keys, loadDef{table, name, def})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scan(`
SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, '', pg_get_indexdef(i.indexrelid), ''
FROM pg_index AS i
WHERE i.indrelid IN (`+in+`) AND NOT EXISTS (
	SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2`, func(table, name, _, def, _ string) error {
		d.indexes = append(d.indexes, loadDef{table, name, def})
		return nil
	})
	return d, err
}

// dropSQL sets the constraints and indexes aside: foreign keys first, which may
// refer to the keys.
func (d *loadDefs) dropSQL() string {
	var sb strings.Builder
	for _, f := range d.foreign {
		fmt.Fprintf(&sb, "ALTER TABLE %s DROP CONSTRAINT %s;\n", f.table, f.name)
	}
	for _, k := range d.keys {
		fmt.Fprintf(&sb, "ALTER TABLE %s DROP CONSTRAINT %s;\n", k.table, k.name)
	}
	for _, i := range d.indexes {
		fmt.Fprintf(&sb, "DROP INDEX %s;\n", i.name)
	}
	return sb.String()
}

// ---- the pipeline

// loadBatch is a closed batch of learners on its way to the database.
type loadBatch struct {
	learners []*loadLearner
	out      chan *loadOutput
}

// loadOutput is a batch's rows, encoded, and its part of the rollups and peer sums.
type loadOutput struct {
	rows    [numLoadTables]copyRows
	rollups map[domain.RollupKey]*domain.RollupSum
	peers   map[[2]int64]*models.PeerSum
}

// work derives the rows of batches until there are no more.
func (l *Loader) work() {
	defer l.workers.Done()
	for b := range l.tasks {
		if l.failed() != nil {
			b.out <- nil
			continue
		}
		start := time.Now()
		out := l.derive(b.learners)
		l.deriving.Add(int64(time.Since(start)))
		b.out <- out
	}
}

// write sends the batches' rows to the database, in batch order, a table's rows
// a few megabytes at a time.
func (l *Loader) write() {
	defer close(l.written)
	for b := range l.ordered {
		out := <-b.out
		if out == nil || l.failed() != nil {
			continue
		}
		for t := range out.rows {
			if out.rows[t].rows == 0 {
				continue
			}
			l.pending[t] = append(l.pending[t], out.rows[t]) // not a pointer: out may go
			if l.pendingBytes[t] += len(out.rows[t].buf); l.pendingBytes[t] >= copyChunk {
				if err := l.copyTable(t); err != nil {
					l.fail(err)
					break
				}
			}
		}
		for k, s := range out.rollups {
			if sum := l.rollups[k]; sum != nil {
				sum.Add(s)
			} else {
				l.rollups[k] = s
			}
		}
		for k, s := range out.peers {
			if sum := l.peers[k]; sum != nil {
				sum.Add(*s)
			} else {
				l.peers[k] = s
			}
		}
	}
	if l.failed() != nil {
		return
	}
	for t := range l.pending {
		if err := l.copyTable(t); err != nil {
			l.fail(err)
			return
		}
	}
}

// copyTable sends the pending rows of table t with one COPY, and keeps their
// buffers for the batches to come.
func (l *Loader) copyTable(t int) error {
	chunks := l.pending[t]
	if len(chunks) == 0 {
		return nil
	}
	start := time.Now()
	table := loadTables[t]
	readers := []io.Reader{bytes.NewReader(copyHeader)}
	rows := 0
	for _, c := range chunks {
		readers = append(readers, bytes.NewReader(c.buf))
		rows += c.rows
	}
	readers = append(readers, bytes.NewReader(copyTrailer))
	err := l.pg(func(c *pgx.Conn) error {
		tag, err := c.PgConn().CopyFrom(l.ctx, io.MultiReader(readers...), table.copySQL())
		if err == nil && tag.RowsAffected() != int64(rows) {
			err = fmt.Errorf("COPY wrote %d rows of %d", tag.RowsAffected(), rows)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: bulk load: copy %s: %w", table.name, err)
	}
	l.stats.Rows[table.name] += int64(rows)
	l.stats.Copy[table.name] += time.Since(start)
	for i, c := range chunks {
		select {
		case l.free[t] <- c.buf[:0]:
		default:
		}
		chunks[i] = copyRows{}
	}
	l.pending[t], l.pendingBytes[t] = chunks[:0], 0
	return nil
}

// newOutput returns an empty output whose tables encode into kept buffers.
func (l *Loader) newOutput() *loadOutput {
	out := &loadOutput{rollups: map[domain.RollupKey]*domain.RollupSum{}, peers: map[[2]int64]*models.PeerSum{}}
	for t := range out.rows {
		select {
		case out.rows[t].buf = <-l.free[t]:
		default:
		}
	}
	return out
}

// closeOpen closes the open learners: their records are complete, so their
// course counts are added up and their rows derived and sent.
func (l *Loader) closeOpen() error {
	if len(l.openOrder) == 0 {
		return l.failed()
	}
	batch := l.openOrder
	l.openOrder, l.open = nil, map[int64]*loadLearner{}
	for _, ll := range batch {
		for _, e := range ll.enrolments {
			l.enrolmentCount[e.CourseID]++
		}
		for _, r := range ll.ratings {
			l.ratingSum[r.CourseID] += int64(r.Stars)
			l.ratingCount[r.CourseID]++
		}
	}
	b := &loadBatch{learners: batch, out: make(chan *loadOutput, 1)}
	start := time.Now()
	l.tasks <- b
	l.ordered <- b
	l.waiting += time.Since(start)
	return l.failed()
}

// drain stops the pipeline and waits for it.
func (l *Loader) drain() {
	close(l.tasks)
	close(l.ordered)
	l.workers.Wait()
	<-l.written
}

// Finish derives and copies what remains, builds the constraints and indexes,
// sets the sequences and the courses' counts, analyzes the tables and commits. A
// Loader that never saw a learner has nothing to do.
func (l *Loader) Finish(ctx context.Context) (Stats, error) {
	switch l.mode {
	case loadBeforeLearners, loadPassThrough:
		l.mode = loadFinished
		return l.stats, nil
	case loadFinished:
		return l.stats, errors.New("store: the bulk load is finished")
	}
	start := time.Now()
	err := l.closeOpen()
	drained := time.Now()
	l.drain()
	l.inCalls += time.Since(start)
	l.waiting += time.Since(drained)
	if err == nil {
		err = l.failed()
	}
	if err == nil {
		l.stage(fmt.Sprintf("generated, derived and copied %d learners", len(l.learnerIDs)), l.started)
		var copying time.Duration
		for _, d := range l.stats.Copy {
			copying += d
		}
		wall := time.Since(l.started)
		l.notice("  of which the caller generating records %s, the loader's calls %s (waiting on the pipeline %s);"+
			" deriving %s on %d workers, COPY %s", (wall - l.inCalls).Round(time.Millisecond), (l.inCalls - l.waiting).Round(time.Millisecond),
			l.waiting.Round(time.Millisecond), time.Duration(l.deriving.Load()).Round(time.Millisecond), l.opts.Workers, copying.Round(time.Millisecond))
		err = l.finish(ctx)
	}
	if err != nil {
		l.abort()
		return l.stats, err
	}
	l.mode = loadFinished
	l.conn.Close()
	l.cancel()
	return l.stats, nil
}

// finish does Finish's work after the pipeline has drained.
func (l *Loader) finish(ctx context.Context) error {
	start := time.Now()
	l.pending[tGapRollups] = append(l.pending[tGapRollups], *l.encodeRollups())
	if err := l.copyTable(tGapRollups); err != nil {
		return err
	}
	l.pending[tPeerSums] = append(l.pending[tPeerSums], *l.encodePeerSums())
	if err := l.copyTable(tPeerSums); err != nil {
		return err
	}
	for _, t := range loadTables {
		if n := l.stats.Rows[t.name]; n > 0 {
			d := l.stats.Copy[t.name]
			l.notice("  %-14s %11d rows, COPY %7.1f s, %9.0f rows/s", t.name, n, d.Seconds(), float64(n)/max(d.Seconds(), 1e-9))
		}
	}
	steps := []struct {
		name string
		defs []loadDef
		sql  func(loadDef) string
	}{
		{"primary keys and unique constraints", l.defs.keys, func(d loadDef) string {
			return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", d.table, d.name, d.def)
		}},
		{"indexes", l.defs.indexes, func(d loadDef) string { return d.def }},
		{"foreign keys (checked)", l.defs.foreign, func(d loadDef) string {
			return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", d.table, d.name, d.def)
		}},
	}
	for _, s := range steps {
		start := time.Now()
		for _, d := range s.defs {
			if err := l.exec(ctx, s.sql(d)); err != nil {
				return fmt.Errorf("store: bulk load: %s %s: %w", s.name, d.name, err)
			}
		}
		l.stage(fmt.Sprintf("built %d %s", len(s.defs), s.name), start)
	}
	start = time.Now()
	var sb strings.Builder
	for _, table := range sequenced {
		if s := l.seq[table]; s.next > s.start {
			fmt.Fprintf(&sb, "SELECT setval(%s, %d, true);\n", quoteLiteral(s.name), s.next-1)
		}
	}
	sb.WriteString(countsSQL("enrolment_count = v.a", l.enrolTouched, l.enrolmentCount, nil))
	sb.WriteString(countsSQL("rating_sum = v.a, rating_count = v.b", l.ratingTouched, l.ratingSum, l.ratingCount))
	if err := l.exec(ctx, sb.String()); err != nil {
		return fmt.Errorf("store: bulk load: sequences and course counts: %w", err)
	}
	l.stage("set the sequences and the courses' enrolment and rating counts", start)
	start = time.Now()
	names := make([]string, numLoadTables)
	for i, t := range loadTables {
		names[i] = t.name
	}
	if err := l.exec(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return err
	}
	l.stage("analyzed", start)
	start = time.Now()
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	l.stage("committed", start)
	return nil
}

// countsSQL updates the courses listed in touched, setting set from a (and b).
func countsSQL(set string, touched map[int64]bool, a, b map[int64]int64) string {
	if len(touched) == 0 {
		return ""
	}
	ids := slices.Sorted(func(yield func(int64) bool) {
		for id := range touched {
			if !yield(id) {
				return
			}
		}
	})
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = fmt.Sprintf("(%d, %d, %d)", id, a[id], b[id])
	}
	return fmt.Sprintf("UPDATE courses AS c SET %s FROM (VALUES %s) AS v (id, a, b) WHERE c.id = v.id;\n",
		set, strings.Join(values, ", "))
}

// abort rolls the load back.
func (l *Loader) abort() {
	l.mode = loadFinished
	if l.conn != nil {
		if l.cancel != nil {
			l.cancel()
		}
		// A COPY cut off by the cancel leaves the connection unusable; closing it
		// ends the transaction either way.
		l.exec(context.Background(), "ROLLBACK")
		l.conn.Raw(func(any) error { return driver.ErrBadConn }) // discard it rather than pool it
		l.conn.Close()
	}
}

// Close rolls back a load that was not finished, and does nothing otherwise.
func (l *Loader) Close() error {
	switch l.mode {
	case loadCopying:
		if l.tasks != nil {
			l.fail(errors.New("store: bulk load closed before Finish"))
			l.drain()
		}
		l.abort()
	case loadBeforeLearners, loadPassThrough:
		l.mode = loadFinished
	}
	return nil
}

var _ models.BulkWriter = (*Loader)(nil)
