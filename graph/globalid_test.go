package graph_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/graph"
)

func TestGlobalID(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) {
		id := graph.GlobalID("Learner", 42)
		if id != "TGVhcm5lcjo0Mg" {
			t.Errorf("GlobalID = %q", id)
		}
		for _, s := range []string{id, id + "=="} {
			typ, n, ok := graph.ParseGlobalID(s)
			if !ok || typ != "Learner" || n != 42 {
				t.Errorf("ParseGlobalID(%q) = %q, %d, %v", s, typ, n, ok)
			}
		}
	})
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, s := range map[string]string{
		"Empty":        "",
		"NotBase64":    "not base64!",
		"NoColon":      enc("Learner42"),
		"NoType":       enc(":42"),
		"NotNumber":    enc("Learner:forty-two"),
		"Zero":         enc("Learner:0"),
		"Negative":     enc("Learner:-1"),
		"LeadingZero":  enc("Learner:042"),
		"Plus":         enc("Learner:+42"),
		"Overflow":     enc("Learner:99999999999999999999"),
		"TrailingJunk": enc("Learner:42") + "x",
	} {
		t.Run("Err"+name, func(t *testing.T) {
			if typ, n, ok := graph.ParseGlobalID(s); ok {
				t.Errorf("ParseGlobalID(%q) = %q, %d, true; want not ok", s, typ, n)
			}
		})
	}
}

func TestSDL(t *testing.T) {
	sdl := graph.SDL()
	for _, want := range []string{
		"interface Node {",
		"type Query {",
		"learners(",
		"input LearnerFilter {",
		"includeSubOrganisations: Boolean = true",
		"weight: Float = 1",
		"type Mutation {",
		"input: RegisterLearnerInput!",
		"): RegisterLearnerPayload!",
		"The organisation's opaque global ID.",
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("SDL lacks %q", want)
		}
	}
	if sdl != graph.SDL() {
		t.Error("SDL is not deterministic")
	}
}
