package graph_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

const qEstimatorModel = `{ estimatorModel { version fittedAt active learners evidence heldOutLogLoss defaultsHeldOutLogLoss } }`

// TestEstimatorModel: a platform admin reads the active estimator model (null
// while the hand-set defaults are in use); everyone else is refused, signed in
// (FORBIDDEN: the query exists, the caller may not use it) or not
// (UNAUTHENTICATED), and receives no data.
func TestEstimatorModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		admin := newClient(t, db)
		assertJSON(t, admin.data(qEstimatorModel, nil), `{"estimatorModel": null}`)

		fitted := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
		m := &models.EstimatorModel{FittedAt: fitted, Learners: 1200, Cases: 9000, Evidence: 41000, Converged: true,
			Params: json.RawMessage(`{}`), Diagnostics: models.EstimatorDiagnostics{
				Fitted:   models.HoldoutScore{Assessments: 300, AssessmentLogLoss: 0.5},
				Defaults: models.HoldoutScore{Assessments: 300, AssessmentLogLoss: 0.625}}}
		if err := db.CreateEstimatorModel(ctx, m); err != nil {
			t.Fatal(err)
		}
		// Stored but not active: still the defaults.
		assertJSON(t, admin.data(qEstimatorModel, nil), `{"estimatorModel": null}`)
		if _, err := db.ActivateEstimatorModel(ctx, m.Version); err != nil {
			t.Fatal(err)
		}
		assertJSON(t, admin.data(qEstimatorModel, nil), `{"estimatorModel": {"version": 1, "fittedAt": "2026-12-04T09:00:00Z",
			"active": true, "learners": 1200, "evidence": 41000, "heldOutLogLoss": 0.5, "defaultsHeldOutLogLoss": 0.625}}`)

		// No held-out assessment to predict: the log losses are null, not 0.
		quiet := &models.EstimatorModel{FittedAt: fitted, Params: json.RawMessage(`{}`)}
		if err := db.CreateEstimatorModel(ctx, quiet); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ActivateEstimatorModel(ctx, quiet.Version); err != nil {
			t.Fatal(err)
		}
		assertJSON(t, admin.data(`{ estimatorModel { version heldOutLogLoss defaultsHeldOutLogLoss } }`, nil),
			`{"estimatorModel": {"version": 2, "heldOutLogLoss": null, "defaultsHeldOutLogLoss": null}}`)

		for name, caller := range map[string]models.Caller{
			"Learner":         {Role: models.RoleLearner, LearnerID: 1, OrganisationID: 1},
			"OrgAdmin":        {Role: models.RoleOrgAdmin, OrganisationID: 1},
			"ContentProvider": {Role: models.RoleContentProvider, Subject: "operator:content-provider"},
		} {
			t.Run(name, func(t *testing.T) {
				r := admin.as(caller).bind(t).ask(qEstimatorModel, nil)
				assertAllCodes(t, r, graph.CodeForbidden)
				assertNoData(t, r)
			})
		}
		r := admin.anonymous().bind(t).ask(qEstimatorModel, nil)
		assertAllCodes(t, r, graph.CodeUnauthenticated)
		assertNoData(t, r)
	})
}
