package store_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// The helpers of the blended tests that the bulk tests (internal/store/bulk) share.

// rejectionLines renders rejections as "index column: reason".
func rejectionLines(t *testing.T) func([]models.RecordError, error) []string {
	return func(rejected []models.RecordError, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(rejected))
		for i, r := range rejected {
			out[i] = fmt.Sprintf("%d %s: %s", r.Index, r.Column, r.Reason)
		}
		return out
	}
}

// wantLines compares lines in any order.
func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// storedEvidence returns a learner's evidence, oldest first, as "competency source level score at".
func storedEvidence(t *testing.T, db *store.DB, learnerID int64) ([]models.Evidence, []string) {
	t.Helper()
	page := must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, learnerID, models.PageRequest{First: models.MaxPageSize}))
	var evs []models.Evidence
	var lines []string
	for _, e := range slices.Backward(page.Items) {
		evs = append(evs, *e)
		s := "-"
		if e.Score != nil {
			s = fmt.Sprint(*e.Score)
		}
		lines = append(lines, fmt.Sprintf("%d %s %d %s %s", e.CompetencyID, e.Source, e.Level, s, e.ObservedAt.UTC().Format(time.RFC3339)))
	}
	return evs, lines
}

// wantEstimates checks that the learner's stored proficiencies are exactly the
// estimates of the recommender from the stored evidence, one per competency with
// evidence, and returns them.
func wantEstimates(t *testing.T, db *store.DB, learnerID int64) []*models.Proficiency {
	t.Helper()
	evs, _ := storedEvidence(t, db, learnerID)
	byCompetency := map[int64][]models.Evidence{}
	for _, e := range evs {
		byCompetency[e.CompetencyID] = append(byCompetency[e.CompetencyID], e)
	}
	profs := must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{learnerID}))[learnerID]
	if len(profs) != len(byCompetency) {
		t.Fatalf("%d proficiencies for evidence in %d competencies", len(profs), len(byCompetency))
	}
	est := recommender.NewEstimator()
	for _, p := range profs {
		want := est.Estimate(learnerID, p.CompetencyID, byCompetency[p.CompetencyID])
		same := p.Level == want.Level && math.Abs(p.Confidence-want.Confidence) < 1e-12 && len(p.Distribution) == len(want.Distribution)
		for i := range want.Distribution {
			same = same && math.Abs(p.Distribution[i]-want.Distribution[i]) < 1e-12
		}
		if !same {
			t.Fatalf("competency %d: stored %+v, estimated %+v", p.CompetencyID, p, want)
		}
	}
	return profs
}
