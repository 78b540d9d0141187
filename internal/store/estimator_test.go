package store_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestEstimatorModels stores model versions, reads them back whole, activates one
// and then another (at most one is active), and records re-estimation progress.
func TestEstimatorModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if v, err := db.ActiveEstimatorVersion(ctx); err != nil || v != 0 {
			t.Fatalf("ActiveEstimatorVersion on an empty table = %d, %v; want 0", v, err)
		}
		_, err := db.FindActiveEstimatorModel(ctx)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
		_, err = db.FindEstimatorModel(ctx, 7)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
		_, err = db.ActivateEstimatorModel(ctx, 7)
		storetest.WantCode(t, err, models.ENOTFOUND, "")

		fitted := time.Date(2026, 12, 4, 10, 30, 0, 123456000, time.UTC)
		a := &models.EstimatorModel{FittedAt: fitted, Learners: 120, Cases: 900, Evidence: 4000, Converged: true,
			Params: json.RawMessage(`{"Version":0,"Self":{"Bias":0.25,"SD":1.1,"Outlier":0.1}}`),
			Diagnostics: models.EstimatorDiagnostics{HeldOutLearners: 30, ActiveVersion: 0,
				Fitted:   models.HoldoutScore{Assessments: 50, AssessmentLogLoss: 0.52, SupervisorRatings: 10, SupervisorMAE: 0.7},
				Defaults: models.HoldoutScore{Assessments: 50, AssessmentLogLoss: 0.61}},
			Notes: []string{"Event.SD: kept at default: 12 observations (< 50)", "Self.Outlier: clamped to 0.5"}}
		if err := db.CreateEstimatorModel(ctx, a); err != nil {
			t.Fatal(err)
		}
		b := &models.EstimatorModel{FittedAt: fitted.Add(time.Hour), Params: json.RawMessage(`{}`)}
		if err := db.CreateEstimatorModel(ctx, b); err != nil {
			t.Fatal(err)
		}
		if a.Version < 1 || b.Version <= a.Version {
			t.Fatalf("versions %d then %d, want increasing from 1", a.Version, b.Version)
		}
		got := storetest.Must[*models.EstimatorModel](t)(db.FindEstimatorModel(ctx, a.Version))
		var gotParams, wantParams any
		json.Unmarshal(got.Params, &gotParams)
		json.Unmarshal(a.Params, &wantParams)
		if !reflect.DeepEqual(gotParams, wantParams) {
			t.Errorf("params %s, want %s", got.Params, a.Params)
		}
		got.Params = a.Params
		if !got.FittedAt.Equal(fitted) {
			t.Errorf("fitted at %v, want %v", got.FittedAt, fitted)
		}
		got.FittedAt = a.FittedAt
		if !reflect.DeepEqual(got, a) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, a)
		}
		if got := storetest.Must[*models.EstimatorModel](t)(db.FindEstimatorModel(ctx, b.Version)); got.Notes == nil || len(got.Notes) != 0 {
			t.Errorf("a model without notes read back with notes %#v, want an empty list", got.Notes)
		}

		for _, v := range []int{a.Version, b.Version, a.Version} {
			m := storetest.Must[*models.EstimatorModel](t)(db.ActivateEstimatorModel(ctx, v))
			if !m.Active || m.ActivatedAt == nil || m.Version != v {
				t.Fatalf("activated %+v", m)
			}
			if got, err := db.ActiveEstimatorVersion(ctx); err != nil || got != v {
				t.Fatalf("active version %d, %v; want %d", got, err, v)
			}
			var active int
			if err := db.Bun().NewRaw("SELECT COUNT(*) FROM estimator_models WHERE active").Scan(ctx, &active); err != nil || active != 1 {
				t.Fatalf("%d active versions (%v), want 1", active, err)
			}
		}

		// Progress: recorded for the active version only; done sets the time;
		// activating again starts the count afresh.
		if err := db.SaveReestimation(ctx, a.Version, 40, false); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveReestimation(ctx, b.Version, 99, true); err != nil {
			t.Fatal(err)
		}
		m := storetest.Must[*models.EstimatorModel](t)(db.FindActiveEstimatorModel(ctx))
		if m.Version != a.Version || m.ReestimatedThrough != 40 || m.ReestimatedAt != nil {
			t.Fatalf("after progress: %+v", m)
		}
		if got := storetest.Must[*models.EstimatorModel](t)(db.FindEstimatorModel(ctx, b.Version)); got.ReestimatedThrough != 0 || got.ReestimatedAt != nil {
			t.Fatalf("an inactive version recorded progress: %+v", got)
		}
		if err := db.SaveReestimation(ctx, a.Version, 50, true); err != nil {
			t.Fatal(err)
		}
		if m := storetest.Must[*models.EstimatorModel](t)(db.FindActiveEstimatorModel(ctx)); m.ReestimatedThrough != 50 || m.ReestimatedAt == nil {
			t.Fatalf("after done: %+v", m)
		}
		if m := storetest.Must[*models.EstimatorModel](t)(db.ActivateEstimatorModel(ctx, a.Version)); m.ReestimatedThrough != 0 || m.ReestimatedAt != nil {
			t.Fatalf("activated again: %+v", m)
		}
	})
}

// TestTryLock: while one holder has a lock, another attempt is refused, on every
// engine; after unlock it can be taken again.
func TestTryLock(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			url := storetest.OpenURL(t, engine)
			one, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer one.Close()
			two, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer two.Close()
			unlock, ok, err := one.TryLock(ctx, "calibrate")
			if err != nil || !ok {
				t.Fatalf("first TryLock: %v, %v", ok, err)
			}
			if _, ok, err := two.TryLock(ctx, "calibrate"); err != nil || ok {
				t.Fatalf("second TryLock while held: %v, %v; want refused", ok, err)
			}
			other, ok, err := two.TryLock(ctx, "reestimate")
			if err != nil || !ok {
				t.Fatalf("another lock's name: %v, %v; want taken", ok, err)
			}
			other()
			unlock()
			again, ok, err := two.TryLock(ctx, "calibrate")
			if err != nil || !ok {
				t.Fatalf("TryLock after unlock: %v, %v", ok, err)
			}
			again()
		})
	}
}
