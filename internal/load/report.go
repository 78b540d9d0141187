package load

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Percentile returns the q-quantile (0 < q <= 1) of sorted latencies by the
// nearest-rank method: the smallest value with at least q of the values at or
// below it. It is 0 for no values.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Ms is a duration in milliseconds, as the JSON report writes durations.
type Ms float64

// ms converts a duration.
func ms(d time.Duration) Ms { return Ms(math.Round(float64(d)/1e3) / 1e3) }

// Stats are the figures of a set of requests.
type Stats struct {
	Requests   int            `json:"requests"`
	OK         int            `json:"ok"`
	Throughput float64        `json:"throughput_per_s"` // successes per second of the run
	P50        Ms             `json:"p50_ms"`
	P95        Ms             `json:"p95_ms"`
	P99        Ms             `json:"p99_ms"`
	Max        Ms             `json:"max_ms"`
	Cached     int            `json:"cached,omitempty"` // responses that said they came from the cache
	Errors     map[string]int `json:"errors,omitempty"` // by "STATUS CODE" or "transport: ..."
}

// ErrorRate is the share of requests that failed.
func (s Stats) ErrorRate() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Requests-s.OK) / float64(s.Requests)
}

// Report summarises one run: all requests, and each operation's.
type Report struct {
	Name     string            `json:"name"`
	Rate     int               `json:"rate_per_s"` // the arrival rate asked; 0 for as fast as possible
	Duration Ms                `json:"duration_ms"`
	All      Stats             `json:"all"`
	Ops      map[string]Stats  `json:"ops"`
	Examples map[string]string `json:"error_examples,omitempty"` // one message per error key
}

// Summarize computes the report of outcomes of a run that lasted elapsed (from
// the first request sent to the last response). Latency percentiles count every
// request, failed or not: a fast failure is still what the client waited.
func Summarize(name string, rate int, elapsed time.Duration, outs []Outcome) Report {
	r := Report{Name: name, Rate: rate, Duration: ms(elapsed), Ops: map[string]Stats{}, Examples: map[string]string{}}
	byOp := map[string][]Outcome{}
	for _, o := range outs {
		byOp[o.Op] = append(byOp[o.Op], o)
		if o.Err != "" && r.Examples[o.Err] == "" {
			r.Examples[o.Err] = o.Message
		}
	}
	r.All = stats(outs, elapsed)
	for op, os := range byOp {
		r.Ops[op] = stats(os, elapsed)
	}
	return r
}

func stats(outs []Outcome, elapsed time.Duration) Stats {
	s := Stats{Requests: len(outs)}
	lat := make([]time.Duration, len(outs))
	for i, o := range outs {
		lat[i] = o.Latency
		if o.OK() {
			s.OK++
		} else {
			if s.Errors == nil {
				s.Errors = map[string]int{}
			}
			s.Errors[o.Err]++
		}
		if o.Cached {
			s.Cached++
		}
	}
	slices.Sort(lat)
	s.P50, s.P95, s.P99 = ms(Percentile(lat, 0.50)), ms(Percentile(lat, 0.95)), ms(Percentile(lat, 0.99))
	if len(lat) > 0 {
		s.Max = ms(lat[len(lat)-1])
	}
	if elapsed > 0 {
		s.Throughput = math.Round(float64(s.OK)/elapsed.Seconds()*10) / 10
	}
	return s
}

// Elapsed is the time from the first request sent to the last response.
func Elapsed(outs []Outcome) time.Duration {
	if len(outs) == 0 {
		return 0
	}
	first, last := outs[0].Start, outs[0].Start.Add(outs[0].Latency)
	for _, o := range outs {
		if o.Start.Before(first) {
			first = o.Start
		}
		if end := o.Start.Add(o.Latency); end.After(last) {
			last = end
		}
	}
	return last.Sub(first)
}

// WriteText writes the report as a table: one row per operation, then all.
func (r Report) WriteText(w io.Writer) {
	rate := "as fast as possible"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%d/s", r.Rate)
	}
	fmt.Fprintf(w, "%s: rate %s, %.1f s\n", r.Name, rate, float64(r.Duration)/1000)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\trequests\tok\tok/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tcached\terrors\t")
	ops := make([]string, 0, len(r.Ops))
	for op := range r.Ops {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	row := func(name string, s Stats) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%s\t\n", name, s.Requests, s.OK, s.Throughput,
			s.P50, s.P95, s.P99, s.Max, s.Cached, errorList(s.Errors))
	}
	for _, op := range ops {
		row(op, r.Ops[op])
	}
	row("all", r.All)
	tw.Flush()
	keys := make([]string, 0, len(r.Examples))
	for k := range r.Examples {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %q\n", k, truncate(r.Examples[k], 160))
	}
}

// errorList is "key×n; key×n", most frequent first, or "-".
func errorList(errs map[string]int) string {
	if len(errs) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return errs[keys[i]] > errs[keys[j]] || (errs[keys[i]] == errs[keys[j]] && keys[i] < keys[j])
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, errs[k])
	}
	return strings.Join(parts, "; ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
