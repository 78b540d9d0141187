package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
)

// TestNotifierOverRedisCluster: two processes' notifiers share a real Redis
// Cluster through clients that each know a different seed node; an announcement
// made through one reaches the subscribers of the other, for learners whose
// channels hash to different nodes.
func TestNotifierOverRedisCluster(t *testing.T) {
	cl, err := testenv.NewRedisCluster()
	if err != nil {
		testenv.Unavailable(t, err)
	}
	t.Cleanup(func() { cl.Close() })
	notifier := func(seed string) *service.Notifier {
		c, err := cache.NewRedisCluster("redis+cluster://"+seed, cache.WithPrefix("karmayogi:"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return &service.Notifier{Cache: c, Coalesce: 10 * time.Millisecond}
	}
	api1, api2 := notifier(cl.Nodes[0].Addr()), notifier(cl.Nodes[2].Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for id := int64(1); id <= 6; id++ {
		changes, err := api2.Subscribe(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := api1.LearnerChanged(ctx, id); err != nil {
			t.Fatal(err)
		}
		select {
		case <-changes:
		case <-ctx.Done():
			t.Fatalf("learner %d: the announcement did not arrive", id)
		}
	}
}
