package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
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
// server, Redis Cluster or Sentinel-watched master. Publish and Subscribe use
// Redis pub/sub; each subscription buffers up to 64 messages and drops messages
// when full, as Memory does.
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
// The URL names a single server; NewRedisCluster and NewRedisSentinel take URLs
// for Redis Cluster and Sentinel, and NewRedisClient any client.
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
	}
	failFast(&u.DialTimeout, &u.ReadTimeout, &u.WriteTimeout, &u.MaxRetries, &u.DialerRetries, &u.ContextTimeoutEnabled)
	return NewRedisClient(redis.NewUniversalClient(u), opts...), nil
}

// NewRedisCluster returns a Redis over a Redis Cluster, named by a URL
//
//	redis+cluster://[user:password@]host:port,host:port,...[?option=value&...]
//
// or rediss+cluster:// for TLS. The hosts are seed nodes: the client learns the
// others, and which holds each hash slot, from them. The options are those of
// redis.ParseClusterURL (dial_timeout, read_timeout, pool_size, ...), with the
// defaults of NewRedis. A cluster has only database 0, so the URL has no path.
//
// Every command this package sends names one key (a pipelined Delete is split by
// node), and the key prefix has no hash tag, so keys spread over every node.
// Publish and Subscribe use the cluster's classic pub/sub, which carries each
// message to every node: subscribers connected anywhere receive it.
func NewRedisCluster(rawURL string, opts ...RedisOption) (*Redis, error) {
	u, hosts, err := parseMultiHost(rawURL, "+cluster")
	if err != nil {
		return nil, err
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("cache: a redis+cluster URL has no database path: a cluster has only database 0")
	}
	q := u.Query()
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	single := url.URL{Scheme: u.Scheme, User: u.User, Host: hosts[0], RawQuery: q.Encode()}
	o, err := redis.ParseClusterURL(single.String())
	if err != nil {
		return nil, fmt.Errorf("cache: parse redis+cluster URL: %w", scrub(err, u))
	}
	failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries, &o.ContextTimeoutEnabled)
	return NewRedisClient(redis.NewClusterClient(o), opts...), nil
}

// NewRedisSentinel returns a Redis over a master that Redis Sentinel watches,
// named by a URL
//
//	redis+sentinel://[user:password@]host:port,host:port,.../MASTER[/DB][?option=value&...]
//
// or rediss+sentinel:// for TLS. The hosts are sentinels, MASTER is the name they
// monitor, and the credentials are the Redis servers'; a sentinel's own are the
// options sentinel_username and sentinel_password. The other options are those
// of redis.ParseFailoverURL, with the defaults of NewRedis. After a failover the
// client asks the sentinels for the new master and reconnects to it.
func NewRedisSentinel(rawURL string, opts ...RedisOption) (*Redis, error) {
	u, hosts, err := parseMultiHost(rawURL, "+sentinel")
	if err != nil {
		return nil, err
	}
	path := strings.Split(strings.Trim(u.Path, "/"), "/")
	if path[0] == "" || len(path) > 2 {
		return nil, errors.New("cache: a redis+sentinel URL needs the master's name as its path: redis+sentinel://host:port,.../MASTER[/DB]")
	}
	q := u.Query()
	q.Set("master_name", path[0])
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	if u.User != nil {
		q.Set("username", u.User.Username())
		if p, ok := u.User.Password(); ok {
			q.Set("password", p)
		}
	}
	var sentinelUser *url.Userinfo // ParseFailoverURL takes the sentinels' credentials from the userinfo
	if su, sp := q.Get("sentinel_username"), q.Get("sentinel_password"); su != "" || sp != "" {
		sentinelUser = url.UserPassword(su, sp)
	}
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	single := url.URL{Scheme: u.Scheme, User: sentinelUser, Host: hosts[0], RawQuery: q.Encode()}
	if len(path) == 2 {
		single.Path = "/" + path[1]
	}
	o, err := redis.ParseFailoverURL(single.String())
	if err != nil {
		return nil, fmt.Errorf("cache: parse redis+sentinel URL: %w", scrub(err, u))
	}
	failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries, &o.DialerRetries, &o.ContextTimeoutEnabled)
	return NewRedisClient(redis.NewFailoverClient(o), opts...), nil
}

// failFast applies this package's defaults to a client's options: timeouts the URL
// leaves unset, no retries of a failed command, one dial attempt per connection
// (the caller falls back instead), and a request's deadline cutting a slow command
// short.
func failFast(dial, read, write *time.Duration, retries, dialerRetries *int, contextTimeout *bool) {
	*dial, *read, *write = orDefault(*dial, redisDialTimeout), orDefault(*read, redisReadTimeout), orDefault(*write, redisWriteTimeout)
	if *retries == 0 {
		*retries = -1 // go-redis: no retries
	}
	if *dialerRetries == 0 {
		*dialerRetries = 1
	}
	*contextTimeout = true
}

// parseMultiHost parses a URL whose scheme is redis or rediss with suffix, and
// whose host is a comma-separated list of host:port. The returned URL's scheme
// is redis or rediss.
func parseMultiHost(rawURL, suffix string) (*url.URL, []string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis"+suffix && u.Scheme != "rediss"+suffix) {
		// The URL may hold a password, so do not echo it.
		//lint:ignore ST1005 the trailing ",..." is part of the URL's shape, not punctuation.
		return nil, nil, fmt.Errorf("cache: invalid redis%s URL, want redis%[1]s://host:port,host:port,...", suffix)
	}
	u.Scheme = strings.TrimSuffix(u.Scheme, suffix)
	var hosts []string
	for _, h := range strings.Split(u.Host, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			return nil, nil, fmt.Errorf("cache: redis%s URL: %q is not host:port", suffix, h)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, nil, fmt.Errorf("cache: redis%s URL names no host", suffix)
	}
	return u, hosts, nil
}

// scrub removes u's password from err's message.
func scrub(err error, u *url.URL) error {
	if u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
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

// Add implements Cache.
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := checkTTL(ttl); err != nil {
		return false, err
	}
	stored, err := r.client.SetNX(ctx, r.prefix+key, value, ttl).Result()
	return stored, r.wrap("set", err)
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

// Publish implements Cache. In a cluster, PUBLISH goes to the node that owns the
// channel's name as a key's hash slot, which is where Subscribe connects: go-redis
// would send it to any node, and messages that reach a subscriber over the cluster
// bus can overtake one published on its own node.
func (r *Redis) Publish(ctx context.Context, channel string, msg []byte) error {
	cmd := redis.NewIntCmd(ctx, "publish", r.prefix+channel, msg)
	cmd.SetFirstKeyPos(1)
	_ = r.client.Process(ctx, cmd)
	return r.wrap("publish", cmd.Err())
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
