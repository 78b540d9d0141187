package main

import (
	"fmt"
	"os"
	"strings"
)

// Config is every setting, read from the environment; the important ones are also flags.
type Config struct {
	DatabaseURL  string // DATABASE_URL: postgres://... or sqlite://PATH
	Addr         string // KARMAYOGI_ADDR, --addr
	Env          string // KARMAYOGI_ENV: development or production
	Demo         bool   // --demo: seed an empty database
	DemoLearners int    // learners the demo data set holds

	JWTSecret    string   // KARMAYOGI_JWT_SECRET; empty: generated once and kept in the database
	EmailDomains []string // KARMAYOGI_EMAIL_DOMAINS: domains allowed to sign in and self-register
	SMTPURL      string   // KARMAYOGI_SMTP_URL: the OTP mail sender; empty: codes are logged (development only)
}

// configFromEnv reads the environment, applying the embedded defaults.
func configFromEnv() (Config, error) {
	c := Config{
		DatabaseURL:  getenv("DATABASE_URL", "sqlite://./karmayogi.db"),
		Addr:         getenv("KARMAYOGI_ADDR", ":8080"),
		Env:          getenv("KARMAYOGI_ENV", "development"),
		DemoLearners: 2000,
	}
	c.JWTSecret = os.Getenv("KARMAYOGI_JWT_SECRET")
	c.SMTPURL = os.Getenv("KARMAYOGI_SMTP_URL")
	for _, d := range strings.Split(getenv("KARMAYOGI_EMAIL_DOMAINS", "gov.in,nic.in"), ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			c.EmailDomains = append(c.EmailDomains, d)
		}
	}
	if c.Env != "development" && c.Env != "production" {
		return c, fmt.Errorf("KARMAYOGI_ENV must be development or production, not %q", c.Env)
	}
	if c.Production() && (c.JWTSecret == "" || c.SMTPURL == "") {
		return c, fmt.Errorf("production needs KARMAYOGI_JWT_SECRET and KARMAYOGI_SMTP_URL")
	}
	return c, nil
}

// Production reports whether introspection and GraphiQL are off.
func (c Config) Production() bool { return c.Env == "production" }

func getenv(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
