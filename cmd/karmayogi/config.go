package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/server/wsguard"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
)

// Config is every setting, read from the environment; the important ones are also flags.
type Config struct {
	DatabaseURL  string // DATABASE_URL: postgres://... or sqlite://PATH
	Addr         string // KARMAYOGI_ADDR, --addr
	Env          string // KARMAYOGI_ENV: development or production
	Demo         bool   // --demo: seed an empty database
	DemoLearners int    // learners the demo data set holds

	// DATABASE_READ_URL: comma-separated postgres:// URLs of streaming replicas
	// that serve queries (serve only; the tools use DATABASE_URL alone).
	DatabaseReadURLs []string
	ReadYourWrites   time.Duration // KARMAYOGI_READ_YOUR_WRITES_WINDOW: after a mutation, its caller reads the primary this long
	ReplicaMaxLag    time.Duration // KARMAYOGI_READ_MAX_LAG: a replica further behind serves no reads; 0: no bound

	// REDIS_URL: redis:// (one server), redis+cluster://h1:p1,h2:p2,... (Redis
	// Cluster) or redis+sentinel://h1:p1,.../MASTER (Sentinel), rediss... for TLS;
	// empty: the in-process cache. See cache.Open.
	RedisURL     string
	CachePrefix  string        // KARMAYOGI_CACHE_PREFIX: in front of every Redis key and channel, one per deployment
	JWTSecret    string        // KARMAYOGI_JWT_SECRET; empty: generated once and kept in the database
	EmailDomains []string      // KARMAYOGI_EMAIL_DOMAINS: domains allowed to sign in and self-register
	SMTPURL      string        // KARMAYOGI_SMTP_URL: the OTP mail sender; empty: codes are logged (development only)
	SMTPTimeout  time.Duration // KARMAYOGI_SMTP_TIMEOUT: the deadline of one mail send
	// KARMAYOGI_TOKEN_MAX_LIFETIME: a token living longer than this (issue to
	// expiry) is refused, whatever its exp says; `token --ttl` is bounded by it.
	TokenMaxLifetime time.Duration
	// KARMAYOGI_APQ_ALLOWLIST: the file `karmayogi allowlist` writes from the
	// deployment's clients; signed-in callers may register those documents as
	// persisted queries. Without it, development lets signed-in callers register any
	// document, and production none.
	APQAllowlist string
	// KARMAYOGI_WS_MAX_SUBSCRIPTIONS, KARMAYOGI_WS_MAX_SUBJECT_SUBSCRIPTIONS: the
	// active subscriptions of one websocket connection and of one token subject.
	SubscriptionsPerConnection, SubscriptionsPerSubject int
	CORSOrigins                                         []string // KARMAYOGI_CORS_ORIGINS: browser origins allowed to call the API from other sites
	// KARMAYOGI_TRUSTED_PROXIES: load balancers (addresses or CIDRs) whose
	// X-Forwarded-For names the client, for per-address rate limits.
	TrustedProxies []netip.Prefix

	// KARMAYOGI_JWT_PREVIOUS_SECRET: the secret before a rotation, whose tokens are
	// still accepted until KARMAYOGI_JWT_PREVIOUS_UNTIL (RFC 3339; default: a
	// session's lifetime, 12h, after the process starts).
	JWTPreviousSecret string
	JWTPreviousUntil  time.Time
	// KARMAYOGI_METRICS_ADDR: a listen address of its own for /metrics (not the
	// API's); KARMAYOGI_METRICS_TOKEN: a bearer token /metrics then needs. Without
	// either, production serves no /metrics and development serves it publicly.
	MetricsAddr, MetricsToken string
	// KARMAYOGI_CALIBRATE_EVERY: how often one process (of all sharing the
	// database) refits the estimator; 0: never.
	CalibrateEvery time.Duration
	// KARMAYOGI_ESTIMATOR_POLL: how often serve asks for the active estimator
	// model, to switch to a new one without a restart; 0: never.
	EstimatorPoll time.Duration

	LogFormat string     // KARMAYOGI_LOG_FORMAT: json (default) or text
	LogLevel  slog.Level // KARMAYOGI_LOG_LEVEL: debug, info (default), warn or error
	PProf     bool       // KARMAYOGI_PPROF=1, --pprof: serve /debug/pprof/
	// Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is
	// set; the OTEL_* variables are read by internal/telemetry and the exporter.
	OTLPEndpoint string
}

// configFromEnv reads the environment, applying the embedded defaults.
func configFromEnv() (Config, error) {
	c := Config{
		DatabaseURL:  getenv("DATABASE_URL", "sqlite://./karmayogi.db"),
		Addr:         getenv("KARMAYOGI_ADDR", ":8080"),
		Env:          getenv("KARMAYOGI_ENV", "development"),
		DemoLearners: 2000,
	}
	c.DatabaseReadURLs = splitList(os.Getenv("DATABASE_READ_URL"), false)
	if len(c.DatabaseReadURLs) > 0 && !strings.HasPrefix(c.DatabaseURL, "postgres") {
		return c, fmt.Errorf("DATABASE_READ_URL needs a PostgreSQL DATABASE_URL: read replicas are PostgreSQL streaming replicas")
	}
	var err error
	if c.ReadYourWrites, err = parseDuration("KARMAYOGI_READ_YOUR_WRITES_WINDOW", 5*time.Second); err != nil {
		return c, err
	}
	if c.ReplicaMaxLag, err = parseDuration("KARMAYOGI_READ_MAX_LAG", 30*time.Second); err != nil {
		return c, err
	}
	if c.CalibrateEvery, err = parseDuration("KARMAYOGI_CALIBRATE_EVERY", 24*time.Hour); err != nil {
		return c, err
	}
	if c.EstimatorPoll, err = parseDuration("KARMAYOGI_ESTIMATOR_POLL", 30*time.Second); err != nil {
		return c, err
	}
	c.RedisURL = os.Getenv("REDIS_URL")
	c.CachePrefix = getenv("KARMAYOGI_CACHE_PREFIX", "karmayogi:")
	c.JWTSecret = os.Getenv("KARMAYOGI_JWT_SECRET")
	c.JWTPreviousSecret = os.Getenv("KARMAYOGI_JWT_PREVIOUS_SECRET")
	c.JWTPreviousUntil = time.Now().Add(auth.SessionLifetime)
	if v := os.Getenv("KARMAYOGI_JWT_PREVIOUS_UNTIL"); v != "" {
		if c.JWTPreviousUntil, err = time.Parse(time.RFC3339, v); err != nil {
			return c, fmt.Errorf("KARMAYOGI_JWT_PREVIOUS_UNTIL must be an RFC 3339 time: %w", err)
		}
	}
	c.SMTPURL = os.Getenv("KARMAYOGI_SMTP_URL")
	c.APQAllowlist = os.Getenv("KARMAYOGI_APQ_ALLOWLIST")
	if c.SMTPTimeout, err = parseDuration("KARMAYOGI_SMTP_TIMEOUT", auth.MailTimeout); err != nil || c.SMTPTimeout == 0 {
		return c, fmt.Errorf("KARMAYOGI_SMTP_TIMEOUT must be a positive duration such as 10s")
	}
	if c.SubscriptionsPerConnection, err = parseCount("KARMAYOGI_WS_MAX_SUBSCRIPTIONS", wsguard.DefaultSubscriptionsPerConnection); err != nil {
		return c, err
	}
	if c.SubscriptionsPerSubject, err = parseCount("KARMAYOGI_WS_MAX_SUBJECT_SUBSCRIPTIONS", wsguard.DefaultSubscriptionsPerSubject); err != nil {
		return c, err
	}
	if c.TokenMaxLifetime, err = parseDuration("KARMAYOGI_TOKEN_MAX_LIFETIME", auth.DefaultMaxLifetime); err != nil || c.TokenMaxLifetime == 0 {
		return c, fmt.Errorf("KARMAYOGI_TOKEN_MAX_LIFETIME must be a positive duration such as 24h")
	}
	c.EmailDomains = splitList(getenv("KARMAYOGI_EMAIL_DOMAINS", "gov.in,nic.in"), true)
	// Development admits the usual front-end dev servers; production only what it is told.
	origins := "http://localhost:3000,http://localhost:5173"
	if c.Production() {
		origins = ""
	}
	c.CORSOrigins = splitList(getenv("KARMAYOGI_CORS_ORIGINS", origins), false)
	for _, p := range splitList(os.Getenv("KARMAYOGI_TRUSTED_PROXIES"), false) {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return c, fmt.Errorf("KARMAYOGI_TRUSTED_PROXIES: %q is not an address or CIDR", p)
			}
			prefix = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	c.MetricsAddr, c.MetricsToken = os.Getenv("KARMAYOGI_METRICS_ADDR"), os.Getenv("KARMAYOGI_METRICS_TOKEN")
	c.LogFormat = getenv("KARMAYOGI_LOG_FORMAT", "json")
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return c, fmt.Errorf("KARMAYOGI_LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	level, err := telemetry.ParseLevel(os.Getenv("KARMAYOGI_LOG_LEVEL"))
	if err != nil {
		return c, fmt.Errorf("KARMAYOGI_LOG_LEVEL: %w", err)
	}
	c.LogLevel = level
	if c.PProf, err = parseBool("KARMAYOGI_PPROF"); err != nil {
		return c, err
	}
	c.OTLPEndpoint = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
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

// parseBool reads a boolean setting: 1, true, yes or on; 0, false, no, off or unset.
func parseBool(name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(name))) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	default:
		return false, fmt.Errorf("%s must be 1 or 0 (true or false), not %q", name, os.Getenv(name))
	}
}

// parseCount reads a positive whole number; unset means def.
func parseCount(name string, def int) (int, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s must be a positive whole number, not %q", name, v)
	}
	return n, nil
}

// parseDuration reads a duration setting ("5s", "250ms", "0"); unset means def.
func parseDuration(name string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s must be a duration such as 5s or 500ms, not %q", name, v)
	}
	return d, nil
}

func getenv(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// splitList splits a comma-separated setting, dropping blanks.
func splitList(s string, lower bool) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			if lower {
				v = strings.ToLower(v)
			}
			out = append(out, v)
		}
	}
	return out
}
