package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// SaveLearningInterests replaces a learner's interests with validated ones
// (service.Interests validates them) and bumps their version in one transaction.
// ENOTFOUND for an unknown learner; EINVALID (competencyIds[i]) for an unknown
// competency.
func (db *DB) SaveLearningInterests(ctx context.Context, learnerID int64, competencyIDs []int64) (*models.Learner, error) {
	var l *models.Learner
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if l, err = One[models.Learner](ctx, tx, learnerID, "learner"); err != nil {
			return err
		}
		found, err := ExistingIDs(ctx, tx, "competencies", competencyIDs)
		if err != nil {
			return err
		}
		for i, id := range competencyIDs {
			if !found[id] {
				return models.Invalid(fmt.Sprintf("competencyIds[%d]", i), "no such competency")
			}
		}
		if _, err := tx.NewDelete().Model((*models.LearningInterest)(nil)).Where("learner_id = ?", learnerID).Exec(ctx); err != nil {
			return err
		}
		if len(competencyIDs) > 0 {
			now := db.now()
			rows := make([]models.LearningInterest, len(competencyIDs))
			for i, id := range competencyIDs {
				rows[i] = models.LearningInterest{LearnerID: learnerID, CompetencyID: id, Position: i, CreatedAt: now}
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		return db.BumpVersion(ctx, tx, l) // interests move no peer event
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// FindLearningInterestsByLearnerIDs returns each learner's interests in their order.
func (db *DB) FindLearningInterestsByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.LearningInterest
	if err := db.bun.NewSelect().Model(&rows).Where("learner_id IN (?)", bun.List(Dedupe(ids))).
		Order("learner_id", "position").Scan(ReadOnly(ctx)); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.LearnerID] = append(out[r.LearnerID], r.CompetencyID)
	}
	return out, nil
}

// FindRoleHolders counts the direct members of an organisation holding each role,
// those of one designation only unless designation is "".
func (db *DB) FindRoleHolders(ctx context.Context, organisationID int64, designation string) (map[int64]int, error) {
	var rows []struct {
		RoleID  int64 `bun:"role_id"`
		Holders int   `bun:"holders"`
	}
	q := db.bun.NewSelect().TableExpr("learner_roles AS lr").
		Join("JOIN learners AS l ON l.id = lr.learner_id").
		ColumnExpr("lr.role_id AS role_id, COUNT(*) AS holders").
		Where("l.organisation_id = ?", organisationID).
		GroupExpr("lr.role_id")
	if designation != "" {
		q = q.Where("l.designation = ?", designation)
	}
	if err := q.Scan(ReadOnly(ctx), &rows); err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.RoleID] = r.Holders
	}
	return out, nil
}
