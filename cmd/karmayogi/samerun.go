package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/auth"
	"github.com/openkarmayogi/karmayogi/internal/load"
	"github.com/openkarmayogi/karmayogi/models"
)

// sameRunCommand is the `http` scenario (make bench-http): the API, served
// in-process, against a bare net/http handler answering the same requests from
// the same cache (load.RunSameRun). The database is LOAD_DATABASE_URL or a SQLite
// file with the demo data; the cache LOAD_REDIS_URL or the in-process one.
func sameRunCommand(ctx context.Context, o load.Options, stdout, stderr io.Writer) (int, error) {
	res, err := runSameRun(ctx, o, stderr)
	if err != nil {
		return 1, err
	}
	text, _ := os.Create(load.OutFile(o.Out, "bench-http.txt"))
	defer text.Close()
	res.WriteText(io.MultiWriter(stdout, text), sameRunOptions(o))
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(load.OutFile(o.Out, "bench-http.json"), b, 0o644); err != nil {
		return 1, err
	}
	if err := res.Failed(); err != nil {
		return 1, err
	}
	return 0, nil
}

// sameRunOptions are the benchmark's settings from the flags and BENCH_QUERIES
// and BENCH_CPUPROFILE.
func sameRunOptions(o load.Options) load.SameRunOptions {
	return load.SameRunOptions{Learners: o.SameRunLearners, Clients: o.Clients, Window: o.SameRunWindow, Rounds: o.SameRunRounds,
		Queries: strings.Fields(strings.ReplaceAll(os.Getenv("BENCH_QUERIES"), ",", " ")), CPUProfile: os.Getenv("BENCH_CPUPROFILE")}
}

// runSameRun starts the API in-process, as serve does, and measures it.
func runSameRun(ctx context.Context, o load.Options, stderr io.Writer) (*load.SameRunResult, error) {
	cfg, err := configFromEnv()
	if err != nil {
		return nil, err
	}
	if o.SameRunDemo > 0 {
		cfg.DemoLearners = o.SameRunDemo
	}
	cfg.DatabaseURL = getenv("LOAD_DATABASE_URL", "sqlite://"+load.OutFile(o.Out, "bench-http.db"))
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
	tokens, err := auth.NewTokens([]byte(cfg.JWTSecret))
	if err != nil {
		return nil, err
	}
	mint := func(c models.Caller, ttl time.Duration) (string, error) {
		s, _, err := tokens.Issue(c, ttl)
		return s, err
	}
	api := load.SameRunAPI{URL: m.Server.URL(), Cache: m.Cache, SQL: m.DB.Bun().DB, Database: m.DB.Dialect(), Mint: mint}
	return load.RunSameRun(ctx, api, sameRunOptions(o), stderr)
}
