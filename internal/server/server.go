// Package server is the HTTP wiring: GraphQL, GraphiQL, health, readiness and
// metrics endpoints, request metrics, request ids and access logs, tracing of
// HTTP requests, pprof on demand, and graceful shutdown.
package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
)

// Pinger reports whether a dependency answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config is what the server serves.
type Config struct {
	Addr     string
	GraphQL  http.Handler // the /graphql endpoint
	GraphiQL http.Handler // served at / and /graphiql/ (graphiql.Handler); nil turns it off (production)
	Console  http.Handler // the web console, served at /app/ (console.Handler); nil serves none
	Reports  http.Handler // GET /reports/ (graph.NewReportsHandler); nil serves none
	Database Pinger
	Cache    Pinger // reported by /readyz; the service works without it, so it never fails readiness
	Logger   *slog.Logger
	// CORSOrigins are the browser origins allowed to call /graphql from other
	// sites; none means same-origin only.
	CORSOrigins []string

	// SQL is the connection pool whose statistics /metrics reports (go_sql_*,
	// db_name="karmayogi"); nil reports none.
	SQL *sql.DB
	// CacheStats returns the service's cache lookup counters for /metrics
	// (karmayogi_cache_{hits,misses,errors}_total); nil reports none.
	CacheStats func() *cache.Stats
	// Collectors are further metrics to serve on /metrics, such as the GraphQL
	// handler's (telemetry.GraphQLMetrics).
	Collectors []prometheus.Collector
	// Tracer traces each HTTP request (otelhttp), continuing a W3C traceparent
	// the client sends; nil traces nothing and costs nothing.
	Tracer trace.TracerProvider
	// PProf serves net/http/pprof under /debug/pprof/ (off by default: it shows
	// the program's internals and its profiles cost CPU).
	PProf bool

	// Where /metrics is served: on MetricsAddr, a listen address of its own, when
	// set (and not on Addr); it needs "Authorization: Bearer MetricsToken" when
	// that is set. Otherwise on Addr, publicly unless MetricsPrivate, which
	// production sets: the metrics tell a stranger the traffic, the errors and the
	// database's state.
	MetricsAddr    string
	MetricsToken   string
	MetricsPrivate bool
}

// Server serves the API until Shutdown.
type Server struct {
	cfg      Config
	http     *http.Server
	listener net.Listener
	registry *prometheus.Registry

	metrics         *http.Server // on MetricsAddr; nil when /metrics is on Addr
	metricsListener net.Listener
}

// New builds the handler tree; Open starts listening.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, registry: prometheus.NewRegistry()}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		telemetry.RecommenderCollector())
	if cfg.SQL != nil {
		s.registry.MustRegister(telemetry.NewDBStatsCollector(cfg.SQL, "karmayogi"))
	}
	if cfg.CacheStats != nil {
		s.registry.MustRegister(telemetry.NewCacheCollector(cfg.CacheStats))
	}
	s.registry.MustRegister(cfg.Collectors...)
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.metricsHandler())
		s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 60 * time.Second}
	}
	return s
}

// metricsHandler serves the registry, to bearers of MetricsToken when it is set.
func (s *Server) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	if s.cfg.MetricsToken == "" {
		return h
	}
	want := []byte("bearer " + s.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if len(got) > 7 { // the scheme is case-insensitive (RFC 6750), the token is not
			copy(got, bytes.ToLower(got[:7]))
		}
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "metrics need their bearer token"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Registry is where the server's Prometheus metrics live; others may add theirs.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handler is what the server serves, for tests that bring their own listener.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// routes builds the routes, /graphql, / and /graphiql/, /app/, /healthz, /readyz, /metrics and, when
// asked, /debug/pprof/, once: their metrics register with the server's registry.
// Every request gets a request id (the client's X-Request-Id, or a new one,
// echoed in the response) that the log lines of its context carry; /graphql
// and / are logged and traced, the probes and /metrics are not.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "karmayogi_http_request_duration_seconds",
		Help:    "HTTP request latency by route and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "code"})
	s.registry.MustRegister(requests)
	route := func(pattern, name string, h http.Handler) {
		mux.Handle(pattern, instrument(name, requests, h))
	}
	served := func(pattern, name string, h http.Handler) {
		route(pattern, name, s.traced(name, s.logged(name, h)))
	}
	served("/graphql", "graphql", withCORS(s.cfg.CORSOrigins, s.cfg.GraphQL))
	if s.cfg.GraphiQL != nil {
		served("GET /{$}", "graphiql", s.cfg.GraphiQL)
		route("GET /graphiql/", "graphiql_assets", s.cfg.GraphiQL) // static files: counted, not logged
	}
	if s.cfg.Console != nil {
		served("GET /app/", "console", s.cfg.Console)
		mux.Handle("GET /app", http.RedirectHandler("/app/", http.StatusMovedPermanently))
	}
	if s.cfg.Reports != nil {
		served("GET /reports/", "reports", s.cfg.Reports)
	}
	route("GET /healthz", "healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	route("GET /readyz", "readyz", http.HandlerFunc(s.ready))
	if s.cfg.MetricsAddr == "" && (s.cfg.MetricsToken != "" || !s.cfg.MetricsPrivate) {
		mux.Handle("GET /metrics", s.metricsHandler())
	}
	if s.cfg.PProf {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index) // also serves the named profiles: heap, goroutine, ...
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return withRequestID(mux)
}

// withRequestID gives every request its id, in the context (for log lines) and
// in the response's X-Request-Id.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &telemetry.Request{ID: telemetry.RequestID(r.Header.Get(telemetry.RequestIDHeader))}
		w.Header().Set(telemetry.RequestIDHeader, req.ID)
		next.ServeHTTP(w, r.WithContext(telemetry.WithRequest(r.Context(), req)))
	})
}

// traced puts each request in a span named for its method and route, when a
// tracer is configured; the span carries the request id.
func (s *Server) traced(route string, next http.Handler) http.Handler {
	if s.cfg.Tracer == nil {
		return next
	}
	tagged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if req := telemetry.RequestFrom(r.Context()); req != nil {
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("request.id", req.ID))
		}
		next.ServeHTTP(w, r)
	})
	return otelhttp.NewHandler(tagged, route, otelhttp.WithTracerProvider(s.cfg.Tracer),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// logged writes one access log line per request: method, route, status,
// duration and response size. The request id and the GraphQL operation come
// from the context; the URL's query string (a GET's query and variables) and
// the headers (the token) are never logged.
func (s *Server) logged(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
			slog.String("route", route), slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.Int64("bytes", rec.bytes))
	})
}

// withCORS lets pages from the allowed origins call next with a bearer token;
// cookies are never used, so credentials stay off.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type", "Accept"},
		MaxAge:         600,
	}).Handler(next)
}

// ready is 200 when the database answers within two seconds, 503 otherwise.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	body := map[string]string{"database": "ok", "cache": "none"}
	status := http.StatusOK
	if s.cfg.Cache != nil {
		body["cache"] = "ok"
		if err := s.cfg.Cache.Ping(ctx); err != nil {
			s.cfg.Logger.Warn("readiness: cache unreachable; computing without it", "err", err)
			body["cache"] = "unreachable"
		}
	}
	if err := s.cfg.Database.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness: database unreachable", "err", err)
		body["database"], status = "unreachable", http.StatusServiceUnavailable
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// statusRecorder remembers the status code a handler wrote and how many bytes.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func instrument(route string, h *prometheus.HistogramVec, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		h.WithLabelValues(route, strconv.Itoa(rec.status)).Observe(time.Since(start).Seconds())
	})
}

// Open starts listening on the configured address (":0" picks a free port) and
// serves in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.listener = ln
	if s.metrics != nil {
		if s.metricsListener, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			ln.Close()
			return err
		}
		go func() {
			if err := s.metrics.Serve(s.metricsListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.cfg.Logger.Error("metrics server stopped", "err", err)
			}
		}()
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// MetricsURL is where /metrics is served, once open: MetricsAddr's base URL, or
// URL's when /metrics is on the API's address.
func (s *Server) MetricsURL() string {
	if s.metricsListener == nil {
		return s.URL()
	}
	return baseURL(s.metricsListener)
}

// URL is the base URL the server listens on, once open.
func (s *Server) URL() string { return baseURL(s.listener) }

func baseURL(ln net.Listener) string {
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Shutdown stops accepting requests and waits for those in flight, up to ctx's deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.metrics != nil {
		s.metrics.Shutdown(ctx)
	}
	return s.http.Shutdown(ctx)
}
