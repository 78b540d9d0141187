package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

var organisationPages = Keyset[*models.Organisation]{
	column: "code",
	key:    func(o *models.Organisation) string { return o.Code },
	id:     func(o *models.Organisation) int64 { return o.ID },
}

var organisationFields = map[string]string{"code": "code"}

// FindOrganisationByID returns ENOTFOUND if there is no such organisation.
func (db *DB) FindOrganisationByID(ctx context.Context, id int64) (*models.Organisation, error) {
	return One[models.Organisation](ctx, db.bun, id, "organisation")
}

// FindOrganisationsByIDs returns the organisations that exist, keyed by ID.
func (db *DB) FindOrganisationsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Organisation, error) {
	return ByID(ctx, db.bun, ids, func(o *models.Organisation) int64 { return o.ID })
}

// FindOrganisations pages through the children of f.ParentID, or the ministries.
func (db *DB) FindOrganisations(ctx context.Context, f models.OrganisationFilter, p models.PageRequest) (*models.Page[*models.Organisation], error) {
	q := db.bun.NewSelect().Model((*models.Organisation)(nil))
	if f.ParentID != nil {
		q = q.Where("parent_id = ?", *f.ParentID)
	} else {
		q = q.Where("parent_id IS NULL")
	}
	q = db.WhereSearch(q, f.Search, "code", "name")
	return organisationPages.Fetch(ctx, q, p)
}

// InsertOrganisation stores a validated organisation (service.Organisations
// validates it). EINVALID (parentId) for an unknown parent or one of the wrong
// tier, ECONFLICT for a code in use.
func (db *DB) InsertOrganisation(ctx context.Context, n *models.NewOrganisation) (*models.Organisation, error) {
	o := &models.Organisation{Code: n.Code, Name: n.Name, Type: n.Type, ParentID: n.ParentID, Domain: n.Domain}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var parent *models.Organisation
		if n.ParentID != nil {
			p, err := One[models.Organisation](ctx, tx, *n.ParentID, "organisation")
			if models.ErrorCode(err) == models.ENOTFOUND {
				return models.Invalid("parentId", "no such organisation")
			} else if err != nil {
				return err
			}
			parent = p
		}
		if err := CheckTier(o.Type, parent, "parentId"); err != nil {
			return err
		}
		return db.InsertOrganisationIn(ctx, tx, o, parent)
	})
	if err != nil {
		return nil, ConflictOr(err, organisationFields)
	}
	return o, nil
}

// CheckTier keeps the hierarchy ministry > department > organisation: a department
// sits under a ministry, an organisation under a department or another organisation.
func CheckTier(t models.OrganisationType, parent *models.Organisation, field string) error {
	switch {
	case t == models.OrgMinistry && parent != nil:
		return models.Invalid(field, "a ministry has no parent")
	case t != models.OrgMinistry && parent == nil:
		return models.Invalid(field, "a %s needs a parent", tierName(t))
	case t == models.OrgDepartment && parent.Type != models.OrgMinistry:
		return models.Invalid(field, "a department's parent must be a ministry")
	case t == models.OrgOrganisation && parent.Type == models.OrgMinistry:
		return models.Invalid(field, "an organisation's parent must be a department or an organisation")
	}
	return nil
}

func tierName(t models.OrganisationType) string {
	switch t {
	case models.OrgDepartment:
		return "department"
	case models.OrgOrganisation:
		return "organisation"
	}
	return "ministry"
}

// InsertOrganisationIn inserts o and sets its path, which needs the new row's ID.
func (db *DB) InsertOrganisationIn(ctx context.Context, idb bun.IDB, o *models.Organisation, parent *models.Organisation) error {
	now := db.now()
	o.CreatedAt, o.UpdatedAt = now, now
	// A unique placeholder path until the ID is known.
	o.Path = "?" + o.Code
	if _, err := idb.NewInsert().Model(o).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return err
	}
	if parent != nil {
		o.Path = parent.ChildPath(o.ID)
	} else {
		o.Path = models.RootPath(o.ID)
	}
	_, err := idb.NewUpdate().Model(o).Column("path").WherePK().Exec(ctx)
	return err
}
