package karma_test

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// BenchmarkLeaderboards measures the two karma leaderboards of a ministry: its
// top learners, and its departments by average points, all time and this month.
// BENCH_DATABASE_URL and BENCH_ORGANISATION name a large database and a ministry
// (docs/benchmarks.md); without them it runs on the demo seed's Ministry of Railways.
func BenchmarkLeaderboards(b *testing.B) {
	db, code := storetest.Benchmark(b, "sqlite", seed.Options{})
	org, err := db.FindOrganisationByCode(ctx, code)
	if err != nil {
		b.Fatal(err)
	}
	st := karma.New(db)
	month := time.Now().UTC().AddDate(0, -1, 0)
	for _, bc := range []struct {
		name  string
		since *time.Time
	}{{"AllTime", nil}, {"LastMonth", &month}} {
		q := models.LeaderboardQuery{OrganisationID: org.ID, Since: bc.since, Limit: 10}
		b.Run("Learners/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if top, err := st.LearnerLeaderboard(ctx, q); err != nil || (bc.since == nil && len(top) == 0) {
					b.Fatalf("%d standings, %v", len(top), err)
				}
			}
		})
		b.Run("Departments/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if top, err := st.OrganisationLeaderboard(ctx, q); err != nil || len(top) == 0 {
					b.Fatalf("%d standings, %v", len(top), err)
				}
			}
		})
	}
}
