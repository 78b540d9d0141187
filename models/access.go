package models

import (
	"context"
	"time"
)

// AccessRole is what a caller may do.
type AccessRole string

const (
	RoleLearner         AccessRole = "LEARNER"
	RoleOrgAdmin        AccessRole = "ORG_ADMIN"
	RoleContentProvider AccessRole = "CONTENT_PROVIDER"
	RolePlatformAdmin   AccessRole = "PLATFORM_ADMIN"
)

// Valid reports whether r is a known access role.
func (r AccessRole) Valid() bool {
	return r == RoleLearner || r == RoleOrgAdmin || r == RoleContentProvider || r == RolePlatformAdmin
}

// Caller is who a request acts for, from a verified token. A registration caller
// has proved they own Email and may do nothing but register a learner with it.
type Caller struct {
	Subject        string // the token's subject, for audit and rate limits
	Role           AccessRole
	LearnerID      int64 // 0 when the token names no learner
	OrganisationID int64 // the organisation an ORG_ADMIN administers (0 otherwise)
	Email          string
	Registration   bool
	// Pending: the learner's self-registration waits for approval; they may see
	// only their own request.
	Pending bool
	// IssuedAt is when the token was issued: tokens issued before the subject's
	// revocation (revokeTokens, signOut) are refused.
	IssuedAt time.Time
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller of ctx, or nil for an anonymous request.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// OTP is a one-time sign-in code for an email, kept only as a hash.
type OTP struct {
	Email     string    `bun:"email,pk"`
	CodeHash  string    `bun:"code_hash"`
	ExpiresAt time.Time `bun:"expires_at"`
	Attempts  int       `bun:"attempts"`
	CreatedAt time.Time `bun:"created_at"`
}

// AuditEntry records one change an administrator made.
type AuditEntry struct {
	ID             int64      `bun:"id,pk,autoincrement"`
	At             time.Time  `bun:"at"`
	ActorSubject   string     `bun:"actor_subject"`
	ActorLearnerID *int64     `bun:"actor_learner_id"`
	ActorRole      AccessRole `bun:"actor_role"`
	Action         string     `bun:"action"`
	ObjectID       *string    `bun:"object_id"` // the global ID of the object changed
}

// RevocationStore keeps each token subject's "not before": tokens of the subject
// issued before it are refused.
type RevocationStore interface {
	// RevokeTokens sets the subject's not-before instant to at.
	RevokeTokens(ctx context.Context, subject string, at time.Time) error
	// FindNotBefore returns the subject's not-before instant, zero when none.
	FindNotBefore(ctx context.Context, subject string) (time.Time, error)
}

// AccessStore keeps what sign-in and auditing need.
type AccessStore interface {
	// EnsureSetting stores value under name unless a value is stored already, and
	// returns the stored one, so concurrent processes agree.
	EnsureSetting(ctx context.Context, name, value string) (string, error)
	// SaveOTP stores o, replacing any earlier code for the email.
	SaveOTP(ctx context.Context, o *OTP) error
	// FindOTP returns ENOTFOUND when the email has no code.
	FindOTP(ctx context.Context, email string) (*OTP, error)
	// CountOTPAttempt adds one attempt and returns how many there have been, so
	// concurrent guesses cannot exceed the allowance between a read and a write.
	CountOTPAttempt(ctx context.Context, email string) (int, error)
	// DeleteOTP removes the email's code.
	DeleteOTP(ctx context.Context, email string) error
	// AppendAudit stores e.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// FindAuditEntryByID returns ENOTFOUND if there is no such entry.
	FindAuditEntryByID(ctx context.Context, id int64) (*AuditEntry, error)
	// FindAuditEntries pages through the audit log, newest first.
	FindAuditEntries(ctx context.Context, p PageRequest) (*Page[*AuditEntry], error)
}
