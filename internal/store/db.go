// Package store keeps the domain in PostgreSQL or SQLite through bun. The code is
// dialect-neutral; where the engines differ, the difference lives in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jinzhu/inflection"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"github.com/openkarmayogi/karmayogi/migrations"
	"github.com/openkarmayogi/karmayogi/models"
)

// "Evidence" is uncountable: bun names a model's table by its plural, and the
// evidence table is not "evidences".
func init() { inflection.AddUncountable("evidence") }

// DB is the store. It implements the services of package models.
type DB struct {
	bun     *bun.DB
	dialect string // "postgres" or "sqlite"
	now     func() time.Time

	estimator models.Estimator // how evidence becomes proficiency; see SetEstimator
	path      string           // the SQLite file, for the migration lock
	replicas  *replicaSet      // nil without read replicas; see replica.go
	writer    *batchWriter     // SQLite's batched writes; nil on PostgreSQL (see writer.go)
}

// Open connects to the database a URL names: postgres://... (or postgresql://...)
// or sqlite://PATH, the primary. WithReplicas adds read replicas (PostgreSQL
// only); a replica that does not answer is not an error. Open does not migrate;
// call Migrate.
func Open(ctx context.Context, databaseURL string, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if len(o.replicas.URLs) > 0 && u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, errors.New("DATABASE_READ_URL: read replicas need a PostgreSQL primary")
	}
	var db *DB
	switch u.Scheme {
	case "postgres", "postgresql":
		sqldb, err := openPostgres(databaseURL)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		var bopts []bun.DBOption
		if len(o.replicas.URLs) > 0 {
			rs, err := openReplicas(ctx, sqldb, o.replicas)
			if err != nil {
				sqldb.Close()
				return nil, err
			}
			bopts = append(bopts, bun.WithConnResolver(rs))
			db = &DB{replicas: rs}
		} else {
			db = &DB{}
		}
		db.bun, db.dialect = bun.NewDB(sqldb, pgdialect.New(), bopts...), "postgres"
	case "sqlite":
		path := strings.TrimPrefix(databaseURL, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("DATABASE_URL: sqlite:// needs a file path")
		}
		sqldb, err := sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, err
		}
		// One writer at a time is SQLite's model; a single connection also keeps
		// transactions from failing with SQLITE_BUSY under concurrent requests.
		sqldb.SetMaxOpenConns(1)
		db = &DB{bun: bun.NewDB(sqldb, sqlitedialect.New()), dialect: "sqlite", path: path}
		db.writer = newBatchWriter(db.bun)
	default:
		return nil, fmt.Errorf("DATABASE_URL: unsupported scheme %q (want postgres:// or sqlite://)", u.Scheme)
	}
	db.now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	err = db.bun.PingContext(ctx)
	for try := 0; busy(err) && try < 20; try++ { // see busy
		time.Sleep(50 * time.Millisecond)
		err = db.bun.PingContext(ctx)
	}
	if err != nil {
		db.bun.Close()
		return nil, Classify(fmt.Errorf("connect to %s: %w", db.dialect, err))
	}
	return db, nil
}

// openPostgres opens a pool of 20 connections to a PostgreSQL URL. bun writes its
// arguments into the SQL text, so nearly every statement's text is new: pgx's
// default (prepare each text, cache the statement) would spend a round trip
// preparing a statement that is never used again, and churn the server's
// prepared statements. Unless the URL chooses default_query_exec_mode itself,
// statements run in one round trip instead (QueryExecModeExec).
func openPostgres(raw string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(raw); err == nil && !u.Query().Has("default_query_exec_mode") {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	return db, nil
}

// sqliteDSN adds the pragmas every connection needs: foreign keys enforced, WAL for
// readers beside the writer, and a busy timeout instead of immediate failure.
func sqliteDSN(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// busy_timeout first: the pragmas run in order, and switching a new file to WAL
	// while another process opens it is busy for a moment.
	return "file:" + path + sep + "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

// SetClock replaces the store's clock, for tests and tools that replay history (a
// time-dependent rule such as karma's monthly cap needs a controlled "now"). The
// store keeps times as instant does: UTC, to the microsecond.
func (db *DB) SetClock(now func() time.Time) { db.now = func() time.Time { return instant(now()) } }

// Close closes the connection pool.
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.close()
	}
	return db.bun.Close()
}

// Ping reports whether the database (the primary) answers.
func (db *DB) Ping(ctx context.Context) error { return db.bun.PingContext(ctx) }

// Dialect returns "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// QueryCount returns how many SQL statements this DB has run, for tests that bound them.
func (db *DB) QueryCount() uint32 { return db.bun.DBStats().Queries }

// Bun exposes the bun handle to tests and tools of this module's store layer.
func (db *DB) Bun() *bun.DB { return db.bun }

func (db *DB) migrator() (*migrate.Migrator, error) {
	ms, err := migrations.For(db.dialect)
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db.bun, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Migrate applies every pending migration and returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ctx = Fresh(ctx) // migrations read and write the primary only
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	m, err := db.migrator()
	if err != nil {
		return 0, err
	}
	if err := m.Init(ctx); err != nil {
		return 0, err
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(group.Migrations), nil
}

// Rollback undoes the last group of migrations and returns how many it undid.
func (db *DB) Rollback(ctx context.Context) (int, error) {
	ctx = Fresh(ctx)
	m, err := db.migrator()
	if err != nil {
		return 0, err
	}
	if err := m.Init(ctx); err != nil {
		return 0, err
	}
	group, err := m.Rollback(ctx)
	if err != nil {
		return 0, fmt.Errorf("rollback: %w", err)
	}
	return len(group.Migrations), nil
}

// MigrationStatus lists every migration and whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]string, error) {
	ctx = Fresh(ctx)
	m, err := db.migrator()
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ms))
	for i, mig := range ms {
		state := "pending"
		if mig.IsApplied() {
			state = "applied"
		}
		out[i] = fmt.Sprintf("%s\t%s", mig.Name, state)
	}
	return out, nil
}
