package models

import (
	"fmt"
	"strings"
	"time"
)

// PlanStatus is where a capacity-building plan is in its life. Only a LIVE plan
// assigns courses: learners see it, and their learning paths put its courses first.
type PlanStatus string

const (
	PlanDraft   PlanStatus = "DRAFT"
	PlanLive    PlanStatus = "LIVE"
	PlanRetired PlanStatus = "RETIRED"
)

// Valid reports whether s is a known plan status.
func (s PlanStatus) Valid() bool { return s == PlanDraft || s == PlanLive || s == PlanRetired }

// Plan is a capacity-building plan: courses an organisation assigns to an audience
// of its learners, due by DueDate. The audience is resolved when the plan is
// created and kept as PlanLearner rows, so progress is a join, not a search.
type Plan struct {
	ID             int64      `bun:"id,pk,autoincrement"`
	Name           string     `bun:"name"`
	OrganisationID int64      `bun:"organisation_id"`
	Status         PlanStatus `bun:"status"`
	DueDate        time.Time  `bun:"due_date"`
	// Audience is the PlanAudience asked for, as JSON, resolved again when the plan
	// goes LIVE; empty for plans stored before it was kept.
	Audience  string    `bun:"audience,nullzero"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// Move checks a plan's move to status at now: DRAFT → LIVE → RETIRED, and DRAFT →
// RETIRED for a plan abandoned, never back; LIVE only before the due date. changed
// is false for the current status (nothing to do). EINVALID (status) otherwise.
func (p *Plan) Move(status PlanStatus, now time.Time) (changed bool, err error) {
	switch {
	case !status.Valid():
		return false, Invalid("status", "must be DRAFT, LIVE or RETIRED")
	case status == p.Status:
		return false, nil
	case p.Status == PlanRetired || status == PlanDraft:
		return false, Invalid("status", "a plan moves from DRAFT to LIVE to RETIRED, never back; this one is %s", p.Status)
	case status == PlanLive && !p.DueDate.After(now):
		return false, Invalid("status", "the plan's due date has passed; it can no longer go LIVE")
	}
	return true, nil
}

// PlanCourse is a course of a plan; Ordinal keeps the order the plan lists them in.
type PlanCourse struct {
	PlanID   int64 `bun:"plan_id,pk"`
	CourseID int64 `bun:"course_id,pk"`
	Ordinal  int   `bun:"ordinal"`
}

// PlanLearner says a plan assigns its courses to a learner.
type PlanLearner struct {
	PlanID    int64 `bun:"plan_id,pk"`
	LearnerID int64 `bun:"learner_id,pk"`
}

// PlanAudience says whom a plan assigns its courses to, within the plan's
// organisation and everything below it: the learners holding any of RoleIDs, or
// whose designation is one of Designations (ignoring case), or listed in
// LearnerIDs. With all three empty, everyone in the subtree.
type PlanAudience struct {
	RoleIDs      []int64  `json:"roleIds,omitempty"`
	Designations []string `json:"designations,omitempty"`
	LearnerIDs   []int64  `json:"learnerIds,omitempty"`
}

// Everyone reports whether the audience is the whole subtree.
func (a PlanAudience) Everyone() bool {
	return len(a.RoleIDs) == 0 && len(a.Designations) == 0 && len(a.LearnerIDs) == 0
}

// NewPlan is the input to CreatePlan. A zero Status means DRAFT.
type NewPlan struct {
	Name           string
	OrganisationID int64
	CourseIDs      []int64
	DueDate        time.Time
	Audience       PlanAudience
	Status         PlanStatus
}

// MaxPlanCourses bounds the courses of one plan.
const MaxPlanCourses = 100

// Validate checks the fields that need no database, against the time now; field
// names are relative (name, courseIds[i], dueDate, status, audienceRoleIds[i],
// audienceDesignations[i], audienceLearnerIds[i]).
func (n *NewPlan) Validate(now time.Time) error {
	if n.Status == "" {
		n.Status = PlanDraft
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	switch {
	case len(n.CourseIDs) == 0:
		return Invalid("courseIds", "must list at least one course")
	case len(n.CourseIDs) > MaxPlanCourses:
		return Invalid("courseIds", "must list at most %d courses", MaxPlanCourses)
	}
	if err := noRepeats("courseIds", "course", n.CourseIDs); err != nil {
		return err
	}
	if !n.DueDate.After(now) {
		return Invalid("dueDate", "must be in the future")
	}
	if !n.Status.Valid() {
		return Invalid("status", "must be DRAFT, LIVE or RETIRED")
	}
	if err := noRepeats("audienceRoleIds", "role", n.Audience.RoleIDs); err != nil {
		return err
	}
	if err := noRepeats("audienceLearnerIds", "learner", n.Audience.LearnerIDs); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, d := range n.Audience.Designations {
		field := fmt.Sprintf("audienceDesignations[%d]", i)
		if err := validateName(field, d); err != nil {
			return err
		}
		key := strings.ToLower(strings.TrimSpace(d))
		if seen[key] {
			return Invalid(field, "designation is listed twice")
		}
		seen[key] = true
	}
	return nil
}

// noRepeats returns EINVALID naming field[i] for the first ID listed twice.
func noRepeats(field, kind string, ids []int64) error {
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return Invalid(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice", kind)
		}
		seen[id] = true
	}
	return nil
}

// PlanFilter selects plans; nil fields do not filter. Plans are listed by due
// date, the latest first.
type PlanFilter struct {
	// OrganisationID: plans of this organisation or any organisation below it.
	OrganisationID *int64
	// WithinOrganisationID narrows the list, as OrganisationID does, to what an
	// administrator may see.
	WithinOrganisationID *int64
	// AssignedLearnerID: only LIVE plans that assign this learner courses.
	AssignedLearnerID *int64
}

// PlanProgressScope narrows the learners whose progress a plan's progress counts:
// those in WithinOrganisationID's subtree, or the learner LearnerID; nil fields do
// not narrow.
type PlanProgressScope struct {
	WithinOrganisationID *int64
	LearnerID            *int64
}

// PlanProgress counts a plan's assignments: one per (learner, course) it assigns.
// Enrolled counts those with an enrolment in any status, Completed those completed,
// and Overdue those not completed once the due date has passed.
type PlanProgress struct {
	PlanID    int64 `bun:"plan_id"`
	Assigned  int   `bun:"assigned"`
	Enrolled  int   `bun:"enrolled"`
	Completed int   `bun:"completed"`
	Overdue   int   `bun:"overdue"`
}

// AssignedCourse is a course a LIVE plan assigns to a learner, with the learner's
// enrolment status in it (nil if not enrolled).
type AssignedCourse struct {
	LearnerID int64            `bun:"learner_id"`
	PlanID    int64            `bun:"plan_id"`
	CourseID  int64            `bun:"course_id"`
	DueDate   time.Time        `bun:"due_date"`
	Status    *EnrolmentStatus `bun:"status"`
}
