package load

import (
	"context"
	"fmt"
	"time"
)

// PeakOptions say how to look for the peak sustainable rate. Zero values take
// the defaults in brackets.
type PeakOptions struct {
	Start        int           // the first rate tried [50/s]
	Max          int           // the highest rate tried [5000/s]
	Factor       float64       // the next rate while sustainable [×1.5]
	Step         time.Duration // how long each rate runs [20 s]
	P99          time.Duration // sustainable while p99 stays at or under this [500 ms]
	MaxErrorRate float64       // and the share of failed requests at or under this [1%]
	Refine       int           // bisections between the last good and the first bad rate [2]
}

func (o *PeakOptions) defaults() {
	if o.Start <= 0 {
		o.Start = 50
	}
	if o.Max <= 0 {
		o.Max = 5000
	}
	if o.Factor <= 1 {
		o.Factor = 1.5
	}
	if o.Step <= 0 {
		o.Step = 20 * time.Second
	}
	if o.P99 <= 0 {
		o.P99 = 500 * time.Millisecond
	}
	if o.MaxErrorRate <= 0 {
		o.MaxErrorRate = 0.01
	}
	if o.Refine < 0 {
		o.Refine = 0
	} else if o.Refine == 0 {
		o.Refine = 2
	}
}

// Step is one rate tried.
type Step struct {
	Rate        int    `json:"rate_per_s"`
	Sustainable bool   `json:"sustainable"`
	Why         string `json:"why"` // what made it unsustainable, or what held
	Report      Report `json:"report"`
}

// Peak is the outcome of the search.
type Peak struct {
	Rate    int          `json:"rate_per_s"` // the highest sustainable rate found; 0 if even Start was not
	Report  Report       `json:"report"`     // the run at that rate
	Steps   []Step       `json:"steps"`
	Options peakSettings `json:"criteria"`
}

type peakSettings struct {
	P99          Ms      `json:"p99_ms"`
	MaxErrorRate float64 `json:"max_error_rate"`
	Step         Ms      `json:"step_ms"`
}

// Sustainable judges one run at rate: p99 and the error rate within bounds, and
// the successes keeping up with the arrivals (90%: the run's last responses
// arrive after its last request is sent).
func Sustainable(r Report, rate int, p99 time.Duration, maxErrorRate float64) (bool, string) {
	switch {
	case r.All.Requests == 0:
		return false, "no requests"
	case time.Duration(float64(r.All.P99)*float64(time.Millisecond)) > p99:
		return false, fmt.Sprintf("p99 %.0f ms > %.0f ms", r.All.P99, float64(p99)/1e6)
	case r.All.ErrorRate() > maxErrorRate:
		return false, fmt.Sprintf("errors %.2f%% > %.2f%%", 100*r.All.ErrorRate(), 100*maxErrorRate)
	case r.All.Throughput < 0.9*float64(rate):
		return false, fmt.Sprintf("throughput %.0f/s < 90%% of %d/s", r.All.Throughput, rate)
	}
	return true, fmt.Sprintf("p99 %.0f ms, errors %.2f%%, %.0f ok/s", r.All.P99, 100*r.All.ErrorRate(), r.All.Throughput)
}

// FindPeak raises the rate by Factor while it is sustainable, then bisects
// between the last sustainable rate and the first that was not.
func (r *Runner) FindPeak(ctx context.Context, o PeakOptions) Peak {
	o.defaults()
	p := Peak{Options: peakSettings{P99: ms(o.P99), MaxErrorRate: o.MaxErrorRate, Step: ms(o.Step)}}
	try := func(rate int) bool {
		run := r.Attack(ctx, rate, o.Step, nil)
		rep := run.Report(fmt.Sprintf("peak step %d/s", rate))
		ok, why := Sustainable(rep, rate, o.P99, o.MaxErrorRate)
		p.Steps = append(p.Steps, Step{Rate: rate, Sustainable: ok, Why: why, Report: rep})
		r.logf("load: peak: %d/s %s (%s)", rate, map[bool]string{true: "sustainable", false: "NOT sustainable"}[ok], why)
		if ok && rate > p.Rate {
			p.Rate, p.Report = rate, rep
		}
		// Let the server drain what it queued before the next step.
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
		}
		return ok
	}
	bad := 0
	for rate := o.Start; rate <= o.Max && ctx.Err() == nil; rate = int(float64(rate) * o.Factor) {
		if !try(rate) {
			bad = rate
			break
		}
	}
	for i := 0; i < o.Refine && bad > 0 && ctx.Err() == nil; i++ {
		good := max(p.Rate, o.Start/2)
		mid := (good + bad) / 2
		if mid <= good || mid >= bad {
			break
		}
		if !try(mid) {
			bad = mid
		}
	}
	return p
}
