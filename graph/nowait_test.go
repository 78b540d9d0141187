package graph_test

import (
	"context"
	"testing"

	demo "github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/server/dataload"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// The load harness's documents (internal/load).
const (
	qLoadRecommendations = `query RecommendationsCold($id: ID!) { recommendations(learnerId: $id, first: 10) { cached generatedAt
  items { rank score explanation course { id title durationHours } gapsAddressed { competency { name } fromLevel toLevel gapClosed } } } }`
	qLoadPassbook = `query Passbook($id: ID!) { learner(id: $id) { name
  proficiencies { competency { name } level confidence intervalLow intervalHigh updatedAt }
  evidence(first: 20) { edges { node { id source level score observedAt competency { name } } } }
  enrolments(first: 20) { edges { node { id status progress course { title } } } }
  certificates(first: 20) { edges { node { issuedAt verificationCode course { title } } } } } }`
	qLoadGapReport = `query GapReport($org: ID!) { gapReport(organisationId: $org) { learnerCount cached generatedAt
  competencies { competency { name } learners learnersWithGap meanGap } heatmap { organisation { name } meanGap learners }
  suggestedCourses(first: 5) { course { title } learnersHelped totalGapClosed } } }`
)

// TestHotPathNeverWaitsForABatch: the queries a learner's app and an admin's
// console send most (the load harness's passbook, recommendations and gap report,
// a learning path, a catalogue page), over the demo data, dispatch every
// loader's batch as soon as the items of its lists have asked, and none waits out
// the batching window. (Not parallel: dataload.Waited counts the process's batches.)
func TestHotPathNeverWaitsForABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Run(ctx, bulk.New(db), demo.Options{Learners: 30, Courses: 200}); err != nil {
			t.Fatal(err)
		}
		page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 10})
		if err != nil || len(page.Items) < 10 {
			t.Fatalf("learners: %d, %v", len(page.Items), err)
		}
		c := newClient(t, db)
		admin := c.as(models.Caller{Role: models.RolePlatformAdmin}).bind(t)
		before := dataload.Waited()
		asked := 0
		for _, l := range page.Items {
			learner := c.as(models.Caller{Role: models.RoleLearner, LearnerID: l.ID, OrganisationID: l.OrganisationID}).bind(t)
			id := map[string]any{"id": graphGlobalID("Learner", l.ID), "l": graphGlobalID("Learner", l.ID)}
			for _, q := range []string{
				qLoadPassbook,
				qLoadRecommendations,
				`query($l: ID!) { learningPath(learnerId: $l) { totalHours steps { order course { id title } gapsAddressed { competency { name } } } } }`,
				`query { courses(first: 20) { edges { node { id title competencies { competency { name } } } } } }`,
			} {
				if r := learner.post(q, id); len(r.Errors) > 0 || r.Status != 200 {
					t.Fatalf("learner %d: %s", l.ID, r.Body)
				}
				asked++
			}
			if r := admin.post(qLoadGapReport, map[string]any{"org": graphGlobalID("Organisation", l.OrganisationID)}); len(r.Errors) > 0 {
				t.Fatalf("gap report: %s", r.Body)
			}
		}
		if n := dataload.Waited() - before; n != 0 {
			t.Errorf("%d of the batches of %d requests waited out the window", n, asked+len(page.Items))
		}
	})
}
