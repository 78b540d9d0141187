package gqlhttp_test

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/openkarmayogi/karmayogi/internal/server/gqlhttp"
)

// Only a response with nothing in it but SERVICE_UNAVAILABLE errors is a 503; a
// partial answer stays 200.
func TestUnavailable(t *testing.T) {
	err := func(code string) *gqlerror.Error {
		return &gqlerror.Error{Message: "x", Extensions: map[string]any{"code": code}}
	}
	for _, tc := range []struct {
		name string
		data string
		errs gqlerror.List
		want bool
	}{
		{"DataNull", "null", gqlerror.List{err(gqlhttp.CodeUnavailable)}, true},
		{"FieldsNull", `{"learner":null,"courses":null}`, gqlerror.List{err(gqlhttp.CodeUnavailable), err(gqlhttp.CodeUnavailable)}, true},
		{"NoData", "", gqlerror.List{err(gqlhttp.CodeUnavailable)}, true},
		{"PartialData", `{"learner":null,"courses":{"totalCount":3}}`, gqlerror.List{err(gqlhttp.CodeUnavailable)}, false},
		{"OtherCode", "null", gqlerror.List{err(gqlhttp.CodeUnavailable), err("INTERNAL")}, false},
		{"NoErrors", "null", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &graphql.Response{Data: json.RawMessage(tc.data), Errors: tc.errs}
			if got := gqlhttp.Unavailable(resp); got != tc.want {
				t.Fatalf("Unavailable(%s, %d errors) = %v, want %v", tc.data, len(tc.errs), got, tc.want)
			}
		})
	}
}
