package cache

import (
	"context"
	"sync"
	"time"
)

// MaxMemoryEntries bounds the number of values a Memory holds. Setting a new
// key when it is full first drops an expired value, or else an arbitrary one.
// Counters do not count towards the bound and are never dropped, because a
// lost version counter would start again at 0 and revive stale values.
const MaxMemoryEntries = 100_000

// evictionSample is how many values a full Memory looks at for an expired one
// before it drops an arbitrary value (Go map iteration starts at random).
const evictionSample = 8

// Memory is an in-process Cache, safe for concurrent use. Expired values are
// removed when read or when room is needed. Publish delivers only to
// subscribers in the same process; each subscription buffers up to 64
// messages, and messages to a full subscription are dropped rather than
// blocking the publisher.
type Memory struct {
	mu       sync.Mutex
	values   map[string]memoryEntry
	counters map[string]int64
	subs     map[string]map[chan []byte]struct{}
	closed   bool
	done     chan struct{} // closed by Close, ends subscription goroutines
}

type memoryEntry struct {
	value   []byte
	expires time.Time // zero: never
}

func (e memoryEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{
		values:   make(map[string]memoryEntry),
		counters: make(map[string]int64),
		subs:     make(map[string]map[chan []byte]struct{}),
		done:     make(chan struct{}),
	}
}

// Get implements Cache.
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	e, ok := m.values[key]
	if !ok {
		return nil, ErrMiss
	}
	if e.expired(time.Now()) {
		delete(m.values, key)
		return nil, ErrMiss
	}
	// Copy so that callers cannot change the stored value.
	return append([]byte(nil), e.value...), nil
}

// Set implements Cache.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	_, err := m.set(key, value, ttl, true)
	return err
}

// Add implements Cache.
func (m *Memory) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	return m.set(key, value, ttl, false)
}

// set stores value under key, over a live value only when overwrite is set.
func (m *Memory) set(key string, value []byte, ttl time.Duration, overwrite bool) (bool, error) {
	if err := checkTTL(ttl); err != nil {
		return false, err
	}
	now := time.Now()
	e := memoryEntry{value: append([]byte(nil), value...)}
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, ErrClosed
	}
	old, ok := m.values[key]
	if ok && !overwrite && !old.expired(now) {
		return false, nil
	}
	if !ok && len(m.values) >= MaxMemoryEntries {
		m.evictOne()
	}
	m.values[key] = e
	return true, nil
}

// evictOne drops one value, preferring an expired one. m.mu must be held.
func (m *Memory) evictOne() {
	now := time.Now()
	victim, n := "", 0
	for k, e := range m.values {
		if e.expired(now) {
			victim = k
			break
		}
		if n == 0 {
			victim = k
		}
		if n++; n == evictionSample {
			break
		}
	}
	delete(m.values, victim)
}

// Delete implements Cache.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for _, k := range keys {
		delete(m.values, k)
		delete(m.counters, k)
	}
	return nil
}

// Incr implements Cache.
func (m *Memory) Incr(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	m.counters[key]++
	return m.counters[key], nil
}

// Counter implements Cache.
func (m *Memory) Counter(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	return m.counters[key], nil
}

// Publish implements Cache.
func (m *Memory) Publish(_ context.Context, channel string, msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for ch := range m.subs[channel] {
		select {
		case ch <- append([]byte(nil), msg...):
		default: // subscriber is behind; drop rather than block the publisher
		}
	}
	return nil
}

// Subscribe implements Cache.
func (m *Memory) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	ch := make(chan []byte, subscriptionBuffer)
	if m.subs[channel] == nil {
		m.subs[channel] = make(map[chan []byte]struct{})
	}
	m.subs[channel][ch] = struct{}{}
	go func() {
		select {
		case <-ctx.Done():
		case <-m.done:
		}
		m.unsubscribe(channel, ch)
	}()
	return ch, nil
}

// unsubscribe removes and closes ch unless Close already did. Closing under
// m.mu means Publish never sends on a closed channel.
func (m *Memory) unsubscribe(channel string, ch chan []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[channel][ch]; !ok {
		return
	}
	delete(m.subs[channel], ch)
	if len(m.subs[channel]) == 0 {
		delete(m.subs, channel)
	}
	close(ch)
}

// Ping implements Cache.
func (m *Memory) Ping(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return nil
}

// Close implements Cache. It drops all values and closes all subscriptions.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for _, chans := range m.subs {
		for ch := range chans {
			close(ch)
		}
	}
	m.subs, m.values, m.counters = nil, nil, nil
	close(m.done)
	return nil
}
