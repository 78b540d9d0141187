package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/models"
)

var learnerPages = Keyset[*models.Learner]{
	column: "employee_code",
	key:    func(l *models.Learner) string { return l.EmployeeCode },
	id:     func(l *models.Learner) int64 { return l.ID },
}

var learnerFields = map[string]string{"employee_code": "employeeCode", "email": "email"}

// FindLearnerByID returns ENOTFOUND if there is no such learner.
func (db *DB) FindLearnerByID(ctx context.Context, id int64) (*models.Learner, error) {
	return One[models.Learner](ctx, db.bun, id, "learner")
}

// FindLearnersByIDs returns the learners that exist, keyed by ID.
func (db *DB) FindLearnersByIDs(ctx context.Context, ids []int64) (map[int64]*models.Learner, error) {
	return ByID(ctx, db.bun, ids, func(l *models.Learner) int64 { return l.ID })
}

// FindLearners pages through learners by employee code. An organisation filter with
// IncludeSubOrganisations covers the organisation's subtree through its path range.
func (db *DB) FindLearners(ctx context.Context, f models.LearnerFilter, p models.PageRequest) (*models.Page[*models.Learner], error) {
	q := db.bun.NewSelect().Model((*models.Learner)(nil))
	for _, subtree := range []*int64{f.WithinOrganisationID, f.OrganisationID} {
		if subtree == nil || (subtree == f.OrganisationID && !f.IncludeSubOrganisations) {
			continue
		}
		org, err := db.FindOrganisationByID(ctx, *subtree)
		if models.ErrorCode(err) == models.ENOTFOUND {
			return &models.Page[*models.Learner]{}, nil
		} else if err != nil {
			return nil, err
		}
		lo, hi := models.SubtreeRange(org.Path)
		q = q.Where("organisation_id IN (?)", db.bun.NewSelect().Table("organisations").Column("id").
			Where("path >= ? AND path < ?", lo, hi))
	}
	if f.OrganisationID != nil && !f.IncludeSubOrganisations {
		q = q.Where("organisation_id = ?", *f.OrganisationID)
	}
	if f.LearnerID != nil {
		q = q.Where("id = ?", *f.LearnerID)
	}
	if f.Status != nil {
		q = q.Where("status = ?", *f.Status)
	}
	if f.RoleID != nil {
		q = q.Where("id IN (?)", db.bun.NewSelect().Table("learner_roles").Column("learner_id").Where("role_id = ?", *f.RoleID))
	}
	q = db.WhereSearch(q, f.Search, "employee_code", "name")
	return learnerPages.Fetch(ctx, q, p)
}

// FindRoleIDsByLearnerIDs returns the IDs of each learner's roles, in role code order.
func (db *DB) FindRoleIDsByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.LearnerRole
	err := db.bun.NewSelect().Model(&rows).
		Join("JOIN roles AS r ON r.id = learner_role.role_id").
		Where("learner_role.learner_id IN (?)", bun.List(ids)).
		Order("learner_role.learner_id", "r.code").Scan(ctx)
	for _, r := range rows {
		out[r.LearnerID] = append(out[r.LearnerID], r.RoleID)
	}
	return out, err
}

// InsertLearner stores a validated learner (service.Learners validates them),
// PENDING under a placeholder code for a registration request. EINVALID for an
// unknown organisation or role, ECONFLICT (employee code or email) in use.
func (db *DB) InsertLearner(ctx context.Context, n *models.NewLearner) (*models.Learner, error) {
	now := db.now()
	// The email as it is kept and looked up (FindLearnerByEmail), whoever validated it.
	l := &models.Learner{EmployeeCode: n.EmployeeCode, Name: n.Name, Email: models.NormaliseEmail(n.Email), Designation: n.Designation,
		OrganisationID: n.OrganisationID, Version: 1, CreatedAt: now, UpdatedAt: now, Status: models.LearnerActive}
	if n.Pending {
		// The code asked for is not checked against others: a request learns nothing about them.
		requested := n.EmployeeCode
		l.EmployeeCode, l.RequestedEmployeeCode, l.Status = models.PendingEmployeeCode(n.Email), &requested, models.LearnerPending
	}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := CheckOrganisation(ctx, tx, n.OrganisationID); err != nil {
			return err
		}
		found, err := ExistingIDs(ctx, tx, "roles", n.RoleIDs)
		if err != nil {
			return err
		}
		for i, id := range n.RoleIDs {
			if !found[id] {
				return models.Invalid(fmt.Sprintf("roleIds[%d]", i), "no such role")
			}
		}
		if _, err := tx.NewInsert().Model(l).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := addRoles(ctx, tx, l.ID, n.RoleIDs); err != nil {
			return err
		}
		return db.RefreshGaps(ctx, tx, []int64{l.ID})
	})
	if err != nil {
		return nil, ConflictOr(err, learnerFields)
	}
	return l, nil
}

func CheckOrganisation(ctx context.Context, idb bun.IDB, id int64) error {
	found, err := ExistingIDs(ctx, idb, "organisations", []int64{id})
	if err != nil {
		return err
	}
	if !found[id] {
		return models.Invalid("organisationId", "no such organisation")
	}
	return nil
}

func addRoles(ctx context.Context, idb bun.IDB, learnerID int64, roleIDs []int64) error {
	if len(roleIDs) == 0 {
		return nil
	}
	rows := make([]models.LearnerRole, len(roleIDs))
	for i, id := range roleIDs {
		rows[i] = models.LearnerRole{LearnerID: learnerID, RoleID: id}
	}
	_, err := idb.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

// BumpLearner increments a learner's version, updating l, and refreshes their
// peer events (whatever moves a learner's version may have moved them).
func (db *DB) BumpLearner(ctx context.Context, idb bun.IDB, l *models.Learner) error {
	if err := db.BumpVersion(ctx, idb, l); err != nil {
		return err
	}
	return RefreshPeers(ctx, idb, []int64{l.ID})
}

// BumpVersion increments a learner's version only, updating l: for a write that
// moves nothing their peer events are made of (interests), or that refreshes them
// itself (refreshGaps).
func (db *DB) BumpVersion(ctx context.Context, idb bun.IDB, l *models.Learner) error {
	l.Version++
	l.UpdatedAt = db.now()
	_, err := idb.NewUpdate().Model(l).Column("version", "updated_at").WherePK().Exec(ctx)
	change.Learners(ctx, l.ID)
	return err
}

// SaveLearner applies a validated update to a learner and bumps their version.
// ENOTFOUND; EINVALID (organisationId) for an unknown organisation.
func (db *DB) SaveLearner(ctx context.Context, id int64, u models.LearnerUpdate) (*models.Learner, error) {
	var l *models.Learner
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if l, err = One[models.Learner](ctx, tx, id, "learner"); err != nil {
			return err
		}
		if u.OrganisationID != nil {
			if err := CheckOrganisation(ctx, tx, *u.OrganisationID); err != nil {
				return err
			}
			l.OrganisationID = *u.OrganisationID
		}
		if u.Name != nil {
			l.Name = *u.Name
		}
		if u.Designation != nil {
			l.Designation = *u.Designation
		}
		l.Version++
		l.UpdatedAt = db.now()
		if _, err = tx.NewUpdate().Model(l).Column("name", "designation", "organisation_id", "version", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		// The version moved, as BumpVersion moves it: recorded likewise.
		change.Learners(ctx, l.ID)
		return db.RefreshGaps(ctx, tx, []int64{l.ID}) // the organisation may have changed
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ActivateLearner makes a pending learner ACTIVE under a validated employeeCode
// (service.Learners resolves and validates it), with the roles given. ENOTFOUND
// for an unknown learner; EINVALID (learnerId) when the learner is not pending,
// (roleIds[i]) for an unknown role; ECONFLICT (employeeCode) when the code is in
// use.
func (db *DB) ActivateLearner(ctx context.Context, learnerID int64, employeeCode string, roleIDs []int64) (*models.Learner, error) {
	var l *models.Learner
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if l, err = One[models.Learner](ctx, tx, learnerID, "learner"); err != nil {
			return err
		}
		if !l.Pending() {
			return models.Invalid("learnerId", "the learner is not a pending registration")
		}
		if err := AllExist(ctx, tx, "roles", "roleIds", "no such role", roleIDs); err != nil {
			return err
		}
		l.EmployeeCode, l.RequestedEmployeeCode, l.Status = employeeCode, nil, models.LearnerActive
		l.Version++
		l.UpdatedAt = db.now()
		if _, err := tx.NewUpdate().Model(l).Column("employee_code", "requested_employee_code", "status", "version", "updated_at").
			WherePK().Where("status = ?", models.LearnerPending).Exec(ctx); err != nil {
			return err
		}
		change.Learners(ctx, l.ID) // as BumpVersion records it
		change.Shared(ctx)         // a learner joins the organisation's counts
		if err := addRoles(ctx, tx, l.ID, roleIDs); err != nil {
			return err
		}
		return db.RefreshGaps(ctx, tx, []int64{l.ID})
	})
	if err != nil {
		return nil, ConflictOr(err, learnerFields)
	}
	return l, nil
}

// InsertLearnerRole gives a learner a role, doing nothing if they hold it already.
// ENOTFOUND for an unknown learner, EINVALID (field roleId) for an unknown role.
func (db *DB) InsertLearnerRole(ctx context.Context, learnerID, roleID int64) (*models.Learner, error) {
	var l *models.Learner
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if l, err = One[models.Learner](ctx, tx, learnerID, "learner"); err != nil {
			return err
		}
		found, err := ExistingIDs(ctx, tx, "roles", []int64{roleID})
		if err != nil {
			return err
		}
		if !found[roleID] {
			return models.Invalid("roleId", "no such role")
		}
		res, err := tx.NewInsert().Model(&models.LearnerRole{LearnerID: learnerID, RoleID: roleID}).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if err := db.BumpVersion(ctx, tx, l); err != nil {
				return err
			}
			return db.RefreshGaps(ctx, tx, []int64{learnerID}) // and the peer events
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}
