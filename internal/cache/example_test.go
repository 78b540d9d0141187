package cache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

// Values are cached under keys that embed a version counter, so bumping the
// counter is all it takes to invalidate them.
func ExampleGroup_GetOrCompute() {
	ctx := context.Background()
	c := cache.NewMemory()
	defer c.Close()
	var g cache.Group

	report := func(learner string) {
		version, _ := c.Counter(ctx, "learner-version:"+learner)
		key := fmt.Sprintf("gap-report:%s:v%d", learner, version)
		v, cached, _ := g.GetOrCompute(ctx, c, key, time.Hour, func(context.Context) ([]byte, error) {
			return []byte("report for " + key), nil
		})
		fmt.Printf("%s (cached: %v)\n", v, cached)
	}

	report("L1")
	report("L1")
	_, _ = c.Incr(ctx, "learner-version:L1") // new evidence for L1
	report("L1")
	// Output:
	// report for gap-report:L1:v0 (cached: false)
	// report for gap-report:L1:v0 (cached: true)
	// report for gap-report:L1:v1 (cached: false)
}
