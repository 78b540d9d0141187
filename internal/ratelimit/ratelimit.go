// Package ratelimit admits requests per key (a client address, a token subject, an
// email) with a token bucket each. Buckets live in a bounded LRU, so a flood of
// distinct keys costs memory in proportion to the bound, not to the flood.
package ratelimit

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Keys is how many distinct keys a Limiter remembers; the least recently seen
// are forgotten first (a forgotten key starts again with a full bucket).
const Keys = 100_000

// Limiter admits Burst requests at once per key and then Rate per second.
type Limiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	keys  *lru.Cache[string, *rate.Limiter]
}

// New admits burst requests per key at once, refilled at n per period.
func New(n int, period time.Duration, burst int) *Limiter {
	keys, err := lru.New[string, *rate.Limiter](Keys)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return &Limiter{rate: rate.Limit(float64(n) / period.Seconds()), burst: burst, keys: keys}
}

// Allow reports whether one more request for key is admitted now, and counts it if so.
func (l *Limiter) Allow(key string) bool { return l.AllowN(key, 1) }

// AllowN reports whether key may spend n now (a request's cost, where requests
// differ), and spends it if so. n over the burst is never admitted.
func (l *Limiter) AllowN(key string, n int) bool {
	l.mu.Lock()
	b, ok := l.keys.Get(key)
	if !ok {
		b = rate.NewLimiter(l.rate, l.burst)
		l.keys.Add(key, b)
	}
	l.mu.Unlock()
	return b.AllowN(time.Now(), n)
}

// Reset forgets key's count: its next request starts with a full bucket.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys.Remove(key)
}
