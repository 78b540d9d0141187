package service_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestRecommendCacheWithStaleReplica: a learner read from the primary at a new
// version, while the replica still has the old one, must not get the old data
// cached under the new version. The ranking is computed on the primary instead,
// and then served from the cache to every reader of that version.
func TestRecommendCacheWithStaleReplica(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	primary, replica := testenv.Replicated(t, ctx, "app")
	db, err := store.Open(ctx, primary.URL("app"), store.WithReplicas(store.Replicas{URLs: []string{replica.URL("app")},
		Logger: slog.New(slog.DiscardHandler)}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.SetEstimator(recommender.NewEstimator())
	if _, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: 20, Courses: 60}); err != nil {
		t.Fatal(err)
	}
	if err := replica.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}

	s := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	query := models.WithReplicaReads(ctx) // a GraphQL query's reads
	page, err := db.FindLearners(query, models.LearnerFilter{}, models.PageRequest{First: 20})
	if err != nil {
		t.Fatal(err)
	}
	var l *models.Learner
	var first *service.RecommendationList
	for _, l = range page.Items { // one with something to recommend
		if first, err = s.Recommend(query, l, nil, 5); err != nil {
			t.Fatal(err)
		} else if len(first.Items) > 0 {
			break
		}
	}
	if len(first.Items) == 0 {
		t.Fatal("no learner has recommendations")
	}
	top := first.Items[0].CourseID

	if err := replica.PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replica.ResumeReplay(context.Background()) })
	// A mutation dismisses the top course: the learner's new version, read on the primary.
	newer, reranked, err := s.Dismiss(models.WithFreshReads(ctx), l, top, "", 5)
	if err != nil || newer.Version != l.Version+1 {
		t.Fatalf("Dismiss = %+v, %v; want version %d", newer, err, l.Version+1)
	}
	ids := func(r *service.RecommendationList) []int64 {
		var out []int64
		for _, it := range r.Items {
			out = append(out, it.CourseID)
		}
		return out
	}
	if slices.Contains(ids(reranked), top) {
		t.Fatalf("the dismissal's new ranking %v still has the dismissed course %d", ids(reranked), top)
	}
	// In another process (a cache of its own), a query reading the replica asks for
	// the new version (as a payload or a read-your-writes request would carry it):
	// the stale replica must not fill it.
	other := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	got, err := other.Recommend(query, newer, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cached || slices.Contains(ids(got), top) {
		t.Fatalf("ranking at the new version %v (cached %v) still has the dismissed course %d", ids(got), got.Cached, top)
	}
	again, err := other.Recommend(query, newer, nil, 5)
	if err != nil || !again.Cached || !slices.Equal(ids(again), ids(got)) {
		t.Fatalf("again: %v cached %v, %v; want %v from the cache", ids(again), again.Cached, err, ids(got))
	}
	// The replica's own, older view keeps its own, older key.
	old, err := s.Recommend(query, l, nil, 5)
	if err != nil || !old.Cached || old.Items[0].CourseID != top {
		t.Fatalf("at the old version: %v cached %v, %v", ids(old), old.Cached, err)
	}
}
