package service_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// slowPeers is the store with a FindPeerSums that, after the first call, waits
// until released: reading the peer outcomes over a million learners takes tens of
// seconds, and no request may wait for it but the very first.
type slowPeers struct {
	*store.DB
	calls     atomic.Int32
	release   chan struct{}
	slowFirst bool // the first call waits too
}

func (s *slowPeers) FindPeerSums(ctx context.Context) ([]models.PeerSum, error) {
	if s.calls.Add(1) > 1 || s.slowFirst {
		<-s.release
	}
	return s.DB.FindPeerSums(ctx)
}

// On a database where the first read of the peer outcomes is slow, the first
// request goes on without the peer signal after service.PeerWait, and the signal
// is installed when the read ends, without a second read.
func TestPeerSignalSlowAtStart(t *testing.T) {
	db, l := seeded(t, "sqlite", 200)
	st := &slowPeers{DB: db, release: make(chan struct{}), slowFirst: true}
	s := &service.Recommendations{Store: st, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	start := time.Now()
	if _, err := s.Recommend(ctx, l, nil, 5); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > service.PeerWait+3*time.Second {
		t.Errorf("the first request took %s", took)
	}
	close(st.release)
	other := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
	want, err := other.Recommend(ctx, l, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.Cache = cache.NewMemory() // rankings computed before the signal came stay cached until they expire
		got, err := s.Recommend(ctx, l, nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		if sameCourses(got, want) || time.Now().After(deadline) {
			if !sameCourses(got, want) {
				t.Errorf("the peer signal was never installed")
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := st.calls.Load(); n != 1 {
		t.Errorf("%d reads of the peer outcomes, want 1", n)
	}
}

func TestPeerSignalRefreshesInTheBackground(t *testing.T) {
	db, l := seeded(t, "sqlite", 200)
	st := &slowPeers{DB: db, release: make(chan struct{})}
	s := &service.Recommendations{Store: st, Cache: cache.NewMemory(), Params: recommender.DefaultParams(), PeerRefresh: time.Millisecond}
	ask := func(what string) {
		t.Helper()
		done := make(chan error, 1)
		go func() { _, err := s.Recommend(ctx, l, nil, 5); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s waited for the peer outcomes", what)
		}
	}
	ask("the first request") // builds the snapshot, peer outcomes included
	time.Sleep(5 * time.Millisecond)
	ask("a request once the peer signal is old") // starts the refresh, which blocks
	// A catalogue change rebuilds the snapshot with the outcomes it has.
	if _, err := db.InsertCompetency(ctx, &models.NewCompetency{Code: "NEW-01", Name: "New competency",
		Type: models.Functional, Area: "New"}); err != nil {
		t.Fatal(err)
	}
	ask("a request after a catalogue change")
	// The refresh runs in the background: wait for its read to begin (a loaded
	// machine may not have scheduled it yet), then check no other read followed.
	for deadline := time.Now().Add(5 * time.Second); st.calls.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if n := st.calls.Load(); n != 2 {
		t.Errorf("%d reads of the peer outcomes, want the first and one refresh", n)
	}
	close(st.release)
	deadline := time.Now().Add(5 * time.Second)
	for st.calls.Load() < 3 && time.Now().Before(deadline) { // the refresh finished; the next one may start
		ask("a request after the refresh")
		time.Sleep(5 * time.Millisecond)
	}
	if n := st.calls.Load(); n < 3 {
		t.Errorf("the refresh never finished: %d reads", n)
	}
}

// sameCourses reports whether two lists rank the same courses with the same scores.
func sameCourses(a, b *service.RecommendationList) bool {
	if len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i].CourseID != b.Items[i].CourseID || a.Items[i].Score != b.Items[i].Score {
			return false
		}
	}
	return true
}
