package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/openkarmayogi/karmayogi/models"
)

// notFoundOr maps sql.ErrNoRows to ENOTFOUND for kind and wraps anything else.
func notFoundOr(err error, kind string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return models.NotFound(kind)
	}
	return fmt.Errorf("%s: %w", kind, err)
}

// conflictOr maps a unique violation to ECONFLICT naming the column (as a GraphQL
// field name via fields) and wraps anything else.
func conflictOr(err error, fields map[string]string) error {
	kind, column := violation(err)
	if kind == uniqueViolation {
		field := fields[column]
		if field == "" {
			field = column
		}
		e := models.Errorf(models.ECONFLICT, "%s is already in use", field)
		e.Field = field
		return e
	}
	return err
}
