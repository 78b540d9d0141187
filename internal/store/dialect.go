package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
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

// constraintKind classifies a constraint violation.
type constraintKind int

const (
	noViolation constraintKind = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
)

// violation returns the kind of constraint err violates and the column it names when
// the engine says (PostgreSQL's constraint names are "<table>_<column>_key").
func violation(err error) (constraintKind, string) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return uniqueViolation, columnOfConstraint(pg.TableName, pg.ConstraintName)
		case "23503":
			return foreignKeyViolation, ""
		case "23514":
			return checkViolation, ""
		}
		return noViolation, ""
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		msg := lite.Error()
		switch {
		case strings.Contains(msg, "UNIQUE constraint failed"):
			// "UNIQUE constraint failed: learners.email"
			col := msg[strings.LastIndex(msg, ".")+1:]
			return uniqueViolation, strings.TrimSpace(strings.SplitN(col, " ", 2)[0])
		case strings.Contains(msg, "FOREIGN KEY constraint failed"):
			return foreignKeyViolation, ""
		case strings.Contains(msg, "CHECK constraint failed"):
			return checkViolation, ""
		}
	}
	return noViolation, ""
}

func columnOfConstraint(table, constraint string) string {
	c := strings.TrimPrefix(constraint, table+"_")
	return strings.TrimSuffix(c, "_key")
}
