package graph_test

import (
	"context"
	"testing"

	demo "github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestCachedAnswersEqualComputedOnes: over the seeded learners and several query
// shapes, the answer a server gives from its cache (the ranking cached, the
// courses' catalogue fields from its snapshot) is byte for byte the answer another
// server, with an empty cache, computes. (That a course's counters are read
// afresh on a cached answer is TestCachedRecommendationsStatements'.)
func TestCachedAnswersEqualComputedOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Run(ctx, bulk.New(db), demo.Options{Learners: 30, Courses: 200}); err != nil {
			t.Fatal(err)
		}
		page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 30})
		if err != nil || len(page.Items) < 20 {
			t.Fatalf("learners: %d, %v", len(page.Items), err)
		}
		warm, cold := newClient(t, db), newClient(t, db) // each with a cache of its own
		shapes := []string{
			`query($l: ID!) { recommendations(learnerId: $l, first: 10) { items { rank score explanation
  course { id code title description provider format durationHours }
  gapsAddressed { competency { id name } fromLevel toLevel gapClosed } signals { gapCoverage } } } }`,
			`query($l: ID!) { recommendations(learnerId: $l, first: 3) { items { course { id title enrolmentCount rating ratingCount } } } }`,
			`query($l: ID!) { recommendations(learnerId: $l) { learner { name } items { course { __typename ...C } } } } fragment C on Course { id title }`,
			`query($l: ID!) { learningPath(learnerId: $l) { totalHours steps { order cumulativeHours course { id title } gapsAddressed { competency { name } } } } }`,
			`query($l: ID!) { learningPath(learnerId: $l, budgetHours: 20) { steps { course { t: title hours: durationHours code } } } }`,
		}
		compared := 0
		for _, l := range page.Items {
			caller := models.Caller{Role: models.RoleLearner, LearnerID: l.ID, OrganisationID: l.OrganisationID}
			w, c := warm.as(caller).bind(t), cold.as(caller).bind(t)
			vars := map[string]any{"l": graphGlobalID("Learner", l.ID)}
			for _, q := range shapes {
				w.post(q, vars) // computed and cached
				cached := w.post(q, vars)
				computed := c.post(q, vars)
				if len(cached.Errors) > 0 || cached.Status != 200 {
					t.Fatalf("learner %d: %s", l.ID, cached.Body)
				}
				if cached.Body != computed.Body {
					t.Errorf("learner %d, %.60s...:\ncached:   %s\ncomputed: %s", l.ID, q, cached.Body, computed.Body)
				}
				compared++
			}
		}
		if compared < 100 {
			t.Errorf("compared %d answers", compared)
		}
	})
}
