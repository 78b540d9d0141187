package service_test

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// TestRevocations: a revocation in one process refuses the subject's earlier
// tokens in another at once (through the shared cache, even after the other cached
// "none"), admits later ones, and a process with a cold cache reads the database.
func TestRevocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, engine := range []string{"memory", "redis"} {
			t.Run(engine, func(t *testing.T) {
				a, b := sharedCaches(t, engine)
				one := &service.Revocations{Store: db, Cache: a}
				other := &service.Revocations{Store: db, Cache: b}
				subject := "learner:" + engine
				issued := time.Now()
				if other.Revoked(ctx, subject, issued) {
					t.Fatal("revoked before any revocation")
				}
				at, err := one.Revoke(ctx, subject)
				if err != nil {
					t.Fatal(err)
				}
				if !at.After(issued) || !other.Revoked(ctx, subject, issued) {
					t.Fatalf("a token issued at %v survives the revocation at %v in the other process", issued, at)
				}
				if other.Revoked(ctx, subject, at.Add(time.Microsecond)) {
					t.Fatal("a token issued after the revocation is refused")
				}
				cold := &service.Revocations{Store: db, Cache: cache.NewMemory()}
				if !cold.Revoked(ctx, subject, issued) || cold.Revoked(ctx, "learner:someone-else", issued) {
					t.Fatal("a process with a cold cache reads the revocations wrong")
				}
			})
		}
	})
}
