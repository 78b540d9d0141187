package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func newClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// post sends one target and fails unless it answers 200 without errors.
func post(ctx context.Context, c *http.Client, t vegeta.Target) error {
	_, err := postBody(ctx, c, t)
	return err
}

// postBody sends t and returns the body of a 200 answer without errors.
func postBody(ctx context.Context, c *http.Client, t vegeta.Target) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return nil, err
	}
	req.Header = t.Header.Clone()
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct{ Errors []json.RawMessage }
	if resp.StatusCode != 200 || json.Unmarshal(body, &r) != nil || len(r.Errors) > 0 {
		return nil, fmt.Errorf("load: %s: HTTP %d: %.300s", t.URL, resp.StatusCode, body)
	}
	return body, nil
}

// Metrics is a scrape of the server's /metrics: each metric's value summed over
// its labels.
type Metrics map[string]float64

// The metrics the scenarios read.
const (
	MetricCacheHits   = "karmayogi_cache_hits_total"
	MetricCacheMisses = "karmayogi_cache_misses_total"
	MetricCacheErrors = "karmayogi_cache_errors_total"
	MetricHeapInuse   = "go_memstats_heap_inuse_bytes"
	MetricGoroutines  = "go_goroutines"
	MetricRSS         = "process_resident_memory_bytes"
)

// Scrape reads base/metrics.
func Scrape(ctx context.Context, base string) (Metrics, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("load: GET /metrics: HTTP %d", resp.StatusCode)
	}
	return ParseMetrics(resp.Body)
}

// ParseMetrics reads Prometheus' text format, summing each metric over its labels.
func ParseMetrics(r io.Reader) (Metrics, error) {
	m := Metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			j := strings.LastIndex(rest, "}")
			if j < 0 {
				continue
			}
			rest = rest[j+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		m[name] += v
	}
	return m, sc.Err()
}
