package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

var ctx = context.Background()

// seeded returns a small demo government and one of its learners with roles.
func seeded(tb testing.TB, engine string, learners int) (*store.DB, *models.Learner) {
	tb.Helper()
	db := storetest.Open(tb, engine)
	if _, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: learners, Courses: 300}); err != nil {
		tb.Fatal(err)
	}
	page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 1})
	if err != nil || len(page.Items) == 0 {
		tb.Fatal(err)
	}
	return db, page.Items[0]
}

// redisCache returns the shared test Redis under a key prefix of its own.
func redisCache(t *testing.T) cache.Cache {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	c, err := cache.NewRedis(url, cache.WithPrefix(fmt.Sprintf("test-service-%d:", rand.Int64())))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI: %v", err)
		}
		t.Skip("no Redis:", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRecommendCachedOnVersions: the same question is answered from the cache, in
// Redis and in-process alike; a change to the learner's record or to the catalogue
// is a new version, so a fresh answer.
func TestRecommendCachedOnVersions(t *testing.T) {
	for name, newCache := range map[string]func(*testing.T) cache.Cache{
		"memory": func(*testing.T) cache.Cache { return cache.NewMemory() },
		"redis":  redisCache,
	} {
		t.Run(name, func(t *testing.T) {
			db, l := seeded(t, "sqlite", 40)
			s := &service.Recommendations{Store: db, Cache: newCache(t), Params: recommender.DefaultParams()}
			first, err := s.Recommend(ctx, l, nil, 5)
			if err != nil || first.Cached || len(first.Items) == 0 {
				t.Fatalf("first: %+v, %v", first, err)
			}
			again, err := s.Recommend(ctx, l, nil, 5)
			if err != nil || !again.Cached || again.Items[0].CourseID != first.Items[0].CourseID {
				t.Fatalf("again: cached %v, %v", again.Cached, err)
			}
			// Dismissing the top course bumps the learner's version: a new ranking without it.
			_, after, err := s.Dismiss(ctx, l, first.Items[0].CourseID, "", 5)
			if err != nil || after.Cached || (len(after.Items) > 0 && after.Items[0].CourseID == first.Items[0].CourseID) {
				t.Fatalf("after dismissing: cached %v, items %+v, %v", after.Cached, after.Items, err)
			}
			if st := s.Stats(); st.Hits.Load() != 1 || st.Misses.Load() < 2 {
				t.Errorf("hits %d, misses %d", st.Hits.Load(), st.Misses.Load())
			}
		})
	}
}

// TestRecommendWithoutRedis: a dead Redis costs the cache, never the answer.
func TestRecommendWithoutRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	dead, err := cache.NewRedis("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	db, l := seeded(t, "sqlite", 40)
	s := &service.Recommendations{Store: db, Cache: dead, Params: recommender.DefaultParams()}
	for range 2 {
		list, err := s.Recommend(ctx, l, nil, 5)
		if err != nil || list.Cached || len(list.Items) == 0 {
			t.Fatalf("without Redis: %+v, %v", list, err)
		}
	}
	if s.Stats().Errors.Load() == 0 {
		t.Error("cache errors were not counted")
	}
}

// BenchmarkRecommendCold measures one learner's ranking computed afresh (the cache
// is bypassed by a learner version that changes every time) on the demo catalogue.
func BenchmarkRecommendCold(b *testing.B) {
	db, l := seeded(b, "sqlite", 200)
	s := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	for b.Loop() {
		l.Version++
		if _, err := s.Recommend(ctx, l, nil, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecommendCached measures the same ranking from the in-process cache.
func BenchmarkRecommendCached(b *testing.B) {
	db, l := seeded(b, "sqlite", 200)
	s := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	for b.Loop() {
		if _, err := s.Recommend(ctx, l, nil, 10); err != nil {
			b.Fatal(err)
		}
	}
}
