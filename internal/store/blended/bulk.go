package blended

import (
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// withBulk is the store's bulk upserts together with the blended ones.
type withBulk struct {
	*store.DB
	*Store
}

// WithBulk returns the models.BulkWriter of the import path over db: the core's
// upserts and this package's (events, batches, sessions, attendance).
func WithBulk(db *store.DB) models.BulkWriter { return withBulk{DB: db, Store: New(db)} }
