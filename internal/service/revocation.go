package service

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/models"
)

// Revocations keeps each token subject's "not before" (revokeTokens, signOut):
// tokens of the subject issued before it are refused. The database holds it; the
// cache holds a copy per subject, so the check on every request is one cache read,
// and a revocation writes the cache too, so every process sees it at once.
type Revocations struct {
	Store  models.RevocationStore
	Cache  cache.Cache
	Logger *slog.Logger // nil: slog.Default()
}

// revocationTTL is how long a subject's not-before stays cached; it only bounds
// the memory the entries take. A revocation overwrites the entry; a read of the
// database fills it only where none is (cache.Add), so a fill racing a
// revocation (read before it, written after it) cannot put the older value back,
// and a subject who returns within the hour costs no read of the database.
const revocationTTL = time.Hour

func revocationKey(subject string) string { return "revoked:" + subject }

// Revoke refuses every token of subject issued until now, and returns the instant.
func (r *Revocations) Revoke(ctx context.Context, subject string) (time.Time, error) {
	at := time.Now().UTC().Truncate(time.Microsecond)
	if err := r.Store.RevokeTokens(ctx, subject, at); err != nil {
		return time.Time{}, err
	}
	if err := r.Cache.Set(ctx, revocationKey(subject), []byte(strconv.FormatInt(at.UnixMicro(), 10)), revocationTTL); err != nil {
		// The entry may hold the old instant: drop it, or requests read the database.
		r.Cache.Delete(ctx, revocationKey(subject))
		r.logger().WarnContext(ctx, "revocation: cache write failed; checks read the database", "err", err)
	}
	return at, nil
}

// Revoked reports whether a token of subject issued at issued is revoked. When
// neither the cache nor the database answers it says no (and logs): an outage
// must not sign everyone out.
func (r *Revocations) Revoked(ctx context.Context, subject string, issued time.Time) bool {
	nb, err := r.notBefore(ctx, subject)
	if err != nil {
		r.logger().ErrorContext(ctx, "revocation: cannot read the subject's not-before; admitting the token", "err", err)
		return false
	}
	return issued.Before(nb)
}

// notBefore reads the subject's not-before from the cache, or from the database
// on a miss (and caches it; zero is cached as "0").
func (r *Revocations) notBefore(ctx context.Context, subject string) (time.Time, error) {
	key := revocationKey(subject)
	b, err := r.Cache.Get(ctx, key)
	if err == nil {
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			if n == 0 {
				return time.Time{}, nil
			}
			return time.UnixMicro(n), nil
		}
	}
	nb, dbErr := r.Store.FindNotBefore(ctx, subject)
	if dbErr != nil {
		return time.Time{}, dbErr
	}
	if err == nil || errors.Is(err, cache.ErrMiss) {
		v := int64(0)
		if !nb.IsZero() {
			v = nb.UnixMicro()
		}
		r.Cache.Add(ctx, key, []byte(strconv.FormatInt(v, 10)), revocationTTL)
	}
	return nb, nil
}

func (r *Revocations) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}
