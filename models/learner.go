package models

import (
	"fmt"
	"time"
)

// Learner is a government employee. Version is bumped by every change that can alter
// the learner's recommendations (roles now; evidence and enrolments later), so caches
// key on it.
type Learner struct {
	ID             int64     `bun:"id,pk,autoincrement"`
	EmployeeCode   string    `bun:"employee_code"`
	Name           string    `bun:"name"`
	Email          string    `bun:"email"`
	Designation    string    `bun:"designation"`
	OrganisationID int64     `bun:"organisation_id"`
	Version        int64     `bun:"version"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
	// Status is PENDING for a self-registration not yet approved. A pending
	// learner's EmployeeCode is a placeholder (PendingEmployeeCode); the code they
	// asked for waits in RequestedEmployeeCode.
	Status                LearnerStatus `bun:"status"`
	RequestedEmployeeCode *string       `bun:"requested_employee_code"`
}

// LearnerStatus says whether a learner's record is in use.
type LearnerStatus string

const (
	LearnerPending LearnerStatus = "PENDING"
	LearnerActive  LearnerStatus = "ACTIVE"
)

// Valid reports whether s is a known learner status.
func (s LearnerStatus) Valid() bool { return s == LearnerPending || s == LearnerActive }

// Pending reports whether the learner is a self-registration waiting for approval.
func (l *Learner) Pending() bool { return l.Status == LearnerPending }

// PendingEmployeeCode is the placeholder employee code of a pending registration:
// unique (emails are), and never a valid code, so a request never claims a real
// code or learns whether it is in use.
func PendingEmployeeCode(email string) string { return "pending:" + email }

// LearnerRole says a learner holds a role.
type LearnerRole struct {
	LearnerID int64 `bun:"learner_id,pk"`
	RoleID    int64 `bun:"role_id,pk"`
}

// LearnerFilter selects learners; nil fields do not filter. With an OrganisationID,
// IncludeSubOrganisations widens the filter to the organisation's whole subtree.
// WithinOrganisationID and LearnerID narrow it to what a caller may see: an
// administrator's subtree, or a learner's own record.
type LearnerFilter struct {
	OrganisationID          *int64
	IncludeSubOrganisations bool
	RoleID                  *int64
	Search                  *string
	WithinOrganisationID    *int64
	LearnerID               *int64
	Status                  *LearnerStatus
}

// NewLearner is the input to CreateLearner.
type NewLearner struct {
	EmployeeCode   string
	Name           string
	Email          string
	Designation    string
	OrganisationID int64
	RoleIDs        []int64
	// Pending makes a self-registration request: stored PENDING under a placeholder
	// code, with EmployeeCode kept as the code asked for; RoleIDs must be empty.
	Pending bool
}

// Validate checks the fields that need no database and normalises the email.
func (n *NewLearner) Validate() error {
	if err := validateCode("employeeCode", n.EmployeeCode); err != nil {
		return err
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	n.Email = NormaliseEmail(n.Email)
	if err := validateEmail("email", n.Email); err != nil {
		return err
	}
	if err := validateName("designation", n.Designation); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for i, id := range n.RoleIDs {
		if seen[id] {
			return Invalid(fmt.Sprintf("roleIds[%d]", i), "role is listed twice")
		}
		seen[id] = true
	}
	return nil
}

// LearnerUpdate is the input to UpdateLearner; nil fields are left as they are.
type LearnerUpdate struct {
	Name           *string
	Designation    *string
	OrganisationID *int64
}

// Validate checks the fields given.
func (u *LearnerUpdate) Validate() error {
	if u.Name != nil {
		if err := validateName("name", *u.Name); err != nil {
			return err
		}
	}
	if u.Designation != nil {
		if err := validateName("designation", *u.Designation); err != nil {
			return err
		}
	}
	return nil
}
