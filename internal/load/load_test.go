package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/load"
	"github.com/openkarmayogi/karmayogi/models"
)

func fixtures(n int) *load.Fixtures {
	fx := &load.Fixtures{Competencies: []int64{7, 8, 9}, Organisations: []int64{1, 2}}
	for i := range n {
		fx.Learners = append(fx.Learners, load.Learner{ID: int64(100 + i), OrganisationID: int64(1 + i%2)})
	}
	return fx
}

// fakeMint writes the caller into the "token", so tests can read who a request acts as.
func fakeMint(c models.Caller, _ time.Duration) (string, error) {
	return fmt.Sprintf("%s:%d:%d", c.Role, c.LearnerID, c.OrganisationID), nil
}

func newTargets(t *testing.T, n int, mix load.Mix) *load.Targets {
	t.Helper()
	tg, err := load.NewTargets("http://server/graphql", fixtures(n), mix, fakeMint, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

type body struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

func decode(t *testing.T, tgt vegeta.Target) body {
	t.Helper()
	var b body
	if err := json.Unmarshal(tgt.Body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// op is the operation named in a target's URL fragment.
func op(tgt vegeta.Target) string {
	_, frag, _ := strings.Cut(tgt.URL, "#")
	name, _, _ := strings.Cut(frag, "/")
	return name
}

func TestTargets(t *testing.T) {
	t.Run("Proportions", func(t *testing.T) {
		tg := newTargets(t, 1000, load.DefaultMix)
		next := tg.Targeter()
		counts := map[string]int{}
		const n = 20000
		for range n {
			var tgt vegeta.Target
			if err := next(&tgt); err != nil {
				t.Fatal(err)
			}
			counts[op(tgt)]++
			if tgt.Method != http.MethodPost || !strings.HasPrefix(tgt.URL, "http://server/graphql#") ||
				tgt.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("target %s %s %v", tgt.Method, tgt.URL, tgt.Header)
			}
		}
		for _, w := range load.DefaultMix {
			want := float64(n*w.Weight) / 100
			if got := float64(counts[w.Op]); math.Abs(got-want) > 4*math.Sqrt(want) {
				t.Errorf("%s: %v of %d requests, want about %v", w.Op, got, n, want)
			}
		}
	})
	t.Run("EveryOperationActsAsWhoMay", func(t *testing.T) {
		tg := newTargets(t, 100, load.DefaultMix)
		for _, w := range load.DefaultMix {
			for range 20 {
				var tgt vegeta.Target
				if err := tg.Only(w.Op)(&tgt); err != nil {
					t.Fatal(err)
				}
				b := decode(t, tgt)
				auth := tgt.Header.Get("Authorization")
				switch w.Op {
				case load.OpRecsWarm, load.OpRecsCold, load.OpPassbook:
					id, _ := load.ParseGlobalID("Learner", b.Variables["id"].(string))
					if auth != fmt.Sprintf("Bearer LEARNER:%d:%d", id, 1+(id-100)%2) {
						t.Fatalf("%s for learner %d with %q", w.Op, id, auth)
					}
				case load.OpEvidence:
					in := b.Variables["input"].(map[string]any)
					id, _ := load.ParseGlobalID("Learner", in["learnerId"].(string))
					self := auth == fmt.Sprintf("Bearer LEARNER:%d:%d", id, 1+(id-100)%2)
					if (in["source"] == "SELF") != self || (!self && auth != "Bearer PLATFORM_ADMIN:0:0") {
						t.Fatalf("evidence %v with %q", in, auth)
					}
					if in["source"] == "ASSESSMENT" && in["score"] == nil {
						t.Fatalf("an assessment without a score: %v", in)
					}
					if id < 100+int64(tg.WarmPool()) {
						t.Fatalf("a write to learner %d of the warm pool", id)
					}
				case load.OpGapReport:
					id, _ := load.ParseGlobalID("Organisation", b.Variables["org"].(string))
					if auth != fmt.Sprintf("Bearer ORG_ADMIN:0:%d", id) {
						t.Fatalf("gap report of %d with %q", id, auth)
					}
				case load.OpCourses, load.OpCompetencies:
					if auth != "" {
						t.Fatalf("the public catalogue with %q", auth)
					}
				}
				if !strings.Contains(b.Query, b.OperationName) {
					t.Fatalf("%s: operationName %q is not in the query", w.Op, b.OperationName)
				}
			}
		}
	})
	t.Run("ColdFollowsWrites", func(t *testing.T) {
		tg := newTargets(t, 100, load.DefaultMix)
		cold := func() int64 {
			var tgt vegeta.Target
			tg.Only(load.OpRecsCold)(&tgt)
			id, _ := load.ParseGlobalID("Learner", decode(t, tgt).Variables["id"].(string))
			return id
		}
		// Never asked: the learners after the warm pool, in order.
		first := cold()
		if first != 100+int64(tg.WarmPool()) || cold() != first+1 {
			t.Fatalf("first cold learner %d, want %d and then the next", first, 100+tg.WarmPool())
		}
		// A learner whose write was acknowledged comes next.
		tg.Observe(load.Outcome{Op: load.OpEvidence, EvidenceID: 5, Learner: 42})
		tg.Observe(load.Outcome{Op: load.OpEvidence, EvidenceID: 6, Learner: 42}) // queued once
		tg.Observe(load.Outcome{Op: load.OpEvidence, Err: "503 SERVICE_UNAVAILABLE", Learner: 43})
		if got := cold(); got != 142 {
			t.Fatalf("after a write to learner index 42: cold learner %d, want 142", got)
		}
		if got := cold(); got != first+2 {
			t.Fatalf("a failed write, or a second write, queued its learner: cold learner %d", got)
		}
	})
	t.Run("CoursesFollowEndCursor", func(t *testing.T) {
		tg := newTargets(t, 100, load.Mix{{load.OpCourses, 1}})
		tg.Observe(load.Outcome{Op: load.OpCourses, NextCursor: "CURSOR-2", Depth: 0})
		tg.Observe(load.Outcome{Op: load.OpCourses, NextCursor: "CURSOR-9", Depth: 4}) // the visitor's last page
		followed := 0
		for range 50 {
			var tgt vegeta.Target
			tg.Targeter()(&tgt)
			switch after := decode(t, tgt).Variables["after"]; after {
			case nil:
			case "CURSOR-2":
				followed++
				if !strings.HasSuffix(tgt.URL, "/1") {
					t.Fatalf("page 2 at depth %s", tgt.URL)
				}
			default:
				t.Fatalf("followed %v", after)
			}
		}
		if followed != 1 {
			t.Fatalf("followed CURSOR-2 %d times, want once", followed)
		}
	})
}

func TestParseMix(t *testing.T) {
	if m, err := load.ParseMix(""); err != nil || !slices.Equal(m, load.DefaultMix) {
		t.Fatalf("empty: %v %v", m, err)
	}
	if m, err := load.ParseMix("passbook=3, courses_page=1"); err != nil || len(m) != 2 || m[0] != (load.Weight{load.OpPassbook, 3}) {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"passbook", "nothing=1", "passbook=-1", "passbook=0"} {
		if _, err := load.ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
	// String writes what ParseMix reads (the flag's default and the report's mix line).
	if s := load.DefaultMix.String(); !strings.HasPrefix(s, "recommendations_warm=30,") {
		t.Errorf("DefaultMix.String() = %q", s)
	} else if m, err := load.ParseMix(s); err != nil || !slices.Equal(m, load.DefaultMix) {
		t.Errorf("ParseMix(%q) = %v, %v; want DefaultMix", s, m, err)
	}
}

func TestGlobalIDAgreesWithServer(t *testing.T) {
	for _, id := range []int64{1, 42, 1 << 40} {
		for _, typ := range []string{"Learner", "Evidence", "Organisation"} {
			if got, want := load.GlobalID(typ, id), graph.GlobalID(typ, id); got != want {
				t.Fatalf("GlobalID(%s, %d) = %s, server %s", typ, id, got, want)
			}
			if back, ok := load.ParseGlobalID(typ, graph.GlobalID(typ, id)); !ok || back != id {
				t.Fatalf("ParseGlobalID(%s) = %d %v", graph.GlobalID(typ, id), back, ok)
			}
		}
	}
	if _, ok := load.ParseGlobalID("Evidence", graph.GlobalID("Learner", 3)); ok {
		t.Fatal("a learner's ID parsed as evidence")
	}
}

func result(op string, code uint16, body string, errText string) *vegeta.Result {
	return &vegeta.Result{URL: "http://server/graphql#" + op + "/7/2", Code: code, Body: []byte(body), Error: errText,
		Timestamp: time.Unix(100, 0), Latency: 3 * time.Millisecond}
}

func TestClassify(t *testing.T) {
	ev := load.GlobalID("Evidence", 991)
	for _, tc := range []struct {
		name string
		res  *vegeta.Result
		want load.Outcome
	}{
		{"EvidenceAcknowledged", result(load.OpEvidence, 200, `{"data":{"recordEvidence":{"evidence":{"id":"`+ev+`"}}}}`, ""),
			load.Outcome{Op: load.OpEvidence, Status: 200, Learner: 7, Depth: 2, EvidenceID: 991}},
		{"EvidenceWithoutID", result(load.OpEvidence, 200, `{"data":{"recordEvidence":{"evidence":{"id":""}}}}`, ""),
			load.Outcome{Op: load.OpEvidence, Status: 200, Learner: 7, Depth: 2, Err: "200 NO_EVIDENCE_ID", Message: "recordEvidence answered without an evidence ID"}},
		{"Unavailable", result(load.OpEvidence, 503, `{"errors":[{"message":"try again","extensions":{"code":"SERVICE_UNAVAILABLE"}}],"data":null}`, "503 Service Unavailable"),
			load.Outcome{Op: load.OpEvidence, Status: 503, Learner: 7, Depth: 2, Err: "503 SERVICE_UNAVAILABLE", Message: "try again"}},
		{"FieldError", result(load.OpPassbook, 200, `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}],"data":{"learner":null}}`, ""),
			load.Outcome{Op: load.OpPassbook, Status: 200, Learner: 7, Depth: 2, Err: "200 INTERNAL", Message: "internal error"}},
		{"Refused", result(load.OpCourses, 0, "", "Post \"http://server/graphql\": dial tcp 127.0.0.1:1: connect: connection refused"),
			load.Outcome{Op: load.OpCourses, Learner: 7, Depth: 2, Err: "transport: connection refused",
				Message: "Post \"http://server/graphql\": dial tcp 127.0.0.1:1: connect: connection refused"}},
		{"RateLimited", result(load.OpCourses, 429, `{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}`, "429"),
			load.Outcome{Op: load.OpCourses, Status: 429, Learner: 7, Depth: 2, Err: "429 RATE_LIMITED", Message: "slow down"}},
		{"NextPage", result(load.OpCourses, 200, `{"data":{"courses":{"pageInfo":{"hasNextPage":true,"endCursor":"C1"}}}}`, ""),
			load.Outcome{Op: load.OpCourses, Status: 200, Learner: 7, Depth: 2, NextCursor: "C1"}},
		{"LastPage", result(load.OpCourses, 200, `{"data":{"courses":{"pageInfo":{"hasNextPage":false,"endCursor":"C9"}}}}`, ""),
			load.Outcome{Op: load.OpCourses, Status: 200, Learner: 7, Depth: 2}},
		{"Cached", result(load.OpRecsWarm, 200, `{"data":{"recommendations":{"cached":true,"items":[]}}}`, ""),
			load.Outcome{Op: load.OpRecsWarm, Status: 200, Learner: 7, Depth: 2, Cached: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := load.Classify(tc.res)
			tc.want.Start, tc.want.Latency = tc.res.Timestamp, tc.res.Latency
			if got != tc.want {
				t.Fatalf("Classify = %+v\nwant       %+v", got, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0.001, time.Millisecond}} {
		if got := load.Percentile(lat, tc.q); got != tc.want {
			t.Errorf("Percentile(1..100 ms, %v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := load.Percentile(nil, 0.99); got != 0 {
		t.Errorf("no values: %v", got)
	}
	if got := load.Percentile([]time.Duration{7}, 0.5); got != 7 {
		t.Errorf("one value: %v", got)
	}
}

func TestSummarize(t *testing.T) {
	at := time.Unix(0, 0)
	var outs []load.Outcome
	for i := range 90 {
		outs = append(outs, load.Outcome{Op: load.OpPassbook, Start: at.Add(time.Duration(i) * 10 * time.Millisecond), Latency: time.Duration(i+1) * time.Millisecond})
	}
	for i := range 10 {
		outs = append(outs, load.Outcome{Op: load.OpEvidence, Start: at.Add(time.Duration(i) * 100 * time.Millisecond), Latency: time.Millisecond,
			Err: "503 SERVICE_UNAVAILABLE", Message: "later"})
	}
	r := load.Summarize("test", 100, time.Second, outs)
	if r.All.Requests != 100 || r.All.OK != 90 || r.All.Throughput != 90 || r.All.ErrorRate() != 0.1 {
		t.Fatalf("all: %+v", r.All)
	}
	pb := r.Ops[load.OpPassbook]
	if pb.P50 != 45 || pb.P99 != 90 || pb.Max != 90 || pb.Errors != nil {
		t.Fatalf("passbook: %+v", pb)
	}
	if ev := r.Ops[load.OpEvidence]; ev.Errors["503 SERVICE_UNAVAILABLE"] != 10 || ev.OK != 0 || r.Examples["503 SERVICE_UNAVAILABLE"] != "later" {
		t.Fatalf("evidence: %+v, examples %v", ev, r.Examples)
	}
	if got := load.Elapsed(outs); got != 980*time.Millisecond {
		t.Fatalf("Elapsed = %v, want 980ms (the 90th passbook ends last)", got)
	}
	var text strings.Builder
	r.WriteText(&text)
	if !strings.Contains(text.String(), "503 SERVICE_UNAVAILABLE×10") || !strings.Contains(text.String(), "passbook") {
		t.Fatalf("text report:\n%s", text.String())
	}
	if ok, why := load.Sustainable(r, 100, time.Second, 0.01); ok || !strings.Contains(why, "errors 10.00%") {
		t.Fatalf("Sustainable with 10%% errors: %v %s", ok, why)
	}
	if ok, why := load.Sustainable(load.Summarize("ok", 90, time.Second, outs[:90]), 90, 50*time.Millisecond, 0.01); ok || !strings.Contains(why, "p99 90 ms") {
		t.Fatalf("Sustainable with p99 90 ms over 50: %v %s", ok, why)
	}
	if ok, why := load.Sustainable(load.Summarize("ok", 90, time.Second, outs[:90]), 90, time.Second, 0.01); !ok {
		t.Fatalf("Sustainable: %s", why)
	}
}

// A write the server acknowledged and the database does not hold is lost;
// a failed write is not checked.
func TestWritesLost(t *testing.T) {
	var w load.Writes
	for id := int64(1); id <= 12000; id++ {
		w.Record(load.Outcome{Op: load.OpEvidence, EvidenceID: id})
	}
	w.Record(load.Outcome{Op: load.OpEvidence, EvidenceID: 5}) // twice: checked once
	w.Record(load.Outcome{Op: load.OpEvidence, Err: "503 SERVICE_UNAVAILABLE"})
	w.Record(load.Outcome{Op: load.OpPassbook})
	calls, biggest := 0, 0
	db := func(_ context.Context, ids []int64) (map[int64]bool, error) {
		calls++
		biggest = max(biggest, len(ids))
		found := map[int64]bool{}
		for _, id := range ids {
			if id != 7 && id != 11999 {
				found[id] = true
			}
		}
		return found, nil
	}
	lost, err := w.Lost(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lost, []int64{7, 11999}) {
		t.Fatalf("lost %v, want [7 11999]", lost)
	}
	if acked, failed := w.Counts(); acked != 12001 || failed != 1 {
		t.Fatalf("counts %d acknowledged, %d failed", acked, failed)
	}
	if calls != 3 || biggest > 5000 {
		t.Fatalf("%d queries, the largest of %d IDs; want 3 of at most 5000", calls, biggest)
	}
	if _, err := w.Lost(context.Background(), func(context.Context, []int64) (map[int64]bool, error) {
		return nil, fmt.Errorf("down")
	}); err == nil {
		t.Fatal("a failing database gave no error")
	}
}

func TestParseMetrics(t *testing.T) {
	m, err := load.ParseMetrics(strings.NewReader(`# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 42
karmayogi_cache_hits_total 1.5e+06
karmayogi_graphql_errors_total{code="INTERNAL",operation="x"} 2
karmayogi_graphql_errors_total{code="NOT_FOUND",operation="y {z}"} 3
`))
	if err != nil || m[load.MetricGoroutines] != 42 || m[load.MetricCacheHits] != 1.5e6 || m["karmayogi_graphql_errors_total"] != 5 {
		t.Fatalf("%v %v", m, err)
	}
}
