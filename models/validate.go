package models

import (
	"math"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// codePattern admits the codes government systems use: letters, digits and . _ / -.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

func validateCode(field, code string) error {
	if !codePattern.MatchString(code) {
		return Invalid(field, "must be 1 to 64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit")
	}
	return nil
}

func validateName(field, name string) error {
	return validateText(field, name, 1, 300)
}

// validateOptionalName checks a name that may be left out: nil and "" are none.
func validateOptionalName(field string, name *string) error {
	if name == nil || *name == "" {
		return nil
	}
	return validateName(field, *name)
}

// OptionalText returns nil for "" (and for text of spaces only), else &s trimmed:
// how an optional name is stored.
func OptionalText(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

// OptionalName is OptionalText of *p; nil for nil.
func OptionalName(p *string) *string {
	if p == nil {
		return nil
	}
	return OptionalText(*p)
}

func validateText(field, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "is not valid UTF-8")
	}
	if strings.ContainsRune(s, 0) { // PostgreSQL cannot store it; SQLite would cut the text at it
		return Invalid(field, "must not contain NUL characters")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < min {
		return Invalid(field, "must not be empty")
	}
	if n > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	return nil
}

func validateLevel(field string, level, min, max int) error {
	if level < min || level > max {
		return Invalid(field, "must be between %d and %d", min, max)
	}
	return nil
}

// maxEmail is the longest address SMTP carries (RFC 5321).
const maxEmail = 254

// ValidateEmail checks that email is one plain address, strictly: at most 254
// bytes, exactly one '@' between a local part and a domain, no spaces, control
// characters (CR, LF, NUL) or quoting, nothing a mail header could be split by.
// EINVALID on field otherwise.
func ValidateEmail(field, email string) error { return validateEmail(field, email) }

func validateEmail(field, email string) error {
	if len(email) > maxEmail {
		return Invalid(field, "must be at most %d characters", maxEmail)
	}
	local, domain, _ := strings.Cut(email, "@")
	if local == "" || domain == "" || strings.Count(email, "@") != 1 ||
		strings.IndexFunc(email, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || r == '"' || r == '\\' }) >= 0 {
		return Invalid(field, "is not an email address")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return Invalid(field, "is not an email address")
	}
	return nil
}

func validatePositive(field string, f float64, max float64) error {
	if math.IsNaN(f) || f <= 0 || f > max {
		return Invalid(field, "must be greater than 0 and at most %g", max)
	}
	return nil
}

// NormaliseEmail returns the canonical form emails are stored and compared in.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
