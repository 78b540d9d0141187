package gqlhttp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/testserver"

	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept string
		want   string // "" for 406
		legacy bool
	}{
		{"NoHeader", "", gqlhttp.JSON, false},
		{"GraphQLResponse", "application/graphql-response+json", gqlhttp.GraphQLResponseJSON, false},
		{"JSON", "application/json", gqlhttp.JSON, true},
		{"Anything", "*/*", gqlhttp.JSON, true},
		{"AnyApplication", "application/*", gqlhttp.JSON, true},
		{"ApolloDefault", "application/graphql-response+json,application/json;q=0.9", gqlhttp.GraphQLResponseJSON, false},
		{"JSONPreferred", "application/graphql-response+json;q=0.5, application/json", gqlhttp.JSON, true},
		{"BothExactGraphQLResponseWins", "application/json, application/graphql-response+json", gqlhttp.GraphQLResponseJSON, false},
		{"ExactBeatsWildcard", "*/*, application/graphql-response+json", gqlhttp.GraphQLResponseJSON, false},
		{"BrowserNavigation", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", gqlhttp.JSON, true},
		{"ExcludedByQZero", "application/graphql-response+json;q=0, */*", gqlhttp.JSON, true},
		{"WithCharset", "application/json; charset=utf-8", gqlhttp.JSON, true},
		{"NothingServed", "text/html", "", false},
		{"AllExcluded", "application/json;q=0, application/graphql-response+json;q=0", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var accept []string
			if tc.accept != "" {
				accept = []string{tc.accept}
			}
			m, ok := gqlhttp.Negotiate(accept)
			if tc.want == "" {
				if ok {
					t.Fatalf("Negotiate(%q) = %+v, want not acceptable", tc.accept, m)
				}
				return
			}
			if !ok || m.Type != tc.want || m.Legacy != tc.legacy {
				t.Fatalf("Negotiate(%q) = %+v, %v; want %s legacy=%v", tc.accept, m, ok, tc.want, tc.legacy)
			}
		})
	}
}

type result struct {
	status int
	header http.Header
	body   map[string]json.RawMessage
	raw    string
}

func do(t *testing.T, srv *httptest.Server, method, target string, header map[string]string, body string) result {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := result{status: res.StatusCode, header: res.Header, raw: string(b)}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &r.body); err != nil {
			t.Fatalf("body is not a JSON object: %s", b)
		}
	}
	return r
}

func TestTransport(t *testing.T) {
	ts := testserver.New()
	ts.AddTransport(gqlhttp.Transport{})
	srv := httptest.NewServer(ts)
	defer srv.Close()

	const (
		gqlResp = "application/graphql-response+json; charset=utf-8"
		legacy  = "application/json; charset=utf-8"
	)
	jsonCT := func(accept string) map[string]string {
		h := map[string]string{"Content-Type": "application/json"}
		if accept != "" {
			h["Accept"] = accept
		}
		return h
	}
	for _, tc := range []struct {
		name        string
		method      string
		target      string
		header      map[string]string
		body        string
		status      int
		contentType string
		data        bool   // the response has a data entry
		code        string // extensions.code of the first error, if any
	}{
		{"QueryGraphQLResponse", "POST", "", jsonCT("application/graphql-response+json"), `{"query":"{ name }"}`, 200, gqlResp, true, ""},
		{"QueryJSON", "POST", "", jsonCT("application/json"), `{"query":"{ name }"}`, 200, legacy, true, ""},
		{"QueryNoAccept", "POST", "", jsonCT(""), `{"query":"{ name }"}`, 200, legacy, true, ""},
		{"QueryOverGET", "GET", "?query=" + url.QueryEscape("{ name }"), nil, "", 200, legacy, true, ""},
		{"ContentTypeWithCharset", "POST", "", map[string]string{"Content-Type": "application/json; charset=utf-8"}, `{"query":"{ name }"}`, 200, legacy, true, ""},

		// Request errors: 400 and no data under graphql-response+json, 200 under
		// application/json as asked, 400 without an Accept header.
		{"ParseErrorGraphQLResponse", "POST", "", jsonCT("application/graphql-response+json"), `{"query":"{"}`, 400, gqlResp, false, "GRAPHQL_PARSE_FAILED"},
		{"ParseErrorJSON", "POST", "", jsonCT("application/json"), `{"query":"{"}`, 200, legacy, false, "GRAPHQL_PARSE_FAILED"},
		{"ParseErrorNoAccept", "POST", "", jsonCT(""), `{"query":"{"}`, 400, legacy, false, "GRAPHQL_PARSE_FAILED"},
		{"ValidationErrorGraphQLResponse", "POST", "", jsonCT("application/graphql-response+json"), `{"query":"{ nope }"}`, 400, gqlResp, false, "GRAPHQL_VALIDATION_FAILED"},
		{"ValidationErrorJSON", "POST", "", jsonCT("application/json"), `{"query":"{ nope }"}`, 200, legacy, false, "GRAPHQL_VALIDATION_FAILED"},
		{"CoercionErrorGraphQLResponse", "POST", "", jsonCT("application/graphql-response+json"),
			`{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":null}}`, 400, gqlResp, false, "GRAPHQL_VALIDATION_FAILED"},

		// Malformed requests: 400 whatever is accepted.
		{"NotJSON", "POST", "", jsonCT("application/json"), `{ "not a JSON`, 400, legacy, false, "BAD_REQUEST"},
		{"TrailingData", "POST", "", jsonCT("application/json"), `{"query":"{ name }"} {}`, 400, legacy, false, "BAD_REQUEST"},
		{"Batch", "POST", "", jsonCT(""), `[{"query":"{ name }"}]`, 400, legacy, false, "BAD_REQUEST"},
		{"EmptyBody", "POST", "", jsonCT(""), ``, 400, legacy, false, "BAD_REQUEST"},
		{"MissingQuery", "POST", "", jsonCT("application/json"), `{"qeury":"{ name }"}`, 400, legacy, false, "BAD_REQUEST"},
		{"QueryNotString", "POST", "", jsonCT("application/graphql-response+json"), `{"query":{"obj":"ect"}}`, 400, gqlResp, false, "BAD_REQUEST"},
		{"VariablesNotMap", "POST", "", jsonCT(""), `{"query":"{ name }","variables":"string"}`, 400, legacy, false, "BAD_REQUEST"},
		{"OperationNameNotString", "POST", "", jsonCT(""), `{"query":"{ name }","operationName":0}`, 400, legacy, false, "BAD_REQUEST"},
		{"GETVariablesNotJSON", "GET", "?query=" + url.QueryEscape("{ name }") + "&variables=%7B", nil, "", 400, legacy, false, "BAD_REQUEST"},
		{"GETMissingQuery", "GET", "", nil, "", 400, legacy, false, "BAD_REQUEST"},

		// Methods and media types.
		{"MutationOverGET", "GET", "?query=" + url.QueryEscape("mutation { name }"), map[string]string{"Accept": "application/graphql-response+json"}, "", gqlhttp.StatusMutationOverGET, gqlResp, false, "BAD_REQUEST"},
		{"NoContentType", "POST", "", nil, `{"query":"{ name }"}`, 415, legacy, false, "BAD_REQUEST"},
		{"FormPOST", "POST", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, `query=%7B+name+%7D`, 415, legacy, false, "BAD_REQUEST"},
		{"Latin1", "POST", "", map[string]string{"Content-Type": "application/json; charset=latin1"}, `{"query":"{ name }"}`, 415, legacy, false, "BAD_REQUEST"},
		{"PUT", "PUT", "", jsonCT(""), `{"query":"{ name }"}`, 405, legacy, false, "BAD_REQUEST"},
		{"DELETE", "DELETE", "", nil, "", 405, legacy, false, "BAD_REQUEST"},
		{"NotAcceptable", "POST", "", jsonCT("text/html"), `{"query":"{ name }"}`, 406, legacy, false, "BAD_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.target, tc.header, tc.body)
			if r.status != tc.status {
				t.Errorf("HTTP %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if ct := r.header.Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if _, ok := r.body["data"]; ok != tc.data {
				t.Errorf("data entry present = %v, want %v: %s", ok, tc.data, r.raw)
			}
			var errs []struct {
				Message    string
				Extensions map[string]any
			}
			if raw, ok := r.body["errors"]; ok {
				json.Unmarshal(raw, &errs)
			}
			switch {
			case tc.code == "" && len(errs) > 0:
				t.Errorf("errors: %s", r.raw)
			case tc.code != "" && (len(errs) == 0 || errs[0].Extensions["code"] != tc.code):
				t.Errorf("want an error with extensions.code %s: %s", tc.code, r.raw)
			}
			allow := "GET, POST, OPTIONS"
			if tc.name == "MutationOverGET" {
				allow = "POST" // the method the operation needs
			}
			if tc.status == 405 && r.header.Get("Allow") != allow {
				t.Errorf("Allow = %q, want %s", r.header.Get("Allow"), allow)
			}
		})
	}

	t.Run("OPTIONS", func(t *testing.T) {
		r := do(t, srv, http.MethodOptions, "", nil, "")
		if r.status != http.StatusNoContent || r.header.Get("Allow") != "GET, POST, OPTIONS" {
			t.Fatalf("HTTP %d, Allow %q; want 204 with GET, POST, OPTIONS", r.status, r.header.Get("Allow"))
		}
	})
	t.Run("VaryAccept", func(t *testing.T) {
		r := do(t, srv, http.MethodGet, "?query="+url.QueryEscape("{ name }"), nil, "")
		if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept") {
			t.Fatalf("Vary = %q, want Accept: a GET's response depends on it", r.header.Values("Vary"))
		}
	})
}
