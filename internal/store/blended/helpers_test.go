package blended_test

import (
	"context"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
)

// The shared helpers (the fixture, must, wantCode ...) are storetest's; these
// two are this package's own.

var ctx = context.Background()

// serviceOf returns the service over the store, for the tests of what it refuses
// before the store is asked.
func serviceOf(db *store.DB) *service.Blended {
	bs := blended.New(db)
	return &service.Blended{BlendedReader: bs, Store: bs}
}

// validated validates n as the service does before the store's writes, filling in
// its defaults.
func validated[N interface{ Validate() error }](t *testing.T, n N) N {
	t.Helper()
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	return n
}
