package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/load"
)

const loadUsage = `usage: karmayogi load [flags] SCENARIO...

Scenarios (in the order given):
  mixed     the mixed workload at --rate for --duration
  peak      step the rate up until p99 exceeds --p99 or errors exceed 1%; report the peak
  ratios    cached recommendations vs redis-benchmark GET; courses(first: 20) vs pgbench of the same SQL
  redis     restart Redis under load (private Redis only)
  postgres  stop PostgreSQL for --fault-down under load, then start it (private PostgreSQL only)
  soak      --soak at 70% of the peak (--peak, or the peak scenario's), memory and goroutines sampled
  assessments  --attempts adaptive attempts in progress at once for --duration, each examinee
            answering after --think; startAdaptiveAssessment and answerItem percentiles
  http      alone: the same-run benchmark (make bench-http): recommendations, learningPath, the
            passbook and a catalogue page, served in-process, against a bare handler answering
            the same bytes from one cache GET, interleaved; LOAD_DATABASE_URL (default: a SQLite
            file with the demo data) and LOAD_REDIS_URL (default: the in-process cache)
Every run ends by checking that each acknowledged evidence write is in the database.

Without LOAD_DATABASE_URL and LOAD_REDIS_URL, a private PostgreSQL and Redis are started
(and seeded with --learners); the server is this binary's serve command.
`

func loadFlags(args []string, stderr io.Writer) (load.Options, []string, error) {
	env := func(name string, def string) string { return getenv(name, def) }
	dur := func(name, def string) time.Duration { d, _ := time.ParseDuration(env(name, def)); return d }
	num := func(name, def string) int { n, _ := strconv.Atoi(env(name, def)); return n }
	var o load.Options
	fs := newFlags("load", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadUsage, "\nFlags:\n"); fs.PrintDefaults() }
	fs.IntVar(&o.Learners, "learners", num("LOAD_LEARNERS", "20000"), "learners to seed into an empty database (LOAD_LEARNERS)")
	fs.IntVar(&o.Rate, "rate", num("LOAD_RATE", "100"), "requests a second of the mixed scenario (LOAD_RATE)")
	fs.DurationVar(&o.Duration, "duration", dur("LOAD_DURATION", "30s"), "how long the mixed scenario runs (LOAD_DURATION)")
	fs.IntVar(&o.Peak, "peak", num("PEAK", "0"), "a known peak rate: skip the search (PEAK)")
	fs.DurationVar(&o.PeakStep, "peak-step", dur("PEAK_STEP", "20s"), "how long each rate of the peak search runs (PEAK_STEP)")
	fs.DurationVar(&o.P99, "p99", dur("PEAK_P99", "500ms"), "a rate is sustainable while p99 stays at or under this (PEAK_P99)")
	fs.IntVar(&o.FaultRate, "fault-rate", num("FAULT_RATE", "0"), "rate of the fault scenarios; 0: half the peak, or --rate without one (FAULT_RATE)")
	fs.DurationVar(&o.Soak, "soak", dur("SOAK", "10m"), "how long the soak runs (SOAK)")
	fs.StringVar(&o.Mix, "mix", env("LOAD_MIX", ""), "op=weight,... (LOAD_MIX); default "+load.DefaultMix.String())
	fs.StringVar(&o.Out, "out", env("LOAD_OUT", "bin/load"), "directory for report.json, report.txt and server.log (LOAD_OUT)")
	fs.IntVar(&o.Attempts, "attempts", 200, "assessments: adaptive attempts in progress at once")
	fs.DurationVar(&o.Think, "think", 2*time.Second, "assessments: each examinee's pause before an answer")
	fs.IntVar(&o.Clients, "clients", 50, "concurrent clients on each side of the overhead ratios")
	fs.DurationVar(&o.RatioTime, "ratio-time", 10*time.Second, "how long each side of a ratio runs")
	fs.IntVar(&o.MaxLearners, "max-learners", num("LOAD_MAX_LEARNERS", "50000"), "distinct learners (tokens) the workload uses (LOAD_MAX_LEARNERS)")
	fs.DurationVar(&o.FaultBefore, "fault-before", 15*time.Second, "load before the fault")
	fs.DurationVar(&o.FaultDown, "fault-down", 5*time.Second, "how long PostgreSQL stays down")
	fs.DurationVar(&o.RedisDown, "redis-down", 3*time.Second, "how long Redis stays down")
	fs.DurationVar(&o.FaultAfter, "fault-after", 20*time.Second, "load after the server is back")
	fs.DurationVar(&o.SampleEvery, "sample-every", 10*time.Second, "how often the soak samples /metrics")
	fs.DurationVar(&o.RecoveryTime, "recovery", 5*time.Second, "PostgreSQL scenario: steady (<= 1% errors a second) within this after the restart")
	fs.IntVar(&o.SameRunLearners, "http-learners", num("BENCH_LEARNERS", "1000"), "http: distinct learners the requests cycle through (BENCH_LEARNERS)")
	fs.DurationVar(&o.SameRunWindow, "http-window", dur("BENCH_WINDOW", "2s"), "http: each side's window (BENCH_WINDOW)")
	fs.IntVar(&o.SameRunRounds, "http-rounds", num("BENCH_ROUNDS", "5"), "http: windows each side runs (BENCH_ROUNDS)")
	if err := parse(fs, args); err != nil {
		return o, nil, err
	}
	scenarios := fs.Args()
	if slices.Contains(scenarios, "http") && len(scenarios) > 1 {
		fmt.Fprintf(stderr, "karmayogi load: the http scenario runs alone\n\n%s", loadUsage)
		return o, nil, errUsage
	}
	if len(scenarios) == 0 {
		scenarios = []string{"mixed", "peak", "ratios"}
	}
	for _, s := range scenarios {
		if !strings.Contains(" mixed peak ratios redis postgres soak assessments http ", " "+s+" ") {
			fmt.Fprintf(stderr, "karmayogi load: unknown scenario %q\n\n%s", s, loadUsage)
			return o, nil, errUsage
		}
	}
	return o, scenarios, nil
}

// loadCommand runs the scenarios and writes the report as text (standard output
// and report.txt) and JSON (report.json). Exit status 1 when an assertion fails:
// a lost write, errors while Redis restarts, a slow failure or recovery while
// PostgreSQL restarts, a soak that is not flat.
func loadCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	o, scenarios, err := loadFlags(args, stderr)
	if err != nil {
		return 2, err
	}
	if len(scenarios) == 1 && scenarios[0] == "http" {
		return sameRunCommand(ctx, o, stdout, stderr)
	}
	mix, err := load.ParseMix(o.Mix)
	if err != nil {
		return 2, err
	}
	self, err := os.Executable()
	if err != nil {
		return 1, err
	}
	env, err := load.NewEnv(ctx, o.Learners, stderr)
	if err != nil {
		return 1, err
	}
	defer env.Close()
	if err := env.Serve(ctx, self, load.OutFile(o.Out, "server.log")); err != nil {
		return 1, err
	}
	res, err := load.RunScenarios(ctx, env, o, mix, scenarios, stderr)
	if err != nil {
		return 1, err
	}
	text, _ := os.Create(load.OutFile(o.Out, "report.txt"))
	defer text.Close()
	res.WriteText(io.MultiWriter(stdout, text))
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(load.OutFile(o.Out, "report.json"), b, 0o644); err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "load: reports in %s/report.txt and report.json\n", o.Out)
	if len(res.Failures) > 0 {
		return 1, fmt.Errorf("%d assertions failed: %s", len(res.Failures), strings.Join(res.Failures, "; "))
	}
	return 0, nil
}
