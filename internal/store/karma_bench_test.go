package store_test

import (
	"os"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// BenchmarkLeaderboards measures the two karma leaderboards of a ministry: its
// top learners, and its departments by average points, all time and this month.
// BENCH_DATABASE_URL and BENCH_ORGANISATION name a large database and a ministry
// (docs/benchmarks.md); without them it runs on the demo seed's Ministry of Railways.
func BenchmarkLeaderboards(b *testing.B) {
	url, code := os.Getenv("BENCH_DATABASE_URL"), os.Getenv("BENCH_ORGANISATION")
	var db *store.DB
	if url == "" || code == "" {
		db, code = storetest.Open(b, "sqlite"), "MOR"
		if _, err := seed.Run(ctx, db, seed.Options{}); err != nil {
			b.Fatal(err)
		}
	} else {
		var err error
		if db, err = store.Open(ctx, url); err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetEstimator(recommender.NewEstimator())
	}
	org, err := db.FindOrganisationByCode(ctx, code)
	if err != nil {
		b.Fatal(err)
	}
	month := time.Now().UTC().AddDate(0, -1, 0)
	for _, bc := range []struct {
		name  string
		since *time.Time
	}{{"AllTime", nil}, {"LastMonth", &month}} {
		q := models.LeaderboardQuery{OrganisationID: org.ID, Since: bc.since, Limit: 10}
		b.Run("Learners/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if top, err := db.LearnerLeaderboard(ctx, q); err != nil || (bc.since == nil && len(top) == 0) {
					b.Fatalf("%d standings, %v", len(top), err)
				}
			}
		})
		b.Run("Departments/"+bc.name, func(b *testing.B) {
			for b.Loop() {
				if top, err := db.OrganisationLeaderboard(ctx, q); err != nil || len(top) == 0 {
					b.Fatalf("%d standings, %v", len(top), err)
				}
			}
		})
	}
}
