package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// The store names what went wrong in its own kinds, the same on both engines:
// a unique value in use is ErrConflict, a database it cannot reach ErrUnavailable,
// and neither is the other or a missing row.
func TestErrorKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		org := &models.NewOrganisation{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry}
		created, err := db.InsertOrganisation(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.InsertOrganisation(ctx, org)
		if !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrUnavailable) || models.ErrorCode(err) != models.ECONFLICT {
			t.Fatalf("duplicate code: %v (conflict %v, unavailable %v, code %s), want a CONFLICT of kind ErrConflict",
				err, errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrUnavailable), models.ErrorCode(err))
		}

		// A unique violation that no store method names is classified by the engine's own error.
		if _, err := db.Bun().ExecContext(ctx, "CREATE TABLE kinds_probe (k INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().ExecContext(ctx, "INSERT INTO kinds_probe (k) VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		_, err = db.Bun().ExecContext(ctx, "INSERT INTO kinds_probe (k) VALUES (1)")
		if err == nil || !errors.Is(store.Classify(err), store.ErrConflict) || errors.Is(store.Classify(err), store.ErrUnavailable) {
			t.Fatalf("raw unique violation %v: Classify gives %v, want ErrConflict", err, store.Classify(err))
		}
		if _, err = db.Bun().ExecContext(ctx, "SELECT no_such_column FROM kinds_probe"); err == nil ||
			errors.Is(store.Classify(err), store.ErrConflict) || errors.Is(store.Classify(err), store.ErrUnavailable) {
			t.Fatalf("a bad statement (%v) is a bug, of no kind", err)
		}

		_, err = db.FindOrganisationByID(ctx, created.ID+1000)
		if models.ErrorCode(err) != models.ENOTFOUND || errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrConflict) {
			t.Fatalf("missing organisation: %v, want NOT_FOUND of no kind", err)
		}

		// A closed store cannot reach its database: every read says so.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = db.FindOrganisationByID(ctx, created.ID)
		if !errors.Is(err, store.ErrUnavailable) || models.ErrorCode(err) != models.EINTERNAL {
			t.Fatalf("read after close: %v, want ErrUnavailable", err)
		}
		_, err = db.FindOrganisationsByIDs(ctx, []int64{created.ID})
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("batch read after close: %v, want ErrUnavailable", err)
		}
	})
}

// A database that is not there: PostgreSQL refusing the connection, an SQLite file
// whose directory cannot be opened.
func TestOpenUnavailable(t *testing.T) {
	_, err := store.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("postgres, connection refused: %v, want ErrUnavailable", err)
	}
	dir := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, "sqlite://"+filepath.Join(dir, "test.db"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("sqlite, directory gone: %v, want ErrUnavailable", err)
	}
}
