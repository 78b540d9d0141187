package load

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Options are the settings of a load run (karmayogi load's flags).
type Options struct {
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
	SameRunDemo     int           // http: learners of the demo data on SQLite; 0: the default
}

// Result is the JSON report of a run: every scenario that ran.
type Result struct {
	Started   time.Time      `json:"started"`
	Uptime    string         `json:"uptime"`
	Learners  int            `json:"learners_in_fixtures"`
	Database  string         `json:"database"` // "private" or "LOAD_DATABASE_URL"
	Mixed     *Report        `json:"mixed,omitempty"`
	Peak      *Peak          `json:"peak,omitempty"`
	Ratios    []Ratio        `json:"ratios,omitempty"`
	Faults    []Fault        `json:"faults,omitempty"`
	Soak      *Soak          `json:"soak,omitempty"`
	Assess    *AssessmentRun `json:"assessments,omitempty"`
	Writes    WriteCheck     `json:"writes"`
	Failures  []string       `json:"failures"` // the assertions that did not hold
	Scenarios []string       `json:"scenarios"`
	Mix       Mix            `json:"mix"`
	Settings  map[string]any `json:"settings"`
}

// WriteCheck is what the lost-write check found.
type WriteCheck struct {
	Acknowledged int     `json:"acknowledged"`
	Failed       int     `json:"failed"` // not acknowledged: not checked
	Lost         []int64 `json:"lost"`
}

// RunScenarios runs the scenarios, in order, against env's server, and ends by
// checking that each acknowledged evidence write is in the database. A failed
// assertion is in the result's Failures, not an error.
func RunScenarios(ctx context.Context, env *Env, o Options, mix Mix, scenarios []string, log io.Writer) (*Result, error) {
	res := &Result{Started: time.Now().UTC(), Uptime: uptime(), Scenarios: scenarios, Mix: mix, Database: "private",
		Settings: map[string]any{"rate": o.Rate, "duration": o.Duration.String(), "peak_step": o.PeakStep.String(),
			"p99": o.P99.String(), "soak": o.Soak.String(), "learners_seeded_if_empty": o.Learners}}
	if env.PG == nil {
		res.Database = "LOAD_DATABASE_URL"
	}
	fx, err := LoadFixtures(ctx, env.SQL, o.MaxLearners)
	if err != nil {
		return nil, err
	}
	res.Learners = len(fx.Learners)
	mint, err := env.Minter()
	if err != nil {
		return nil, err
	}
	// Tokens outlive the longest run: every scenario back to back.
	ttl := 2*time.Hour + 2*o.Soak
	targets, err := NewTargets(env.Base+"/graphql", fx, mix, mint, ttl, 1)
	if err != nil {
		return nil, err
	}
	writes := &Writes{}
	r := &Runner{Targets: targets, Writes: writes, Log: log}
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
			a, err := Assessments(ctx, env.Base+"/graphql", env.SQL, fx, mint, AssessmentOptions{Workers: o.Attempts, Think: o.Think, Duration: o.Duration})
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
			p := r.FindPeak(ctx, PeakOptions{Step: o.PeakStep, P99: o.P99})
			res.Peak, peak = &p, p.Rate
		case "ratios":
			rv, err := r.RecommendationsVsRedis(ctx, env.RedisURL, o.Clients, o.RatioTime)
			if err != nil {
				return nil, err
			}
			script, err := CoursePageSQL(ctx, env.DatabaseURL)
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
			var srv Server
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
			f, err := r.Restart(ctx, s+" restart", srv, FaultOptions{Rate: rate, Before: o.FaultBefore, Down: down, After: o.FaultAfter, Base: env.Base})
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
	lost, err := writes.Lost(ctx, EvidenceExists(env.SQL))
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
// requests fail with SERVICE_UNAVAILABLE well before their deadline, and within
// recovery of its return every second is at most 1% errors.
func checkFault(f Fault, kind string, recovery time.Duration, fail func(string, ...any)) {
	switch kind {
	case "redis":
		if n := f.All.All.Requests - f.All.All.OK; n > 0 {
			fail("redis restart: %d requests failed (%s)", n, errorKeys(f.All.All.Errors))
		}
		if f.CacheHitsResumed < 0 {
			fail("redis restart: the cache-hit counter did not move after Redis returned")
		}
	case "postgres":
		// Failing fast means not hanging until the server's 15 s deadline; how
		// fast is a figure the report prints (about 0.1–1 s, with the machine's
		// load), not a bound a noisy machine can trip.
		if f.DownFailP99 > 5000 {
			fail("postgres restart: failures while down took %.0f ms at p99, want well under the 15 s deadline (<= 5 s)", f.DownFailP99)
		}
		for k := range f.All.All.Errors { // including requests in flight when it stopped
			if !strings.Contains(k, "SERVICE_UNAVAILABLE") {
				fail("postgres restart: an error other than SERVICE_UNAVAILABLE: %s", k)
			}
		}
		if f.SteadyAfter < 0 || f.SteadyAfter > Ms(recovery.Milliseconds()) {
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

// WriteText writes the report for people.
func (res *Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "load run %s; %s\nfixtures: %d learners (%s database); mix %s\n\n", res.Started.Format(time.RFC3339),
		res.Uptime, res.Learners, res.Database, res.Mix.String())
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
			b(MetricCacheHits), b(MetricCacheMisses), b(MetricCacheErrors),
			d(MetricCacheHits), d(MetricCacheMisses), d(MetricCacheErrors), f.CacheHitsResumed)
		warm := func(r Report) float64 { return float64(r.Ops[OpRecsWarm].P50) }
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

// String is the mix as ParseMix reads it: op=weight,...
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, w := range m {
		parts[i] = fmt.Sprintf("%s=%d", w.Op, w.Weight)
	}
	return strings.Join(parts, ",")
}
