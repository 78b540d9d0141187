package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
)

// This file is the one seam where PostgreSQL and SQLite differ.

// likeOp is the case-insensitive LIKE of the dialect (SQLite's LIKE already folds ASCII case).
func (db *DB) likeOp() string {
	if db.dialect == "postgres" {
		return "ILIKE"
	}
	return "LIKE"
}

// ConstraintKind classifies a constraint violation.
type ConstraintKind int

const (
	NoViolation ConstraintKind = iota
	UniqueViolation
	ForeignKeyViolation
	checkViolation
)

// Violation returns the kind of constraint err violates and the column it names when
// the engine says (PostgreSQL's constraint names are "<table>_<column>_key").
func Violation(err error) (ConstraintKind, string) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return UniqueViolation, columnOfConstraint(pg.TableName, pg.ConstraintName)
		case "23503":
			return ForeignKeyViolation, ""
		case "23514":
			return checkViolation, ""
		}
		return NoViolation, ""
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		msg := lite.Error()
		switch {
		case strings.Contains(msg, "UNIQUE constraint failed"):
			// "UNIQUE constraint failed: learners.email"
			col := msg[strings.LastIndex(msg, ".")+1:]
			return UniqueViolation, strings.TrimSpace(strings.SplitN(col, " ", 2)[0])
		case strings.Contains(msg, "FOREIGN KEY constraint failed"):
			return ForeignKeyViolation, ""
		case strings.Contains(msg, "CHECK constraint failed"):
			return checkViolation, ""
		}
	}
	return NoViolation, ""
}

func columnOfConstraint(table, constraint string) string {
	c := strings.TrimPrefix(constraint, table+"_")
	return strings.TrimSuffix(c, "_key")
}

// lockMigrations holds a lock for migrating this database until unlock, so
// processes that start together migrate one after the other: the first applies what
// is pending, the others find nothing to do. PostgreSQL: an advisory lock for the
// schema, held by one session; SQLite: an exclusive lock on a file beside the
// database. Either way a process that dies releases it.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if db.dialect != "postgres" {
		f, err := os.OpenFile(db.path+".migrate-lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
	}
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return nil, err
	}
	const key = "hashtext('karmayogi-migrate:' || current_schema())"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
		conn.Close()
	}, nil
}

// busy reports whether err is SQLite's SQLITE_BUSY. Switching a brand-new file to
// WAL does not wait on the busy timeout, so processes opening one at the same
// moment can see it once.
func busy(err error) bool {
	var lite *sqlite.Error
	return errors.As(err, &lite) && lite.Code()&0xff == 5
}

// ForUpdate makes q lock the rows it reads until the transaction ends, so writers
// that must see each other's effects (seats, places) take turns: FOR UPDATE on
// PostgreSQL; nothing on SQLite, whose single connection already serialises
// transactions.
func (db *DB) ForUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if db.dialect == "postgres" {
		return q.For("UPDATE")
	}
	return q
}

// TryLock takes the lock called name for this database if no one holds it, and
// reports whether it did; unlock releases it. It keeps one job (a calibration, a
// re-estimation) to one process at a time. PostgreSQL: a session advisory lock for
// the schema (pg_try_advisory_lock) on a connection held until unlock; SQLite: a
// non-blocking exclusive lock on a file beside the database. Either way a process
// that dies releases it.
func (db *DB) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if db.dialect != "postgres" {
		f, err := os.OpenFile(db.path+"."+name+"-lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("lock %s: %w", name, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("lock %s: %w", name, err)
		}
		return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, true, nil
	}
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	key := "hashtext('karmayogi-" + name + ":' || current_schema())"
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock("+key+")").Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("lock %s: %w", name, err)
		}
		return nil, false, nil
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
		conn.Close()
	}, true, nil
}
