package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
)

func TestAudienceDesignations(t *testing.T) {
	got := domain.AudienceDesignations([]string{" Under Secretary ", "DEO", "section officer"})
	if want := []string{"under secretary", "deo", "section officer"}; !slices.Equal(got, want) {
		t.Errorf("AudienceDesignations = %q, want %q", got, want)
	}
}

func TestAddDue(t *testing.T) {
	due := map[domain.Pair]time.Time{}
	p, q := domain.Pair{1, 7}, domain.Pair{1, 8}
	for _, at := range []time.Time{t0, t0.Add(-time.Hour), t0.Add(time.Hour)} {
		domain.AddDue(due, p, at)
	}
	domain.AddDue(due, q, t0.Add(time.Hour))
	if !due[p].Equal(t0.Add(-time.Hour)) || !due[q].Equal(t0.Add(time.Hour)) || len(due) != 2 {
		t.Errorf("due %v", due)
	}
}
