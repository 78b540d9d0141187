package assessment

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.AdaptiveStore = (*Store)(nil)

// CreateAssessmentItem stores a new item. EINVALID for bad fields, ENOTFOUND
// (competencyId) for an unknown competency, ECONFLICT (code) for a code in use.
func (s *Store) CreateAssessmentItem(ctx context.Context, it *models.AssessmentItem) (*models.AssessmentItem, error) {
	if err := it.Validate(); err != nil {
		return nil, err
	}
	err := s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkItemOwner(ctx, tx, it); err != nil {
			return err
		}
		now := s.db.Now()
		it.ID, it.Retired, it.CreatedAt, it.UpdatedAt = 0, false, now, now
		_, err := tx.NewInsert().Model(it).ExcludeColumn("id").Returning("id").Exec(ctx)
		return store.ConflictOr(err, map[string]string{"code": "code"})
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// UpdateAssessmentItem replaces an item's content (not its code, nor whether it is
// retired). ENOTFOUND for an unknown item or competency.
func (s *Store) UpdateAssessmentItem(ctx context.Context, it *models.AssessmentItem) (*models.AssessmentItem, error) {
	var out *models.AssessmentItem
	err := s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		old, err := store.One[models.AssessmentItem](ctx, tx, it.ID, "assessment item")
		if err != nil {
			return err
		}
		n := *it
		n.Code, n.Retired, n.CreatedAt, n.UpdatedAt = old.Code, old.Retired, old.CreatedAt, s.db.Now()
		if err := n.Validate(); err != nil {
			return err
		}
		if err := checkItemOwner(ctx, tx, &n); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(&n).WherePK().Exec(ctx); err != nil {
			return err
		}
		out = &n
		return nil
	})
	return out, err
}

// checkItemOwner checks that an item's competency exists and, for a course's own
// item, that the course exists and imparts that competency: its final assessment
// tests what it claims to teach.
func checkItemOwner(ctx context.Context, idb bun.IDB, it *models.AssessmentItem) error {
	if _, err := store.One[models.Competency](ctx, idb, it.CompetencyID, "competency"); err != nil {
		return models.WithField(err, "competencyId")
	}
	if it.CourseID == nil {
		return nil
	}
	if _, err := store.One[models.Course](ctx, idb, *it.CourseID, "course"); err != nil {
		return models.WithField(err, "courseId")
	}
	imparts, err := store.CourseCompetencies(ctx, idb, []int64{*it.CourseID})
	if err != nil {
		return err
	}
	if !impartsCompetency(imparts[*it.CourseID], it.CompetencyID) {
		return models.Invalid("competencyId", "the course does not impart this competency")
	}
	return nil
}

func impartsCompetency(cs []models.CourseCompetency, competencyID int64) bool {
	for _, c := range cs {
		if c.CompetencyID == competencyID {
			return true
		}
	}
	return false
}

// RetireAssessmentItem takes an item out of new attempts (attempts asking it may
// still answer it). ENOTFOUND for an unknown item.
func (s *Store) RetireAssessmentItem(ctx context.Context, id int64) (*models.AssessmentItem, error) {
	var out *models.AssessmentItem
	err := s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		it, err := store.One[models.AssessmentItem](ctx, tx, id, "assessment item")
		if err != nil {
			return err
		}
		if !it.Retired {
			it.Retired, it.UpdatedAt = true, s.db.Now()
			if _, err := tx.NewUpdate().Model(it).Column("retired", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		out = it
		return nil
	})
	return out, err
}

// FindAssessmentItemsByIDs returns the items found.
func (s *Store) FindAssessmentItemsByIDs(ctx context.Context, ids []int64) (map[int64]*models.AssessmentItem, error) {
	out := make(map[int64]*models.AssessmentItem, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*models.AssessmentItem
	if err := s.db.Bun().NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, it := range rows {
		out[it.ID] = it
	}
	return out, nil
}

// FindAssessmentItems returns a competency's bank (not the courses' own items) by
// code, retired ones too when asked.
func (s *Store) FindAssessmentItems(ctx context.Context, competencyID int64, retired bool) ([]*models.AssessmentItem, error) {
	return s.findItems(ctx, "competency_id = ? AND course_id IS NULL", competencyID, retired)
}

// FindCourseItems returns a course's own items by code, retired ones too when asked.
func (s *Store) FindCourseItems(ctx context.Context, courseID int64, retired bool) ([]*models.AssessmentItem, error) {
	return s.findItems(ctx, "course_id = ?", courseID, retired)
}

func (s *Store) findItems(ctx context.Context, where string, id int64, retired bool) ([]*models.AssessmentItem, error) {
	var rows []*models.AssessmentItem
	q := s.db.Bun().NewSelect().Model(&rows).Where(where, id)
	if !retired {
		q = q.Where("retired = ?", false)
	}
	if err := q.Order("code").Scan(ctx); err != nil {
		return nil, err
	}
	return rows, nil
}

// ItemExposure returns, for a competency's items, the share of its attempts started
// since then that asked each (answered, or asking it now).
func (s *Store) ItemExposure(ctx context.Context, competencyID int64, since time.Time) (map[int64]float64, error) {
	attempts, err := s.db.Bun().NewSelect().Table("adaptive_attempts").
		Where("competency_id = ?", competencyID).Where("started_at >= ?", since).Count(ctx)
	if err != nil || attempts == 0 {
		return map[int64]float64{}, err
	}
	var rows []struct {
		ItemID int64 `bun:"item_id"`
		N      int   `bun:"n"`
	}
	if err := s.db.Bun().NewSelect().TableExpr("attempt_responses AS r").
		Join("JOIN adaptive_attempts AS a ON a.id = r.attempt_id").
		ColumnExpr("r.item_id, COUNT(*) AS n").
		Where("a.competency_id = ?", competencyID).Where("a.started_at >= ?", since).
		Group("r.item_id").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	var asking []struct {
		ItemID int64 `bun:"item_id"`
		N      int   `bun:"n"`
	}
	if err := s.db.Bun().NewSelect().Table("adaptive_attempts").ColumnExpr("current_item_id AS item_id, COUNT(*) AS n").
		Where("competency_id = ?", competencyID).Where("started_at >= ?", since).
		Where("status = ?", models.AttemptInProgress).Where("current_item_id IS NOT NULL").
		Group("current_item_id").Scan(ctx, &asking); err != nil {
		return nil, err
	}
	out := map[int64]float64{}
	for _, r := range append(rows, asking...) {
		out[r.ItemID] += float64(r.N) / float64(attempts)
	}
	return out, nil
}

// FindAdaptiveAttemptsByIDs returns the attempts found, ItemsAnswered filled in.
func (s *Store) FindAdaptiveAttemptsByIDs(ctx context.Context, ids []int64) (map[int64]*models.AdaptiveAttempt, error) {
	return findAttempts(ctx, s.db.Bun(), ids)
}

// FindLearnerAdaptiveAttempts returns a learner's attempts, newest first, of one
// competency when competencyID is not 0; at most limit.
func (s *Store) FindLearnerAdaptiveAttempts(ctx context.Context, learnerID, competencyID int64, limit int) ([]*models.AdaptiveAttempt, error) {
	return selectAttempts(ctx, s.db.Bun(), func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("adaptive_attempt.learner_id = ?", learnerID)
		if competencyID != 0 {
			q = q.Where("adaptive_attempt.competency_id = ?", competencyID)
		}
		return q.OrderExpr("adaptive_attempt.started_at DESC, adaptive_attempt.id DESC").Limit(int64(limit))
	})
}

// selectAttempts reads the attempts a query picks, each with its count of answers,
// in one statement.
func selectAttempts(ctx context.Context, idb bun.IDB, pick func(*bun.SelectQuery) *bun.SelectQuery) ([]*models.AdaptiveAttempt, error) {
	var rows []*models.AdaptiveAttempt
	q := idb.NewSelect().Model(&rows).ColumnExpr("adaptive_attempt.*").
		ColumnExpr("(SELECT COUNT(*) FROM attempt_responses AS r WHERE r.attempt_id = adaptive_attempt.id) AS items_answered")
	if err := pick(q).Scan(ctx); err != nil {
		return nil, err
	}
	for _, a := range rows {
		if a.Result != nil {
			a.Result.EvidenceID = a.EvidenceID
		}
	}
	return rows, nil
}

func findAttempts(ctx context.Context, idb bun.IDB, ids []int64) (map[int64]*models.AdaptiveAttempt, error) {
	out := make(map[int64]*models.AdaptiveAttempt, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := selectAttempts(ctx, idb, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("adaptive_attempt.id IN (?)", bun.List(ids))
	})
	if err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.ID] = a
	}
	return out, nil
}

func findAttempt(ctx context.Context, idb bun.IDB, id int64) (*models.AdaptiveAttempt, error) {
	m, err := findAttempts(ctx, idb, []int64{id})
	if err != nil {
		return nil, err
	}
	if a := m[id]; a != nil {
		return a, nil
	}
	return nil, models.NotFound("attempt")
}

// FindAttemptResponses returns an attempt's responses in the order answered.
func (s *Store) FindAttemptResponses(ctx context.Context, attemptID int64) ([]models.AttemptResponse, error) {
	var rows []models.AttemptResponse
	err := s.db.Bun().NewSelect().Model(&rows).Where("attempt_id = ?", attemptID).Order("position").Scan(ctx)
	return rows, err
}

// FindOpenAdaptiveAttempt returns the learner's IN_PROGRESS attempt of the
// competency, or nil.
func (s *Store) FindOpenAdaptiveAttempt(ctx context.Context, learnerID, competencyID int64) (*models.AdaptiveAttempt, error) {
	var id int64
	err := s.db.Bun().NewSelect().Table("adaptive_attempts").Column("id").Where("learner_id = ?", learnerID).
		Where("competency_id = ?", competencyID).Where("status = ?", models.AttemptInProgress).Limit(1).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return findAttempt(ctx, s.db.Bun(), id)
}

// LastAdaptiveAttemptEnd returns when the learner's last ended attempt of the
// competency ended, or nil.
func (s *Store) LastAdaptiveAttemptEnd(ctx context.Context, learnerID, competencyID int64) (*time.Time, error) {
	var rows []models.AdaptiveAttempt
	if err := s.db.Bun().NewSelect().Model(&rows).Where("learner_id = ?", learnerID).
		Where("competency_id = ?", competencyID).Where("completed_at IS NOT NULL").
		Order("completed_at DESC").Limit(1).Scan(ctx); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].CompletedAt, nil
}

// CreateAdaptiveAttempt stores a new IN_PROGRESS attempt. ECONFLICT when the
// learner already has one open for the competency.
func (s *Store) CreateAdaptiveAttempt(ctx context.Context, a *models.AdaptiveAttempt) (*models.AdaptiveAttempt, error) {
	a.Status = models.AttemptInProgress
	if _, err := s.db.Bun().NewInsert().Model(a).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		if kind, _ := store.Violation(err); kind == store.UniqueViolation {
			return nil, models.Errorf(models.ECONFLICT, "the learner already has an attempt in progress for the competency")
		}
		return nil, err
	}
	return a, nil
}

// ApplyAdaptiveStep applies an answer in one transaction: the response, then the
// next item or, with a result, the end of the attempt with its ASSESSMENT evidence,
// the re-estimated proficiency and a new version of the learner. ECONFLICT when
// the attempt is no longer asking that item (another answer came first).
func (s *Store) ApplyAdaptiveStep(ctx context.Context, attemptID int64, step models.AdaptiveStep) (*models.AdaptiveAttempt, error) {
	var out *models.AdaptiveAttempt
	err := s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r := step.Response
		r.AttemptID = attemptID
		q := tx.NewUpdate().Table("adaptive_attempts").
			Where("id = ?", attemptID).Where("status = ?", models.AttemptInProgress).Where("current_item_id = ?", r.ItemID)
		if step.Result == nil {
			q = q.Set("current_item_id = ?", step.NextItemID).Set("item_expires_at = ?", step.ItemExpiresAt)
		} else {
			q = q.Set("status = ?", models.AttemptCompleted).Set("current_item_id = NULL").Set("item_expires_at = NULL").
				Set("completed_at = ?", r.AnsweredAt).Set("result = ?", jsonText(step.Result))
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return models.Errorf(models.ECONFLICT, "the attempt is no longer asking this item")
		}
		if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
			if kind, _ := store.Violation(err); kind == store.UniqueViolation {
				return models.Errorf(models.ECONFLICT, "the item was answered already")
			}
			return err
		}
		if e := step.Evidence; e != nil && step.Result != nil {
			if _, err := tx.NewInsert().Model(e).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
				return store.ConflictOr(err, nil)
			}
			if _, err := tx.NewUpdate().Table("adaptive_attempts").Set("evidence_id = ?", e.ID).Where("id = ?", attemptID).Exec(ctx); err != nil {
				return err
			}
			if _, err := s.db.ReestimateIn(ctx, tx, map[int64][]int64{e.LearnerID: {e.CompetencyID}}); err != nil {
				return err
			}
			if err := s.db.BumpLearners(ctx, tx, []int64{e.LearnerID}); err != nil {
				return err
			}
		}
		out, err = findAttempt(ctx, tx, attemptID)
		return err
	})
	return out, err
}

// AbandonAdaptiveAttempt ends an IN_PROGRESS attempt as ABANDONED at the given
// instant; an attempt that has ended is left as it is.
func (s *Store) AbandonAdaptiveAttempt(ctx context.Context, attemptID int64, at time.Time) (*models.AdaptiveAttempt, error) {
	if _, err := s.db.Bun().NewUpdate().Table("adaptive_attempts").Set("status = ?", models.AttemptAbandoned).
		Set("current_item_id = NULL").Set("item_expires_at = NULL").Set("completed_at = ?", domain.Instant(at)).
		Where("id = ?", attemptID).Where("status = ?", models.AttemptInProgress).Exec(ctx); err != nil {
		return nil, err
	}
	return findAttempt(ctx, s.db.Bun(), attemptID)
}

// jsonText is v as JSON text, for a text column set by an update.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain values are marshalled here
	}
	return string(b)
}

// FindItemResponses returns the scored responses of every COMPLETED attempt of the
// competency, for calibration, ordered by attempt and position.
func (s *Store) FindItemResponses(ctx context.Context, competencyID int64) ([]models.ItemResponseRecord, error) {
	var rows []struct {
		AttemptID int64  `bun:"attempt_id"`
		LearnerID int64  `bun:"learner_id"`
		Prior     string `bun:"prior"`
		ItemID    int64  `bun:"item_id"`
		Correct   bool   `bun:"correct"`
	}
	if err := s.db.Bun().NewSelect().TableExpr("attempt_responses AS r").Join("JOIN adaptive_attempts AS a ON a.id = r.attempt_id").
		ColumnExpr("r.attempt_id, a.learner_id, a.prior, r.item_id, r.correct").
		Where("a.competency_id = ?", competencyID).Where("a.status = ?", models.AttemptCompleted).
		Order("r.attempt_id", "r.position").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]models.ItemResponseRecord, len(rows))
	for i, r := range rows {
		out[i] = models.ItemResponseRecord{AttemptID: r.AttemptID, LearnerID: r.LearnerID, CompetencyID: competencyID, ItemID: r.ItemID, Correct: r.Correct}
		if err := json.Unmarshal([]byte(r.Prior), &out[i].Prior); err != nil {
			return nil, fmt.Errorf("attempt %d: prior: %w", r.AttemptID, err)
		}
	}
	return out, nil
}

// FindItemBankCompetencies returns the competencies that have a bank (items of
// their own, not only courses' items).
func (s *Store) FindItemBankCompetencies(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.Bun().NewSelect().Table("assessment_items").ColumnExpr("DISTINCT competency_id").Where("course_id IS NULL").
		Order("competency_id").Scan(ctx, &ids)
	return ids, err
}

// SetItemParameters stores fitted parameters (discrimination, difficulty) by item,
// in one transaction.
func (s *Store) SetItemParameters(ctx context.Context, params map[int64][2]float64) error {
	return s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := s.db.Now()
		for id, p := range params {
			if _, err := tx.NewUpdate().Table("assessment_items").Set("discrimination = ?", p[0]).Set("difficulty = ?", p[1]).
				Set("updated_at = ?", now).Where("id = ?", id).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
