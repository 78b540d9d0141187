// Package auth signs and verifies access tokens and runs OTP sign-in. Tokens are
// JWTs (HS256 only) carrying the caller's learner, access role and organisation.
package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openkarmayogi/karmayogi/models"
)

// Token issuer and audience; a token minted for anything else is refused.
const (
	Issuer   = "karmayogi"
	Audience = "karmayogi-api"
)

// secretSetting is where a generated signing secret is kept, so every process and
// the `token` command sign with the same one.
const secretSetting = "jwt_secret"

// DefaultMaxLifetime is the longest a token is accepted for, from its issue to
// its expiry, unless SetMaxLifetime says otherwise: a token cannot be revoked by
// waiting for it to expire if it claims to live for ever.
const DefaultMaxLifetime = 24 * time.Hour

// Tokens signs and verifies access tokens.
type Tokens struct {
	secret      []byte
	now         func() time.Time
	maxLifetime time.Duration
	// previous is the secret before a rotation, accepted until previousUntil.
	previous      []byte
	previousUntil time.Time
	verified      verifiedTokens
}

// AcceptPrevious makes Verify accept tokens signed with the secret used before a
// rotation until until, so that rotating KARMAYOGI_JWT_SECRET does not sign
// everyone out at once. It must be at least 32 bytes, as NewTokens's.
func (t *Tokens) AcceptPrevious(secret []byte, until time.Time) error {
	if len(secret) < 32 {
		return errors.New("the previous token secret must be at least 32 bytes")
	}
	t.previous, t.previousUntil = secret, until
	t.verified.clear()
	return nil
}

// keys returns the secrets a token may be signed with now.
func (t *Tokens) keys(*jwt.Token) (any, error) {
	if t.previous == nil || !t.now().Before(t.previousUntil) {
		return t.secret, nil
	}
	return jwt.VerificationKeySet{Keys: []jwt.VerificationKey{t.secret, t.previous}}, nil
}

// SetMaxLifetime refuses tokens that live longer than d (issue to expiry), whatever
// their exp says; d <= 0 means DefaultMaxLifetime.
func (t *Tokens) SetMaxLifetime(d time.Duration) { t.maxLifetime = d; t.verified.clear() }

// MaxLifetime is the longest lifetime Verify accepts.
func (t *Tokens) MaxLifetime() time.Duration {
	if t.maxLifetime <= 0 {
		return DefaultMaxLifetime
	}
	return t.maxLifetime
}

// NewTokens signs with secret, which must be at least 32 bytes.
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, errors.New("the token secret must be at least 32 bytes")
	}
	return &Tokens{secret: secret, now: time.Now}, nil
}

// LoadTokens signs with the configured secret or, when it is empty, with one
// generated once and stored in the database.
func LoadTokens(ctx context.Context, store models.AccessStore, configured string) (*Tokens, error) {
	if configured != "" {
		return NewTokens([]byte(configured))
	}
	b := make([]byte, 32)
	rand.Read(b)
	secret, err := store.EnsureSetting(ctx, secretSetting, hex.EncodeToString(b))
	if err != nil {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	return NewTokens([]byte(secret))
}

// claims is the token body.
type claims struct {
	jwt.RegisteredClaims
	Role         models.AccessRole `json:"role"`
	LearnerID    int64             `json:"lid,omitempty"`
	Organisation int64             `json:"org,omitempty"`
	Email        string            `json:"email,omitempty"`
	Registration bool              `json:"reg,omitempty"`
	Pending      bool              `json:"pnd,omitempty"`
	// IssuedMicros is when the token was issued, to the microsecond: iat has whole
	// seconds, too coarse to tell a token from a revocation in the same second.
	IssuedMicros int64 `json:"iatus,omitempty"`
}

// Issue returns a signed token for c that expires after ttl.
func (t *Tokens) Issue(c models.Caller, ttl time.Duration) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl)
	id := make([]byte, 12)
	rand.Read(id)
	subject := c.Subject
	if subject == "" {
		subject = subjectOf(c)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: subject,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp), ID: hex.EncodeToString(id),
		},
		Role: c.Role, LearnerID: c.LearnerID, Organisation: c.OrganisationID, Email: c.Email, Registration: c.Registration,
		Pending: c.Pending, IssuedMicros: now.UnixMicro(),
	})
	s, err := tok.SignedString(t.secret)
	return s, exp, err
}

func subjectOf(c models.Caller) string {
	switch {
	case c.Registration:
		return "registration:" + c.Email
	case c.LearnerID != 0:
		return "learner:" + strconv.FormatInt(c.LearnerID, 10)
	}
	return "operator:" + string(c.Role)
}

// Verify checks a token's signature, algorithm, expiry, issuer and audience, and
// that it lives no longer than MaxLifetime (from its iat, which it must carry, and
// from now), and returns its caller. Every failure is EUNAUTHORIZED with one message, so a client
// learns nothing about why. A token verified before is not parsed again
// (verifiedTokens).
func (t *Tokens) Verify(token string) (*models.Caller, error) {
	if c, ok := t.verified.get(token, t.now()); ok {
		return c, nil
	}
	c, until, err := t.verify(token)
	if err == nil {
		if t.previous != nil && t.previousUntil.Before(until) {
			until = t.previousUntil // it may be signed with the previous secret
		}
		t.verified.put(token, c, until)
	}
	return c, err
}

// verify is Verify without its cache; it also returns when the token expires.
func (t *Tokens) verify(token string) (*models.Caller, time.Time, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, t.keys,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer), jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(t.now))
	if err != nil || !c.Role.Valid() || (c.Registration && c.Email == "") || !t.lifetimeAllowed(c.RegisteredClaims) {
		return nil, time.Time{}, models.Errorf(models.EUNAUTHORIZED, "invalid or expired token")
	}
	issued := time.UnixMicro(c.IssuedMicros)
	if c.IssuedMicros == 0 {
		issued = c.IssuedAt.Time
	}
	return &models.Caller{Subject: c.Subject, Role: c.Role, LearnerID: c.LearnerID, OrganisationID: c.Organisation,
		Email: c.Email, Registration: c.Registration, Pending: c.Pending, IssuedAt: issued}, c.ExpiresAt.Time, nil
}

// lifetimeAllowed reports whether a token's exp is within MaxLifetime of its iat
// and of now. (Verify has checked that exp is present and iat not in the future.)
func (t *Tokens) lifetimeAllowed(c jwt.RegisteredClaims) bool {
	max := t.MaxLifetime()
	return c.IssuedAt != nil && c.ExpiresAt != nil && c.ExpiresAt.Sub(c.IssuedAt.Time) <= max && c.ExpiresAt.Sub(t.now()) <= max
}
