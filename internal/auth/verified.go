package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// maxVerified bounds the tokens verifiedTokens holds; when full it starts again.
const maxVerified = 100_000

// verifiedTokens remembers the callers of tokens verified before, by a hash of
// the token, until the token expires (or the previous secret stops being
// accepted): what Verify decides of a token changes only with time, which the
// entry's end stands for, or with the settings, whose setters clear it. Parsing
// a JWT and checking its HMAC was a tenth of a cached request's CPU
// (docs/benchmarks.md). Revocation is not decided here (service.Revocations).
type verifiedTokens struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	caller models.Caller
	until  time.Time
}

func (v *verifiedTokens) get(token string, now time.Time) (*models.Caller, bool) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	e, ok := v.m[k]
	v.mu.Unlock()
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	c := e.caller // a copy: callers may change theirs
	return &c, true
}

func (v *verifiedTokens) put(token string, c *models.Caller, until time.Time) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = make(map[[sha256.Size]byte]verifiedToken)
	}
	v.m[k] = verifiedToken{caller: *c, until: until}
}

func (v *verifiedTokens) clear() {
	v.mu.Lock()
	v.m = nil
	v.mu.Unlock()
}
