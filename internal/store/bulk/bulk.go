// Package bulk upserts batches of records on each kind's key, as import and seed
// write them (models.BulkWriter): organisations, the catalogue, learners, evidence
// and enrolments here, the blended records through internal/store/blended.
//
// Each method validates its batch, resolves the codes the records name, and writes
// the valid records in one transaction. Should the database still refuse the batch
// (say an email another learner holds), the batch is written again one record at a
// time, so only the offending records are rejected.
package bulk

import (
	"context"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/models"
)

// Writer is the bulk path over a store.
type Writer struct {
	// BlendedBulkWriter upserts events, batches, sessions and attendance.
	*blended.Store
	db *store.DB
}

var _ models.BulkWriter = (*Writer)(nil)

// New returns the bulk path over db.
func New(db *store.DB) *Writer {
	return &Writer{Store: blended.New(db), db: db}
}

var _ models.AssessmentItemWriter = (*Writer)(nil)

// UpsertAssessmentItems upserts item banks (models.AssessmentItemWriter), as
// import and seed write them beside the catalogue.
func (w *Writer) UpsertAssessmentItems(ctx context.Context, recs []models.AssessmentItemRecord) ([]models.RecordError, error) {
	return w.db.UpsertAssessmentItems(ctx, recs)
}
