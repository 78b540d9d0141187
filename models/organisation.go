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
	ID       int64            `bun:"id,pk,autoincrement"`
	Code     string           `bun:"code"`
	Name     string           `bun:"name"`
	Type     OrganisationType `bun:"type"`
	ParentID *int64           `bun:"parent_id"`
	Path     string           `bun:"path"`
	// Domain is the domain the organisation works in: the area of the DOMAIN
	// competencies it governs ("Public Finance"), "" when it has none of its own and
	// takes its nearest ancestor's (see EffectiveDomain).
	Domain    string    `bun:"domain"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
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
	// Domain is optional (see Organisation.Domain).
	Domain string
}

// Validate checks the fields that need no database.
func (n *NewOrganisation) Validate() error {
	if n.Domain != "" {
		if err := validateName("domain", n.Domain); err != nil {
			return err
		}
	}
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

// EffectiveDomain returns the domain of o: its own, else that of its nearest ancestor
// with one (ancestors by ID, as many of o's path as are known), else "".
func EffectiveDomain(o *Organisation, ancestors map[int64]*Organisation) string {
	if o == nil {
		return ""
	}
	if o.Domain != "" {
		return o.Domain
	}
	ids := PathIDs(o.Path)
	for k := len(ids) - 2; k >= 0; k-- { // the last is o itself
		if a := ancestors[ids[k]]; a != nil && a.Domain != "" {
			return a.Domain
		}
	}
	return ""
}

// PathIDs returns the IDs of a materialised path ("/1/7/42/" -> 1, 7, 42), root first.
func PathIDs(path string) []int64 {
	var out []int64
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}
