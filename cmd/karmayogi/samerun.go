package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/load"
	"github.com/openkarmayogi/karmayogi/models"
)

// sameRunResult is the report of `karmayogi load http`.
type sameRunResult struct {
	Started  time.Time      `json:"started"`
	LoadAvg  string         `json:"loadavg_before"`
	LoadEnd  string         `json:"loadavg_after"`
	Database string         `json:"database"`
	Cache    string         `json:"cache"`
	Learners int            `json:"learners"`
	Queries  []load.SameRun `json:"queries"`
}

// sameRunCommand is the `http` scenario (make bench-http): the API, served
// in-process, against a bare net/http handler that answers the same requests with
// the API's own cached answers from one GET of the same cache, the two driven by
// the same closed loop of clients in alternating windows. The database is
// LOAD_DATABASE_URL or a SQLite file with the demo data; the cache LOAD_REDIS_URL
// or the in-process one. Both servers live in this process, as the load
// generator does, so all three share the machine alike.
func sameRunCommand(ctx context.Context, o loadOptions, stdout, stderr io.Writer) (int, error) {
	res, err := runSameRun(ctx, o, stderr)
	if err != nil {
		return 1, err
	}
	text, _ := os.Create(outFile(o.Out, "bench-http.txt"))
	defer text.Close()
	w := io.MultiWriter(stdout, text)
	fmt.Fprintf(w, "same-run benchmark %s: %s database, %s cache, %d learners, %d clients, %d rounds of %s windows each side\nload average before: %s; after: %s\n",
		res.Started.Format(time.RFC3339), res.Database, res.Cache, res.Learners, o.Clients, o.SameRunRounds, o.SameRunWindow, res.LoadAvg, res.LoadEnd)
	for _, s := range res.Queries {
		fmt.Fprintln(w, s.String())
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(outFile(o.Out, "bench-http.json"), b, 0o644); err != nil {
		return 1, err
	}
	for _, s := range res.Queries {
		if s.API.OK == 0 || s.Bare.OK == 0 || s.API.OK < s.API.Requests || s.Bare.OK < s.Bare.Requests {
			return 1, fmt.Errorf("load http: %s: failed requests (API %d of %d, bare %d of %d ok)", s.Query,
				s.API.OK, s.API.Requests, s.Bare.OK, s.Bare.Requests)
		}
	}
	return 0, nil
}

// runSameRun starts the API and the bare handler and measures each query.
func runSameRun(ctx context.Context, o loadOptions, stderr io.Writer) (*sameRunResult, error) {
	cfg, err := configFromEnv()
	if err != nil {
		return nil, err
	}
	if o.sameRunDemo > 0 {
		cfg.DemoLearners = o.sameRunDemo
	}
	cfg.DatabaseURL = getenv("LOAD_DATABASE_URL", "sqlite://"+outFile(o.Out, "bench-http.db"))
	cfg.Demo = strings.HasPrefix(cfg.DatabaseURL, "sqlite:") // an empty file gets the demo data
	cfg.RedisURL = os.Getenv("LOAD_REDIS_URL")
	cfg.CachePrefix = "karmayogi-bench-http:" // a shared Redis keeps the run's keys apart
	cfg.Addr = "127.0.0.1:0"
	cfg.CalibrateEvery, cfg.EstimatorPoll = 0, 0
	secret := make([]byte, 32)
	rand.Read(secret)
	cfg.JWTSecret = hex.EncodeToString(secret)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := &Main{Config: cfg, Logger: logger, Notice: stderr}
	defer m.Close()
	if err := m.Run(ctx); err != nil {
		return nil, err
	}
	res := &sameRunResult{Started: time.Now().UTC(), LoadAvg: loadAvg(), Database: m.DB.Dialect(), Cache: "in-process"}
	if cfg.RedisURL != "" {
		res.Cache = "Redis"
	}
	bare := &http.Server{Handler: load.BareHandler(m.Cache.Get)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go bare.Serve(ln)
	defer bare.Close()
	bareBase := "http://" + ln.Addr().String()

	fx, err := load.LoadFixtures(ctx, m.DB.Bun().DB, o.SameRunLearners)
	if err != nil {
		return nil, err
	}
	res.Learners = len(fx.Learners)
	tokens, err := auth.NewTokens([]byte(cfg.JWTSecret))
	if err != nil {
		return nil, err
	}
	mint := func(c models.Caller, ttl time.Duration) (string, error) {
		s, _, err := tokens.Issue(c, ttl)
		return s, err
	}
	r := &load.Runner{Log: stderr}
	if file := os.Getenv("BENCH_CPUPROFILE"); file != "" { // the API's and the bare side's CPU, for go tool pprof
		f, err := os.Create(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	only := strings.Fields(strings.ReplaceAll(os.Getenv("BENCH_QUERIES"), ",", " "))
	for _, q := range load.SameRunQueries {
		if len(only) > 0 && !slices.Contains(only, q.Name) {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		api, err := load.SameRunTargets(m.Server.URL(), q.Name, fx, mint, 2*time.Hour)
		if err != nil {
			return nil, err
		}
		bareTargets := slices.Clone(api) // the same requests, tokens included, to the other server
		for i := range bareTargets {
			bareTargets[i].URL = bareBase + strings.TrimPrefix(api[i].URL, m.Server.URL())
		}
		fmt.Fprintf(stderr, "load http: %s: warming %d learners' answers\n", q.Name, len(api))
		bytes, err := load.PrimeBare(ctx, api, func(ctx context.Context, key string, v []byte) error {
			return m.Cache.Set(ctx, key, v, time.Hour)
		})
		if err != nil {
			return nil, err
		}
		s := r.CompareSameRun(ctx, q.Name, api, bareTargets, o.Clients, o.SameRunWindow, o.SameRunRounds)
		s.Bytes = bytes
		res.Queries = append(res.Queries, s)
		fmt.Fprintln(stderr, "load http: "+s.String())
	}
	res.LoadEnd = loadAvg()
	return res, nil
}

// loadAvg is /proc/loadavg, to judge the figures by.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
