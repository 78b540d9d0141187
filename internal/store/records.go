package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// The record helpers of the bulk paths (internal/store/bulk, the blended bulk
// writes): a batch's rejections, the upserts' change conditions and the writing of
// a batch that falls back to one record at a time.

// Rejections collects the RecordErrors of a batch.
type Rejections = models.RecordErrors

// Changed is the ON CONFLICT DO UPDATE condition that skips rows whose columns all
// equal the incoming ones, so re-importing a file writes nothing and bumps no version.
func Changed(alias string, columns ...string) string {
	conds := make([]string, len(columns))
	for i, c := range columns {
		conds[i] = fmt.Sprintf("%s.%s <> EXCLUDED.%s", alias, c, c)
	}
	return strings.Join(conds, " OR ")
}

// Affected reports whether an upsert inserted or updated any row.
func Affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// BumpIf bumps the catalogue version when a write changed something.
func BumpIf(ctx context.Context, tx bun.Tx, changed bool, err error) error {
	if err != nil || !changed {
		return err
	}
	return BumpCatalogue(ctx, tx)
}

// WriteRecords runs write over idxs in one transaction, falling back to one
// transaction per record when a constraint violation refuses the batch.
func (db *DB) WriteRecords(ctx context.Context, idxs []int, rejected *Rejections, write func(ctx context.Context, tx bun.Tx, idxs []int) error) error {
	if len(idxs) == 0 {
		return nil
	}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return write(ctx, tx, idxs) })
	if kind, _ := Violation(err); err == nil || kind == NoViolation {
		return err
	}
	for _, i := range idxs {
		err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return write(ctx, tx, []int{i}) })
		kind, column := Violation(err)
		switch {
		case err == nil:
		case kind == UniqueViolation:
			rejected.Add(i, column, "already in use by another record")
		case kind != NoViolation:
			rejected.Add(i, column, "refused by the database: a value is out of range or refers to a missing record")
		default:
			return err
		}
	}
	return nil
}

// LearningChunk is how many rows one INSERT carries, well under SQLite's limit on
// bound parameters whatever the batch size.
const LearningChunk = 1000

// ResolveLearnerPairs maps the employee code and the code in table that each of n
// records names to IDs.
func (db *DB) ResolveLearnerPairs(ctx context.Context, table string, n int, codes func(int) (string, string)) (map[string]int64, map[string]int64, error) {
	employees, others := make([]string, n), make([]string, n)
	for i := range n {
		employees[i], others[i] = codes(i)
	}
	learners, err := IDsByKey(ctx, db.bun, "learners", "employee_code", employees)
	if err != nil {
		return nil, nil, err
	}
	ids, err := IDsByCode(ctx, db.bun, table, others)
	return learners, ids, err
}

// LearnerPair is a (learner, competency or course) pair as RETURNING gives it back.
type LearnerPair struct {
	LearnerID    int64 `bun:"learner_id"`
	CompetencyID int64 `bun:"competency_id"`
	CourseID     int64 `bun:"course_id"`
}
