package load_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/load"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestBareHandlerServesTheAPIsAnswer: PrimeBare stores the API's answer to each
// request, and the bare handler gives each request exactly that answer back, and
// another caller's request nothing.
func TestBareHandlerServesTheAPIsAnswer(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write([]byte(`{"data":{"echo":` + string(bytes.TrimSpace(body)) + `,"who":"` + r.Header.Get("Authorization") + `"}}`))
	}))
	defer api.Close()
	c := cache.NewMemory()
	defer c.Close()
	bare := httptest.NewServer(load.BareHandler(c.Get))
	defer bare.Close()

	fx := &load.Fixtures{Learners: []load.Learner{{ID: 1, OrganisationID: 7}, {ID: 2, OrganisationID: 7}}}
	mint := func(c models.Caller, _ time.Duration) (string, error) {
		return "token-of-" + load.GlobalID("Learner", c.LearnerID), nil
	}
	targets, err := load.SameRunTargets(api.URL, load.SameRunRecommendations, fx, mint, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	size, err := load.PrimeBare(ctx, targets, func(ctx context.Context, k string, v []byte) error { return c.Set(ctx, k, v, time.Minute) })
	if err != nil || size < 100 {
		t.Fatalf("PrimeBare: %d bytes, %v", size, err)
	}
	for _, tg := range targets {
		want := ask(t, api.URL, tg.Header.Get("Authorization"), tg.Body)
		if got := ask(t, bare.URL, tg.Header.Get("Authorization"), tg.Body); !bytes.Equal(got, want) {
			t.Errorf("bare answered %s, want the API's %s", got, want)
		}
	}
	// Learner 2's request with learner 1's token was never primed.
	req, _ := http.NewRequest(http.MethodPost, bare.URL, bytes.NewReader(targets[1].Body))
	req.Header.Set("Authorization", targets[0].Header.Get("Authorization"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a request never primed: HTTP %d, want 404", resp.StatusCode)
	}
}

func ask(t *testing.T, url, auth string, body []byte) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d: %s", url, resp.StatusCode, b)
	}
	return b
}
