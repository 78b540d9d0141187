package bulk_test

import (
	"context"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
)

var ctx = context.Background()

// writer is the bulk path over db; these tests write no blended records.
func writer(db *store.DB) *bulk.Writer { return bulk.New(db) }
