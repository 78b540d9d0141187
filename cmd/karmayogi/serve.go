package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/openkarmayogi/karmayogi/app"
	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/console"
	"github.com/openkarmayogi/karmayogi/internal/graphiql"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/server"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlext"
	"github.com/openkarmayogi/karmayogi/internal/server/respcache"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
)

// Main is the running service; end-to-end tests start it in-process.
type Main struct {
	Config Config
	Logger *slog.Logger
	Notice io.Writer // where start-up notices for people go

	DB      *store.DB
	Cache   cache.Cache
	Server  *server.Server
	Tracing *telemetry.Tracing // Provider is nil unless OTEL_EXPORTER_OTLP_ENDPOINT is set
	Mail    *auth.MailQueue    // sends sign-in codes after the answer; nil when codes are logged
	// Estimator holds the estimator model in use; it watches for a new active
	// version and, when KARMAYOGI_CALIBRATE_EVERY is set, refits on schedule.
	Estimator *service.Estimator

	stopBackground context.CancelFunc // ends the estimator's polling, re-estimation and schedule
	background     sync.WaitGroup
}

// Run opens and migrates the database, seeds it when asked, and starts serving.
func (m *Main) Run(ctx context.Context) error {
	var err error
	if m.Tracing, err = telemetry.SetupTracing(ctx, ""); err != nil {
		return err
	}
	estMetrics := telemetry.NewEstimatorMetrics()
	a, err := app.Open(ctx, app.Config{DatabaseURL: m.Config.DatabaseURL, ReadURLs: m.Config.DatabaseReadURLs, ReplicaMaxLag: m.Config.ReplicaMaxLag,
		RedisURL: m.Config.RedisURL, CachePrefix: m.Config.CachePrefix, Logger: m.Logger, EstimatorMetrics: estMetrics,
		EstimatorPoll: m.Config.EstimatorPoll, Tracer: m.Tracing.Provider})
	if err != nil {
		return err
	}
	m.DB, m.Cache, m.Estimator = a.DB, a.Cache, a.Estimator
	db := a.DB
	if m.Config.Demo {
		if err := m.seedDemo(ctx); err != nil {
			return err
		}
	}
	signIn, err := m.signIn(ctx)
	if err != nil {
		return err
	}
	register, allowlist, err := persistedRegistration(m.Config)
	if err != nil {
		return err
	}
	services := a.Services
	services.SignIn, services.Tokens = signIn, signIn.Tokens
	costSignedIn, costAnonymous := costLimits(m.Config)
	if err := service.AdaptiveFromEnv(services.Adaptive); err != nil {
		return err
	}
	gqlMetrics := telemetry.NewGraphQLMetrics()
	gql := graph.NewHandler(services,
		graph.Options{Introspection: !m.Config.Production(), Logger: m.Logger, RequestLimit: requestLimits(m.Config), CostLimit: costSignedIn, AnonymousCostLimit: costAnonymous, TrustedProxies: m.Config.TrustedProxies,
			PersistedQueries: m.Cache, PersistedRegistration: register, Allowlist: allowlist,
			SubscriptionsPerConnection: m.Config.SubscriptionsPerConnection, SubscriptionsPerSubject: m.Config.SubscriptionsPerSubject, Metrics: gqlMetrics, Tracer: m.Tracing.Provider, WebsocketOrigins: m.Config.CORSOrigins,
			ReadYourWrites: m.Config.ReadYourWrites,
			ResponseCache:  &respcache.Options{Cache: m.Cache, CatalogueVersion: db.CatalogueVersion, ModelVersion: m.Estimator.Version, Stats: services.Recommendations.Stats()}})
	cfg := server.Config{Addr: m.Config.Addr, GraphQL: gql, Database: db, Cache: m.Cache, Logger: m.Logger,
		CORSOrigins: m.Config.CORSOrigins, SQL: db.Bun().DB, CacheStats: services.Recommendations.Stats,
		Collectors: append(append(replicaCollectors(db), gqlMetrics, estMetrics), mailCollectors(m.Mail)...), Tracer: m.Tracing.Provider, PProf: m.Config.PProf,
		MetricsAddr: m.Config.MetricsAddr, MetricsToken: m.Config.MetricsToken, MetricsPrivate: m.Config.Production()}
	// The same Reports as the GraphQL endpoint's: one singleflight group.
	cfg.Reports = graph.NewReportsHandler(services, signIn.Tokens)
	cfg.Console = console.Handler() // the product's face: on in production too
	if !m.Config.Production() {
		cfg.GraphiQL = graphiql.Handler()
	}
	m.Server = server.New(cfg)
	if err := m.Server.Open(); err != nil {
		return err
	}
	metrics := m.Server.MetricsURL() + "/metrics"
	if m.Config.Production() && m.Config.MetricsAddr == "" && m.Config.MetricsToken == "" {
		metrics = "off (set KARMAYOGI_METRICS_ADDR or KARMAYOGI_METRICS_TOKEN)"
	}
	m.startEstimator()
	m.Logger.Info("serving", "url", m.Server.URL(), "metrics", metrics, "database", db.Dialect(), "read_replicas", len(m.Config.DatabaseReadURLs),
		"env", m.Config.Env, "tracing", m.Config.OTLPEndpoint != "", "pprof", m.Config.PProf)
	return nil
}

// startEstimator starts, until Close, the estimator's polling for a new active
// model (with the re-estimation that follows one, or resumes an unfinished one)
// and the scheduled refit.
func (m *Main) startEstimator() {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopBackground = cancel
	if m.Config.EstimatorPoll > 0 {
		m.background.Go(func() { m.Estimator.Watch(ctx) })
	} else {
		m.Logger.Info("estimator: not polling for a new active model (KARMAYOGI_ESTIMATOR_POLL=0); a restart picks one up")
	}
	if m.Config.CalibrateEvery > 0 {
		m.background.Go(func() { m.Estimator.Schedule(ctx, m.Config.CalibrateEvery, service.CalibrateOptions{}) })
	}
}

// replicaCollectors are the metrics of the read replicas: the routing of
// statements, each replica's state and each replica pool's statistics.
func replicaCollectors(db *store.DB) []prometheus.Collector {
	if _, ok := db.ReadRouting(); !ok {
		return nil
	}
	out := []prometheus.Collector{telemetry.NewReadRoutingCollector(func() ([]telemetry.RoutedStatements, []telemetry.ReplicaState) {
		r, _ := db.ReadRouting()
		routed := []telemetry.RoutedStatements{{Pool: "replica", Reason: "read", Count: r.Replica},
			{Pool: "primary", Reason: "write", Count: r.Write}, {Pool: "primary", Reason: "fresh", Count: r.Fresh},
			{Pool: "primary", Reason: "no_replica", Count: r.NoReplica}, {Pool: "primary", Reason: "retry", Count: r.Retried}}
		var states []telemetry.ReplicaState
		for _, s := range r.Replicas {
			states = append(states, telemetry.ReplicaState{Name: s.Name, InService: s.InService, Serving: s.Serving})
		}
		return routed, states
	})}
	for name, pool := range db.ReplicaPools() {
		out = append(out, telemetry.NewDBStatsCollector(pool, "karmayogi-replica "+name))
	}
	return out
}

// signIn wires OTP sign-in: the token secret, the mail sender and the rate limits.
func (m *Main) signIn(ctx context.Context) (*auth.SignIn, error) {
	tokens, err := auth.LoadTokens(ctx, m.DB, m.Config.JWTSecret)
	if err != nil {
		return nil, err
	}
	if m.Config.JWTPreviousSecret != "" { // a rotation: the old secret's tokens stay good for a while
		if err := tokens.AcceptPrevious([]byte(m.Config.JWTPreviousSecret), m.Config.JWTPreviousUntil); err != nil {
			return nil, err
		}
	}
	tokens.SetMaxLifetime(m.Config.TokenMaxLifetime)
	var sender auth.OTPSender = auth.LogSender{Logger: m.Logger}
	if m.Config.SMTPURL != "" {
		smtp, err := auth.NewSMTPSender(m.Config.SMTPURL)
		if err != nil {
			return nil, err
		}
		m.Mail = auth.NewMailQueue(smtp, 0, 0, m.Config.SMTPTimeout, m.Logger)
		sender = m.Mail
	}
	perEmail, perAddress := otpLimits(m.Config)
	return &auth.SignIn{Store: m.DB, Learners: m.DB, Tokens: tokens, Sender: sender, Domains: m.Config.EmailDomains,
		PerEmail: perEmail, PerAddress: perAddress}, nil
}

// mailCollectors are the mail queue's counters for /metrics: sign-in codes
// sent, failed (logged with the error) and dropped by a full queue.
func mailCollectors(q *auth.MailQueue) []prometheus.Collector {
	if q == nil {
		return nil
	}
	counter := func(name, help string, v func(auth.MailStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(q.Stats())) })
	}
	return []prometheus.Collector{
		counter("karmayogi_mail_sent_total", "Sign-in codes mailed.", func(s auth.MailStats) int64 { return s.Sent }),
		counter("karmayogi_mail_failed_total", "Sign-in codes whose mail failed or passed its deadline.", func(s auth.MailStats) int64 { return s.Failed }),
		counter("karmayogi_mail_dropped_total", "Sign-in codes not mailed because the mail queue was full.", func(s auth.MailStats) int64 { return s.Dropped }),
	}
}

// persistedRegistration is who may register persisted queries: with an allowlist,
// signed-in callers its documents; without, signed-in callers anything in
// development and no one in production.
func persistedRegistration(cfg Config) (gqlext.PersistedRegistration, *gqlext.Allowlist, error) {
	if cfg.APQAllowlist == "" {
		if cfg.Production() {
			return gqlext.RegisterNone, nil, nil
		}
		return gqlext.RegisterSignedIn, nil, nil
	}
	f, err := os.Open(cfg.APQAllowlist)
	if err != nil {
		return 0, nil, fmt.Errorf("KARMAYOGI_APQ_ALLOWLIST: %w", err)
	}
	defer f.Close()
	allow, err := graph.ReadAllowlist(f)
	if err != nil {
		return 0, nil, fmt.Errorf("KARMAYOGI_APQ_ALLOWLIST %s: %w", cfg.APQAllowlist, err)
	}
	return gqlext.RegisterAllowlisted, allow, nil
}

// seedDemo loads the demo data set into an empty database; a database that already
// holds learners is left as it is.
func (m *Main) seedDemo(ctx context.Context) error {
	page, err := m.DB.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 1})
	if err != nil {
		return err
	}
	if page.TotalCount > 0 {
		fmt.Fprintf(m.Notice, "demo: the database already holds %d learners; not seeding\n", page.TotalCount)
		return nil
	}
	start := time.Now()
	stats, err := seedStore(ctx, m.DB, seed.Options{Learners: m.Config.DemoLearners}, true, m.Notice)
	if err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	fmt.Fprintf(m.Notice, "demo: seeded %d organisations, %d competencies, %d roles, %d courses and %d learners in %s\n",
		stats.Organisations, stats.Competencies, stats.Roles, stats.Courses, stats.Learners, time.Since(start).Round(time.Millisecond))
	return nil
}

// Close stops serving, waiting up to 10 seconds for requests in flight, and closes the database.
func (m *Main) Close() error {
	if m.stopBackground != nil {
		m.stopBackground()
		m.background.Wait()
		m.Estimator.Wait()
	}
	if m.Server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Server.Shutdown(ctx); err != nil {
			return err
		}
	}
	if m.Mail != nil { // the codes already asked for, within a few seconds
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		m.Mail.Close(ctx)
		cancel()
	}
	if m.Cache != nil {
		m.Cache.Close()
	}
	if m.Tracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Tracing.Shutdown(ctx); err != nil {
			m.Logger.Warn("tracing: spans not flushed", "err", err)
		}
	}
	if m.DB != nil {
		return m.DB.Close()
	}
	return nil
}

// serveGCPercent is the server's GOGC unless the environment sets one. Its live
// heap is small and nearly all it allocates is a request's garbage, so Go's
// default (100: collect when the heap doubles) spent a tenth of the server's CPU
// collecting at the mixed workload's peak; at 400 the heap may grow to five
// times the live one (docs/benchmarks.md, "The peak on a faster machine").
const serveGCPercent = 400

func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	cfg, err := configFromEnv()
	if err != nil {
		return 2, err
	}
	fs := newFlags("serve", stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (KARMAYOGI_ADDR)")
	fs.BoolVar(&cfg.Demo, "demo", false, "seed the demo data set into an empty database")
	fs.BoolVar(&cfg.PProf, "pprof", cfg.PProf, "serve net/http/pprof under /debug/pprof/ (KARMAYOGI_PPROF)")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	handler, err := telemetry.NewLogHandler(stderr, telemetry.LogOptions{Format: cfg.LogFormat, Level: cfg.LogLevel})
	if err != nil {
		return 2, err
	}
	logger := slog.New(handler)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	m := &Main{Config: cfg, Logger: logger, Notice: stderr}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return 1, err
	}
	if cfg.Demo {
		fmt.Fprint(stderr, demoBanner(cfg, m.Server.URL()))
	}
	<-ctx.Done()
	logger.Info("shutting down")
	return 0, m.Close()
}

// demoBanner tells a person how to try the demo server at url, as it is
// configured: production has no GraphiQL and mails sign-in codes.
func demoBanner(cfg Config, url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nConsole: %s/app/ (learners and administrators sign in there)\n", url)
	if cfg.Production() {
		fmt.Fprintf(&b, "GraphQL: %s/graphql (production: no GraphiQL, no introspection)\n", url)
	} else {
		fmt.Fprintf(&b, "GraphiQL: %s/\n", url)
	}
	b.WriteString("The catalogue is public: { competencies(first: 5) { totalCount edges { node { code name area } } } }\n" +
		"Everything else needs a token in the header  Authorization: Bearer <token>. Get one with\n" +
		"  ./bin/karmayogi token --role PLATFORM_ADMIN\n" +
		"  ./bin/karmayogi token --role ORG_ADMIN --org MOF\n" +
		"  ./bin/karmayogi token --role LEARNER --learner EMP0000001\n")
	codes := "logs the code here"
	if cfg.SMTPURL != "" {
		codes = "mails the code to that address"
	}
	fmt.Fprintf(&b, "or sign in as a learner: mutation { requestOtp(input: {email: \"...@gov.in\"}) { expiresAt } } %s,\n"+
		"then mutation { verifyOtp(input: {email: \"...\", code: \"123456\"}) { token } }.\n\n", codes)
	return b.String()
}
