// Package plan persists capacity-building plans: courses assigned to an audience
// of an organisation's subtree, with a due date. The use cases (validation, what a
// write changed) are service.Plans'; this package reads and writes the rows.
package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// Store keeps plans, their courses and the learners they assign.
type Store struct{ db *store.DB }

// New returns the plans of db.
func New(db *store.DB) *Store { return &Store{db: db} }

// Now is the store's clock, which validation reads.
func (s *Store) Now() time.Time { return s.db.Now() }

// Plans are listed by due date, the latest first.
var planPages = store.NewestFirst[*models.Plan]{
	Column: "due_date",
	At:     func(p *models.Plan) time.Time { return p.DueDate },
	ID:     func(p *models.Plan) int64 { return p.ID },
}

// InsertPlan stores a plan validated by models.NewPlan.Validate: it resolves the
// audience into plan_learners with one INSERT ... SELECT over the organisation's
// subtree (set-based, whatever the audience's size), and, for a LIVE plan, bumps the
// version of every learner assigned, all in one transaction: any error leaves
// nothing stored. The audience asked for is kept with the plan, so that going LIVE
// later assigns it as it is then. EINVALID for an unknown organisation, course or
// role, a listed learner outside the subtree, or an audience of nobody.
func (s *Store) InsertPlan(ctx context.Context, n *models.NewPlan) (*models.Plan, error) {
	now := s.db.Now()
	audience, err := json.Marshal(n.Audience)
	if err != nil {
		return nil, err
	}
	p := &models.Plan{Name: n.Name, OrganisationID: n.OrganisationID, Status: n.Status, DueDate: domain.Instant(n.DueDate),
		Audience: string(audience), CreatedAt: now, UpdatedAt: now}
	err = s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		org, err := store.One[models.Organisation](ctx, tx, n.OrganisationID, "organisation")
		if models.ErrorCode(err) == models.ENOTFOUND {
			return models.Invalid("organisationId", "no such organisation")
		} else if err != nil {
			return err
		}
		if err := store.AllExist(ctx, tx, "courses", "courseIds", "no such course", n.CourseIDs); err != nil {
			return err
		}
		if err := store.AllExist(ctx, tx, "roles", "audienceRoleIds", "no such role", n.Audience.RoleIDs); err != nil {
			return err
		}
		if err := checkAudienceLearners(ctx, tx, store.SubtreeOrganisations(tx, org), n.Audience.LearnerIDs); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(p).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		courses := make([]models.PlanCourse, len(n.CourseIDs))
		for i, id := range n.CourseIDs {
			courses[i] = models.PlanCourse{PlanID: p.ID, CourseID: id, Ordinal: i}
		}
		if _, err := tx.NewInsert().Model(&courses).Exec(ctx); err != nil {
			return err
		}
		if err := assignAudience(ctx, tx, p.ID, org, n.Audience); err != nil {
			return err
		}
		if p.Status != models.PlanLive {
			return nil
		}
		return bumpAssigned(ctx, tx, p.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// assignAudience resolves audience a within org's subtree into plan_learners for
// plan planID, replacing what was there: the ACTIVE learners it selects (a pending
// registration is nobody's to assign). EINVALID when it selects nobody.
func assignAudience(ctx context.Context, tx bun.Tx, planID int64, org *models.Organisation, a models.PlanAudience) error {
	if _, err := tx.NewDelete().Table("plan_learners").Where("plan_id = ?", planID).Exec(ctx); err != nil {
		return err
	}
	audience := tx.NewSelect().Table("learners").ColumnExpr("?, id", planID).
		Where("organisation_id IN (?)", store.SubtreeOrganisations(tx, org)).Where("status = ?", models.LearnerActive)
	if !a.Everyone() {
		audience = audience.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if len(a.RoleIDs) > 0 {
				q = q.WhereOr("id IN (?)", tx.NewSelect().Table("learner_roles").Column("learner_id").
					Where("role_id IN (?)", bun.List(a.RoleIDs)))
			}
			if len(a.Designations) > 0 {
				q = q.WhereOr("LOWER(designation) IN (?)", bun.List(domain.AudienceDesignations(a.Designations)))
			}
			if len(a.LearnerIDs) > 0 {
				q = q.WhereOr("id IN (?)", bun.List(a.LearnerIDs))
			}
			return q
		})
	}
	res, err := tx.NewRaw("INSERT INTO plan_learners (plan_id, learner_id) ?", audience).Exec(ctx)
	if err != nil {
		return err
	}
	if assigned, err := res.RowsAffected(); err != nil {
		return err
	} else if assigned == 0 {
		return models.Invalid("", "the audience is empty: no learner in the organisation or below it matches")
	}
	return nil
}

// bumpAssigned bumps the version of every learner plan planID assigns: learning
// paths are cached on it, and a plan going LIVE or RETIRED changes them.
func bumpAssigned(ctx context.Context, tx bun.Tx, planID int64, now time.Time) error {
	_, err := tx.NewUpdate().Table("learners").Set("version = version + 1").Set("updated_at = ?", now).
		Where("id IN (?)", tx.NewSelect().Table("plan_learners").Column("learner_id").Where("plan_id = ?", planID)).
		Exec(ctx)
	return err
}

// MovePlan moves a plan to status by models.Plan.Move: going LIVE assigns the
// audience kept with the plan as it is now (a plan stored without one keeps the
// learners it had), retiring keeps the assignments as history; either bumps the
// versions of the learners assigned. The current status again changes nothing.
// ENOTFOUND for an unknown plan; EINVALID (status) for a move backwards, or to LIVE
// after the due date, and when going LIVE would assign nobody.
func (s *Store) MovePlan(ctx context.Context, id int64, status models.PlanStatus) (*models.Plan, error) {
	var p *models.Plan
	err := s.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = store.One[models.Plan](ctx, tx, id, "plan"); err != nil {
			return err
		}
		now := s.db.Now()
		if changed, err := p.Move(status, now); err != nil || !changed {
			return err
		}
		if status == models.PlanLive && p.Audience != "" {
			var a models.PlanAudience
			if err := json.Unmarshal([]byte(p.Audience), &a); err != nil {
				return err
			}
			org, err := store.One[models.Organisation](ctx, tx, p.OrganisationID, "organisation")
			if err != nil {
				return err
			}
			if err := assignAudience(ctx, tx, p.ID, org, a); models.ErrorCode(err) == models.EINVALID {
				return models.Invalid("status", "going LIVE would assign nobody: no learner in the organisation or below it matches the audience")
			} else if err != nil {
				return err
			}
		}
		from := p.Status
		p.Status, p.UpdatedAt = status, now
		// The status condition makes a concurrent move lose cleanly.
		res, err := tx.NewUpdate().Model(p).Column("status", "updated_at").WherePK().Where("status = ?", from).Exec(ctx)
		if ok, err := store.Affected(res, err); err != nil {
			return err
		} else if !ok {
			return models.Errorf(models.ECONFLICT, "the plan changed while it was being updated; try again")
		}
		if from == models.PlanDraft && status == models.PlanRetired {
			return nil // it never assigned anything
		}
		return bumpAssigned(ctx, tx, p.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// checkAudienceLearners returns EINVALID naming audienceLearnerIds[i] for the first
// listed learner who is not a member of the subtree; an unknown learner reads the
// same, so the answer reveals nothing about learners elsewhere.
func checkAudienceLearners(ctx context.Context, idb bun.IDB, subtree *bun.SelectQuery, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var inside []int64
	if err := idb.NewSelect().Table("learners").Column("id").Where("id IN (?)", bun.List(ids)).
		Where("organisation_id IN (?)", subtree).Scan(ctx, &inside); err != nil {
		return err
	}
	ok := make(map[int64]bool, len(inside))
	for _, id := range inside {
		ok[id] = true
	}
	for i, id := range ids {
		if !ok[id] {
			return models.Invalid(fmt.Sprintf("audienceLearnerIds[%d]", i), "is not a learner of the organisation or an organisation below it")
		}
	}
	return nil
}

// FindPlanByID returns ENOTFOUND if there is no such plan.
func (s *Store) FindPlanByID(ctx context.Context, id int64) (*models.Plan, error) {
	return store.One[models.Plan](ctx, s.db.Bun(), id, "plan")
}

// FindPlansByIDs returns the plans that exist, keyed by ID.
func (s *Store) FindPlansByIDs(ctx context.Context, ids []int64) (map[int64]*models.Plan, error) {
	return store.ByID(ctx, s.db.Bun(), ids, func(p *models.Plan) int64 { return p.ID })
}

// FindPlans pages through plans by due date, the latest first. An unknown
// organisation in the filter selects nothing.
func (s *Store) FindPlans(ctx context.Context, f models.PlanFilter, p models.PageRequest) (*models.Page[*models.Plan], error) {
	db := s.db.Bun()
	q := db.NewSelect().Model((*models.Plan)(nil))
	for _, id := range []*int64{f.WithinOrganisationID, f.OrganisationID} {
		if id == nil {
			continue
		}
		org, err := store.One[models.Organisation](ctx, db, *id, "organisation")
		if models.ErrorCode(err) == models.ENOTFOUND {
			return &models.Page[*models.Plan]{}, nil
		} else if err != nil {
			return nil, err
		}
		q = q.Where("organisation_id IN (?)", store.SubtreeOrganisations(db, org))
	}
	if f.AssignedLearnerID != nil {
		q = q.Where("status = ?", models.PlanLive).
			Where("id IN (?)", db.NewSelect().Table("plan_learners").Column("plan_id").Where("learner_id = ?", *f.AssignedLearnerID))
	}
	return planPages.Fetch(ctx, q, p)
}

// FindCourseIDsByPlanIDs returns each plan's courses in the order the plan lists them.
func (s *Store) FindCourseIDsByPlanIDs(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.PlanCourse
	if err := s.db.Bun().NewSelect().Model(&rows).Where("plan_id IN (?)", bun.List(ids)).Order("plan_id", "ordinal").Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PlanID] = append(out[r.PlanID], r.CourseID)
	}
	return out, nil
}

// FindPlanProgress counts, per plan, its (learner, course) assignments within
// scope, those with an enrolment, and those completed, in one grouped join of
// plan_learners x plan_courses with enrolments; overdue follows from the due date.
func (s *Store) FindPlanProgress(ctx context.Context, ids []int64, scope models.PlanProgressScope) (map[int64]*models.PlanProgress, error) {
	db := s.db.Bun()
	out := make(map[int64]*models.PlanProgress, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		PlanID    int64     `bun:"plan_id"`
		DueDate   time.Time `bun:"due_date"`
		Assigned  int       `bun:"assigned"`
		Enrolled  int       `bun:"enrolled"`
		Completed int       `bun:"completed"`
	}
	q := db.NewSelect().TableExpr("plan_learners AS pl").
		ColumnExpr("pl.plan_id, p.due_date, COUNT(*) AS assigned, COUNT(e.id) AS enrolled").
		ColumnExpr("SUM(CASE WHEN e.status = ? THEN 1 ELSE 0 END) AS completed", models.Completed).
		Join("JOIN plans AS p ON p.id = pl.plan_id").
		Join("JOIN plan_courses AS pc ON pc.plan_id = pl.plan_id").
		Join("LEFT JOIN enrolments AS e ON e.learner_id = pl.learner_id AND e.course_id = pc.course_id").
		Where("pl.plan_id IN (?)", bun.List(ids)).
		GroupExpr("pl.plan_id, p.due_date")
	if scope.LearnerID != nil {
		q = q.Where("pl.learner_id = ?", *scope.LearnerID)
	}
	if scope.WithinOrganisationID != nil {
		org, err := store.One[models.Organisation](ctx, db, *scope.WithinOrganisationID, "organisation")
		if models.ErrorCode(err) == models.ENOTFOUND {
			q = q.Where("1 = 0")
		} else if err != nil {
			return nil, err
		} else {
			q = q.Where("pl.learner_id IN (?)", db.NewSelect().Table("learners").Column("id").
				Where("organisation_id IN (?)", store.SubtreeOrganisations(db, org)))
		}
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, err
	}
	now := s.db.Now()
	for _, id := range ids {
		out[id] = &models.PlanProgress{PlanID: id}
	}
	for _, r := range rows {
		p := &models.PlanProgress{PlanID: r.PlanID, Assigned: r.Assigned, Enrolled: r.Enrolled, Completed: r.Completed}
		if r.DueDate.Before(now) {
			p.Overdue = r.Assigned - r.Completed
		}
		out[r.PlanID] = p
	}
	return out, nil
}

// FindAssignedCourses returns, per learner, the courses LIVE plans assign them
// (the core's read, which learning paths share).
func (s *Store) FindAssignedCourses(ctx context.Context, learnerIDs []int64) (map[int64][]models.AssignedCourse, error) {
	return s.db.FindAssignedCourses(ctx, learnerIDs)
}
