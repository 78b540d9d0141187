package store_test

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// BenchmarkRecordEvidence measures one evidence write, with all it moves in its
// transaction (the re-estimated proficiency, the learner's gaps and their rollups,
// the peer sums, the version), for a random learner in a competency their role
// requires, one write after another, on each engine. On PostgreSQL it also reports
// the write-ahead log each write costs (wal-bytes/op), the figure that sizes a
// primary's disk and replication traffic. BENCH_DATABASE_URL names a large seeded
// PostgreSQL database (then only the postgres case runs); without it, the demo seed.
func BenchmarkRecordEvidence(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			if engine != "postgres" && storetest.BenchURL() != "" {
				b.Skip("BENCH_DATABASE_URL is a PostgreSQL database")
			}
			benchmarkRecordEvidence(b, engine)
		})
	}
}

// requirementPair is a learner and a competency their role requires.
type requirementPair struct {
	LearnerID    int64 `bun:"learner_id"`
	CompetencyID int64 `bun:"competency_id"`
}

func requirementPairs(b *testing.B, db *store.DB) []requirementPair {
	var pairs []requirementPair
	if err := db.Bun().NewRaw(`SELECT lr.learner_id, rr.competency_id FROM learner_roles lr
		JOIN role_requirements rr ON rr.role_id = lr.role_id ORDER BY lr.learner_id LIMIT 100000`).Scan(ctx, &pairs); err != nil || len(pairs) == 0 {
		b.Fatalf("%d learner requirements: %v", len(pairs), err)
	}
	return pairs
}

// BenchmarkRecordEvidenceConcurrent is BenchmarkRecordEvidence with 16 callers
// at once (as a server's requests are), each writing for learners of its own:
// ns/op is the time the store takes per write at that concurrency, p50-ms and
// p99-ms each call's latency as its caller sees it.
func BenchmarkRecordEvidenceConcurrent(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			if engine != "postgres" && storetest.BenchURL() != "" {
				b.Skip("BENCH_DATABASE_URL is a PostgreSQL database")
			}
			db, _ := storetest.Benchmark(b, engine, seed.Options{Learners: 2000, Courses: 200})
			pairs := requirementPairs(b, db)
			var mu sync.Mutex
			var took []time.Duration
			var seq atomic.Uint64
			b.SetParallelism(8) // × GOMAXPROCS (2 here): 16 callers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(seq.Add(1), 2))
				var mine []time.Duration
				for pb.Next() {
					p := pairs[rng.IntN(len(pairs))]
					start := time.Now()
					if _, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: p.LearnerID, CompetencyID: p.CompetencyID,
						Source: models.SupervisorRating, Level: 1 + rng.IntN(5)}); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				took = append(took, mine...)
				mu.Unlock()
			})
			reportLatency(b, took)
		})
	}
}

// reportLatency reports the median and 99th percentile of the calls' latencies.
func reportLatency(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100])/1e6, "p99-ms")
}

func benchmarkRecordEvidence(b *testing.B, engine string) {
	db, _ := storetest.Benchmark(b, engine, seed.Options{Learners: 2000, Courses: 200})
	pairs := requirementPairs(b, db)
	walNow := func() (lsn string) {
		if engine != "postgres" {
			return ""
		}
		if err := db.Bun().NewRaw("SELECT pg_current_wal_insert_lsn()::text").Scan(ctx, &lsn); err != nil {
			b.Fatal(err)
		}
		return lsn
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := walNow()
	for b.Loop() {
		p := pairs[rng.IntN(len(pairs))]
		if _, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: p.LearnerID, CompetencyID: p.CompetencyID,
			Source: models.SupervisorRating, Level: 1 + rng.IntN(5)}); err != nil {
			b.Fatal(err)
		}
	}
	if engine != "postgres" {
		return
	}
	end := walNow()
	var bytes float64
	if err := db.Bun().NewRaw("SELECT pg_wal_lsn_diff(?::pg_lsn, ?::pg_lsn)", end, start).Scan(ctx, &bytes); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(bytes/float64(b.N), "wal-bytes/op")
	ownWAL(b, db, start, end)
}

// ownWAL reports, when the database has the pg_walinspect extension, the log
// written for this database's relations alone (own-wal-bytes/op, and the full-page
// images among it, fpi-bytes/op), since the cluster's log also carries whatever
// else runs on a shared server; with -v it logs them per relation.
func ownWAL(b *testing.B, db *store.DB, start, end string) {
	var ok bool
	if err := db.Bun().NewRaw("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_walinspect')").Scan(ctx, &ok); err != nil || !ok {
		return
	}
	// The records of committed writes are flushed; those after the flush point
	// (other sessions', not yet flushed) cannot be read yet.
	if err := db.Bun().NewRaw("SELECT LEAST(?::pg_lsn, pg_current_wal_flush_lsn())::text", end).Scan(ctx, &end); err != nil {
		b.Fatal(err)
	}
	var rows []struct {
		Rel   string  `bun:"rel"`
		Bytes float64 `bun:"bytes"`
		FPI   float64 `bun:"fpi"`
	}
	// block_ref names each block as "rel TABLESPACE/DATABASE/FILENODE"; the
	// database's OID picks its records, the filenode names the relation.
	if err := db.Bun().NewRaw(`
		SELECT COALESCE(c.relname, w.node) AS rel, SUM(w.record_length)::float8 AS bytes, SUM(w.fpi_length)::float8 AS fpi
		FROM (SELECT record_length, fpi_length, substring(block_ref from 'rel \d+/\d+/(\d+)') AS node
		      FROM pg_get_wal_records_info(?::pg_lsn, ?::pg_lsn)
		      WHERE block_ref LIKE '%/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%') w
		LEFT JOIN pg_class c ON c.relfilenode::text = w.node
		GROUP BY 1 ORDER BY 2 DESC`, start, end).Scan(ctx, &rows); err != nil {
		b.Fatal(err)
	}
	var total, fpi float64
	for _, r := range rows {
		total += r.Bytes
		fpi += r.FPI
		b.Logf("%-40s %8.0f bytes/op, of which full pages %8.0f", r.Rel, r.Bytes/float64(b.N), r.FPI/float64(b.N))
	}
	b.ReportMetric(total/float64(b.N), "own-wal-bytes/op")
	b.ReportMetric(fpi/float64(b.N), "fpi-bytes/op")
}
