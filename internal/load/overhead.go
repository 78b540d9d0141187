package load

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Ratio compares our throughput for one request with a bare baseline doing the
// same storage work: the cost of our layers (HTTP, GraphQL, auth, loaders,
// encoding) as a number.
type Ratio struct {
	Name        string  `json:"name"`
	Ours        float64 `json:"ours_per_s"`
	OursP50     Ms      `json:"ours_p50_ms"`
	Baseline    float64 `json:"baseline_per_s"`
	Ratio       float64 `json:"ratio"` // Ours / Baseline
	Bytes       int     `json:"bytes,omitempty"`
	Clients     int     `json:"clients"`
	OursHow     string  `json:"ours"`
	BaselineHow string  `json:"baseline"`
}

// String is one line for the text report.
func (r Ratio) String() string {
	return fmt.Sprintf("%s: ours %.0f/s (p50 %.2f ms) / baseline %.0f/s = %.4f (1 : %.0f)\n  ours: %s\n  baseline: %s",
		r.Name, r.Ours, r.OursP50, r.Baseline, r.Ratio, 1/r.Ratio, r.OursHow, r.BaselineHow)
}

func ratio(ours, base float64) float64 {
	if base == 0 {
		return 0
	}
	return ours / base
}

// CachedPayloadBytes returns the median size of the cached values whose keys
// match pattern (e.g. "*rec:v1:*"): what a cache hit reads from Redis.
func CachedPayloadBytes(ctx context.Context, redisURL, pattern string) (int, error) {
	o, err := redis.ParseURL(redisURL)
	if err != nil {
		return 0, err
	}
	c := redis.NewClient(o)
	defer c.Close()
	var sizes []int
	iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) && len(sizes) < 200 {
		n, err := c.StrLen(ctx, iter.Val()).Result()
		if err == nil && n > 0 {
			sizes = append(sizes, int(n))
		}
	}
	if err := iter.Err(); err != nil {
		return 0, err
	}
	if len(sizes) == 0 {
		return 0, fmt.Errorf("load: no cached value matches %q", pattern)
	}
	slices.Sort(sizes)
	return sizes[len(sizes)/2], nil
}

var (
	getRate = regexp.MustCompile(`(?m)^"?GET"?[:,]\s*"?([0-9.]+)`)
	tpsRate = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
)

// RedisBenchmark runs redis-benchmark's SET then GET of values of size bytes with
// clients connections against the server at addr, and returns GETs a second.
// (-t get alone reads a key nothing wrote, so SET runs first to store the payload.)
func RedisBenchmark(ctx context.Context, addr string, bytes, clients, requests int) (float64, string, error) {
	host, port, _ := strings.Cut(addr, ":")
	args := []string{"-h", host, "-p", port, "-t", "set,get", "-d", strconv.Itoa(bytes),
		"-c", strconv.Itoa(clients), "-n", strconv.Itoa(requests), "-q"}
	how := "redis-benchmark " + strings.Join(args, " ")
	out, err := exec.CommandContext(ctx, "redis-benchmark", args...).CombinedOutput()
	if err != nil {
		return 0, how, fmt.Errorf("load: %s: %v\n%s", how, err, out)
	}
	// -q prints "SET: 1234.56 requests per second, p50=..." with carriage
	// returns for its progress; the last GET line is the result.
	text := strings.ReplaceAll(string(out), "\r", "\n")
	m := getRate.FindAllStringSubmatch(text, -1)
	if len(m) == 0 {
		return 0, how, fmt.Errorf("load: no GET rate in redis-benchmark's output:\n%s", out)
	}
	v, err := strconv.ParseFloat(m[len(m)-1][1], 64)
	return v, how, err
}

// PGBench runs script (SQL statements, one transaction of pgbench's) with
// clients connections for d against the database at url, with prepared
// statements as our driver uses them, and returns transactions a second.
func PGBench(ctx context.Context, url, script string, clients int, d time.Duration) (float64, string, error) {
	dir, err := os.MkdirTemp("", "karmayogi-pgbench-")
	if err != nil {
		return 0, "", err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "page.sql")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return 0, "", err
	}
	args := []string{"-n", "-M", "prepared", "-f", file, "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Seconds())), url}
	how := "pgbench " + strings.Join(args, " ")
	out, err := exec.CommandContext(ctx, "pgbench", args...).CombinedOutput()
	if err != nil {
		return 0, how, fmt.Errorf("load: %s: %v\n%s", how, err, out)
	}
	m := tpsRate.FindStringSubmatch(string(out))
	if m == nil {
		return 0, how, fmt.Errorf("load: no tps in pgbench's output:\n%s", out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, how, err
}

// RecommendationsVsRedis measures cached recommendations flat out with clients
// concurrent requests for d, then redis-benchmark GETs of the cached payload's
// size with as many clients.
func (r *Runner) RecommendationsVsRedis(ctx context.Context, redisURL string, clients int, d time.Duration) (Ratio, error) {
	res := Ratio{Name: "recommendations (cached) vs Redis GET", Clients: clients}
	if err := r.Warmup(ctx); err != nil {
		return res, err
	}
	run := r.FlatOut(ctx, r.Targets.Only(OpRecsWarm), uint64(clients), d)
	rep := run.Report("recommendations cached, flat out")
	res.Ours, res.OursP50 = rep.All.Throughput, rep.All.P50
	res.OursHow = fmt.Sprintf("%d clients for %s, the %d warm learners' recommendations(first: 10) (%d of %d cached, %d errors)",
		clients, d, r.Targets.WarmPool(), rep.All.Cached, rep.All.Requests, rep.All.Requests-rep.All.OK)
	var err error
	if res.Bytes, err = CachedPayloadBytes(ctx, redisURL, "*rec:v1:*"); err != nil {
		return res, err
	}
	o, err := redis.ParseURL(redisURL)
	if err != nil {
		return res, err
	}
	if res.Baseline, res.BaselineHow, err = RedisBenchmark(ctx, o.Addr, res.Bytes, clients, 200000); err != nil {
		return res, err
	}
	res.Ratio = ratio(res.Ours, res.Baseline)
	return res, nil
}

// CoursesVsSQL measures the first courses page flat out, then pgbench running
// script (the statements our store runs for that page) with as many clients.
func (r *Runner) CoursesVsSQL(ctx context.Context, dbURL, script string, clients int, d time.Duration) (Ratio, error) {
	res := Ratio{Name: "courses(first: 20) vs the same SQL in pgbench", Clients: clients}
	run := r.FlatOut(ctx, r.Targets.Only(OpCoursesFirst), uint64(clients), d)
	rep := run.Report("courses first page, flat out")
	res.Ours, res.OursP50 = rep.All.Throughput, rep.All.P50
	res.OursHow = fmt.Sprintf("%d clients for %s, courses(first: 20) { totalCount pageInfo edges { node { 6 columns } } } (%d errors)",
		clients, d, rep.All.Requests-rep.All.OK)
	var err error
	if res.Baseline, res.BaselineHow, err = PGBench(ctx, dbURL, script, clients, d); err != nil {
		return res, err
	}
	res.BaselineHow += "   # script: " + strings.ReplaceAll(strings.TrimSpace(script), "\n", " ")
	res.Ratio = ratio(res.Ours, res.Baseline)
	return res, nil
}
