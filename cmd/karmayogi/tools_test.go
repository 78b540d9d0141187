package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// TestSeedCommandCopy: on an empty PostgreSQL database the seed loads its learners
// with COPY; on one that holds learners it writes through the bulk path, and
// seeding again changes nothing.
func TestSeedCommandCopy(t *testing.T) {
	ctx := context.Background()
	url := storetest.OpenURL(t, "postgres")
	t.Setenv("DATABASE_URL", url)
	code, _, stderr := runCLI(t, "seed", "--learners", "60", "--courses", "80")
	if code != 0 || !strings.Contains(stderr, "load: generated, derived and copied 60 learners") || !strings.Contains(stderr, "load: committed") {
		t.Fatalf("seed: exit %d: %s", code, stderr)
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	state := func() string {
		t.Helper()
		var learners, evidence, versions, karma int64
		if err := db.Bun().NewRaw("SELECT (SELECT COUNT(*) FROM learners), (SELECT COUNT(*) FROM evidence), (SELECT SUM(version) FROM learners), (SELECT SUM(points) FROM karma_totals)").
			Scan(ctx, &learners, &evidence, &versions, &karma); err != nil {
			t.Fatal(err)
		}
		if learners != 60 || evidence == 0 || karma == 0 {
			t.Fatalf("%d learners, %d evidence rows, %d karma points", learners, evidence, karma)
		}
		return fmt.Sprintf("%d evidence rows, versions summing to %d, %d karma points", evidence, versions, karma)
	}
	before := state()
	code, _, stderr = runCLI(t, "seed", "--learners", "60", "--courses", "80")
	if code != 0 || !strings.Contains(stderr, "holds rows; writing through the bulk path") || strings.Contains(stderr, "load: generated") {
		t.Fatalf("seed again: exit %d: %s", code, stderr)
	}
	if after := state(); after != before {
		t.Errorf("seeding again changed the database: %q, was %q", after, before)
	}
}
