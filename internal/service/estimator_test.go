package service_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// seededInto seeds a small demo government into db.
func seededInto(t *testing.T, db *store.DB, learners int) (seed.Stats, error) {
	t.Helper()
	return seed.Run(ctx, bulk.New(db), seed.Options{Learners: learners, Courses: 60})
}

func ctxWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// pessimisticSelf returns a model whose parameters differ visibly from the
// defaults: self-ratings read as running two levels low instead of half a level
// high, so every estimate resting on a self-rating moves.
func pessimisticSelf(t *testing.T) *models.EstimatorModel {
	t.Helper()
	p := recommender.DefaultParams()
	p.Self = recommender.Rating{Bias: -2, SD: 0.5, Outlier: 0.01}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return &models.EstimatorModel{FittedAt: time.Now(), Learners: 1, Cases: 1, Evidence: 1, Converged: true, Params: raw}
}

type gapRollup struct {
	Org        int64   `bun:"organisation_id"`
	Competency int64   `bun:"competency_id"`
	Required   int     `bun:"required"`
	Learners   int     `bun:"learners"`
	WithGap    int     `bun:"with_gap"`
	SumGap     float64 `bun:"sum_gap"`
}

type proficiencyRow struct {
	Learner      int64  `bun:"learner_id"`
	Competency   int64  `bun:"competency_id"`
	Distribution string `bun:"distribution"`
}

// selfRated returns the stored proficiencies of pairs with a self-rating, by pair.
func selfRated(t *testing.T, db *store.DB) map[[2]int64]string {
	t.Helper()
	var rows []proficiencyRow
	if err := db.Bun().NewRaw(`SELECT p.learner_id, p.competency_id, p.distribution FROM proficiencies p
		WHERE EXISTS (SELECT 1 FROM evidence e WHERE e.learner_id = p.learner_id AND e.competency_id = p.competency_id AND e.source = 'SELF')
		ORDER BY 1, 2`).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	out := map[[2]int64]string{}
	for _, r := range rows {
		out[[2]int64{r.Learner, r.Competency}] = r.Distribution
	}
	if len(out) == 0 {
		t.Fatal("the seed has no self-rated proficiency")
	}
	return out
}

// waitReestimated waits, boundedly, until version's re-estimation has finished.
func waitReestimated(t *testing.T, db *store.DB, version int) *models.EstimatorModel {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, err := db.FindEstimatorModel(ctx, version)
		if err != nil {
			t.Fatal(err)
		}
		if m.ReestimatedAt != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("version %d not re-estimated within a minute: cursor at %d", version, m.ReestimatedThrough)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lastLearnerWithEvidence(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Bun().NewRaw("SELECT MAX(learner_id) FROM evidence").Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestEstimatorSwapsWithoutRestart: a running service (its store, its
// recommendations) switches to a newly activated model at its next poll, and the
// stored proficiencies are re-estimated under it in the background, to the last
// learner.
func TestEstimatorSwapsWithoutRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := seededInto(t, db, 40); err != nil {
			t.Fatal(err)
		}
		est := &service.Estimator{Store: db, Poll: 5 * time.Millisecond, Batch: 7}
		if err := est.Load(ctx); err != nil {
			t.Fatal(err)
		}
		db.SetEstimator(est)
		recs := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams(), Model: est}
		page, err := db.FindLearners(ctx, models.LearnerFilter{}, models.PageRequest{First: 1})
		if err != nil {
			t.Fatal(err)
		}
		l := page.Items[0]
		if _, err := recs.Recommend(ctx, l, nil, 5); err != nil {
			t.Fatal(err)
		}
		if r, err := recs.Recommend(ctx, l, nil, 5); err != nil || !r.Cached {
			t.Fatalf("second ask: cached %v, %v; want cached", r.Cached, err)
		}
		before := selfRated(t, db)

		watch, stop := ctxWithCancel()
		defer stop()
		done := make(chan struct{})
		go func() { est.Watch(watch); close(done) }()

		m := pessimisticSelf(t)
		if err := db.CreateEstimatorModel(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ActivateEstimatorModel(ctx, m.Version); err != nil {
			t.Fatal(err)
		}
		got := waitReestimated(t, db, m.Version)
		if est.Version() != m.Version || est.Params().Self.Bias != -2 || recs.Model.Params().Version != m.Version {
			t.Fatalf("in use: version %d, self bias %v; want version %d, -2", est.Version(), est.Params().Self.Bias, m.Version)
		}
		if last := lastLearnerWithEvidence(t, db); got.ReestimatedThrough != last {
			t.Fatalf("cursor at %d, want the last learner with evidence, %d", got.ReestimatedThrough, last)
		}
		after := selfRated(t, db)
		changed := 0
		for k, d := range before {
			if after[k] != d {
				changed++
			}
		}
		if changed < len(before)/2 {
			t.Fatalf("%d of %d self-rated proficiencies changed under the new model, want most", changed, len(before))
		}
		// The gap rows and rollups were rebuilt under the new model at the end.
		rollups := func() []gapRollup {
			t.Helper()
			var rows []gapRollup
			if err := db.Bun().NewRaw(`SELECT organisation_id, competency_id, required, learners, with_gap, sum_gap FROM gap_rollups ORDER BY 1, 2, 3`).
				Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			return rows
		}
		kept := rollups()
		if err := db.RefreshAllGaps(ctx); err != nil {
			t.Fatal(err)
		}
		fresh := rollups()
		if len(kept) != len(fresh) || len(kept) == 0 {
			t.Fatalf("%d rollups after the re-estimation, %d rebuilt from nothing", len(kept), len(fresh))
		}
		for i := range kept {
			k, f := kept[i], fresh[i]
			if k.Org != f.Org || k.Competency != f.Competency || k.Required != f.Required || k.Learners != f.Learners ||
				k.WithGap != f.WithGap || math.Abs(k.SumGap-f.SumGap) > 1e-9 {
				t.Fatalf("rollup %+v after the re-estimation, %+v rebuilt from nothing", k, f)
			}
		}
		// What the store now writes is the new model's estimate.
		if l, err := db.FindLearnerByID(ctx, l.ID); err != nil {
			t.Fatal(err)
		} else if r, err := recs.Recommend(ctx, l, nil, 5); err != nil || r.Cached {
			t.Fatalf("after the swap: cached %v, %v; want a fresh answer", r.Cached, err)
		}
		stop()
		<-done
		est.Wait()
	})
}

// TestEstimatorResumesReestimation: a process that starts while the active
// model's re-estimation is unfinished resumes it after the saved cursor: learners
// up to the cursor are not redone, every later one is.
func TestEstimatorResumesReestimation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := seededInto(t, db, 40); err != nil {
			t.Fatal(err)
		}
		m := pessimisticSelf(t)
		if err := db.CreateEstimatorModel(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ActivateEstimatorModel(ctx, m.Version); err != nil {
			t.Fatal(err)
		}
		ids, err := db.FindLearnerIDsWithEvidence(ctx, 0, 1000)
		if err != nil || len(ids) < 10 {
			t.Fatalf("%d learners with evidence (%v)", len(ids), err)
		}
		cursor := ids[len(ids)/2]
		if err := db.SaveReestimation(ctx, m.Version, cursor, false); err != nil {
			t.Fatal(err)
		}
		// Mark every stored proficiency, to see which the resumed run rewrites.
		const mark = `[1,0,0,0,0,0]`
		if _, err := db.Bun().NewRaw("UPDATE proficiencies SET distribution = ?", mark).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		est := &service.Estimator{Store: db, Poll: time.Hour, Batch: 3}
		if err := est.Load(ctx); err != nil {
			t.Fatal(err)
		}
		db.SetEstimator(est)
		watch, stop := ctxWithCancel()
		defer stop()
		go est.Watch(watch)
		got := waitReestimated(t, db, m.Version)
		stop()
		est.Wait()
		if got.ReestimatedThrough != ids[len(ids)-1] {
			t.Fatalf("cursor at %d, want %d", got.ReestimatedThrough, ids[len(ids)-1])
		}
		var rows []proficiencyRow
		if err := db.Bun().NewRaw("SELECT learner_id, competency_id, distribution FROM proficiencies").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if redone := r.Distribution != mark; redone != (r.Learner > cursor) {
				t.Fatalf("learner %d (cursor %d): re-estimated %v", r.Learner, cursor, redone)
			}
		}
	})
}

// TestCalibrateOneAtATime: while a calibration holds the lock (here, the test
// holds it as another process would), a second refuses with ECONFLICT and does
// nothing; once it is free, a calibration runs and stores a version.
func TestCalibrateOneAtATime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := seededInto(t, db, 30); err != nil {
			t.Fatal(err)
		}
		est := &service.Estimator{Store: db}
		unlock, ok, err := db.TryLock(ctx, "calibrate")
		if err != nil || !ok {
			t.Fatalf("TryLock: %v, %v", ok, err)
		}
		_, err = est.Calibrate(ctx, service.CalibrateOptions{})
		if models.ErrorCode(err) != models.ECONFLICT || err != service.ErrCalibrationRunning {
			t.Fatalf("second calibration: %v, want ErrCalibrationRunning", err)
		}
		if v, err := db.LatestEstimatorFit(ctx); err != nil || !v.IsZero() {
			t.Fatalf("a refused calibration stored a fit at %v (%v)", v, err)
		}
		unlock()
		c, err := est.Calibrate(ctx, service.CalibrateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Model == nil || c.Model.Version != 1 || c.Sampled != c.LearnersWithEvidence || c.Train.Learners+c.HeldOut.Learners != c.Sampled {
			t.Fatalf("calibration: %+v", c)
		}
		// A dry run over a sample reads that many learners and stores nothing.
		dry, err := est.Calibrate(ctx, service.CalibrateOptions{DryRun: true, Sample: 10})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Model != nil || dry.Sampled != 10 || dry.LearnersWithEvidence != c.LearnersWithEvidence {
			t.Fatalf("dry run over a sample of 10: model %v, read %d of %d", dry.Model, dry.Sampled, dry.LearnersWithEvidence)
		}
		if m, err := db.FindEstimatorModel(ctx, 2); models.ErrorCode(err) != models.ENOTFOUND {
			t.Fatalf("a dry run stored %+v (%v)", m, err)
		}
		// A scheduled refit that saw no fit finds this one and stands down.
		zero := time.Time{}
		if _, err := est.Calibrate(ctx, service.CalibrateOptions{Seen: &zero}); err != service.ErrFittedMeanwhile {
			t.Fatalf("calibration after a newer fit: %v, want ErrFittedMeanwhile", err)
		}
	})
}

// TestScheduledCalibration: with a period set, the schedule refits without being
// asked, stores the fit as a version, and stops when its context ends.
func TestScheduledCalibration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := seededInto(t, db, 20); err != nil {
			t.Fatal(err)
		}
		est := &service.Estimator{Store: db}
		run, stop := ctxWithCancel()
		done := make(chan struct{})
		go func() { est.Schedule(run, 50*time.Millisecond, service.CalibrateOptions{}); close(done) }()
		deadline := time.Now().Add(60 * time.Second)
		for {
			at, err := db.LatestEstimatorFit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !at.IsZero() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no scheduled fit within a minute")
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		<-done
		if _, err := db.FindEstimatorModel(ctx, 1); err != nil {
			t.Fatalf("the scheduled fit is not stored as version 1: %v", err)
		}
	})
}
