package models

import "context"

// How fresh a request's reads must be. A service with read replicas (the store
// with DATABASE_READ_URL) serves a read from a replica only when the context
// allows it, and then the read may lag the latest writes by the replica's
// delay. Without permission, and always inside a transaction, it reads from the
// primary and sees every write committed before the read began. The default is
// the primary: a caller that forgets to opt in costs the primary some load,
// never a stale read.

type readsKey struct{}

// WithReplicaReads returns ctx allowing its reads to be served by a read
// replica, which may not yet have the latest writes. The GraphQL layer sets it
// for query operations of callers who have not written recently.
func WithReplicaReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, readsKey{}, true)
}

// WithFreshReads returns ctx whose reads must see every committed write (the
// primary), whatever ctx allowed before: for mutations, for work that reads and
// then writes what it read, and for values cached under a version that a replica
// may not have reached.
func WithFreshReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, readsKey{}, false)
}

// ReplicaReadsAllowed reports whether ctx's reads may be served by a replica:
// WithReplicaReads was the last of the two to be applied.
func ReplicaReadsAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(readsKey{}).(bool)
	return ok
}
