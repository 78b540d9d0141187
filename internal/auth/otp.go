package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Sign-in parameters.
const (
	OTPLifetime        = 10 * time.Minute
	OTPAttempts        = 5
	SessionLifetime    = 12 * time.Hour   // a signed-in learner's token
	RegistrationWindow = 30 * time.Minute // a token that may only register its email
)

// OTPSender delivers a sign-in code to an email address.
type OTPSender interface {
	SendOTP(ctx context.Context, email, code string, expires time.Time) error
}

// LogSender writes codes to the log: development only, where no mail is sent.
type LogSender struct{ Logger *slog.Logger }

// SendOTP logs the code.
func (s LogSender) SendOTP(ctx context.Context, email, code string, expires time.Time) error {
	s.Logger.InfoContext(ctx, "development sign-in code (not mailed)", "code", code, "expires", expires)
	return nil
}

// Limiter admits or refuses one more request for a key.
type Limiter interface {
	Allow(key string) bool
}

// Resetter is a Limiter that can forget a key's count.
type Resetter interface {
	Reset(key string)
}

// LearnerFinder finds a learner by email.
type LearnerFinder interface {
	FindLearnerByEmail(ctx context.Context, email string) (*models.Learner, error)
}

// SignIn runs OTP sign-in and self-registration.
type SignIn struct {
	Store      models.AccessStore
	Learners   LearnerFinder
	Tokens     *Tokens
	Sender     OTPSender
	Domains    []string // email domains allowed to sign in; subdomains too
	PerEmail   Limiter
	PerAddress Limiter
	Now        func() time.Time // the clock; nil means time.Now
}

func (s *SignIn) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// AllowedEmail reports whether email is an address in an allowed domain.
func (s *SignIn) AllowedEmail(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return false
	}
	domain := email[at+1:]
	for _, d := range s.Domains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// RequestOTP sends a fresh 6-digit code to email. The answer is the same whether
// or not a learner has the email. While a code sent earlier is still valid (not
// expired, attempts left), no new one replaces it and nothing is sent: the answer
// is that code's expiry. So someone asking for codes for another's address
// neither replaces the owner's code nor counts against the address's limit,
// which counts codes sent; the owner's own sign-in resets it (VerifyOTP).
// EINVALID (field "email") for an address outside the allowed domains;
// ERATELIMITED when the client address asked too often, or too many codes were
// sent to the email.
func (s *SignIn) RequestOTP(ctx context.Context, email, clientAddr string) (time.Time, error) {
	email = models.NormaliseEmail(email)
	if err := models.ValidateEmail("email", email); err != nil {
		return time.Time{}, err
	}
	if !s.AllowedEmail(email) {
		return time.Time{}, models.Invalid("email", "must be an email address in an allowed government domain")
	}
	limited := models.Errorf(models.ERATELIMITED, "too many sign-in codes requested; try again later")
	if !s.PerAddress.Allow("otp-addr:" + clientAddr) {
		return time.Time{}, limited
	}
	if old, err := s.Store.FindOTP(ctx, email); err == nil && s.clock().Before(old.ExpiresAt) && old.Attempts < OTPAttempts {
		return old.ExpiresAt, nil // the code already sent stands
	} else if err != nil && models.ErrorCode(err) != models.ENOTFOUND {
		return time.Time{}, err
	}
	if !s.PerEmail.Allow("otp-email:" + email) {
		return time.Time{}, limited
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return time.Time{}, err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.clock().UTC().Truncate(time.Microsecond) // as stored, so a repeated answer is the same
	otp := &models.OTP{Email: email, CodeHash: s.hash(email, code), ExpiresAt: now.Add(OTPLifetime), CreatedAt: now}
	if err := s.Store.SaveOTP(ctx, otp); err != nil {
		return time.Time{}, err
	}
	if err := s.Sender.SendOTP(ctx, email, code, otp.ExpiresAt); err != nil {
		return time.Time{}, fmt.Errorf("send sign-in code: %w", err)
	}
	return otp.ExpiresAt, nil
}

// hash keys the code to the email with the token secret, so a stolen table of
// hashes cannot be reversed by trying the million codes.
func (s *SignIn) hash(email, code string) string {
	m := hmac.New(sha256.New, s.Tokens.secret)
	m.Write([]byte(email + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyOTP exchanges a code for a token: a learner's session token when a learner
// has the email, otherwise a token that may only register a learner with it.
// EUNAUTHORIZED for a wrong, expired or exhausted code, with one message for all.
func (s *SignIn) VerifyOTP(ctx context.Context, email, code string) (string, time.Time, *models.Learner, error) {
	email = models.NormaliseEmail(email)
	refused := models.Errorf(models.EUNAUTHORIZED, "invalid or expired code")
	otp, err := s.Store.FindOTP(ctx, email)
	if models.ErrorCode(err) == models.ENOTFOUND {
		return "", time.Time{}, nil, refused
	} else if err != nil {
		return "", time.Time{}, nil, err
	}
	if !s.clock().Before(otp.ExpiresAt) {
		return "", time.Time{}, nil, refused
	}
	// Count the attempt before comparing, so parallel guesses share the allowance.
	attempts, err := s.Store.CountOTPAttempt(ctx, email)
	if err != nil {
		return "", time.Time{}, nil, refused
	}
	if attempts > OTPAttempts || !hmac.Equal([]byte(s.hash(email, code)), []byte(otp.CodeHash)) {
		if attempts >= OTPAttempts {
			s.Store.DeleteOTP(ctx, email)
		}
		return "", time.Time{}, nil, refused
	}
	if err := s.Store.DeleteOTP(ctx, email); err != nil {
		return "", time.Time{}, nil, err
	}
	// The owner signed in: codes asked for their address since count from nothing.
	if r, ok := s.PerEmail.(Resetter); ok {
		r.Reset("otp-email:" + email)
	}
	learner, err := s.Learners.FindLearnerByEmail(ctx, email)
	switch models.ErrorCode(err) {
	case "":
		// A pending registration's token sees only the request until an admin approves it.
		tok, exp, err := s.Tokens.Issue(models.Caller{Role: models.RoleLearner, LearnerID: learner.ID,
			OrganisationID: learner.OrganisationID, Pending: learner.Pending()}, SessionLifetime)
		return tok, exp, learner, err
	case models.ENOTFOUND:
		tok, exp, err := s.Tokens.Issue(models.Caller{Role: models.RoleLearner, Email: email, Registration: true}, RegistrationWindow)
		return tok, exp, nil, err
	}
	return "", time.Time{}, nil, err
}
