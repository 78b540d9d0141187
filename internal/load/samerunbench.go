package load

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
)

// SameRunResult is the report of `karmayogi load http`.
type SameRunResult struct {
	Started  time.Time `json:"started"`
	LoadAvg  string    `json:"loadavg_before"`
	LoadEnd  string    `json:"loadavg_after"`
	Database string    `json:"database"`
	Cache    string    `json:"cache"`
	Learners int       `json:"learners"`
	Queries  []SameRun `json:"queries"`
}

// SameRunAPI is the API the same-run benchmark measures, served in this process.
type SameRunAPI struct {
	URL      string      // the server's base URL
	Cache    cache.Cache // the server's cache: the bare handler answers from it
	SQL      *sql.DB     // for the fixtures
	Database string      // the store's dialect
	Mint     Minter      // signs tokens the server accepts
}

// SameRunOptions are the settings of the same-run benchmark.
type SameRunOptions struct {
	Learners int           // distinct learners (tokens) the requests cycle through
	Clients  int           // concurrent clients on each side
	Window   time.Duration // how long each side runs before the other's turn
	Rounds   int           // windows each side runs
	// Queries limits the run to these of SameRunQueries; none: all.
	Queries []string
	// CPUProfile, when set, is the file the API's and the bare side's CPU profile
	// goes to, for go tool pprof.
	CPUProfile string
}

// RunSameRun measures each query of SameRunQueries on api against a bare net/http
// handler that answers the same requests with the API's own cached answers from
// one GET of the same cache, the two driven by the same closed loop of clients in
// alternating windows (Runner.CompareSameRun). The bare handler lives in this
// process, as api and the load generator do, so all three share the machine alike.
func RunSameRun(ctx context.Context, api SameRunAPI, o SameRunOptions, log io.Writer) (*SameRunResult, error) {
	res := &SameRunResult{Started: time.Now().UTC(), LoadAvg: LoadAvg(), Database: api.Database, Cache: "in-process"}
	if _, ok := api.Cache.(*cache.Memory); !ok {
		res.Cache = "Redis"
	}
	bare := &http.Server{Handler: BareHandler(api.Cache.Get)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go bare.Serve(ln)
	defer bare.Close()
	bareBase := "http://" + ln.Addr().String()

	fx, err := LoadFixtures(ctx, api.SQL, o.Learners)
	if err != nil {
		return nil, err
	}
	res.Learners = len(fx.Learners)
	r := &Runner{Log: log}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	for _, q := range SameRunQueries {
		if len(o.Queries) > 0 && !slices.Contains(o.Queries, q.Name) {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		apiTargets, err := SameRunTargets(api.URL, q.Name, fx, api.Mint, 2*time.Hour)
		if err != nil {
			return nil, err
		}
		bareTargets := slices.Clone(apiTargets) // the same requests, tokens included, to the other server
		for i := range bareTargets {
			bareTargets[i].URL = bareBase + strings.TrimPrefix(apiTargets[i].URL, api.URL)
		}
		fmt.Fprintf(log, "load http: %s: warming %d learners' answers\n", q.Name, len(apiTargets))
		bytes, err := PrimeBare(ctx, apiTargets, func(ctx context.Context, key string, v []byte) error {
			return api.Cache.Set(ctx, key, v, time.Hour)
		})
		if err != nil {
			return nil, err
		}
		s := r.CompareSameRun(ctx, q.Name, apiTargets, bareTargets, o.Clients, o.Window, o.Rounds)
		s.Bytes = bytes
		res.Queries = append(res.Queries, s)
		fmt.Fprintln(log, "load http: "+s.String())
	}
	res.LoadEnd = LoadAvg()
	return res, nil
}

// WriteText writes the report for people; o is what the run was given.
func (res *SameRunResult) WriteText(w io.Writer, o SameRunOptions) {
	fmt.Fprintf(w, "same-run benchmark %s: %s database, %s cache, %d learners, %d clients, %d rounds of %s windows each side\nload average before: %s; after: %s\n",
		res.Started.Format(time.RFC3339), res.Database, res.Cache, res.Learners, o.Clients, o.Rounds, o.Window, res.LoadAvg, res.LoadEnd)
	for _, s := range res.Queries {
		fmt.Fprintln(w, s.String())
	}
}

// Failed says which query had a failed request on either side, if one did.
func (res *SameRunResult) Failed() error {
	for _, s := range res.Queries {
		if s.API.OK == 0 || s.Bare.OK == 0 || s.API.OK < s.API.Requests || s.Bare.OK < s.Bare.Requests {
			return fmt.Errorf("load http: %s: failed requests (API %d of %d, bare %d of %d ok)", s.Query,
				s.API.OK, s.API.Requests, s.Bare.OK, s.Bare.Requests)
		}
	}
	return nil
}

// LoadAvg is /proc/loadavg, to judge the figures by.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
