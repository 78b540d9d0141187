// Package app wires the process: it opens the store (SQLite or PostgreSQL, with
// read replicas) and the cache (in-process or Redis), loads the estimator, and
// builds every service the API and the command-line tools call, once. serve, the
// tools and the tests that build handlers all go through it, so no service is
// built anywhere else and graph has no defaults.
package app

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/karma"
	"github.com/openkarmayogi/karmayogi/internal/store/plan"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// Config is what Open needs.
type Config struct {
	DatabaseURL string // postgres://... or sqlite://PATH
	// ReadURLs are streaming replicas that serve queries; ReplicaMaxLag takes one
	// further behind out of service (0: no bound).
	ReadURLs      []string
	ReplicaMaxLag time.Duration
	// RedisURL is the shared cache (cache.Open); empty: the in-process cache.
	RedisURL    string
	CachePrefix string // in front of every Redis key and channel

	Logger *slog.Logger // nil: slog.Default()
	// EstimatorMetrics, when set, follows the estimator's model version and work.
	EstimatorMetrics *telemetry.EstimatorMetrics
	// EstimatorPoll is how often the estimator's Watch asks for the active model.
	EstimatorPoll time.Duration
	// Tracer, when set, traces the store's statements and Redis commands.
	Tracer trace.TracerProvider
}

// App is one process's store, cache, estimator and services.
type App struct {
	DB        *store.DB
	Cache     cache.Cache
	Estimator *service.Estimator
	// Services are the API's services, SignIn and Tokens aside (the caller's).
	Services graph.Services
}

// Open opens and migrates the database, loads the active estimator model (the
// store estimates proficiencies with it), opens the cache and builds the services.
func Open(ctx context.Context, cfg Config) (*App, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var opts []store.Option
	if len(cfg.ReadURLs) > 0 {
		opts = append(opts, store.WithReplicas(store.Replicas{URLs: cfg.ReadURLs, MaxLag: cfg.ReplicaMaxLag, Logger: logger}))
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, opts...)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db}
	telemetry.InstrumentDB(db.Bun(), cfg.Tracer)
	if n, err := db.Migrate(ctx); err != nil {
		a.Close()
		return nil, err
	} else if n > 0 {
		logger.Info("applied migrations", "count", n)
	}
	a.Estimator = &service.Estimator{Store: db, Logger: logger, Metrics: cfg.EstimatorMetrics, Poll: cfg.EstimatorPoll,
		Effects: &service.CourseEffects{Store: db, Logger: logger}}
	if err := a.Estimator.Load(ctx); err != nil {
		a.Close()
		return nil, err
	}
	db.SetEstimator(a.Estimator)
	if a.Cache, err = cache.Open(cfg.RedisURL, cache.WithPrefix(cfg.CachePrefix)); err != nil {
		a.Close()
		return nil, err
	}
	if traced, err := telemetry.InstrumentCache(a.Cache, cfg.Tracer); err != nil {
		a.Close()
		return nil, err
	} else if !traced && cfg.Tracer != nil && cfg.RedisURL != "" {
		logger.Info("tracing: Redis commands are not traced: the cache does not expose its client (telemetry.RedisClienter)")
	}
	a.Services = NewServices(Deps{Store: db, Cache: a.Cache, Estimator: a.Estimator, Logger: logger})
	return a, nil
}

// Close closes the cache and the database.
func (a *App) Close() error {
	if a.Cache != nil {
		a.Cache.Close()
	}
	return a.DB.Close()
}

// Deps are what the services run over.
type Deps struct {
	Store *store.DB
	Cache cache.Cache // nil: a new in-process cache
	// Estimator estimates proficiency and reads the model versions; nil: one over
	// Store with the hand-set defaults (not loaded).
	Estimator *service.Estimator
	Logger    *slog.Logger // nil: slog.Default()
}

// NewServices builds every service the API calls, each once: one Recommendations
// whose cache the reports, leaderboards, notifications and revocations share, and
// one Reports for the GraphQL endpoint and the report files alike. The store
// keeps the rest. SignIn and Tokens are the caller's to set.
func NewServices(d Deps) graph.Services {
	db, c, est, logger := d.Store, d.Cache, d.Estimator, d.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if c == nil {
		c = cache.NewMemory()
	}
	if est == nil {
		est = &service.Estimator{Store: db, Logger: logger, Effects: &service.CourseEffects{Store: db, Logger: logger}}
	}
	classes := blended.New(db)
	interests := service.NewInterests(db)
	recs := &service.Recommendations{Store: db, Interests: interests, Cache: c, Params: recommender.DefaultParams(), Model: est, Logger: logger}
	assessments := assessment.New(db)
	karmaService := &service.Karma{Store: karma.New(db), Assessments: assessments}
	return graph.Services{
		Organisations: service.NewOrganisations(db), Catalogue: service.NewCatalogue(db),
		Learners: service.NewLearners(db), Learning: service.NewLearning(db), Access: db,
		Plans:           &service.Plans{Store: plan.New(db)},
		Karma:           karmaService,
		Recommendations: recs,
		Blended:         &service.Blended{BlendedReader: classes, Store: classes},
		Reports:         &service.Reports{Store: db, Recommendations: recs, Cache: c},
		Leaderboards:    &service.Leaderboards{Store: karmaService, Cache: c},
		Proficiency:     est,
		Estimator:       est,
		Notifier:        &service.Notifier{Cache: c},
		Revocations:     &service.Revocations{Store: db, Cache: c, Logger: logger},
		Adaptive:        &service.Adaptive{Store: assessments, Finals: service.NewFinals(db, karmaService)},
		ErrorKinds:      store.Classify,
	}
}
