package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// EstimatorStore is what the estimator service keeps and reads: the model
// versions, the evidence a calibration fits on, and the batches of a
// re-estimation.
type EstimatorStore interface {
	// CreateEstimatorModel stores a new, inactive version and sets its Version.
	CreateEstimatorModel(ctx context.Context, m *models.EstimatorModel) error
	// FindEstimatorModel returns a version; ENOTFOUND.
	FindEstimatorModel(ctx context.Context, version int) (*models.EstimatorModel, error)
	// FindActiveEstimatorModel returns the active version; ENOTFOUND if none is.
	FindActiveEstimatorModel(ctx context.Context) (*models.EstimatorModel, error)
	// ActiveEstimatorVersion returns the active version, 0 for none.
	ActiveEstimatorVersion(ctx context.Context) (int, error)
	// LatestEstimatorFit returns when the newest version was fitted (zero: none).
	LatestEstimatorFit(ctx context.Context) (time.Time, error)
	// ActivateEstimatorModel makes a version the only active one, its
	// re-estimation cursor at the start; ENOTFOUND.
	ActivateEstimatorModel(ctx context.Context, version int) (*models.EstimatorModel, error)
	// SaveReestimation records the re-estimation cursor of the active version.
	SaveReestimation(ctx context.Context, version int, through int64, done bool) error

	// FindLearnerIDsWithEvidence pages the IDs of learners with evidence.
	FindLearnerIDsWithEvidence(ctx context.Context, after int64, limit int) ([]int64, error)
	// FindEvidenceByLearnerIDs returns evidence ordered by learner, competency, time.
	FindEvidenceByLearnerIDs(ctx context.Context, ids []int64) ([]models.Evidence, error)
	// FindRequiredLevelsByLearnerIDs returns the highest level each learner's own
	// roles require of each competency.
	FindRequiredLevelsByLearnerIDs(ctx context.Context, ids []int64) (map[int64]map[int64]int, error)
	// FindAllCompetencies returns every competency.
	FindAllCompetencies(ctx context.Context) ([]*models.Competency, error)

	// ReestimateLearners rebuilds the learners' stored proficiencies (one batch).
	ReestimateLearners(ctx context.Context, ids []int64) error
	// RefreshAllGaps rebuilds every learner's gap rows and the rollups.
	RefreshAllGaps(ctx context.Context) error
	// TryLock takes a named lock across processes if it is free.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}

// Estimator holds the estimator model in use and swaps it without a restart.
// It is the store's models.Estimator and the API's proficiency reader, and it
// gives the recommendation service its parameters (Recommendations.Model): all
// read the same atomically swapped recommender.Params.
//
// Watch polls the active version; when it changes, the new parameters are
// installed at once and the stored proficiencies are re-estimated in the
// background, a batch of learners at a time, with the cursor kept in the model's
// row so that a restarted process resumes where it stopped. One process at a time
// re-estimates (TryLock "reestimate"); the others only swap.
type Estimator struct {
	Store   EstimatorStore
	Logger  *slog.Logger                // nil: slog.Default()
	Metrics *telemetry.EstimatorMetrics // nil: none
	// Poll is how often Watch asks for the active version; <= 0: 30 seconds.
	Poll time.Duration
	// Batch is how many learners one re-estimation transaction covers; <= 0: 500.
	Batch int
	// Effects, when set, refits the course effects after every calibration that is
	// not a dry run, with the model then in use (the effects are part of what a
	// calibration learns, and their before/after levels are the estimator's).
	Effects *CourseEffects

	current atomic.Pointer[recommender.Params]
	priors  atomic.Pointer[models.Priors] // current's, computed once at install: every write reads them
	// pending: the model in use may still have stored proficiencies to re-estimate.
	pending atomic.Bool
	running sync.Mutex // held by the one re-estimation of this process
	wg      sync.WaitGroup
}

var _ models.Estimator = (*Estimator)(nil)

// ParamsSource gives the estimator's parameters in use, which may change while
// serving (Estimator.Params).
type ParamsSource interface{ Params() recommender.Params }

// params returns the estimator's parameters in use (Model's, else Params).
func (s *Recommendations) params() recommender.Params {
	if s.Model != nil {
		return s.Model.Params()
	}
	return s.Params
}

// Params returns the parameters in use: the active model's, or the hand-set
// defaults (Version 0) before one is loaded or when none is active.
func (e *Estimator) Params() recommender.Params {
	if p := e.current.Load(); p != nil {
		return *p
	}
	return recommender.DefaultParams()
}

// Version returns the model version in use (0: the hand-set defaults).
func (e *Estimator) Version() int { return e.Params().Version }

// Estimate implements models.Estimator with the parameters in use.
func (e *Estimator) Estimate(learnerID, competencyID int64, evidence []models.Evidence) models.Proficiency {
	return recommender.Estimator{Params: e.Params()}.Estimate(learnerID, competencyID, evidence)
}

// Priors implements models.Estimator with the parameters in use.
func (e *Estimator) Priors() models.Priors {
	if p := e.priors.Load(); p != nil {
		return *p
	}
	return recommender.Estimator{Params: e.Params()}.Priors()
}

// Passbook shows stored proficiencies as the API does (recommender.Estimator.Passbook)
// with the parameters in use.
func (e *Estimator) Passbook(learnerID int64, stored []*models.Proficiency, required map[int64]int, now time.Time) []*models.Proficiency {
	return recommender.Estimator{Params: e.Params()}.Passbook(learnerID, stored, required, now)
}

func (e *Estimator) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// decodeParams reads a stored model's parameters over the defaults, so a field
// the stored JSON lacks keeps its hand-set value.
func decodeParams(m *models.EstimatorModel) (recommender.Params, error) {
	p := recommender.DefaultParams()
	if err := json.Unmarshal(m.Params, &p); err != nil {
		return p, fmt.Errorf("estimator model %d: parameters: %w", m.Version, err)
	}
	p.Version = m.Version
	return p, nil
}

// install makes p the parameters in use.
func (e *Estimator) install(p recommender.Params) {
	priors := recommender.Estimator{Params: p}.Priors()
	e.priors.Store(&priors)
	e.current.Store(&p)
	e.Metrics.ModelVersion(p.Version)
}

// Load installs the active model, or the hand-set defaults when none is active,
// as a process starts. If the active model's re-estimation is unfinished, Watch
// resumes it.
func (e *Estimator) Load(ctx context.Context) error {
	m, err := e.Store.FindActiveEstimatorModel(ctx)
	switch {
	case models.ErrorCode(err) == models.ENOTFOUND:
		e.install(recommender.DefaultParams())
		return nil
	case err != nil:
		return err
	}
	p, err := decodeParams(m)
	if err != nil {
		return err
	}
	e.install(p)
	e.pending.Store(m.ReestimatedAt == nil)
	return nil
}

// Refresh installs the active version if it is not the one in use, and then
// re-estimates the stored proficiencies in the background (unless another process
// does). It reports whether the model changed.
func (e *Estimator) Refresh(ctx context.Context) (bool, error) {
	v, err := e.Store.ActiveEstimatorVersion(ctx)
	if err != nil {
		return false, err
	}
	old := e.Version()
	if v == old {
		return false, nil
	}
	p := recommender.DefaultParams()
	if v != 0 {
		m, err := e.Store.FindEstimatorModel(ctx, v)
		if err != nil {
			return false, err
		}
		if p, err = decodeParams(m); err != nil {
			return false, err
		}
	}
	e.install(p)
	e.logger().Info("estimator: model changed; re-estimating stored proficiencies in the background", "from", old, "to", v)
	e.pending.Store(true)
	e.resume(ctx)
	return true, nil
}

// Watch polls the active version every Poll until ctx ends, swapping models as
// they change (Refresh), and resumes a re-estimation left unfinished (by this
// process, or by another that stopped). Close waits for what it started.
func (e *Estimator) Watch(ctx context.Context) {
	poll := e.Poll
	if poll <= 0 {
		poll = 30 * time.Second
	}
	e.resume(ctx)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := e.Refresh(ctx)
		if err != nil && ctx.Err() == nil {
			e.logger().Warn("estimator: reading the active model failed; keeping the one in use", "version", e.Version(), "error", err)
		}
		if !changed {
			e.resume(ctx)
		}
	}
}

// Wait waits for the background work Watch and Refresh started to stop (cancel
// their context first).
func (e *Estimator) Wait() { e.wg.Wait() }

// resume starts the background re-estimation of the model in use if it may be
// unfinished and none runs in this process.
func (e *Estimator) resume(ctx context.Context) {
	if !e.pending.Load() || !e.running.TryLock() {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer e.running.Unlock()
		e.Metrics.Reestimating(true)
		defer e.Metrics.Reestimating(false)
		if err := e.reestimateInUse(ctx); err != nil && ctx.Err() == nil {
			e.logger().Warn("estimator: background re-estimation stopped; it resumes at the next poll", "version", e.Version(), "error", err)
		}
	}()
}

// errSuperseded stops a re-estimation whose model is no longer the one in use.
var errSuperseded = errors.New("the estimator model changed")

// reestimateInUse re-estimates the stored proficiencies under the model in use
// from its saved cursor, if no other process is doing so.
func (e *Estimator) reestimateInUse(ctx context.Context) error {
	unlock, ok, err := e.Store.TryLock(ctx, "reestimate")
	if err != nil || !ok {
		return err // another process re-estimates; pending stays, so the next poll looks again
	}
	defer unlock()
	version, from := e.Version(), int64(0)
	if version != 0 {
		m, err := e.Store.FindEstimatorModel(ctx, version)
		if err != nil {
			return err
		}
		if !m.Active {
			return nil // superseded already: the next poll installs the new one
		}
		if m.ReestimatedAt != nil { // finished, here or by another process
			if version == e.Version() {
				e.pending.Store(false)
			}
			return nil
		}
		from = m.ReestimatedThrough
	}
	n, err := e.reestimate(ctx, version, from)
	if errors.Is(err, errSuperseded) {
		return nil
	}
	if err != nil {
		return err
	}
	if version == e.Version() {
		e.pending.Store(false)
	}
	e.logger().Info("estimator: re-estimation done", "version", version, "learners", n, "resumed_after", from)
	return nil
}

// reestimate rebuilds the stored proficiencies of every learner with evidence and
// an ID above from, in batches, under version (which must stay the one in use),
// saving the cursor after each batch, then rebuilds the gap rollups. It returns
// how many learners it re-estimated.
func (e *Estimator) reestimate(ctx context.Context, version int, from int64) (int, error) {
	batch := e.Batch
	if batch <= 0 {
		batch = 500
	}
	after, n := from, 0
	start, logged := time.Now(), time.Now()
	for {
		if e.Version() != version {
			e.logger().Info("estimator: re-estimation superseded by a newer model", "version", version, "through", after)
			return n, errSuperseded
		}
		ids, err := e.Store.FindLearnerIDsWithEvidence(ctx, after, batch)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 {
			break
		}
		if err := e.Store.ReestimateLearners(ctx, ids); err != nil {
			return n, err
		}
		after, n = ids[len(ids)-1], n+len(ids)
		if version != 0 {
			if err := e.Store.SaveReestimation(ctx, version, after, false); err != nil {
				return n, err
			}
		}
		e.Metrics.Reestimated(len(ids), after)
		if time.Since(logged) >= 10*time.Second {
			logged = time.Now()
			e.logger().Info("estimator: re-estimating", "version", version, "learners", n, "through", after,
				"elapsed", time.Since(start).Round(time.Second))
		}
	}
	if err := e.Store.RefreshAllGaps(ctx); err != nil {
		return n, err
	}
	if version != 0 {
		if err := e.Store.SaveReestimation(ctx, version, after, true); err != nil {
			return n, err
		}
	}
	return n, nil
}

// ErrReestimationRunning is returned by ReestimateAll while another process
// re-estimates.
var ErrReestimationRunning = models.Errorf(models.ECONFLICT,
	"another process is re-estimating the stored proficiencies; try again when it has finished")

// ReestimateAll rebuilds every stored proficiency under the model in use, from
// the first learner, in the same batches as the background re-estimation (and
// records its cursor), and returns how many learners it re-estimated. ECONFLICT
// (ErrReestimationRunning) while another process re-estimates.
func (e *Estimator) ReestimateAll(ctx context.Context) (int, error) {
	unlock, ok, err := e.Store.TryLock(ctx, "reestimate")
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrReestimationRunning
	}
	defer unlock()
	return e.reestimate(ctx, e.Version(), 0)
}

// ActiveModel returns the active model version, nil when the hand-set defaults
// are in use.
func (e *Estimator) ActiveModel(ctx context.Context) (*models.EstimatorModel, error) {
	m, err := e.Store.FindActiveEstimatorModel(ctx)
	if models.ErrorCode(err) == models.ENOTFOUND {
		return nil, nil
	}
	return m, err
}

// Activate makes a stored version the active one (a rollback, or a fit that was
// not activated); servers pick it up at their next poll. ENOTFOUND for an
// unknown version; EINVALID if its parameters cannot be read.
func (e *Estimator) Activate(ctx context.Context, version int) (*models.EstimatorModel, error) {
	m, err := e.Store.FindEstimatorModel(ctx, version)
	if err != nil {
		return nil, err
	}
	if _, err := decodeParams(m); err != nil {
		return nil, models.Errorf(models.EINVALID, "%v", err)
	}
	return e.Store.ActivateEstimatorModel(ctx, version)
}
