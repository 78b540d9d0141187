package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"modernc.org/sqlite"

	"github.com/openkarmayogi/karmayogi/models"
)

// The store's error kinds are models.ErrUnavailable and models.ErrConflict (check
// them with errors.Is). The store marks the errors it returns through its helpers
// (NotFoundOr, ConflictOr, Open); Classify marks any other error of the store's.
var (
	ErrUnavailable = models.ErrUnavailable
	ErrConflict    = models.ErrConflict
)

// kindError marks err with its kind: errors.Is finds both, errors.As the cause.
type kindError struct{ err, kind error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// Classify returns err marked with its kind (ErrUnavailable, ErrConflict) when the
// engine's error says so, and err as it is otherwise (nil stays nil). Marking
// twice is harmless.
func Classify(err error) error {
	switch {
	case err == nil, errors.Is(err, ErrUnavailable), errors.Is(err, ErrConflict):
		return err
	case unavailable(err):
		return &kindError{err, ErrUnavailable}
	}
	var coded interface{ SQLState() string }
	if kind, _ := Violation(err); kind == UniqueViolation || (errors.As(err, &coded) && coded.SQLState() == "23505") {
		return &kindError{err, ErrConflict}
	}
	return err
}

// sqlDBClosed is database/sql's error for a pool that was closed, which it does not export.
const sqlDBClosed = "sql: database is closed"

// unavailable reports whether err says the database cannot be reached now, as
// opposed to a bug: the connection refused, reset or closed, the pool closed, or
// PostgreSQL refusing work while it shuts down, starts or is out of connections.
// Server errors are recognised by their SQLSTATE, which the driver's error type
// exposes as a method; SQLite's by their result code.
func unavailable(err error) bool {
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return true
	case errors.As(err, &op) && op.Op == "dial":
		return true
	case strings.Contains(err.Error(), sqlDBClosed):
		return true
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		state := coded.SQLState()
		// 08: connection exception; 57P01..03: admin shutdown, crash shutdown,
		// cannot connect now (starting up, shutting down); 53300: too many connections.
		return strings.HasPrefix(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" || state == "53300"
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		// SQLITE_CANTOPEN (14): the file cannot be opened (its directory gone or unreadable).
		return lite.Code()&0xff == 14
	}
	return false
}

// NotFoundOr maps sql.ErrNoRows to ENOTFOUND for kind and wraps anything else,
// marked with its kind.
func NotFoundOr(err error, kind string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return models.NotFound(kind)
	}
	return Classify(fmt.Errorf("%s: %w", kind, err))
}

// ConflictOr maps a unique violation to ECONFLICT naming the column (as a GraphQL
// field name via fields), marked ErrConflict, and marks anything else with its kind.
func ConflictOr(err error, fields map[string]string) error {
	kind, column := Violation(err)
	if kind == UniqueViolation {
		field := fields[column]
		if field == "" {
			field = column
		}
		e := models.Errorf(models.ECONFLICT, "%s is already in use", field)
		e.Field = field
		return &kindError{e, ErrConflict}
	}
	return Classify(err)
}
