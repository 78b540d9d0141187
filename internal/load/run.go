package load

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Runner sends requests to one server and keeps what they came to.
type Runner struct {
	Targets *Targets
	Writes  *Writes   // every acknowledged write of every run, for the lost-write check
	Log     io.Writer // progress lines; nil for none
	// Timeout is a request's client-side limit; 0 means 30 s, above the server's
	// own 15-second deadline, so the server's answer is what we see.
	Timeout time.Duration
	// MaxWorkers bounds the requests in flight; 0 means 2000. When every worker
	// waits on the server the arrival rate cannot be kept, and Run says so.
	MaxWorkers uint64
}

// Run is one attack's outcomes.
type Run struct {
	Began    time.Time
	Rate     int
	Outcomes []Outcome
}

// Report summarises the run.
func (r *Run) Report(name string) Report {
	return Summarize(name, r.Rate, Elapsed(r.Outcomes), r.Outcomes)
}

// Between returns the outcomes of requests sent from a to b.
func (r *Run) Between(a, b time.Time) []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if !o.Start.Before(a) && o.Start.Before(b) {
			out = append(out, o)
		}
	}
	return out
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

func (r *Runner) attacker(workers uint64) *vegeta.Attacker {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	maxWorkers := r.MaxWorkers
	if maxWorkers == 0 {
		maxWorkers = 2000
	}
	if workers == 0 {
		workers = vegeta.DefaultWorkers
	} else {
		maxWorkers = workers
	}
	return vegeta.NewAttacker(vegeta.Timeout(timeout), vegeta.Workers(workers), vegeta.MaxWorkers(maxWorkers),
		vegeta.KeepAlive(true), vegeta.Connections(10000), vegeta.MaxBody(-1))
}

// Attack sends the mix at rate requests a second for d (vegeta's constant
// pacer), calling each outcome's observer as it arrives; ctx stops it early.
func (r *Runner) Attack(ctx context.Context, rate int, d time.Duration, each func(Outcome)) *Run {
	return r.attack(ctx, r.Targets.Targeter(), vegeta.ConstantPacer{Freq: rate, Per: time.Second}, 0, rate, d, each)
}

// Flat out sends tr's requests as fast as workers concurrent clients can for d:
// a closed loop, for the overhead ratios against redis-benchmark and pgbench,
// which measure the same way.
func (r *Runner) FlatOut(ctx context.Context, tr vegeta.Targeter, workers uint64, d time.Duration) *Run {
	return r.attack(ctx, tr, vegeta.ConstantPacer{}, workers, 0, d, nil)
}

func (r *Runner) attack(ctx context.Context, tr vegeta.Targeter, p vegeta.Pacer, workers uint64, rate int, d time.Duration, each func(Outcome)) *Run {
	a := r.attacker(workers)
	run := &Run{Began: time.Now(), Rate: rate}
	stop := context.AfterFunc(ctx, func() { a.Stop() })
	defer stop()
	for res := range a.Attack(tr, p, d, "karmayogi") {
		o := Classify(res)
		r.Targets.Observe(o)
		if r.Writes != nil {
			r.Writes.Record(o)
		}
		if each != nil {
			each(o)
		}
		run.Outcomes = append(run.Outcomes, o)
	}
	if rate > 0 && d > 0 {
		if sent, want := len(run.Outcomes), int(float64(rate)*d.Seconds()); sent < want*95/100 {
			r.logf("load: sent %d requests of the %d asked: the workers were all waiting, so the rate was not kept", sent, want)
		}
	}
	return run
}

// Warmup sends the warm pool's recommendation requests, 8 at a time, so that
// their rankings are cached before a measured run.
func (r *Runner) Warmup(ctx context.Context) error {
	targets := r.Targets.Warmup()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan vegeta.Target)
	)
	client := newClient()
	for range 8 {
		wg.Go(func() {
			for t := range next {
				if err := post(ctx, client, t); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, t := range targets {
		next <- t
	}
	close(next)
	wg.Wait()
	r.logf("load: warmed the recommendations of %d learners", len(targets))
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
