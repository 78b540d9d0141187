package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

func TestReestimateCommand(t *testing.T) {
	ctx := context.Background()
	url := storetest.OpenURL(t, "sqlite")
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "seed", "--learners", "12", "--courses", "60"); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, stderr)
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var learners, pairs int
	if err := db.Bun().NewRaw("SELECT COUNT(DISTINCT learner_id) FROM evidence").Scan(ctx, &learners); err != nil {
		t.Fatal(err)
	}
	if err := db.Bun().NewRaw("SELECT COUNT(*) FROM (SELECT DISTINCT learner_id, competency_id FROM evidence) AS p").Scan(ctx, &pairs); err != nil {
		t.Fatal(err)
	}
	// A stale store: every proficiency lost or wrong. Reestimate rebuilds them all.
	type row struct {
		Learner      int64   `bun:"learner_id"`
		Competency   int64   `bun:"competency_id"`
		Level        int     `bun:"level"`
		Confidence   float64 `bun:"confidence"`
		Distribution string  `bun:"distribution"`
	}
	proficiencies := func() []row {
		t.Helper()
		var rows []row
		if err := db.Bun().NewRaw("SELECT learner_id, competency_id, level, confidence, distribution FROM proficiencies ORDER BY 1, 2").
			Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	want := proficiencies()
	if learners == 0 || len(want) != pairs {
		t.Fatalf("seeded %d proficiencies for evidence of %d learners in %d pairs", len(want), learners, pairs)
	}
	if _, err := db.Bun().NewRaw("UPDATE proficiencies SET level = 0, confidence = 1, distribution = '[1,0,0,0,0,0]' WHERE learner_id % 2 = 0").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Bun().NewRaw("DELETE FROM proficiencies WHERE learner_id % 2 = 1").Exec(ctx); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI(t, "reestimate")
	if code != 0 || !strings.HasPrefix(stdout, "re-estimated the proficiencies of "+strconv.Itoa(learners)+" learners in ") {
		t.Fatalf("reestimate: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	got := proficiencies()
	if len(got) != len(want) {
		t.Fatalf("%d proficiencies after reestimate, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rebuilt %+v, want %+v", got[i], want[i])
		}
	}

	if code, _, _ := runCLI(t, "reestimate", "extra"); code != 2 {
		t.Errorf("reestimate with an argument: exit %d, want 2", code)
	}
}
