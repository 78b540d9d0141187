package service_test

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// BenchmarkGapReport measures a whole ministry's gap report. BENCH_DATABASE_URL and
// BENCH_ORGANISATION name a large database and a ministry's code (see
// bench/gap_report_1m.sql and docs/benchmarks.md); without them it runs on the demo
// seed of 2,000 learners and its Ministry of Railways. Cold: a fresh cache each
// time, the catalogue snapshot already built; Cached: the same report again.
func BenchmarkGapReport(b *testing.B) {
	db, code := storetest.Benchmark(b, "sqlite", seed.Options{})
	org, err := db.FindOrganisationByCode(ctx, code)
	if err != nil {
		b.Fatal(err)
	}
	recs := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	report := func(r *service.Reports) *service.GapReport {
		rep, err := r.GapReport(ctx, org.ID, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		return rep
	}
	first := report(&service.Reports{Store: db, Recommendations: recs, Cache: cache.NewMemory()})
	b.Logf("%s: %d learners, %d competencies, %d heatmap cells", code, first.LearnerCount, len(first.Competencies), len(first.Heatmap))
	b.Run("Cold", func(b *testing.B) {
		for b.Loop() {
			report(&service.Reports{Store: db, Recommendations: recs, Cache: cache.NewMemory()})
		}
	})
	b.Run("Cached", func(b *testing.B) {
		r := &service.Reports{Store: db, Recommendations: recs, Cache: cache.NewMemory()}
		report(r)
		for b.Loop() {
			if !report(r).Cached {
				b.Fatal("not cached")
			}
		}
	})
}
