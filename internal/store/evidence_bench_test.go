package store_test

import (
	"math/rand/v2"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// BenchmarkRecordEvidence measures one evidence write, with all it moves in its
// transaction (the re-estimated proficiency, the learner's gaps and their rollups,
// the version), for a random learner in a competency their role requires. On
// PostgreSQL it also reports the write-ahead log each write costs (wal-bytes/op), the
// figure that sizes a primary's disk and replication traffic. BENCH_DATABASE_URL
// names a large seeded PostgreSQL database; without it, the demo seed on a test schema.
func BenchmarkRecordEvidence(b *testing.B) {
	db, _ := storetest.Benchmark(b, "postgres", seed.Options{Learners: 2000, Courses: 200})
	var pairs []struct {
		LearnerID    int64 `bun:"learner_id"`
		CompetencyID int64 `bun:"competency_id"`
	}
	if err := db.Bun().NewRaw(`SELECT lr.learner_id, rr.competency_id FROM learner_roles lr
		JOIN role_requirements rr ON rr.role_id = lr.role_id ORDER BY lr.learner_id LIMIT 100000`).Scan(ctx, &pairs); err != nil || len(pairs) == 0 {
		b.Fatalf("%d learner requirements: %v", len(pairs), err)
	}
	walNow := func() (lsn string) {
		if err := db.Bun().NewRaw("SELECT pg_current_wal_insert_lsn()::text").Scan(ctx, &lsn); err != nil {
			b.Fatal(err)
		}
		return lsn
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := walNow()
	for b.Loop() {
		p := pairs[rng.IntN(len(pairs))]
		if _, _, err := db.RecordEvidence(ctx, &models.NewEvidence{LearnerID: p.LearnerID, CompetencyID: p.CompetencyID,
			Source: models.SupervisorRating, Level: 1 + rng.IntN(5)}); err != nil {
			b.Fatal(err)
		}
	}
	var bytes float64
	if err := db.Bun().NewRaw("SELECT pg_wal_lsn_diff(?::pg_lsn, ?::pg_lsn)", walNow(), start).Scan(ctx, &bytes); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(bytes/float64(b.N), "wal-bytes/op")
}
