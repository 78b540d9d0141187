package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// activityKind is something a learner did that may earn karma points.
type activityKind int

const (
	enrolled         activityKind = iota + 1 // enrolled in courseID
	completed                                // completed courseID (enrolmentID)
	rated                                    // rated courseID
	passedAssessment                         // passed the final assessment of courseID
	attendedEvent                            // attended a session of eventID
)

// activity is one thing a learner did, at a time; awardKarma turns activities
// into ledger entries by the rules.
type activity struct {
	kind        activityKind
	learnerID   int64
	courseID    int64
	enrolmentID int64
	eventID     int64
	at          time.Time
}

// awardKarma writes the ledger entries that activities earn by the karma rules,
// in the caller's transaction, and moves the learners' totals.
func (db *DB) awardKarma(ctx context.Context, idb bun.IDB, acts []activity) error {
	return nil // TODO(karma): the rules engine
}
