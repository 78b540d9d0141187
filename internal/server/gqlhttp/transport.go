// Package gqlhttp is the GraphQL-over-HTTP transport of the API: one gqlgen
// transport for GET, POST, OPTIONS and every other method, written to the
// GraphQL over HTTP specification (https://graphql.github.io/graphql-over-http/)
// and checked against graphql-http's server audits (clients/http-audit).
//
// What it adds to gqlgen's GET and POST transports:
//
//   - Content negotiation with q-values: application/graphql-response+json when
//     the client prefers it, application/json when it asks for that or for */*,
//     406 when it accepts neither. Both are labelled charset=utf-8.
//   - Status codes by media type. Under application/graphql-response+json a
//     request error (the document does not parse or validate, a variable does not
//     coerce, a limit refuses the document) is 400. Under application/json, which a
//     client asked for, it is 200 with the errors in the body, as the spec asks of
//     that legacy type. Without an Accept header the body is application/json
//     and request errors keep their 400, so a refusal is visible in the status.
//   - No "data" entry when the operation never ran (the GraphQL spec: "if an
//     error was raised before execution begins, the data entry should not be
//     present").
//   - 405 with an Allow header for methods other than GET, POST and OPTIONS; 415
//     for a POST body that is not application/json (so no cross-site form can
//     post); 400 for a body that is not one JSON object, for parameters of the
//     wrong type and for a missing query.
//
// Mutations over GET are refused before they run with StatusMutationOverGET.
package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The media types a response can have.
const (
	GraphQLResponseJSON = "application/graphql-response+json"
	JSON                = "application/json"
)

// StatusMutationOverGET answers a GET whose operation is a mutation: 405 with
// Allow: POST, as the GraphQL-over-HTTP spec asks (gqlgen's own transport says 406).
const StatusMutationOverGET = http.StatusMethodNotAllowed

// allowed is the Allow header of /graphql.
const allowed = "GET, POST, OPTIONS"

// CodeBadRequest is extensions.code of a request refused before GraphQL saw it
// (not JSON, wrong media type, wrong method, wrong parameter types).
const CodeBadRequest = "BAD_REQUEST"

// CodeUnavailable is extensions.code of an error the service cannot help now
// (its database is unreachable). A response whose every error carries it and
// which holds no data answers 503 with Retry-After: nothing ran that a client
// could use, and a retry in a moment may succeed.
const CodeUnavailable = "SERVICE_UNAVAILABLE"

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "1"

// Transport serves GraphQL over HTTP. It claims every request that is not a
// protocol upgrade, so a WebSocket transport beside it still gets those.
type Transport struct{}

var _ graphql.Transport = Transport{}

// Supports claims every request except protocol upgrades (WebSocket).
func (Transport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

// Do serves one request.
func (Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	h := w.Header()
	switch r.Method {
	case http.MethodOptions:
		h.Set("Allow", allowed)
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodPost:
	default:
		h.Set("Allow", allowed)
		writeRefusal(w, JSON, http.StatusMethodNotAllowed, "method %s is not allowed; use GET for queries or POST", r.Method)
		return
	}
	h.Add("Vary", "Accept")
	media, ok := Negotiate(r.Header.Values("Accept"))
	if !ok {
		writeRefusal(w, JSON, http.StatusNotAcceptable, "none of the accepted media types is served; accept %s or %s", GraphQLResponseJSON, JSON)
		return
	}
	status := media.requestErrorStatus()

	var params *graphql.RawParams
	var err error
	start := graphql.Now()
	if r.Method == http.MethodGet {
		params, err = getParams(r)
	} else {
		if code, msg := CheckContentType(r.Header.Get("Content-Type")); code != 0 {
			writeRefusal(w, media.Type, code, "%s", msg)
			return
		}
		params, err = postParams(r)
	}
	if err != nil {
		writeRefusal(w, media.Type, http.StatusBadRequest, "%s", err)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		code := http.StatusOK
		if requestError(errs) {
			code = status
		}
		if rateLimited(errs) { // the caller's budget is spent: nothing ran
			code = http.StatusTooManyRequests
			w.Header().Set("Retry-After", retryAfter)
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeResponse(w, media.Type, code, resp, false)
		return
	}
	switch op := opCtx.Doc.Operations.ForName(opCtx.OperationName); {
	case op == nil: // CreateOperationContext has already refused this; be safe
		writeRefusal(w, media.Type, status, "no operation named %q", opCtx.OperationName)
		return
	case r.Method == http.MethodGet && op.Operation != ast.Query:
		h.Set("Allow", "POST")
		writeRefusal(w, media.Type, StatusMutationOverGET, "GET requests only allow query operations; send a %s over POST", op.Operation)
		return
	case op.Operation == ast.Subscription:
		writeRefusal(w, media.Type, status, "subscriptions are served over WebSocket (graphql-ws), not plain HTTP")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	code := http.StatusOK
	if Unavailable(resp) {
		code = http.StatusServiceUnavailable
		h.Set("Retry-After", retryAfter)
	}
	writeResponse(w, media.Type, code, resp, true)
}

// Unavailable reports whether a response is nothing but CodeUnavailable errors:
// at least one error, every one of that code, and data null or an object of nulls.
func Unavailable(resp *graphql.Response) bool {
	if resp == nil || len(resp.Errors) == 0 {
		return false
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] != CodeUnavailable {
			return false
		}
	}
	data := bytes.TrimSpace(resp.Data)
	if len(data) == 0 || string(data) == "null" {
		return true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return false
	}
	for _, v := range fields {
		if string(bytes.TrimSpace(v)) != "null" {
			return false
		}
	}
	return true
}

// Media is the outcome of content negotiation.
type Media struct {
	Type string // GraphQLResponseJSON or JSON
	// Legacy is set when the client asked for application/json (or anything):
	// request errors are then 200, as the spec asks of that media type.
	Legacy bool
}

func (m Media) requestErrorStatus() int {
	if m.Legacy {
		return http.StatusOK
	}
	return http.StatusBadRequest
}

// Negotiate picks the response media type for the Accept header values. No
// header means application/json (for clients that predate the spec) with the
// status codes of application/graphql-response+json. Otherwise the highest
// q-value wins; on a tie the more specific range wins, and between two exact
// matches application/graphql-response+json does, while a wildcard alone
// (*/*, application/*) gets application/json. ok is false when neither type is
// acceptable.
func Negotiate(accept []string) (m Media, ok bool) {
	header := strings.TrimSpace(strings.Join(accept, ","))
	if header == "" {
		return Media{Type: JSON}, true
	}
	type match struct {
		q           float64
		specificity int // 2 exact, 1 application/*, 0 */*, -1 no range matches
	}
	g, j := match{specificity: -1}, match{specificity: -1}
	for part := range strings.SplitSeq(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		for _, c := range []struct {
			media string
			best  *match
		}{{GraphQLResponseJSON, &g}, {JSON, &j}} {
			spec := -1
			switch mt {
			case c.media:
				spec = 2
			case "application/*":
				spec = 1
			case "*/*":
				spec = 0
			}
			// The most specific matching range decides a type's q (RFC 9110, 12.5.1).
			if spec > c.best.specificity || (spec == c.best.specificity && spec >= 0 && q > c.best.q) {
				*c.best = match{q: q, specificity: spec}
			}
		}
	}
	gOK, jOK := g.specificity >= 0 && g.q > 0, j.specificity >= 0 && j.q > 0
	switch {
	case !gOK && !jOK:
		return Media{}, false
	case gOK && (!jOK || g.q > j.q || (g.q == j.q && g.specificity == 2)):
		return Media{Type: GraphQLResponseJSON}, true
	default:
		return Media{Type: JSON, Legacy: true}, true
	}
}

// CheckContentType admits a POST body's Content-Type: application/json in UTF-8
// (the charset may be left out). Otherwise it returns the status and message of
// the refusal.
func CheckContentType(ct string) (int, string) {
	if ct == "" {
		return http.StatusUnsupportedMediaType, "a POST needs Content-Type: application/json"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != JSON {
		return http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not supported; send application/json", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return http.StatusUnsupportedMediaType, fmt.Sprintf("charset %q is not supported; send UTF-8", cs)
	}
	return 0, ""
}

// wireParams is a request body as sent, so that each parameter's type can be checked.
type wireParams struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

func postParams(r *http.Request) (*graphql.RawParams, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("could not read the request body")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("the request body is empty; send a JSON object with a query")
	}
	if body[0] != '{' {
		return nil, errors.New("the request body must be one JSON object (batches are not supported)")
	}
	var wire wireParams
	if err := decode(body, &wire); err != nil {
		return nil, fmt.Errorf("the request body is not valid JSON: %v", err)
	}
	p := &graphql.RawParams{}
	if err := decodeString(wire.Query, &p.Query, "query"); err != nil {
		return nil, err
	}
	if err := decodeString(wire.OperationName, &p.OperationName, "operationName"); err != nil {
		return nil, err
	}
	if err := decodeMap(wire.Variables, &p.Variables, "variables"); err != nil {
		return nil, err
	}
	if err := decodeMap(wire.Extensions, &p.Extensions, "extensions"); err != nil {
		return nil, err
	}
	return p, checkQuery(p)
}

func getParams(r *http.Request) (*graphql.RawParams, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the query string is malformed: %v", err)
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" {
		if err := decodeMap(json.RawMessage(v), &p.Variables, "variables"); err != nil {
			return nil, err
		}
	}
	if v := q.Get("extensions"); v != "" {
		if err := decodeMap(json.RawMessage(v), &p.Extensions, "extensions"); err != nil {
			return nil, err
		}
	}
	return p, checkQuery(p)
}

// checkQuery refuses a request without a query, unless it names a persisted one.
func checkQuery(p *graphql.RawParams) error {
	if p.Query != "" {
		return nil
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return nil
	}
	return errors.New("the query parameter is missing or empty")
}

func decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // as gqlgen: variables keep their exact numbers
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

func decodeString(raw json.RawMessage, dst *string, name string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '"' || json.Unmarshal(raw, dst) != nil {
		return fmt.Errorf("the %s parameter must be a string", name)
	}
	return nil
}

func decodeMap(raw json.RawMessage, dst *map[string]any, name string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' || decode(raw, dst) != nil {
		return fmt.Errorf("the %s parameter must be a JSON object", name)
	}
	return nil
}

// requestError reports whether errs stopped the request before execution in a
// way the client must fix: parse, validation, variable coercion or a limit.
// gqlgen's user-kind errors (an unknown persisted query, which clients answer by
// sending the query) stay 200 under every media type.
func requestError(errs gqlerror.List) bool {
	for _, e := range errs {
		if e.Extensions["code"] == "COMPLEXITY_LIMIT_EXCEEDED" {
			return true
		}
	}
	return errcode.GetErrorKind(errs) == errcode.KindProtocol
}

// CodeRateLimited is extensions.code of a request refused for its caller's rate
// or budget; when it is every error of a request that never ran, the answer is
// HTTP 429 with Retry-After.
const CodeRateLimited = "RATE_LIMITED"

// rateLimited reports whether errs are all CodeRateLimited.
func rateLimited(errs gqlerror.List) bool {
	for _, e := range errs {
		if e.Extensions["code"] != CodeRateLimited {
			return false
		}
	}
	return len(errs) > 0
}

// contentType is the Content-Type header for a media type.
func contentType(media string) string { return media + "; charset=utf-8" }

// writeResponse writes a GraphQL response. executed is false when the operation
// never ran: the response then has no data entry.
func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response, executed bool) {
	var b []byte
	var err error
	if executed {
		b, err = json.Marshal(resp)
	} else {
		b, err = json.Marshal(struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions})
	}
	if err != nil {
		writeRefusal(w, media, http.StatusInternalServerError, "the response could not be encoded")
		return
	}
	w.Header().Set("Content-Type", contentType(media))
	w.WriteHeader(status)
	w.Write(b)
}

// writeRefusal answers a request that GraphQL never saw, with one error
// whose extensions.code is BAD_REQUEST (INTERNAL for a 5xx).
func writeRefusal(w http.ResponseWriter, media string, status int, format string, args ...any) {
	code := CodeBadRequest
	if status >= 500 {
		code = "INTERNAL"
	}
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message": fmt.Sprintf(format, args...), "extensions": map[string]string{"code": code}}}})
	w.Header().Set("Content-Type", contentType(media))
	w.WriteHeader(status)
	w.Write(b)
}
