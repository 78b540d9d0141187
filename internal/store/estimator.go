package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// This file keeps the estimator's model versions and reads the evidence a
// calibration fits on, a batch of learners at a time.

// CreateEstimatorModel stores m as a new, inactive version and sets m.Version.
func (db *DB) CreateEstimatorModel(ctx context.Context, m *models.EstimatorModel) error {
	m.Active, m.ActivatedAt, m.ReestimatedThrough, m.ReestimatedAt = false, nil, 0, nil
	m.FittedAt = instant(m.FittedAt)
	if m.Notes == nil {
		m.Notes = []string{}
	}
	_, err := db.bun.NewInsert().Model(m).ExcludeColumn("version").Returning("version").Exec(ctx)
	return err
}

// FindEstimatorModel returns a stored version; ENOTFOUND if there is none.
func (db *DB) FindEstimatorModel(ctx context.Context, version int) (*models.EstimatorModel, error) {
	m := new(models.EstimatorModel)
	if err := db.bun.NewSelect().Model(m).Where("version = ?", version).Scan(Fresh(ctx)); err != nil {
		return nil, NotFoundOr(err, "estimator model")
	}
	return m, nil
}

// FindActiveEstimatorModel returns the active version; ENOTFOUND if none is
// active (the hand-set defaults are).
func (db *DB) FindActiveEstimatorModel(ctx context.Context) (*models.EstimatorModel, error) {
	m := new(models.EstimatorModel)
	if err := db.bun.NewSelect().Model(m).Where("active").Limit(1).Scan(Fresh(ctx)); err != nil {
		return nil, NotFoundOr(err, "active estimator model")
	}
	return m, nil
}

// ActiveEstimatorVersion returns the active version, 0 for none: the cheap
// question a server polls.
func (db *DB) ActiveEstimatorVersion(ctx context.Context) (int, error) {
	var v int
	err := db.bun.NewSelect().Table("estimator_models").Column("version").Where("active").Limit(1).Scan(Fresh(ctx), &v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// ActivateEstimatorModel makes version the active one (and no other), with its
// re-estimation cursor back at the start. ENOTFOUND for an unknown version.
func (db *DB) ActivateEstimatorModel(ctx context.Context, version int) (*models.EstimatorModel, error) {
	var m *models.EstimatorModel
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		m = new(models.EstimatorModel)
		if err := tx.NewSelect().Model(m).Where("version = ?", version).Scan(ctx); err != nil {
			return NotFoundOr(err, "estimator model")
		}
		if _, err := tx.NewUpdate().Table("estimator_models").Set("active = FALSE").
			Where("active").Where("version <> ?", version).Exec(ctx); err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.NewUpdate().Table("estimator_models").Set("active = TRUE").Set("activated_at = ?", now).
			Set("reestimated_through = 0").Set("reestimated_at = NULL").Where("version = ?", version).Exec(ctx); err != nil {
			return err
		}
		m.Active, m.ActivatedAt, m.ReestimatedThrough, m.ReestimatedAt = true, &now, 0, nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// SaveReestimation records the re-estimation of version's proficiencies: every
// learner up to through is done, and all of them when done. It changes nothing
// if version is no longer active (a newer activation restarted the count).
func (db *DB) SaveReestimation(ctx context.Context, version int, through int64, done bool) error {
	q := db.bun.NewUpdate().Table("estimator_models").Set("reestimated_through = ?", through).
		Where("version = ?", version).Where("active")
	if done {
		q = q.Set("reestimated_at = ?", db.now())
	}
	_, err := q.Exec(ctx)
	return err
}

// FindLearnerIDsWithEvidence returns up to limit IDs of learners with evidence,
// above after, in ascending order: the pages calibration and re-estimation walk.
func (db *DB) FindLearnerIDsWithEvidence(ctx context.Context, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := db.bun.NewSelect().Table("evidence").ColumnExpr("DISTINCT learner_id").
		Where("learner_id > ?", after).Order("learner_id").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, err
}

// FindEvidenceByLearnerIDs returns the learners' evidence ordered by learner,
// competency, time and ID.
func (db *DB) FindEvidenceByLearnerIDs(ctx context.Context, ids []int64) ([]models.Evidence, error) {
	var rows []models.Evidence
	if len(ids) == 0 {
		return rows, nil
	}
	err := db.bun.NewSelect().Model(&rows).Where("learner_id IN (?)", bun.List(ids)).
		Order("learner_id", "competency_id", "observed_at", "id").Scan(ctx)
	return rows, err
}

// FindRequiredLevelsByLearnerIDs returns, for each learner, the highest level
// their own roles require of each competency (competencies no role requires are
// absent).
func (db *DB) FindRequiredLevelsByLearnerIDs(ctx context.Context, ids []int64) (map[int64]map[int64]int, error) {
	out := make(map[int64]map[int64]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		LearnerID    int64 `bun:"learner_id"`
		CompetencyID int64 `bun:"competency_id"`
		Required     int   `bun:"required"`
	}
	if err := db.bun.NewSelect().TableExpr("learner_roles AS lr").
		Join("JOIN role_requirements AS rr ON rr.role_id = lr.role_id").
		ColumnExpr("lr.learner_id, rr.competency_id, MAX(rr.required_level) AS required").
		Where("lr.learner_id IN (?)", bun.List(ids)).GroupExpr("lr.learner_id, rr.competency_id").
		Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if out[r.LearnerID] == nil {
			out[r.LearnerID] = map[int64]int{}
		}
		out[r.LearnerID][r.CompetencyID] = r.Required
	}
	return out, nil
}

// FindAllCompetencies returns every competency, in ID order (a few hundred).
func (db *DB) FindAllCompetencies(ctx context.Context) ([]*models.Competency, error) {
	var out []*models.Competency
	err := db.bun.NewSelect().Model(&out).Order("id").Scan(ctx)
	return out, err
}

// ReestimateLearners rebuilds the stored proficiencies of the learners from
// their evidence with the store's estimator, in one transaction, and bumps their
// versions: one batch of a re-estimation. It leaves their gap rows and the
// rollups as they were (consistent with each other, if not with the new
// estimates): a whole re-estimation rebuilds them once at its end
// (RefreshAllGaps), which costs far less than refreshing each batch.
func (db *DB) ReestimateLearners(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ctx = Fresh(ctx) // reads evidence, then writes proficiencies from it: see fresh
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var pairs []struct {
			LearnerID    int64 `bun:"learner_id"`
			CompetencyID int64 `bun:"competency_id"`
		}
		if err := tx.NewSelect().Table("evidence").ColumnExpr("DISTINCT learner_id, competency_id").
			Where("learner_id IN (?)", bun.List(ids)).Scan(ctx, &pairs); err != nil {
			return err
		}
		want := map[int64][]int64{}
		for _, p := range pairs {
			want[p.LearnerID] = append(want[p.LearnerID], p.CompetencyID)
		}
		if _, err := db.estimateAndStore(ctx, tx, want); err != nil {
			return err
		}
		return db.BumpLearners(ctx, tx, ids)
	})
}

// LatestEstimatorFit returns when the newest version was fitted; the zero time
// when there is none.
func (db *DB) LatestEstimatorFit(ctx context.Context) (time.Time, error) {
	var m models.EstimatorModel
	err := db.bun.NewSelect().Model(&m).Column("fitted_at").Order("version DESC").Limit(1).Scan(Fresh(ctx))
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return m.FittedAt, err
}
