package store

import (
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// What the PostgreSQL bulk loader (internal/store/pgload) reads of the store to
// replay the bulk path's semantics on the learners it holds in memory: the same
// estimator, clock and priors, the same certificate codes, batching and column
// names in rejections.

// Estimator returns the estimator set with SetEstimator (nil before).
func (db *DB) Estimator() models.Estimator { return db.estimator }

// Now returns the store's clock's time, as the bulk path stamps the rows it writes.
func (db *DB) Now() time.Time { return db.now() }

// Priors returns the estimator's priors for each required level 1..5, under which
// the gap rows are computed.
func (db *DB) Priors() models.Priors { return db.priors() }

// VerificationCode returns a fresh certificate code, as a completion issues it.
func VerificationCode() string { return verificationCode() }

// EvidenceColumns and EnrolmentColumns map the fields of the validation errors of
// evidence and enrolment records to the columns of their files, as rejections
// name them.
var (
	EvidenceColumns  = map[string]string{"observedAt": "observed_at"}
	EnrolmentColumns = map[string]string{"enrolledAt": "enrolled_at", "completedAt": "completed_at"}
)
