package service_test

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// A leaderboard from the cache equals the store's, costs no statement, and an
// unknown organisation is the store's error, not a cached empty board.
func TestLeaderboardsCached(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	if _, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: 300, Courses: 200}); err != nil {
		t.Fatal(err)
	}
	org, err := db.FindOrganisationByCode(ctx, "MOR")
	if err != nil {
		t.Fatal(err)
	}
	boards := &service.Karma{Store: karma.New(db)}
	l := &service.Leaderboards{Store: boards, Cache: cache.NewMemory()}
	q := models.LeaderboardQuery{OrganisationID: org.ID, Limit: 5}
	want, err := boards.LearnerLeaderboard(ctx, q)
	if err != nil || len(want) == 0 {
		t.Fatalf("store: %d standings, %v", len(want), err)
	}
	first, err := l.Learners(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	before := db.QueryCount()
	again, err := l.Learners(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if n := db.QueryCount() - before; n != 0 {
		t.Errorf("a cached board ran %d statements", n)
	}
	for i := range want {
		if first[i] != want[i] || again[i] != want[i] {
			t.Fatalf("standing %d: %+v then %+v, want %+v", i, first[i], again[i], want[i])
		}
	}
	ministries, err := l.Organisations(ctx, models.LeaderboardQuery{Limit: 3})
	if err != nil || len(ministries) != 3 || ministries[0].Rank != 1 {
		t.Errorf("ministries %+v, %v", ministries, err)
	}
	if _, err := l.Learners(ctx, models.LeaderboardQuery{OrganisationID: 1 << 40, Limit: 5}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("unknown organisation: %v, want ENOTFOUND", err)
	}
}
