package auth_test

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/ratelimit"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

var (
	ctx    = context.Background()
	secret = []byte("a test secret of at least thirty-two bytes")
)

func TestTokens(t *testing.T) {
	tokens, err := auth.NewTokens(secret)
	if err != nil {
		t.Fatal(err)
	}
	admin := models.Caller{Role: models.RoleOrgAdmin, LearnerID: 7, OrganisationID: 3}
	good, _, err := tokens.Issue(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("RoundTrip", func(t *testing.T) {
		c, err := tokens.Verify(good)
		if err != nil || c.Role != models.RoleOrgAdmin || c.LearnerID != 7 || c.OrganisationID != 3 || c.Subject != "learner:7" {
			t.Fatalf("caller %+v, err %v", c, err)
		}
	})
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": auth.Issuer, "aud": auth.Audience, "sub": "learner:1", "role": "PLATFORM_ADMIN",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := valid()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	parts := strings.Split(good, ".")
	for _, tc := range []struct{ name, token string }{
		{"ErrAlgNone", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid())},
		{"ErrHS512NotAllowed", sign(jwt.SigningMethodHS512, secret, valid())},
		{"ErrWrongSecret", sign(jwt.SigningMethodHS256, []byte("another secret of at least thirty-two bytes"), valid())},
		{"ErrExpired", sign(jwt.SigningMethodHS256, secret, with("exp", time.Now().Add(-time.Minute).Unix()))},
		{"ErrNoExpiry", sign(jwt.SigningMethodHS256, secret, with("exp", nil))},
		{"ErrWrongAudience", sign(jwt.SigningMethodHS256, secret, with("aud", "another-api"))},
		{"ErrWrongIssuer", sign(jwt.SigningMethodHS256, secret, with("iss", "someone-else"))},
		{"ErrUnknownRole", sign(jwt.SigningMethodHS256, secret, with("role", "KING"))},
		{"ErrIssuedInFuture", sign(jwt.SigningMethodHS256, secret, with("iat", time.Now().Add(time.Hour).Unix()))},
		{"ErrTampered", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"role":"PLATFORM_ADMIN","iss":"karmayogi","aud":"karmayogi-api","exp":9999999999}`)) + "." + parts[2]},
		{"ErrGarbage", "not.a.token"},
		{"ErrExpiresInYear9999", sign(jwt.SigningMethodHS256, secret, with("exp", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()))},
		{"ErrLivesLongerThanMax", sign(jwt.SigningMethodHS256, secret, with("exp", time.Now().Add(auth.DefaultMaxLifetime+time.Minute).Unix()))},
		{"ErrNoIssuedAt", sign(jwt.SigningMethodHS256, secret, with("iat", nil))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tokens.Verify(tc.token)
			if c != nil || models.ErrorCode(err) != models.EUNAUTHORIZED || err.Error() != "invalid or expired token" {
				t.Fatalf("caller %+v, err %v", c, err)
			}
		})
	}
	t.Run("MaxLifetimeIsConfigurable", func(t *testing.T) {
		short, err := auth.NewTokens(secret)
		if err != nil {
			t.Fatal(err)
		}
		short.SetMaxLifetime(30 * time.Minute)
		if _, err := short.Verify(good); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Fatalf("an hour's token under a 30-minute maximum: %v", err)
		}
		if _, err := tokens.Verify(sign(jwt.SigningMethodHS256, secret, with("exp", time.Now().Add(23*time.Hour).Unix()))); err != nil {
			t.Fatalf("a 23-hour token under the default maximum: %v", err)
		}
	})
	if _, err := auth.NewTokens([]byte("short")); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

// TestGeneratedSecretIsShared proves two processes without a configured secret sign
// alike: the first stores the secret it generates, the second reads it.
func TestGeneratedSecretIsShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, err := auth.LoadTokens(ctx, db, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := auth.LoadTokens(ctx, db, "")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Issue(models.Caller{Role: models.RolePlatformAdmin}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Verify(tok); err != nil {
			t.Fatalf("second process refused the first's token: %v", err)
		}
	})
}

type mailbox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (m *mailbox) SendOTP(_ context.Context, email, code string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[email] = code
	return nil
}

// budget admits n requests per key.
type budget struct {
	mu   sync.Mutex
	n    int
	used map[string]int
}

func (b *budget) Allow(key string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used[key]++
	return b.used[key] <= b.n
}

func TestOTPSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tokens, _ := auth.NewTokens(secret)
		mail := &mailbox{codes: map[string]string{}}
		s := &auth.SignIn{Store: db, Learners: db, Tokens: tokens, Sender: mail, Domains: []string{"gov.in", "nic.in"},
			PerEmail: &budget{n: 3, used: map[string]int{}}, PerAddress: &budget{n: 100, used: map[string]int{}}}
		org, err := db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry})
		if err != nil {
			t.Fatal(err)
		}
		learner, err := db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "Asha Rao", Email: "asha.rao@finmin.gov.in",
			Designation: "Section Officer", OrganisationID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("RegisteredLearnerGetsSession", func(t *testing.T) {
			if _, err := s.RequestOTP(ctx, "Asha.Rao@FinMin.gov.in", "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			code := mail.codes["asha.rao@finmin.gov.in"]
			stored, err := db.FindOTP(ctx, "asha.rao@finmin.gov.in")
			if err != nil || len(code) != 6 || strings.Contains(stored.CodeHash, code) {
				t.Fatalf("code %q stored as %+v (err %v)", code, stored, err)
			}
			tok, _, l, err := s.VerifyOTP(ctx, "asha.rao@finmin.gov.in", code)
			if err != nil || l == nil || l.ID != learner.ID {
				t.Fatalf("learner %+v, err %v", l, err)
			}
			c, err := tokens.Verify(tok)
			if err != nil || c.Role != models.RoleLearner || c.LearnerID != learner.ID || c.Registration {
				t.Fatalf("caller %+v, err %v", c, err)
			}
			if _, _, _, err := s.VerifyOTP(ctx, "asha.rao@finmin.gov.in", code); models.ErrorCode(err) != models.EUNAUTHORIZED {
				t.Fatalf("a code worked twice: %v", err)
			}
		})
		t.Run("UnregisteredEmailGetsRegistrationToken", func(t *testing.T) {
			if _, err := s.RequestOTP(ctx, "new.officer@nic.in", "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			tok, _, l, err := s.VerifyOTP(ctx, "new.officer@nic.in", mail.codes["new.officer@nic.in"])
			c, verr := tokens.Verify(tok)
			if err != nil || verr != nil || l != nil || !c.Registration || c.Email != "new.officer@nic.in" {
				t.Fatalf("learner %+v, caller %+v, err %v %v", l, c, err, verr)
			}
		})
		t.Run("ErrBruteForce", func(t *testing.T) {
			email := "brute@gov.in"
			if _, err := s.RequestOTP(ctx, email, "10.0.0.2"); err != nil {
				t.Fatal(err)
			}
			code := mail.codes[email]
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			for range auth.OTPAttempts {
				if _, _, _, err := s.VerifyOTP(ctx, email, wrong); models.ErrorCode(err) != models.EUNAUTHORIZED {
					t.Fatal(err)
				}
			}
			if _, _, _, err := s.VerifyOTP(ctx, email, code); models.ErrorCode(err) != models.EUNAUTHORIZED {
				t.Fatalf("the right code worked after %d wrong ones: %v", auth.OTPAttempts, err)
			}
		})
		t.Run("ErrExpiredCode", func(t *testing.T) {
			email := "late@gov.in"
			if _, err := s.RequestOTP(ctx, email, "10.0.0.5"); err != nil {
				t.Fatal(err)
			}
			later := *s
			later.Now = func() time.Time { return time.Now().Add(auth.OTPLifetime + time.Second) }
			if _, _, _, err := later.VerifyOTP(ctx, email, mail.codes[email]); models.ErrorCode(err) != models.EUNAUTHORIZED {
				t.Fatalf("an expired code worked: %v", err)
			}
		})
		t.Run("ErrDomainNotAllowed", func(t *testing.T) {
			for _, email := range []string{"someone@gmail.com", "x@evilgov.in", "x@gov.in.evil.com", "no-at-sign"} {
				if _, err := s.RequestOTP(ctx, email, "10.0.0.3"); models.ErrorCode(err) != models.EINVALID || models.ErrorField(err) != "email" {
					t.Fatalf("%s: %v", email, err)
				}
			}
		})
		t.Run("ErrRateLimitedPerEmail", func(t *testing.T) {
			// Codes sent count, not requests: each request comes after the last code expired.
			var last error
			for i := range 4 {
				at := *s
				at.Now = func() time.Time { return time.Now().Add(time.Duration(i) * (auth.OTPLifetime + time.Second)) }
				_, last = at.RequestOTP(ctx, "limited@gov.in", "10.0.0.4")
			}
			if models.ErrorCode(last) != models.ERATELIMITED {
				t.Fatalf("fourth code: %v", last)
			}
		})
		t.Run("AValidCodeIsNotReplaced", func(t *testing.T) {
			email := "kept@gov.in"
			first, err := s.RequestOTP(ctx, email, "10.0.0.6")
			if err != nil {
				t.Fatal(err)
			}
			code := mail.codes[email]
			for range 5 { // someone else asking for the owner's address
				if again, err := s.RequestOTP(ctx, email, "10.0.0.7"); err != nil || !again.Equal(first) {
					t.Fatalf("another request: %v, expiry %v, want %v", err, again, first)
				}
			}
			if _, _, _, err := s.VerifyOTP(ctx, email, code); err != nil {
				t.Fatalf("the first code no longer works: %v", err)
			}
		})
		t.Run("SignInResetsTheCount", func(t *testing.T) {
			limit := ratelimit.New(2, time.Hour, 2) // two codes an hour per address
			r := *s
			r.PerEmail = limit
			email := "asha.rao@finmin.gov.in"
			for range 2 {
				if _, err := r.RequestOTP(ctx, email, "10.0.0.8"); err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := r.VerifyOTP(ctx, email, mail.codes[email]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := r.RequestOTP(ctx, email, "10.0.0.8"); err != nil {
				t.Fatalf("a third code after the owner signed in: %v", err)
			}
			db.DeleteOTP(ctx, email)
			if !limit.Allow("otp-email:"+email) || limit.Allow("otp-email:"+email) {
				t.Fatal("the count did not start again at the sign-in")
			}
		})
	})
}

// TestPreviousSecret: after a rotation, tokens signed with the previous secret are
// accepted until the grace period ends, and never after.
func TestPreviousSecret(t *testing.T) {
	old, _ := auth.NewTokens(secret)
	tok, _, err := old.Issue(models.Caller{Role: models.RoleLearner, LearnerID: 7}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rotated := []byte("the new secret, also at least thirty-two bytes")
	for _, tc := range []struct {
		name  string
		until time.Time // zero: no previous secret
		ok    bool
	}{
		{"WithoutThePrevious", time.Time{}, false},
		{"DuringTheGracePeriod", time.Now().Add(time.Hour), true},
		{"AfterTheGracePeriod", time.Now().Add(-time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			current, _ := auth.NewTokens(rotated)
			if !tc.until.IsZero() {
				if err := current.AcceptPrevious(secret, tc.until); err != nil {
					t.Fatal(err)
				}
			}
			c, err := current.Verify(tok)
			if ok := err == nil && c.LearnerID == 7; ok != tc.ok {
				t.Fatalf("verified %v (caller %+v, err %v), want %v", ok, c, err, tc.ok)
			}
			fresh, _, _ := current.Issue(models.Caller{Role: models.RoleLearner, LearnerID: 8}, time.Hour)
			if _, err := old.Verify(fresh); err == nil {
				t.Fatal("a token of the new secret verifies under the old one alone")
			}
		})
	}
	if err := old.AcceptPrevious([]byte("short"), time.Now().Add(time.Hour)); err == nil {
		t.Fatal("a short previous secret was accepted")
	}
}
