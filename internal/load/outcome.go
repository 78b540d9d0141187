package load

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Outcome is what one request came to.
type Outcome struct {
	Op      string
	Start   time.Time
	Latency time.Duration
	Status  int    // HTTP status; 0 when no response came (refused, reset, timed out)
	Err     string // "" for success; otherwise the error's key, e.g. "503 SERVICE_UNAVAILABLE" or "transport: connection refused"
	Message string // the first error's message, as an example for the report
	Cached  bool   // recommendations or a gap report the server took from its cache

	Learner    int    // the learner's index in the fixtures, -1 for none
	Depth      int    // courses: the page's depth in a visitor's browsing
	NextCursor string // courses: endCursor, when another page follows
	EvidenceID int64  // evidence writes: the ID acknowledged (HTTP 200, the ID in data, no error)
}

// OK reports whether the request succeeded: HTTP 200 without errors.
func (o Outcome) OK() bool { return o.Err == "" }

// response is the part of a GraphQL response the harness reads.
type response struct {
	Data struct {
		Recommendations *struct{ Cached bool } `json:"recommendations"`
		GapReport       *struct{ Cached bool } `json:"gapReport"`
		RecordEvidence  *struct {
			Evidence struct{ ID string }
		} `json:"recordEvidence"`
		Courses *struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		} `json:"courses"`
	} `json:"data"`
	Errors []struct {
		Message    string
		Extensions struct{ Code string }
	} `json:"errors"`
}

// Classify turns vegeta's result into an Outcome. A request succeeded when it
// answered 200 with no errors; otherwise Err is "STATUS CODE" from the HTTP status
// and the first error's extensions.code, or "transport: ..." when no response came.
func Classify(r *vegeta.Result) Outcome {
	o := Outcome{Start: r.Timestamp, Latency: r.Latency, Status: int(r.Code), Learner: -1}
	o.Op, o.Learner, o.Depth = parseFragment(r.URL)
	if r.Code == 0 {
		o.Err, o.Message = "transport: "+transportError(r.Error), r.Error
		return o
	}
	var resp response
	jsonErr := json.Unmarshal(r.Body, &resp)
	code := ""
	if len(resp.Errors) > 0 {
		code, o.Message = resp.Errors[0].Extensions.Code, resp.Errors[0].Message
	}
	switch {
	case r.Code != 200 || code != "":
		if code == "" {
			code = "-"
		}
		o.Err = fmt.Sprintf("%d %s", r.Code, code)
		return o
	case jsonErr != nil:
		o.Err, o.Message = "200 BAD_JSON", jsonErr.Error()
		return o
	}
	d := resp.Data
	switch {
	case d.Recommendations != nil:
		o.Cached = d.Recommendations.Cached
	case d.GapReport != nil:
		o.Cached = d.GapReport.Cached
	case d.RecordEvidence != nil:
		id, ok := ParseGlobalID("Evidence", d.RecordEvidence.Evidence.ID)
		if !ok {
			o.Err, o.Message = "200 NO_EVIDENCE_ID", "recordEvidence answered without an evidence ID"
			return o
		}
		o.EvidenceID = id
	case d.Courses != nil && d.Courses.PageInfo.HasNextPage:
		o.NextCursor = d.Courses.PageInfo.EndCursor
	}
	return o
}

// parseFragment reads "op/learner/depth" from the target URL's fragment.
func parseFragment(raw string) (op string, learner, depth int) {
	learner = -1
	u, err := url.Parse(raw)
	if err != nil {
		return "unknown", learner, 0
	}
	parts := strings.Split(u.Fragment, "/")
	if len(parts) != 3 {
		return "unknown", learner, 0
	}
	learner, _ = strconv.Atoi(parts[1])
	depth, _ = strconv.Atoi(parts[2])
	return parts[0], learner, depth
}

// transportError shortens a client error to what went wrong, without the URL and
// the addresses, so that equal failures count as one kind.
func transportError(e string) string {
	switch {
	case strings.Contains(e, "connection refused"):
		return "connection refused"
	case strings.Contains(e, "connection reset"):
		return "connection reset"
	case strings.Contains(e, "Client.Timeout") || strings.Contains(e, "deadline exceeded") || strings.Contains(e, "timeout"):
		return "timeout"
	case strings.Contains(e, "EOF"):
		return "EOF"
	}
	if i := strings.LastIndex(e, ": "); i >= 0 {
		return e[i+2:]
	}
	return e
}
