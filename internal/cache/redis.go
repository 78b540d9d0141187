package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for settings that the URL leaves unset. They are short so that a
// slow or dead Redis costs a request little before it computes directly.
const (
	redisDialTimeout  = time.Second
	redisReadTimeout  = 200 * time.Millisecond
	redisWriteTimeout = 200 * time.Millisecond
)

// Redis is a Cache backed by Redis, shared by every process that uses the same
// server. Publish and Subscribe use Redis pub/sub; each subscription buffers up
// to 64 messages and drops messages when full, as Memory does.
//
// Counters have no TTL, so run Redis with a maxmemory-policy that never evicts
// keys without one (noeviction or volatile-*): a lost version counter would
// start again at 0 and revive stale values.
//
// When Redis is down, calls fail within the dial and read timeouts; the client
// reconnects by itself when Redis returns, and after repeated dial failures it
// fails at once until a background probe succeeds again.
type Redis struct {
	client redis.UniversalClient
	prefix string

	closeOnce sync.Once
	closeErr  error
	done      chan struct{} // closed by Close, ends subscription goroutines
}

// RedisClient returns the underlying client, for instrumentation (tracing).
func (r *Redis) RedisClient() redis.UniversalClient { return r.client }

// RedisOption configures a Redis.
type RedisOption func(*Redis)

// WithPrefix puts prefix in front of every key and channel name, so that
// several services or tests can share one Redis without seeing each other's
// data. Pub/sub channels are shared across Redis databases, so the prefix is
// the only way to separate them.
func WithPrefix(prefix string) RedisOption {
	return func(r *Redis) { r.prefix = prefix }
}

// NewRedis returns a Redis for a redis:// or rediss:// URL as understood by
// redis.ParseURL, for example "redis://:password@host:6379/0?read_timeout=1s".
// Timeouts the URL leaves unset default to 1s for dialling and 200ms for reads
// and writes, and failed commands are not retried. NewRedis does not connect;
// use Ping to check the server.
//
// The URL names a single server. For Redis Cluster or Sentinel, build a
// redis.UniversalClient from redis.UniversalOptions (Addrs, MasterName) and
// pass it to NewRedisClient.
func NewRedis(url string, opts ...RedisOption) (*Redis, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: parse redis URL: %w", err)
	}
	u := &redis.UniversalOptions{
		Addrs:           []string{o.Addr},
		ClientName:      o.ClientName,
		DB:              o.DB,
		Protocol:        o.Protocol,
		Username:        o.Username,
		Password:        o.Password,
		MaxRetries:      o.MaxRetries,
		MinRetryBackoff: o.MinRetryBackoff,
		MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout:     o.DialTimeout,
		ReadTimeout:     o.ReadTimeout,
		WriteTimeout:    o.WriteTimeout,
		PoolFIFO:        o.PoolFIFO,
		PoolSize:        o.PoolSize,
		PoolTimeout:     o.PoolTimeout,
		MinIdleConns:    o.MinIdleConns,
		MaxIdleConns:    o.MaxIdleConns,
		MaxActiveConns:  o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime,
		ConnMaxLifetime: o.ConnMaxLifetime,
		TLSConfig:       o.TLSConfig,
		// One dial attempt per connection; the caller falls back instead.
		DialerRetries: 1,
		// Let a request's deadline cut a slow command short.
		ContextTimeoutEnabled: true,
	}
	if u.DialTimeout == 0 {
		u.DialTimeout = redisDialTimeout
	}
	if u.ReadTimeout == 0 {
		u.ReadTimeout = redisReadTimeout
	}
	if u.WriteTimeout == 0 {
		u.WriteTimeout = redisWriteTimeout
	}
	if u.MaxRetries == 0 {
		u.MaxRetries = -1 // go-redis: no retries
	}
	return NewRedisClient(redis.NewUniversalClient(u), opts...), nil
}

// NewRedisClient returns a Redis over an existing client, such as a cluster or
// sentinel client. The Redis owns the client: its Close closes the client.
func NewRedisClient(client redis.UniversalClient, opts ...RedisOption) *Redis {
	r := &Redis{client: client, done: make(chan struct{})}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// wrap maps go-redis errors to this package's errors.
func (r *Redis) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return ErrMiss
	case errors.Is(err, redis.ErrClosed):
		return ErrClosed
	default:
		return fmt.Errorf("cache: redis %s: %w", op, err)
	}
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if err != nil {
		return nil, r.wrap("get", err)
	}
	return v, nil
}

// Set implements Cache.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	// Checked here because go-redis reads a negative ttl as KEEPTTL.
	if err := checkTTL(ttl); err != nil {
		return err
	}
	return r.wrap("set", r.client.Set(ctx, r.prefix+key, value, ttl).Err())
}

// Delete implements Cache.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	// One DEL per key in a pipeline, because a multi-key DEL fails in a
	// cluster when the keys live in different slots.
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, r.prefix+k)
		}
		return nil
	})
	return r.wrap("delete", err)
}

// Incr implements Cache.
func (r *Redis) Incr(ctx context.Context, key string) (int64, error) {
	n, err := r.client.Incr(ctx, r.prefix+key).Result()
	return n, r.wrap("incr", err)
}

// Counter implements Cache.
func (r *Redis) Counter(ctx context.Context, key string) (int64, error) {
	n, err := r.client.Get(ctx, r.prefix+key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, r.wrap("counter", err)
}

// Publish implements Cache.
func (r *Redis) Publish(ctx context.Context, channel string, msg []byte) error {
	return r.wrap("publish", r.client.Publish(ctx, r.prefix+channel, msg).Err())
}

// Subscribe implements Cache. It returns once Redis has confirmed the
// subscription, so a message published after it returns is delivered. If
// the connection drops, go-redis resubscribes; messages sent meanwhile are
// lost.
func (r *Redis) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	select {
	case <-r.done:
		return nil, ErrClosed
	default:
	}
	ps := r.client.Subscribe(ctx, r.prefix+channel)
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return nil, r.wrap("subscribe", err)
	}
	msgs := ps.Channel()
	out := make(chan []byte, subscriptionBuffer)
	go func() {
		defer close(out)
		defer ps.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case <-r.done:
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				select {
				case out <- []byte(m.Payload):
				default: // subscriber is behind; drop as Memory does
				}
			}
		}
	}()
	return out, nil
}

// Ping implements Cache.
func (r *Redis) Ping(ctx context.Context) error {
	return r.wrap("ping", r.client.Ping(ctx).Err())
}

// Close implements Cache. It closes the subscriptions and the client.
func (r *Redis) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		r.closeErr = r.client.Close()
	})
	return r.closeErr
}
