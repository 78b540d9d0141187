package store_test

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// BenchmarkPeerSignal measures a refresh of the recommender's peer signal: reading
// the kept sums (FindPeerSums, what the service reads) against reading every event
// from the learning record (FindPeerOutcomes, what it read before). With
// BENCH_DATABASE_URL, on a large seeded PostgreSQL database.
func BenchmarkPeerSignal(b *testing.B) {
	db, _ := storetest.Benchmark(b, "postgres", seed.Options{Learners: 2000, Courses: 200})
	b.Run("sums", func(b *testing.B) {
		for b.Loop() {
			sums, err := db.FindPeerSums(ctx)
			if err != nil || len(sums) == 0 {
				b.Fatalf("%d sums: %v", len(sums), err)
			}
			b.ReportMetric(float64(len(sums)), "rows")
		}
	})
	b.Run("events", func(b *testing.B) {
		for b.Loop() {
			events, err := db.FindPeerOutcomes(ctx)
			if err != nil || len(events) == 0 {
				b.Fatalf("%d events: %v", len(events), err)
			}
			b.ReportMetric(float64(len(events)), "rows")
		}
	})
}
