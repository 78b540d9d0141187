package models

import (
	"errors"
	"fmt"
)

// Error codes. Each service method's comment says which it returns.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ERATELIMITED  = "rate_limited"
	EINTERNAL     = "internal"
)

// Error is the domain error: a code, a message meant for people and, for invalid
// input, the field at fault (a path inside the arguments, e.g. "input.levels[0].level").
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithField returns err naming field when it is (or wraps) an *Error that names none,
// else err as it is.
func WithField(err error, field string) error {
	var e *Error
	if errors.As(err, &e) && e.Field == "" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// NotFound returns an ENOTFOUND error for a kind of object ("organisation").
func NotFound(kind string) *Error {
	return &Error{Code: ENOTFOUND, Message: kind + " not found"}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EINTERNAL for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of err; internal errors never reveal their cause.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field an EINVALID error names, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// WithFieldPrefix returns err with its field prefixed ("input." + "code"), so a
// validation error raised on a domain type can name the path in the request.
func WithFieldPrefix(err error, prefix string) error {
	var e *Error
	if errors.As(err, &e) && e.Field != "" {
		c := *e
		c.Field = prefix + e.Field
		return &c
	}
	return err
}

// The kinds of failure a store reports besides the codes above, for callers that
// must tell a failure of the database from a bug without knowing the engine:
// check them with errors.Is. The store marks its errors with them (store.Classify).
var (
	// ErrUnavailable: the database cannot be reached now (down, restarting,
	// refusing connections, or the store closed); trying again later may work.
	ErrUnavailable = errors.New("database unavailable")
	// ErrConflict: the write collides with existing data (a unique value in use).
	ErrConflict = errors.New("conflict with existing data")
)
