package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// FindAssignedCourses returns, per learner, the courses LIVE plans assign them with
// their enrolment status, by due date, then plan, then the plan's order of courses.
// It stays in the core beside the learning record: learning paths (the
// recommendations) read it with the rest of a learner's record.
func (db *DB) FindAssignedCourses(ctx context.Context, learnerIDs []int64) (map[int64][]models.AssignedCourse, error) {
	out := make(map[int64][]models.AssignedCourse, len(learnerIDs))
	if len(learnerIDs) == 0 {
		return out, nil
	}
	var rows []models.AssignedCourse
	err := db.bun.NewSelect().TableExpr("plan_learners AS pl").
		ColumnExpr("pl.learner_id, pl.plan_id, pc.course_id, p.due_date, e.status").
		Join("JOIN plans AS p ON p.id = pl.plan_id").
		Join("JOIN plan_courses AS pc ON pc.plan_id = pl.plan_id").
		Join("LEFT JOIN enrolments AS e ON e.learner_id = pl.learner_id AND e.course_id = pc.course_id").
		Where("pl.learner_id IN (?)", bun.List(learnerIDs)).
		Where("p.status = ?", models.PlanLive).
		OrderExpr("pl.learner_id, p.due_date, p.id, pc.ordinal").
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.LearnerID] = append(out[r.LearnerID], r)
	}
	return out, nil
}
