package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/load"
)

// loadOptions are the settings of a load run; flags, with environment
// variables for make.
type loadOptions struct {
	Learners     int
	Attempts     int           // assessments: attempts in progress at once
	Think        time.Duration // assessments: each examinee's pause before an answer
	Rate         int
	Duration     time.Duration
	Peak         int // known peak: skip the search
	PeakStep     time.Duration
	P99          time.Duration
	FaultRate    int
	Soak         time.Duration
	Mix          string
	Out          string
	Clients      int           // concurrent clients for the overhead ratios
	RatioTime    time.Duration // how long each side of a ratio runs
	MaxLearners  int           // distinct learners (tokens) a run uses
	FaultBefore  time.Duration
	FaultDown    time.Duration
	FaultAfter   time.Duration
	RedisDown    time.Duration
	SampleEvery  time.Duration
	RecoveryTime time.Duration // the pool must be steady this soon after PostgreSQL is back

	SameRunLearners int           // http: distinct learners (tokens) the requests cycle through
	SameRunWindow   time.Duration // http: how long each side runs before the other's turn
	SameRunRounds   int           // http: windows each side runs
	sameRunDemo     int           // http: learners of the demo data on SQLite; 0: the default
}

// loadResult is the JSON report of a run: every scenario that ran.
type loadResult struct {
	Started   time.Time           `json:"started"`
	Uptime    string              `json:"uptime"`
	Learners  int                 `json:"learners_in_fixtures"`
	Database  string              `json:"database"` // "private" or "LOAD_DATABASE_URL"
	Mixed     *load.Report        `json:"mixed,omitempty"`
	Peak      *load.Peak          `json:"peak,omitempty"`
	Ratios    []load.Ratio        `json:"ratios,omitempty"`
	Faults    []load.Fault        `json:"faults,omitempty"`
	Soak      *load.Soak          `json:"soak,omitempty"`
	Assess    *load.AssessmentRun `json:"assessments,omitempty"`
	Writes    writeCheck          `json:"writes"`
	Failures  []string            `json:"failures"` // the assertions that did not hold
	Scenarios []string            `json:"scenarios"`
	Mix       []load.Weight       `json:"mix"`
	Settings  map[string]any      `json:"settings"`
}

type writeCheck struct {
	Acknowledged int     `json:"acknowledged"`
	Failed       int     `json:"failed"` // not acknowledged: not checked
	Lost         []int64 `json:"lost"`
}

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

func loadFlags(args []string, stderr io.Writer) (loadOptions, []string, error) {
	env := func(name string, def string) string { return getenv(name, def) }
	dur := func(name, def string) time.Duration { d, _ := time.ParseDuration(env(name, def)); return d }
	num := func(name, def string) int { n, _ := strconv.Atoi(env(name, def)); return n }
	var o loadOptions
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
	fs.StringVar(&o.Mix, "mix", env("LOAD_MIX", ""), "op=weight,... (LOAD_MIX); default "+mixString(load.DefaultMix))
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

func mixString(m load.Mix) string {
	parts := make([]string, len(m))
	for i, w := range m {
		parts[i] = fmt.Sprintf("%s=%d", w.Op, w.Weight)
	}
	return strings.Join(parts, ",")
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
	env, err := newLoadEnv(ctx, o.Learners, stderr)
	if err != nil {
		return 1, err
	}
	defer env.Close()
	if err := env.serve(ctx, self, outFile(o.Out, "server.log")); err != nil {
		return 1, err
	}
	res, err := runLoad(ctx, env, o, mix, scenarios, stderr)
	if err != nil {
		return 1, err
	}
	text, _ := os.Create(outFile(o.Out, "report.txt"))
	defer text.Close()
	writeLoadText(io.MultiWriter(stdout, text), res)
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(outFile(o.Out, "report.json"), b, 0o644); err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "load: reports in %s/report.txt and report.json\n", o.Out)
	if len(res.Failures) > 0 {
		return 1, fmt.Errorf("%d assertions failed: %s", len(res.Failures), strings.Join(res.Failures, "; "))
	}
	return 0, nil
}

// runLoad runs the scenarios against env's server.
func runLoad(ctx context.Context, env *loadEnv, o loadOptions, mix load.Mix, scenarios []string, log io.Writer) (*loadResult, error) {
	res := &loadResult{Started: time.Now().UTC(), Uptime: uptime(), Scenarios: scenarios, Mix: mix, Database: "private",
		Settings: map[string]any{"rate": o.Rate, "duration": o.Duration.String(), "peak_step": o.PeakStep.String(),
			"p99": o.P99.String(), "soak": o.Soak.String(), "learners_seeded_if_empty": o.Learners}}
	if env.PG == nil {
		res.Database = "LOAD_DATABASE_URL"
	}
	fx, err := load.LoadFixtures(ctx, env.SQL, o.MaxLearners)
	if err != nil {
		return nil, err
	}
	res.Learners = len(fx.Learners)
	mint, err := env.minter()
	if err != nil {
		return nil, err
	}
	// Tokens outlive the longest run: every scenario back to back.
	ttl := 2*time.Hour + 2*o.Soak
	targets, err := load.NewTargets(env.Base+"/graphql", fx, mix, mint, ttl, 1)
	if err != nil {
		return nil, err
	}
	writes := &load.Writes{}
	r := &load.Runner{Targets: targets, Writes: writes, Log: log}
	if err := r.Warmup(ctx); err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, args...)) }
	peak := o.Peak
	for _, s := range scenarios {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fmt.Fprintf(log, "load: scenario %s\n", s)
		switch s {
		case "mixed":
			rep := r.Attack(ctx, o.Rate, o.Duration, nil).Report(fmt.Sprintf("mixed at %d/s", o.Rate))
			res.Mixed = &rep
		case "assessments":
			a, err := load.Assessments(ctx, env.Base+"/graphql", env.SQL, fx, mint, load.AssessmentOptions{Workers: o.Attempts, Think: o.Think, Duration: o.Duration})
			if err != nil {
				return nil, err
			}
			res.Assess = a
			if errs := a.Report.All.Requests - a.Report.All.OK; errs > 0 {
				fail("assessments: %d of %d requests failed: %s", errs, a.Report.All.Requests, errorKeys(a.Report.All.Errors))
			}
			if a.Completed == 0 {
				fail("assessments: no attempt completed")
			}
		case "peak":
			if o.Peak > 0 {
				fmt.Fprintf(log, "load: peak: %d/s as given (--peak, PEAK); not searching\n", o.Peak)
				continue
			}
			p := r.FindPeak(ctx, load.PeakOptions{Step: o.PeakStep, P99: o.P99})
			res.Peak, peak = &p, p.Rate
		case "ratios":
			rv, err := r.RecommendationsVsRedis(ctx, env.RedisURL, o.Clients, o.RatioTime)
			if err != nil {
				return nil, err
			}
			script, err := coursePageSQL(ctx, env.DatabaseURL)
			if err != nil {
				return nil, err
			}
			cv, err := r.CoursesVsSQL(ctx, env.DatabaseURL, script, o.Clients, o.RatioTime)
			if err != nil {
				return nil, err
			}
			res.Ratios = append(res.Ratios, rv, cv)
		case "redis", "postgres":
			rate := o.FaultRate
			if rate <= 0 {
				rate = o.Rate
				if peak > 0 {
					rate = peak / 2
				}
			}
			var srv load.Server
			down := o.FaultDown
			if s == "redis" {
				if env.Redis == nil {
					return nil, fmt.Errorf("load: the redis scenario restarts a private Redis; unset LOAD_REDIS_URL")
				}
				srv, down = env.Redis, o.RedisDown
			} else {
				if env.PG == nil {
					return nil, fmt.Errorf("load: the postgres scenario restarts a private PostgreSQL; unset LOAD_DATABASE_URL")
				}
				srv = env.PG
			}
			f, err := r.Restart(ctx, s+" restart", srv, load.FaultOptions{Rate: rate, Before: o.FaultBefore, Down: down, After: o.FaultAfter, Base: env.Base})
			if err != nil {
				return nil, err
			}
			res.Faults = append(res.Faults, f)
			checkFault(f, s, o.RecoveryTime, fail)
		case "soak":
			if peak <= 0 {
				return nil, fmt.Errorf("load: the soak runs at 70%% of the peak: run the peak scenario first or give --peak (PEAK)")
			}
			sk := r.SoakRun(ctx, env.Base, peak*7/10, o.Soak, o.SampleEvery)
			res.Soak = &sk
			if !sk.Flat {
				fail("soak: not flat: %s", sk.Why)
			}
			if er := sk.Report.All.ErrorRate(); er > 0.01 {
				fail("soak: %.2f%% of requests failed", 100*er)
			}
		}
	}
	// Every acknowledged write must be in the database.
	lost, err := writes.Lost(ctx, load.EvidenceExists(env.SQL))
	if err != nil {
		return nil, err
	}
	res.Writes.Acknowledged, res.Writes.Failed = writes.Counts()
	res.Writes.Lost = lost
	if res.Writes.Lost == nil {
		res.Writes.Lost = []int64{}
	}
	if len(lost) > 0 {
		fail("%d acknowledged evidence writes are not in the database (first: %d)", len(lost), lost[0])
	}
	if res.Failures == nil {
		res.Failures = []string{}
	}
	return res, nil
}

// checkFault holds a restart to what the service promises: through a Redis
// restart nothing fails and the cache is used again; while PostgreSQL is down
// requests fail fast with SERVICE_UNAVAILABLE, and within recovery of its return
// every second is at most 1% errors.
func checkFault(f load.Fault, kind string, recovery time.Duration, fail func(string, ...any)) {
	switch kind {
	case "redis":
		if n := f.All.All.Requests - f.All.All.OK; n > 0 {
			fail("redis restart: %d requests failed (%s)", n, errorKeys(f.All.All.Errors))
		}
		if f.CacheHitsResumed < 0 {
			fail("redis restart: the cache-hit counter did not move after Redis returned")
		}
	case "postgres":
		if f.DownFailP99 > 1000 {
			fail("postgres restart: failures while down took %.0f ms at p99, want <= 1 s", f.DownFailP99)
		}
		for k := range f.All.All.Errors { // including requests in flight when it stopped
			if !strings.Contains(k, "SERVICE_UNAVAILABLE") {
				fail("postgres restart: an error other than SERVICE_UNAVAILABLE: %s", k)
			}
		}
		if f.SteadyAfter < 0 || f.SteadyAfter > load.Ms(recovery.Milliseconds()) {
			fail("postgres restart: steady %.0f ms after PostgreSQL was back, want <= %s", f.SteadyAfter, recovery)
		}
	}
}

func errorKeys(m map[string]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s×%d", k, n))
	}
	return strings.Join(parts, ", ")
}

// uptime is the machine's load average at the start, to judge the figures by.
func uptime() string {
	out, err := exec.Command("uptime").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// writeLoadText writes the report for people.
func writeLoadText(w io.Writer, res *loadResult) {
	fmt.Fprintf(w, "load run %s; %s\nfixtures: %d learners (%s database); mix %s\n\n", res.Started.Format(time.RFC3339),
		res.Uptime, res.Learners, res.Database, mixString(res.Mix))
	if res.Mixed != nil {
		res.Mixed.WriteText(w)
		fmt.Fprintln(w)
	}
	if a := res.Assess; a != nil {
		a.Report.WriteText(w)
		fmt.Fprintf(w, "attempts completed: %d (%d at the examinee's true level); pairs skipped in their cool-off: %d\n\n",
			a.Completed, a.Exact, a.Cooloff)
	}
	if p := res.Peak; p != nil {
		fmt.Fprintf(w, "peak sustainable rate: %d/s (p99 <= %.0f ms, errors <= %.1f%%, %.0f s steps)\n", p.Rate, p.Options.P99,
			100*p.Options.MaxErrorRate, float64(p.Options.Step)/1000)
		for _, s := range p.Steps {
			fmt.Fprintf(w, "  %5d/s  %-15s %s\n", s.Rate, map[bool]string{true: "sustainable", false: "not sustainable"}[s.Sustainable], s.Why)
		}
		if p.Rate > 0 {
			p.Report.Name = fmt.Sprintf("mixed at the peak, %d/s", p.Rate)
			p.Report.WriteText(w)
		}
		fmt.Fprintln(w)
	}
	for _, r := range res.Ratios {
		fmt.Fprintln(w, r.String())
	}
	if len(res.Ratios) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range res.Faults {
		fmt.Fprintf(w, "%s at %d/s: stopped at %.1f s, started at %.1f s\n", f.Name, f.Rate, float64(f.Stopped)/1000, float64(f.Started)/1000)
		fmt.Fprintf(w, "  before: %d requests, %d failed (%s); down: %d requests, %d failed; after: %d requests, %d failed (%s)\n",
			f.Before.All.Requests, f.Before.All.Requests-f.Before.All.OK, errorKeys(f.Before.All.Errors), f.During.All.Requests, f.DownFailures,
			f.After.All.Requests, f.After.All.Requests-f.After.All.OK, errorKeys(f.After.All.Errors))
		if f.DownFailures > 0 {
			fmt.Fprintf(w, "  failures while down: %s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", errorKeys(f.During.All.Errors),
				f.DownFailP50, f.DownFailP99, f.DownFailMax)
			fmt.Fprintf(w, "  first success %.0f ms after the restart returned, steady (<= 1%% errors every second) after %.0f ms\n", f.FirstSuccess, f.SteadyAfter)
		}
		d := func(name string) float64 { return f.MetricsAfter[name] - f.MetricsDown[name] }
		b := func(name string) float64 { return f.MetricsDown[name] - f.MetricsBefore[name] }
		fmt.Fprintf(w, "  cache until the restart: %.0f hits, %.0f misses, %.0f errors; after: %.0f hits, %.0f misses, %.0f errors; hits resumed %.0f ms after the restart\n",
			b(load.MetricCacheHits), b(load.MetricCacheMisses), b(load.MetricCacheErrors),
			d(load.MetricCacheHits), d(load.MetricCacheMisses), d(load.MetricCacheErrors), f.CacheHitsResumed)
		warm := func(r load.Report) float64 { return float64(r.Ops[load.OpRecsWarm].P50) }
		fmt.Fprintf(w, "  warm recommendations p50: before %.1f ms, down %.1f ms, after %.1f ms\n", warm(f.Before), warm(f.During), warm(f.After))
		for k, v := range f.All.Examples {
			fmt.Fprintf(w, "  %s: %q\n", k, v)
		}
	}
	if len(res.Faults) > 0 {
		fmt.Fprintln(w)
	}
	if s := res.Soak; s != nil {
		fmt.Fprintf(w, "soak at %d/s for %.0f s: %s; %s\n", s.Rate, float64(s.Duration)/1000, map[bool]string{true: "flat", false: "NOT flat"}[s.Flat], s.Why)
		fmt.Fprintf(w, "  early mean: heap in use %.1f MB, RSS %.1f MB, %.0f goroutines; late mean: %.1f MB, %.1f MB, %.0f goroutines\n",
			s.EarlyMean.HeapInuse/1e6, s.EarlyMean.RSS/1e6, s.EarlyMean.Goroutines, s.LateMean.HeapInuse/1e6, s.LateMean.RSS/1e6, s.LateMean.Goroutines)
		s.Report.WriteText(w)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "evidence writes: %d acknowledged, %d failed (not acknowledged), %d lost\n", res.Writes.Acknowledged, res.Writes.Failed, len(res.Writes.Lost))
	if len(res.Failures) > 0 {
		fmt.Fprintf(w, "FAILED: %s\n", strings.Join(res.Failures, "; "))
	}
}
