package models

import (
	"strconv"
	"strings"
	"time"
)

// OrganisationType is the tier of an organisation in the government hierarchy.
type OrganisationType string

const (
	OrgMinistry     OrganisationType = "MINISTRY"
	OrgDepartment   OrganisationType = "DEPARTMENT"
	OrgOrganisation OrganisationType = "ORGANISATION"
)

// Valid reports whether t is a known organisation type.
func (t OrganisationType) Valid() bool {
	return t == OrgMinistry || t == OrgDepartment || t == OrgOrganisation
}

// Organisation is a ministry, department or organisation. Path is its materialised
// path of IDs ("/1/7/42/"), so an organisation and everything under it is the one
// indexed range SubtreeRange returns.
type Organisation struct {
	ID        int64            `bun:"id,pk,autoincrement"`
	Code      string           `bun:"code"`
	Name      string           `bun:"name"`
	Type      OrganisationType `bun:"type"`
	ParentID  *int64           `bun:"parent_id"`
	Path      string           `bun:"path"`
	CreatedAt time.Time        `bun:"created_at"`
	UpdatedAt time.Time        `bun:"updated_at"`
}

// ChildPath returns the materialised path of a child with the given ID.
func (o *Organisation) ChildPath(id int64) string {
	return o.Path + strconv.FormatInt(id, 10) + "/"
}

// RootPath is the path of a top-level organisation with the given ID.
func RootPath(id int64) string { return "/" + strconv.FormatInt(id, 10) + "/" }

// SubtreeRange returns the half-open range [lo, hi) of paths that lie in the subtree
// rooted at path, itself included: every such path starts with path, and '0' is the
// byte after '/', so a plain B-tree range scan finds them on every engine.
func SubtreeRange(path string) (lo, hi string) {
	return path, strings.TrimSuffix(path, "/") + "0"
}

// OrganisationFilter selects organisations; no ParentID means top-level ministries.
type OrganisationFilter struct {
	ParentID *int64
	Search   *string
}

// NewOrganisation is the input to CreateOrganisation.
type NewOrganisation struct {
	Code     string
	Name     string
	Type     OrganisationType
	ParentID *int64
}

// Validate checks the fields that need no database.
func (n *NewOrganisation) Validate() error {
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	if !n.Type.Valid() {
		return Invalid("type", "must be MINISTRY, DEPARTMENT or ORGANISATION")
	}
	if n.Type == OrgMinistry && n.ParentID != nil {
		return Invalid("parentId", "a ministry has no parent")
	}
	if n.Type != OrgMinistry && n.ParentID == nil {
		return Invalid("parentId", "a %s needs a parent", strings.ToLower(string(n.Type)))
	}
	return nil
}
