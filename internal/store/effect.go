package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.CourseEffectStore = (*DB)(nil)

// EachCompletion streams the completed enrolments by course then learner (the
// enrolments' unique index on learner and course makes each course's run cheap to
// sort; one row is held at a time).
func (db *DB) EachCompletion(ctx context.Context, fn func(models.Completion) error) error {
	rows, err := db.queryRows(ctx, `SELECT learner_id, course_id, completed_at FROM enrolments
		WHERE status = ? AND completed_at IS NOT NULL ORDER BY course_id, learner_id`, models.Completed)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c models.Completion
		if err := db.bun.ScanRow(ctx, rows, &c); err != nil {
			return err
		}
		c.CompletedAt = c.CompletedAt.UTC()
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachLearnerLearning streams the learners' evidence and completions, batch learners
// (by ID) at a time: each batch is three range reads on learner_id (evidence,
// completions, the requirements of their roles), so memory holds one batch whatever
// the number of learners.
func (db *DB) EachLearnerLearning(ctx context.Context, batch int, fn func([]models.LearnerLearning) error) error {
	batch = max(batch, 1)
	ctx = ReadOnly(ctx)
	after := int64(0)
	for {
		var ids []int64
		if err := db.bun.NewSelect().Table("learners").Column("id").Where("id > ?", after).
			Order("id").Limit(int64(batch)).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		lo, hi := ids[0], ids[len(ids)-1]
		after = hi
		var evidence []models.Evidence
		if err := db.bun.NewSelect().Model(&evidence).Where("learner_id BETWEEN ? AND ?", lo, hi).
			Order("learner_id", "competency_id", "observed_at", "id").Scan(ctx); err != nil {
			return err
		}
		var done []models.Completion
		if err := db.bun.NewSelect().Table("enrolments").Column("learner_id", "course_id", "completed_at").
			Where("learner_id BETWEEN ? AND ?", lo, hi).Where("status = ?", models.Completed).Where("completed_at IS NOT NULL").
			Order("learner_id", "course_id").Scan(ctx, &done); err != nil {
			return err
		}
		out := groupLearning(evidence, done)
		if len(out) == 0 {
			continue
		}
		var reqs []struct {
			LearnerID     int64 `bun:"learner_id"`
			CompetencyID  int64 `bun:"competency_id"`
			RequiredLevel int   `bun:"required_level"`
		}
		if err := db.bun.NewSelect().TableExpr("learner_roles AS lr").Join("JOIN role_requirements AS rr ON rr.role_id = lr.role_id").
			ColumnExpr("lr.learner_id, rr.competency_id, MAX(rr.required_level) AS required_level").
			Where("lr.learner_id BETWEEN ? AND ?", lo, hi).GroupExpr("lr.learner_id, rr.competency_id").
			Scan(ctx, &reqs); err != nil {
			return err
		}
		at := make(map[int64]*models.LearnerLearning, len(out))
		for i := range out {
			at[out[i].LearnerID] = &out[i]
		}
		for _, r := range reqs {
			if l := at[r.LearnerID]; l != nil {
				if l.Required == nil {
					l.Required = map[int64]int{}
				}
				l.Required[r.CompetencyID] = r.RequiredLevel
			}
		}
		if err := fn(out); err != nil {
			return err
		}
	}
}

// groupLearning merges evidence and completions, each ordered by learner, into one
// record per learner, in learner order.
func groupLearning(evidence []models.Evidence, done []models.Completion) []models.LearnerLearning {
	var out []models.LearnerLearning
	at := func(id int64) *models.LearnerLearning {
		if n := len(out); n > 0 && out[n-1].LearnerID == id {
			return &out[n-1]
		}
		out = append(out, models.LearnerLearning{LearnerID: id})
		return &out[len(out)-1]
	}
	i, j := 0, 0
	for i < len(evidence) || j < len(done) {
		if j == len(done) || (i < len(evidence) && evidence[i].LearnerID <= done[j].LearnerID) {
			e := evidence[i]
			e.ObservedAt = e.ObservedAt.UTC()
			l := at(e.LearnerID)
			l.Evidence = append(l.Evidence, e)
			i++
			continue
		}
		c := done[j]
		c.CompletedAt = c.CompletedAt.UTC()
		l := at(c.LearnerID)
		l.Completions = append(l.Completions, c)
		j++
	}
	return out
}

// ReplaceCourseEffects deletes every stored effect, inserts effects and bumps the
// catalogue version (the recommender's snapshot reads the efficacies), in one
// transaction.
func (db *DB) ReplaceCourseEffects(ctx context.Context, effects []models.CourseEffect) error {
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Table("course_effects").Where("1 = 1").Exec(ctx); err != nil {
			return err
		}
		for start := 0; start < len(effects); start += 500 {
			part := effects[start:min(start+500, len(effects))]
			if _, err := tx.NewInsert().Model(&part).Exec(ctx); err != nil {
				if k, _ := Violation(err); k == ForeignKeyViolation {
					return models.Invalid("courseEffects", "an effect names an unknown course or competency")
				}
				return err
			}
		}
		return BumpCatalogue(ctx, tx)
	})
}

// FindCourseEffects returns a course's stored effects, by competency.
func (db *DB) FindCourseEffects(ctx context.Context, courseID int64) ([]models.CourseEffect, error) {
	var out []models.CourseEffect
	err := db.bun.NewSelect().Model(&out).Where("course_id = ?", courseID).Order("competency_id").Scan(ctx)
	for i := range out {
		out[i].FittedAt = out[i].FittedAt.UTC()
	}
	return out, err
}

// findAllCourseEffects reads every stored effect by course, for the catalogue snapshot.
func findAllCourseEffects(ctx context.Context, idb bun.IDB) (map[int64][]models.CourseEffect, error) {
	var rows []models.CourseEffect
	if err := idb.NewSelect().Model(&rows).Order("course_id", "competency_id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64][]models.CourseEffect)
	for _, r := range rows {
		r.FittedAt = r.FittedAt.UTC()
		out[r.CourseID] = append(out[r.CourseID], r)
	}
	return out, nil
}
