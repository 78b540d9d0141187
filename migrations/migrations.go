// Package migrations holds the versioned SQL schema, one folder per dialect.
// File names start with a UTC timestamp so parallel work never collides; every
// change is written for both dialects, and a store test checks that they agree.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// For returns the migrations of a dialect, "postgres" or "sqlite".
func For(dialect string) (*migrate.Migrations, error) {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dialect, err)
	}
	return m, nil
}
