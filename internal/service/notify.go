package service

import (
	"context"
	"strconv"
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
type Notifier struct {
	Cache cache.Cache
	// Coalesce bounds how often a subscription reports: the first announcement
	// after a quiet spell opens a window this long, and the announcements in it
	// (a bulk change of one learner's record) are reported once, when it closes.
	// 0 means DefaultCoalesce.
	Coalesce time.Duration
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
// closed. Subscribe returns the cache's error if it cannot subscribe.
func (n *Notifier) Subscribe(ctx context.Context, id int64) (<-chan struct{}, error) {
	announced, err := n.Cache.Subscribe(ctx, learnerChannel(id))
	if err != nil {
		return nil, err
	}
	window := n.Coalesce
	if window <= 0 {
		window = DefaultCoalesce
	}
	changed := make(chan struct{}, 1)
	go func() {
		defer close(changed)
		var closes <-chan time.Time // the open window's end; nil while none is open
		for {
			select {
			case _, ok := <-announced:
				if !ok {
					return
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
