package graph_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/testenv"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestReadRouting serves the API over a private primary and a real streaming
// replica, pauses the replica's replay so that it is stale, and shows where each
// operation reads: a mutation's payload (a nested read of what it changed) from
// the primary; another caller's query from the stale replica; the writer's own
// query from the primary for the read-your-writes window, then from the replica.
func TestReadRouting(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	primary, replica := testenv.Replicated(t, ctx, "app")
	db, err := store.Open(ctx, primary.URL("app"), store.WithReplicas(store.Replicas{URLs: []string{replica.URL("app")}, Logger: slog.New(slog.DiscardHandler)}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.SetEstimator(recommender.NewEstimator())

	const window = time.Second
	writer := newClientOptions(t, db, nil,
		graph.Options{ReadYourWrites: window})
	f := seed(t, writer)
	other := writer.as(models.Caller{Role: models.RolePlatformAdmin, Subject: "operator:other"})
	time.Sleep(window) // seeding was the writer's too
	if err := replica.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if err := replica.PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replica.ResumeReplay(context.Background()) })

	roles := f.expand(`{ learner(id: "$chitra") { roles { code } } }`)
	assertJSON(t, other.data(roles, nil), `{"learner": {"roles": []}}`)

	// The payload's roles are read after the change, in the mutation's request: on the primary.
	assertJSON(t, writer.data(f.expand(`mutation { assignRole(input: {learnerId: "$chitra", roleId: "$ds"}) { learner { roles { code } } } }`), nil),
		`{"assignRole": {"learner": {"roles": [{"code": "DS"}]}}}`)
	wrote := time.Now()
	assertJSON(t, other.data(roles, nil), `{"learner": {"roles": []}}`) // the stale replica
	assertJSON(t, writer.data(roles, nil), `{"learner": {"roles": [{"code": "DS"}]}}`)
	if time.Since(wrote) >= window {
		t.Fatal("the writer's query came after the window; raise it")
	}

	time.Sleep(window - time.Since(wrote))
	assertJSON(t, writer.data(roles, nil), `{"learner": {"roles": []}}`) // the window has closed: the replica again

	if err := replica.ResumeReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if err := replica.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, other.data(roles, nil), `{"learner": {"roles": [{"code": "DS"}]}}`)
}
