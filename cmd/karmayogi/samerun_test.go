package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/load"
)

// TestSameRunSmoke is the CI smoke of make bench-http: the API and the bare handler
// over SQLite and the in-process cache, every query, one short window a side.
// Figures are not asserted (they are benchmarks); that both sides answered every
// request is (internal/load's TestBareHandlerServesTheAPIsAnswer checks that the
// bare side answers with the API's bytes).
func TestSameRunSmoke(t *testing.T) {
	t.Setenv("LOAD_DATABASE_URL", "sqlite://"+filepath.Join(t.TempDir(), "bench.db"))
	t.Setenv("LOAD_REDIS_URL", "")
	o := load.Options{Out: t.TempDir(), Clients: 4, SameRunLearners: 20, SameRunWindow: 200 * time.Millisecond,
		SameRunRounds: 1, SameRunDemo: 60}
	res, err := runSameRun(context.Background(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Database != "sqlite" || res.Cache != "in-process" || res.Learners != 20 {
		t.Errorf("ran on %s with the %s cache and %d learners, want sqlite, in-process, 20", res.Database, res.Cache, res.Learners)
	}
	if len(res.Queries) != len(load.SameRunQueries) {
		t.Fatalf("%d queries measured, want %d", len(res.Queries), len(load.SameRunQueries))
	}
	for _, q := range res.Queries {
		if q.API.OK == 0 || q.API.OK != q.API.Requests || q.Bare.OK == 0 || q.Bare.OK != q.Bare.Requests {
			t.Errorf("%s: API %d of %d ok (%v), bare %d of %d ok (%v)", q.Query, q.API.OK, q.API.Requests, q.API.Errors,
				q.Bare.OK, q.Bare.Requests, q.Bare.Errors)
		}
		if q.Bytes < 50 || q.Ratio <= 0 {
			t.Errorf("%s: %d bytes, ratio %v", q.Query, q.Bytes, q.Ratio)
		}
	}
}
