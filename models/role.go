package models

import (
	"fmt"
	"time"
)

// Role is a FRAC-style position (Section Officer, Deputy Secretary) that requires
// competencies at levels.
type Role struct {
	ID          int64     `bun:"id,pk,autoincrement"`
	Code        string    `bun:"code"`
	Name        string    `bun:"name"`
	Description string    `bun:"description"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// RoleRequirement says a role needs a competency at RequiredLevel (1..5); Weight (> 0)
// says how much it matters relative to the role's other requirements.
type RoleRequirement struct {
	RoleID        int64   `bun:"role_id,pk"`
	CompetencyID  int64   `bun:"competency_id,pk"`
	RequiredLevel int     `bun:"required_level"`
	Weight        float64 `bun:"weight"`
}

// MaxWeight bounds requirement weights so one requirement cannot swamp the rest.
const MaxWeight = 100

// Validate checks a requirement's level and weight; field names are relative.
func (r *RoleRequirement) Validate() error {
	if err := validateLevel("requiredLevel", r.RequiredLevel, 1, MaxLevel); err != nil {
		return err
	}
	return validatePositive("weight", r.Weight, MaxWeight)
}

// RoleFilter selects roles.
type RoleFilter struct {
	Search *string
}

// NewRole is the input to CreateRole.
type NewRole struct {
	Code         string
	Name         string
	Description  string
	Requirements []RoleRequirement
}

// Validate checks the fields that need no database.
func (n *NewRole) Validate() error {
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	if err := validateText("description", n.Description, 0, 4000); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for i, r := range n.Requirements {
		f := fmt.Sprintf("requirements[%d].", i)
		if err := r.Validate(); err != nil {
			return WithFieldPrefix(err, f)
		}
		if seen[r.CompetencyID] {
			return Invalid(f+"competencyId", "competency is required twice")
		}
		seen[r.CompetencyID] = true
	}
	return nil
}
