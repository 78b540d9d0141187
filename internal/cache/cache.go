// Package cache is the service's shared cache and change-notification bus.
//
// Cache has two implementations that pass one test suite: Memory, for a single
// process and for tests, and Redis, for several API processes. Cached values
// live under keys that embed version counters (see Incr), so invalidation is
// an increment and never a key scan. Group puts GetOrCompute on top: one
// computation per key at a time, and a working answer when the cache is down.
package cache

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

var (
	// ErrMiss is returned by Get for a key that is missing or expired.
	ErrMiss = errors.New("cache: miss")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("cache: closed")
)

// Cache holds byte values with optional expiry, atomic counters and
// publish/subscribe channels.
//
// A key is used either for a value (Get, Set) or for a counter (Incr,
// Counter), never both; mixing them on one key behaves differently in each
// implementation. Delete removes either kind.
type Cache interface {
	// Get returns the value stored under key. It returns ErrMiss if the key is
	// missing or expired, ErrClosed after Close, or another error if the
	// cache cannot be reached.
	Get(ctx context.Context, key string) ([]byte, error)

	// Set stores value under key for ttl; a ttl of 0 means no expiry. It
	// returns an error for a negative ttl, ErrClosed after Close, or another
	// error if the cache cannot be reached.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Add stores value under key for ttl, as Set does, unless the key holds a
	// value that has not expired, and reports whether it stored it (SET NX): a
	// value filled from a read of the database cannot overwrite one that a
	// write stored after that read.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)

	// Delete removes the given keys; missing keys are not an error. It
	// returns ErrClosed after Close, or another error if the cache cannot be
	// reached.
	Delete(ctx context.Context, keys ...string) error

	// Incr atomically adds one to the counter under key and returns the new
	// value; a missing counter counts as 0, so the first Incr returns 1.
	// Counters never expire. It returns ErrClosed after Close, or another
	// error if the cache cannot be reached or key holds a non-counter value.
	Incr(ctx context.Context, key string) (int64, error)

	// Counter returns the counter under key, or 0 if it is missing. It
	// returns ErrClosed after Close, or another error if the cache cannot be
	// reached or key holds a non-counter value.
	Counter(ctx context.Context, key string) (int64, error)

	// Publish sends msg to every current subscriber of channel. Delivery is
	// best effort: a subscriber that falls behind loses messages. It returns
	// ErrClosed after Close, or another error if the cache cannot be reached.
	Publish(ctx context.Context, channel string, msg []byte) error

	// Subscribe returns a channel of the messages published on channel from
	// now on. The returned channel is closed when ctx is cancelled or the
	// cache is closed. It returns ErrClosed after Close, or another error if
	// the cache cannot be reached.
	Subscribe(ctx context.Context, channel string) (<-chan []byte, error)

	// Ping checks that the cache can be reached. It returns ErrClosed after
	// Close, or the error that stopped it.
	Ping(ctx context.Context) error

	// Close releases the cache's resources and closes its subscriptions.
	// Calling Close again does nothing.
	Close() error
}

// subscriptionBuffer is how many undelivered messages a subscription holds
// before further messages to it are dropped.
const subscriptionBuffer = 64

// Open returns the cache named by rawURL: the in-process Memory for "", or
// Redis for
//
//	redis://host:port/db                           one server (NewRedis)
//	redis+cluster://host:port,host:port,...        Redis Cluster (NewRedisCluster)
//	redis+sentinel://host:port,.../MASTER[/db]     a master that Sentinel watches (NewRedisSentinel)
//
// each also as rediss... for TLS. Any other URL is an error naming its scheme.
func Open(rawURL string, opts ...RedisOption) (Cache, error) {
	if rawURL == "" {
		return NewMemory(), nil
	}
	scheme, _, ok := strings.Cut(rawURL, "://")
	scheme = strings.ToLower(scheme)
	if !ok {
		// The URL may hold a password, so do not echo it.
		return nil, errors.New("cache: invalid cache URL, want redis://host:port/db or empty for in-process")
	}
	switch scheme {
	case "redis", "rediss":
		if _, err := url.Parse(rawURL); err != nil {
			return nil, errors.New("cache: invalid cache URL, want redis://host:port/db or empty for in-process")
		}
		return NewRedis(rawURL, opts...)
	case "redis+cluster", "rediss+cluster":
		return NewRedisCluster(rawURL, opts...)
	case "redis+sentinel", "rediss+sentinel":
		return NewRedisSentinel(rawURL, opts...)
	default:
		return nil, fmt.Errorf("cache: unsupported cache URL scheme %q (want redis, redis+cluster or redis+sentinel, or rediss..., or empty for in-process)", scheme)
	}
}

func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("cache: negative ttl %v", ttl)
	}
	return nil
}
