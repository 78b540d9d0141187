package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.RecommenderStore = (*DB)(nil)

// FindCatalogue reads every course with what it imparts, competency names and domains,
// and the stored course effects, at one catalogue version (one transaction, so the
// parts agree).
func (db *DB) FindCatalogue(ctx context.Context) (*models.Catalogue, error) {
	c := &models.Catalogue{Imparts: map[int64][]models.CourseCompetency{}, CompetencyNames: map[int64]string{}, CompetencyNamesHi: map[int64]string{}, CompetencyDomains: map[int64]string{}}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Table("counters").Column("value").Where("name = ?", CatalogueCounter).Scan(ctx, &c.Version); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&c.Courses).Order("id").Scan(ctx); err != nil {
			return err
		}
		var imparts []models.CourseCompetency
		if err := tx.NewSelect().Model(&imparts).Order("course_id", "competency_id").Scan(ctx); err != nil {
			return err
		}
		for _, i := range imparts {
			c.Imparts[i.CourseID] = append(c.Imparts[i.CourseID], i)
		}
		var names []struct {
			ID     int64                 `bun:"id"`
			Name   string                `bun:"name"`
			NameHi *string               `bun:"name_hi"`
			Type   models.CompetencyType `bun:"type"`
			Area   string                `bun:"area"`
		}
		if err := tx.NewSelect().Table("competencies").Column("id", "name", "name_hi", "type", "area").Scan(ctx, &names); err != nil {
			return err
		}
		for _, n := range names {
			c.CompetencyNames[n.ID] = n.Name
			if n.NameHi != nil {
				c.CompetencyNamesHi[n.ID] = *n.NameHi
			}
			if n.Type != models.Behavioural && n.Area != "" {
				c.CompetencyDomains[n.ID] = n.Area
			}
		}
		var err error
		c.Effects, err = findAllCourseEffects(ctx, tx)
		return err
	})
	return c, err
}

// FindExcludedCourseIDs returns the courses a learner is enrolled in, completed or dismissed.
func (db *DB) FindExcludedCourseIDs(ctx context.Context, learnerID int64) ([]int64, error) {
	var ids []int64
	err := db.bun.NewSelect().Table("enrolments").Column("course_id").
		Where("learner_id = ? AND status <> ?", learnerID, models.Dropped).
		UnionAll(db.bun.NewSelect().Table("dismissals").Column("course_id").Where("learner_id = ?", learnerID)).
		Scan(ctx, &ids)
	return Dedupe(ids), err
}

// Dismiss records that a learner does not want a course recommended again.
func (db *DB) Dismiss(ctx context.Context, learnerID, courseID int64, reason string) error {
	if utf8.RuneCountInString(reason) > models.MaxDismissReason || !utf8.ValidString(reason) || strings.ContainsRune(reason, 0) {
		return models.Invalid("reason", "must be valid text of at most %d characters", models.MaxDismissReason)
	}
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		l, err := One[models.Learner](ctx, tx, learnerID, "learner")
		if err != nil {
			return err
		}
		if err := checkCourse(ctx, tx, courseID); err != nil {
			return err
		}
		d := &models.Dismissal{LearnerID: learnerID, CourseID: courseID, Reason: reason, DismissedAt: db.now()}
		if _, err := tx.NewInsert().Model(d).On("CONFLICT (learner_id, course_id) DO UPDATE").
			Set("reason = EXCLUDED.reason").Set("dismissed_at = EXCLUDED.dismissed_at").Exec(ctx); err != nil {
			return err
		}
		return db.BumpLearner(ctx, tx, l)
	})
}
