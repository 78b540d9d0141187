package service

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

// DefaultCoalesce is how long Notifier.Subscribe gathers announcements before it
// reports them as one change, unless Notifier.Coalesce says otherwise.
const DefaultCoalesce = 150 * time.Millisecond

// Notifier announces changes to learners' records and reports them to whoever
// subscribed, through the cache's publish/subscribe: with Redis every API process
// sharing it hears every announcement; with the in-process cache, this process only.
// Delivery is best effort, as the cache's is: a change announced while Redis is
// unreachable is lost, and the next one is reported as usual.
//
// A process holds one cache subscription per learner followed (with Redis, one
// connection), however many subscribers follow them there. A Notifier must not be
// copied after first use.
type Notifier struct {
	Cache cache.Cache
	// Coalesce bounds how often a subscription reports: the first announcement
	// after a quiet spell opens a window this long, and the announcements in it
	// (a bulk change of one learner's record) are reported once, when it closes.
	// 0 means DefaultCoalesce.
	Coalesce time.Duration

	mu    sync.Mutex
	feeds map[int64]*feed
}

// feed is the process's cache subscription to one learner's channel, shared by
// the learner's subscribers here. Each subscriber has a channel in subs that holds
// at most one announcement; a subscriber's channel is closed by whoever removes it
// from subs, under Notifier.mu.
type feed struct {
	ready chan struct{} // closed once the cache has answered; then err says how
	err   error
	stop  context.CancelFunc // ends the cache subscription
	subs  map[chan struct{}]struct{}
}

// learnerChannel is the cache channel of announcements about learner id.
func learnerChannel(id int64) string { return "learner-changed:" + strconv.FormatInt(id, 10) }

// LearnerChanged announces that learner id's record changed: their evidence,
// roles, enrolments, ratings, dismissals or details. It returns the cache's error
// (cache.ErrClosed after Close) if the announcement could not be sent.
func (n *Notifier) LearnerChanged(ctx context.Context, id int64) error {
	return n.Cache.Publish(ctx, learnerChannel(id), nil)
}

// Subscribe reports the changes to learner id announced from the time it returns:
// one value per window of Coalesce (see Notifier), each at most Coalesce after the
// first announcement it stands for. A reader that falls behind finds one value
// waiting, never a queue. The channel is closed when ctx ends or the cache is
// closed. Subscribe returns the cache's error if it cannot subscribe, or ctx's if
// ctx ends first.
func (n *Notifier) Subscribe(ctx context.Context, id int64) (<-chan struct{}, error) {
	n.mu.Lock()
	f := n.feeds[id]
	if f == nil {
		if n.feeds == nil {
			n.feeds = make(map[int64]*feed)
		}
		f = &feed{ready: make(chan struct{}), subs: make(map[chan struct{}]struct{})}
		n.feeds[id] = f
		go n.open(id, f)
	}
	in := make(chan struct{}, 1)
	f.subs[in] = struct{}{}
	n.mu.Unlock()

	select {
	case <-f.ready:
	case <-ctx.Done():
		n.leave(id, f, in)
		return nil, ctx.Err()
	}
	if f.err != nil {
		n.leave(id, f, in)
		return nil, f.err
	}
	window := n.Coalesce
	if window <= 0 {
		window = DefaultCoalesce
	}
	changed := make(chan struct{}, 1)
	go func() {
		defer close(changed)
		defer n.leave(id, f, in)
		var closes <-chan time.Time // the open window's end; nil while none is open
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-in:
				if !ok {
					return // the cache closed
				}
				if closes == nil {
					closes = time.After(window)
				}
			case <-closes:
				closes = nil
				select {
				case changed <- struct{}{}:
				default: // a change is already waiting to be read: it stands for this one too
				}
			}
		}
	}()
	return changed, nil
}

// open makes f's cache subscription and then hands each announcement to f's
// subscribers, until the cache subscription ends (the last subscriber left, or
// the cache closed).
func (n *Notifier) open(id int64, f *feed) {
	fctx, stop := context.WithCancel(context.Background()) // the feed outlives the subscriber that started it
	announced, err := n.Cache.Subscribe(fctx, learnerChannel(id))
	n.mu.Lock()
	f.err, f.stop = err, stop
	if err != nil || len(f.subs) == 0 { // failed, or everyone left while it was being made
		n.drop(id, f)
	}
	n.mu.Unlock()
	close(f.ready)
	if err != nil {
		return
	}
	for range announced {
		n.mu.Lock()
		for in := range f.subs {
			select {
			case in <- struct{}{}:
			default: // one waiting is enough
			}
		}
		n.mu.Unlock()
	}
	n.mu.Lock()
	n.drop(id, f)
	for in := range f.subs {
		delete(f.subs, in)
		close(in)
	}
	n.mu.Unlock()
}

// leave removes subscriber in from f, and ends f when it was the last. Callers
// do not hold n.mu.
func (n *Notifier) leave(id int64, f *feed, in chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := f.subs[in]; ok {
		delete(f.subs, in)
		close(in)
	}
	if len(f.subs) == 0 {
		n.drop(id, f)
	}
}

// drop forgets f, so that the next subscriber to the learner makes a new feed,
// and ends its cache subscription if it has one. Callers hold n.mu.
func (n *Notifier) drop(id int64, f *feed) {
	if n.feeds[id] == f {
		delete(n.feeds, id)
	}
	if f.stop != nil {
		f.stop()
	}
}
