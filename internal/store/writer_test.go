package store_test

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestConcurrentEvidenceWrites writes evidence from many callers at once, some of
// them for a competency that does not exist and some whose context is already
// cancelled: on SQLite they share batches (writer.go), and a failed write must be
// undone alone. Every acknowledged write is there, with its effects (the version
// moved once per acknowledged write, the proficiency counts all the evidence);
// nothing of a failed one is.
func TestConcurrentEvidenceWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := storetest.LearningFixture(t, db)
		v0 := storetest.Version(t, db, l.ID)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		const callers = 48
		type result struct {
			ev  *models.Evidence
			err error
		}
		results := make([]result, callers)
		at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID, Source: models.SupervisorRating,
					Level: 1 + i%5, ObservedAt: at.Add(time.Duration(i) * time.Minute)}
				c := ctx
				switch i % 6 {
				case 1:
					n.CompetencyID = 999999
				case 4:
					c = cancelled
				}
				rec, err := db.SaveEvidence(c, n)
				if err == nil {
					results[i] = result{rec.Evidence, nil}
				} else {
					results[i] = result{nil, err}
				}
			}()
		}
		wg.Wait()
		kept := map[int64]bool{}
		for i, r := range results {
			switch i % 6 {
			case 1:
				if models.ErrorCode(r.err) != models.EINVALID {
					t.Errorf("caller %d (no such competency): %v, want EINVALID", i, r.err)
				}
			case 4:
				if r.err == nil {
					t.Errorf("caller %d (cancelled): acknowledged", i)
				}
			default:
				if r.err != nil {
					t.Fatalf("caller %d: %v", i, r.err)
				}
				kept[r.ev.ID] = true
			}
		}
		page := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 100}))
		if len(page.Items) != len(kept) {
			t.Fatalf("%d evidence rows stored, %d writes acknowledged", len(page.Items), len(kept))
		}
		for _, e := range page.Items {
			if !kept[e.ID] {
				t.Errorf("evidence %d stored but not acknowledged", e.ID)
			}
		}
		if v := storetest.Version(t, db, l.ID); v != v0+int64(len(kept)) {
			t.Errorf("version %d, want %d (%d + one per acknowledged write)", v, v0+int64(len(kept)), v0)
		}
		profs := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
		all := make([]models.Evidence, 0, len(page.Items))
		for i := len(page.Items) - 1; i >= 0; i-- { // oldest first, as the store estimates
			all = append(all, *page.Items[i])
		}
		want := recommender.NewEstimator().Estimate(l.ID, f.Procurement.ID, all)
		if len(profs) != 1 || profs[0].Level != want.Level || math.Abs(profs[0].Confidence-want.Confidence) > 1e-9 {
			t.Fatalf("proficiencies = %+v, want the estimate from all %d pieces of evidence: %+v", profs, len(all), want)
		}
	})
}

// TestEvidenceWriteAfterClose: a write to a closed store fails at once rather than
// waiting for a writer that is gone.
func TestEvidenceWriteAfterClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := storetest.LearningFixture(t, db)
		if _, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
			Source: models.SelfRating, Level: 2}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		done := make(chan error, 1)
		go func() {
			_, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
				Source: models.SelfRating, Level: 3})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("a write to a closed store succeeded")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a write to a closed store still waits after 10 s")
		}
	})
}
