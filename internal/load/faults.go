package load

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Server is a dependency a fault scenario stops and starts: a private
// PostgreSQL or Redis (internal/testenv), never a shared one.
type Server interface {
	Stop() error
	Start() error
}

// FaultOptions time a restart under load: the mix at Rate, Stop after Before,
// Start after Down, and the load goes on for After.
type FaultOptions struct {
	Rate                int
	Before, Down, After time.Duration
	Base                string // the server's base URL, for /metrics
}

// Fault is what a restart under load came to. Times are offsets from the
// attack's start, in milliseconds.
type Fault struct {
	Name    string `json:"name"`
	Rate    int    `json:"rate_per_s"`
	Stopped Ms     `json:"stopped_at_ms"` // Stop returned: the server is down
	Started Ms     `json:"started_at_ms"` // Start returned: the server accepts connections again

	Before Report `json:"before"` // requests sent before Stop was called
	During Report `json:"during"` // sent while the server was down
	After  Report `json:"after"`  // sent after Start returned
	All    Report `json:"all"`

	// Failures while down: how fast they came back.
	DownFailures  int     `json:"down_failures"`
	DownFailP50   Ms      `json:"down_failure_p50_ms"`
	DownFailP99   Ms      `json:"down_failure_p99_ms"`
	DownFailMax   Ms      `json:"down_failure_max_ms"`
	FirstSuccess  Ms      `json:"first_success_after_start_ms"` // from Start returning to the first success sent after Stop
	SteadyAfter   Ms      `json:"steady_after_start_ms"`        // from Start returning to the first second from which every second has at most 1% errors
	MetricsBefore Metrics `json:"metrics_before"`
	MetricsDown   Metrics `json:"metrics_at_start"` // scraped right after Start returned
	MetricsAfter  Metrics `json:"metrics_after"`
	// CacheHitsResumed is the time from Start returning until the cache-hit
	// counter moved again (Redis scenario); -1 if it never did.
	CacheHitsResumed Ms `json:"cache_hits_resumed_after_start_ms"`
}

// Restart runs the mix at o.Rate while srv is stopped and started again.
func (r *Runner) Restart(ctx context.Context, name string, srv Server, o FaultOptions) (Fault, error) {
	f := Fault{Name: name, Rate: o.Rate, CacheHitsResumed: -1}
	var err error
	if f.MetricsBefore, err = Scrape(ctx, o.Base); err != nil {
		return f, err
	}
	total := o.Before + o.Down + o.After
	var (
		run  *Run
		done = make(chan struct{})
	)
	began := time.Now()
	go func() {
		defer close(done)
		run = r.Attack(ctx, o.Rate, total, nil)
	}()
	sleep(ctx, o.Before)
	stopCalled := time.Now()
	if err := srv.Stop(); err != nil {
		<-done
		return f, fmt.Errorf("load: %s: stop: %w", name, err)
	}
	stopped := time.Now()
	r.logf("load: %s: stopped at %.1f s", name, stopped.Sub(began).Seconds())
	sleep(ctx, o.Down-time.Since(stopCalled))
	if err := srv.Start(); err != nil {
		<-done
		return f, fmt.Errorf("load: %s: start: %w", name, err)
	}
	started := time.Now()
	r.logf("load: %s: started again at %.1f s", name, started.Sub(began).Seconds())
	f.MetricsDown, _ = Scrape(ctx, o.Base)
	// Watch the cache-hit counter until it moves: the cache is in use again.
	var wg sync.WaitGroup
	wg.Go(func() {
		last := f.MetricsDown[MetricCacheHits]
		for time.Since(started) < o.After {
			if m, err := Scrape(ctx, o.Base); err == nil && m[MetricCacheHits] > last {
				f.CacheHitsResumed = ms(time.Since(started))
				return
			}
			sleep(ctx, 100*time.Millisecond)
		}
	})
	<-done
	wg.Wait()
	f.MetricsAfter, _ = Scrape(ctx, o.Base)

	f.Stopped, f.Started = ms(stopped.Sub(run.Began)), ms(started.Sub(run.Began))
	f.All = run.Report(name)
	f.Before = Summarize(name+": before", o.Rate, stopCalled.Sub(run.Began), run.Between(run.Began, stopCalled))
	down := run.Between(stopCalled, started)
	f.During = Summarize(name+": down", o.Rate, started.Sub(stopCalled), down)
	after := run.Between(started, run.Began.Add(total))
	f.After = Summarize(name+": after", o.Rate, run.Began.Add(total).Sub(started), after)

	var failLat []time.Duration
	for _, out := range down {
		if !out.OK() {
			failLat = append(failLat, out.Latency)
		}
	}
	slices.Sort(failLat)
	f.DownFailures = len(failLat)
	f.DownFailP50, f.DownFailP99 = ms(Percentile(failLat, 0.5)), ms(Percentile(failLat, 0.99))
	if len(failLat) > 0 {
		f.DownFailMax = ms(failLat[len(failLat)-1])
	}
	f.FirstSuccess, f.SteadyAfter = recovery(run.Outcomes, stopped, started)
	return f, nil
}

// recovery returns, from started, the first success among requests sent after
// stopped and the start of the first one-second window from which every window
// has at most 1% failed requests; -1 when there is none.
func recovery(outs []Outcome, stopped, started time.Time) (first, steady Ms) {
	first, steady = -1, -1
	var firstEnd time.Time
	type window struct{ n, bad int }
	var wins []window
	for _, o := range outs {
		if o.Start.Before(stopped) {
			continue
		}
		if end := o.Start.Add(o.Latency); o.OK() && (firstEnd.IsZero() || end.Before(firstEnd)) {
			firstEnd = end
		}
		if o.Start.Before(started) {
			continue
		}
		i := int(o.Start.Sub(started) / time.Second)
		for len(wins) <= i {
			wins = append(wins, window{})
		}
		wins[i].n++
		if !o.OK() {
			wins[i].bad++
		}
	}
	if !firstEnd.IsZero() {
		first = ms(firstEnd.Sub(started))
	}
	for i := len(wins) - 1; i >= 0; i-- {
		if w := wins[i]; w.n > 0 && w.bad*100 > w.n {
			if i+1 < len(wins) {
				steady = ms(time.Duration(i+1) * time.Second)
			}
			return first, steady
		}
	}
	if len(wins) > 0 {
		steady = 0
	}
	return first, steady
}

// Sample is one reading of the server's memory and goroutines.
type Sample struct {
	At         Ms      `json:"at_ms"`
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	RSS        float64 `json:"rss_bytes"`
	Goroutines float64 `json:"goroutines"`
}

// Soak is a long run at a steady rate with the server sampled every Every.
type Soak struct {
	Rate     int      `json:"rate_per_s"`
	Duration Ms       `json:"duration_ms"`
	Report   Report   `json:"report"`
	Samples  []Sample `json:"samples"`
	// EarlyMean and LateMean are the mean samples of the two windows compared: the
	// second minute and the last (for runs under 3 minutes, the second and last quarters).
	EarlyMean Sample `json:"early_mean"`
	LateMean  Sample `json:"late_mean"`
	Flat      bool   `json:"flat"`
	Why       string `json:"why"`
}

// SoakRun runs the mix at rate for d, sampling base/metrics every every.
func (r *Runner) SoakRun(ctx context.Context, base string, rate int, d, every time.Duration) Soak {
	s := Soak{Rate: rate, Duration: ms(d)}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	began := time.Now()
	sample := func() {
		if m, err := Scrape(ctx, base); err == nil {
			mu.Lock()
			s.Samples = append(s.Samples, Sample{At: ms(time.Since(began)), HeapInuse: m[MetricHeapInuse], RSS: m[MetricRSS], Goroutines: m[MetricGoroutines]})
			mu.Unlock()
		}
	}
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
				r.logf("load: soak: %.0f s", time.Since(began).Seconds())
			}
		}
	})
	run := r.Attack(ctx, rate, d, nil)
	close(stop)
	wg.Wait()
	sample()
	s.Report = run.Report(fmt.Sprintf("soak %s", d))
	s.EarlyMean, s.LateMean, s.Flat, s.Why = Flatness(s.Samples, d, 0.20)
	return s
}

// Flatness compares the mean sample of the second minute with that of the last
// minute (for runs under 3 minutes, the second and the last quarter): flat when
// neither heap in use, RSS nor goroutines grew by more than tolerance, beyond a
// small absolute slack (5 MB, 50 goroutines) so that a short, lightly loaded run
// is not failed by one garbage collection or a few requests more in flight.
func Flatness(samples []Sample, d time.Duration, tolerance float64) (early, late Sample, flat bool, why string) {
	e0, e1, l0 := time.Minute, 2*time.Minute, d-time.Minute
	if d < 3*time.Minute {
		e0, e1, l0 = d/4, d/2, d*3/4
	}
	mean := func(from, to time.Duration) (Sample, int) {
		var m Sample
		n := 0
		for _, s := range samples {
			at := time.Duration(float64(s.At) * float64(time.Millisecond))
			if at >= from && at <= to {
				m.HeapInuse += s.HeapInuse
				m.RSS += s.RSS
				m.Goroutines += s.Goroutines
				n++
			}
		}
		if n > 0 {
			m.HeapInuse /= float64(n)
			m.RSS /= float64(n)
			m.Goroutines /= float64(n)
		}
		return m, n
	}
	early, ne := mean(e0, e1)
	late, nl := mean(l0, d+time.Minute)
	if ne == 0 || nl == 0 {
		return early, late, false, "too few samples to compare"
	}
	grow := func(a, b float64) float64 {
		if a == 0 {
			return 0
		}
		return b/a - 1
	}
	gh, gr, gg := grow(early.HeapInuse, late.HeapInuse), grow(early.RSS, late.RSS), grow(early.Goroutines, late.Goroutines)
	why = fmt.Sprintf("heap in use %+.1f%%, RSS %+.1f%%, goroutines %+.1f%% (late vs early mean)", 100*gh, 100*gr, 100*gg)
	const mb = 1 << 20
	flat = late.HeapInuse <= early.HeapInuse*(1+tolerance)+5*mb && late.RSS <= early.RSS*(1+tolerance)+5*mb &&
		late.Goroutines <= early.Goroutines*(1+tolerance)+50
	return early, late, flat, why
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
