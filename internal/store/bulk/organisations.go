package bulk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// UpsertOrganisations upserts on code. A record whose parent is neither stored nor
// earlier in the batch is rejected with Unresolved set, so it can be retried.
func (w *Writer) UpsertOrganisations(ctx context.Context, recs []models.OrganisationRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
	codes := make([]string, 0, 2*len(recs))
	var valid []int
	for i, r := range recs {
		n := models.NewOrganisation{Code: r.Code, Name: r.Name, Type: r.Type, Domain: r.Domain}
		if r.ParentCode != "" {
			n.ParentID = new(int64) // presence only; resolved below
		}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, map[string]string{"parentId": "parent_code"})
			continue
		}
		valid = append(valid, i)
		codes = append(codes, r.Code, r.ParentCode)
	}
	var known []*models.Organisation
	if err := w.db.Bun().NewSelect().Model(&known).Where("code IN (?)", bun.List(store.Dedupe(codes))).Scan(ctx); err != nil {
		return nil, err
	}
	byCode := make(map[string]*models.Organisation, len(known))
	for _, o := range known {
		byCode[o.Code] = o
	}
	// Passes in batch order until no record can be placed, so a parent later in the
	// batch is written before its children.
	pending := valid
	for progress := true; progress && len(pending) > 0; {
		progress = false
		var next []int
		for _, i := range pending {
			r := recs[i]
			var parent *models.Organisation
			if r.ParentCode != "" {
				if parent = byCode[r.ParentCode]; parent == nil {
					next = append(next, i)
					continue
				}
			}
			progress = true
			if err := store.CheckTier(r.Type, parent, "parent_code"); err != nil {
				rejected.Reject(i, err, nil)
				continue
			}
			var stored *models.Organisation
			before := len(rejected)
			err := w.db.WriteRecords(ctx, []int{i}, &rejected, func(ctx context.Context, tx bun.Tx, _ []int) error {
				var err error
				stored, err = w.upsertOrganisation(ctx, tx, byCode[r.Code], r, parent)
				return err
			})
			if err != nil {
				if models.ErrorCode(err) == models.EINVALID {
					rejected.Reject(i, err, nil)
					continue
				}
				return nil, err
			}
			if len(rejected) == before && stored != nil {
				byCode[r.Code] = stored
			}
		}
		pending = next
	}
	for _, i := range pending {
		rejected = append(rejected, models.RecordError{Index: i, Column: "parent_code", Unresolved: true,
			Reason: fmt.Sprintf("no organisation has code %q", recs[i].ParentCode)})
	}
	return rejected, nil
}

// upsertOrganisation inserts r, or updates the stored organisation old, moving its
// subtree's paths when its parent changes.
func (w *Writer) upsertOrganisation(ctx context.Context, tx bun.Tx, old *models.Organisation, r models.OrganisationRecord, parent *models.Organisation) (*models.Organisation, error) {
	if old == nil {
		o := &models.Organisation{Code: r.Code, Name: r.Name, Type: r.Type, Domain: r.Domain}
		if parent != nil {
			o.ParentID = &parent.ID
		}
		return o, w.db.InsertOrganisationIn(ctx, tx, o, parent)
	}
	o := *old
	o.Name, o.Type, o.ParentID, o.UpdatedAt = r.Name, r.Type, nil, w.db.Now()
	if r.Domain != "" {
		o.Domain = r.Domain
	}
	newPath := models.RootPath(o.ID)
	if parent != nil {
		if strings.HasPrefix(parent.Path, old.Path) {
			return nil, models.Invalid("parent_code", "an organisation cannot be placed under itself")
		}
		o.ParentID, newPath = &parent.ID, parent.ChildPath(o.ID)
	}
	if newPath != old.Path {
		lo, hi := models.SubtreeRange(old.Path)
		if _, err := tx.NewUpdate().Table("organisations").
			Set("path = ? || substr(path, ?)", newPath, len(old.Path)+1).
			Where("path >= ? AND path < ?", lo, hi).Exec(ctx); err != nil {
			return nil, err
		}
		o.Path = newPath
	}
	_, err := tx.NewUpdate().Model(&o).Column("name", "type", "parent_id", "domain", "updated_at").WherePK().Exec(ctx)
	return &o, err
}

// UpsertLearners upserts on employee code. A learner whose row changes nothing keeps
// their version; one whose details or roles change gets a new version.
func (w *Writer) UpsertLearners(ctx context.Context, recs []models.LearnerRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
	orgCodes, roleCodes := make([]string, len(recs)), []string{}
	for i, r := range recs {
		orgCodes[i] = r.OrganisationCode
		roleCodes = append(roleCodes, r.RoleCodes...)
	}
	orgs, err := store.IDsByCode(ctx, w.db.Bun(), "organisations", orgCodes)
	if err != nil {
		return nil, err
	}
	roles, err := store.IDsByCode(ctx, w.db.Bun(), "roles", roleCodes)
	if err != nil {
		return nil, err
	}
	var valid []int
	rows := make([]models.Learner, len(recs))
	roleIDs := make([][]int64, len(recs))
next:
	for i, r := range recs {
		n := models.NewLearner{EmployeeCode: r.EmployeeCode, Name: r.Name, Email: r.Email, Designation: r.Designation, OrganisationID: orgs[r.OrganisationCode]}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, map[string]string{"employeeCode": "employee_code"})
			continue
		}
		if n.OrganisationID == 0 {
			rejected.Add(i, "organisation_code", "no organisation has code %q", r.OrganisationCode)
			continue
		}
		for _, code := range r.RoleCodes {
			if roles[code] == 0 {
				rejected.Add(i, "role_codes", "no role has code %q", code)
				continue next
			}
			roleIDs[i] = append(roleIDs[i], roles[code])
		}
		roleIDs[i] = store.Dedupe(roleIDs[i])
		rows[i] = models.Learner{EmployeeCode: n.EmployeeCode, Name: n.Name, Email: n.Email, Designation: n.Designation,
			OrganisationID: n.OrganisationID, Version: 1, Status: models.LearnerActive}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].EmployeeCode })
	err = w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := w.db.Now()
		batch := make([]models.Learner, len(idxs))
		codes := make([]string, len(idxs))
		for k, i := range idxs {
			batch[k], codes[k] = rows[i], rows[i].EmployeeCode
			batch[k].CreatedAt, batch[k].UpdatedAt = now, now
		}
		if err := confirmRegistrations(ctx, tx, batch, now); err != nil {
			return err
		}
		existed, err := store.IDsByKey(ctx, tx, "learners", "employee_code", codes)
		if err != nil {
			return err
		}
		before, err := learnerVersions(ctx, tx, codes)
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&batch).ExcludeColumn("id").
			On("CONFLICT (employee_code) DO UPDATE").
			Set("name = EXCLUDED.name").Set("email = EXCLUDED.email").
			Set("designation = EXCLUDED.designation").Set("organisation_id = EXCLUDED.organisation_id").
			Set("version = learner.version + 1").Set("updated_at = EXCLUDED.updated_at").
			Where(store.Changed("learner", "name", "email", "designation", "organisation_id")).
			Exec(ctx); err != nil {
			return err
		}
		if err := w.replaceLearnerRoles(ctx, tx, recs, idxs, codes, existed, roleIDs); err != nil {
			return err
		}
		after, err := learnerVersions(ctx, tx, codes)
		if err != nil {
			return err
		}
		// New learners and those whose organisation or roles changed (a changed
		// version): their gaps move; a re-imported, unchanged row writes nothing.
		var changed []int64
		for id, v := range after {
			if before[id] != v {
				changed = append(changed, id)
			}
		}
		return w.db.RefreshGaps(ctx, tx, changed)
	})
	return rejected, err
}

// confirmRegistrations lets HR records confirm pending self-registrations: a
// pending learner with a record's email (proved by the learner's sign-in) takes
// the record's employee code and becomes ACTIVE, and the upsert that follows
// writes the rest of the record over the request. HR is the authority on the
// code; a request made with someone else's code keeps waiting.
func confirmRegistrations(ctx context.Context, tx bun.Tx, batch []models.Learner, now time.Time) error {
	emails := make([]string, len(batch))
	for i, l := range batch {
		emails[i] = l.Email
	}
	var pending []models.Learner
	if err := tx.NewSelect().Model(&pending).Where("status = ? AND email IN (?)", models.LearnerPending, bun.List(emails)).
		Scan(ctx); err != nil || len(pending) == 0 {
		return err
	}
	code := make(map[string]string, len(batch))
	for _, l := range batch {
		code[l.Email] = l.EmployeeCode
	}
	for _, p := range pending {
		if _, err := tx.NewUpdate().Table("learners").Set("employee_code = ?", code[p.Email]).Set("status = ?", models.LearnerActive).
			Set("requested_employee_code = NULL").Set("version = version + 1").Set("updated_at = ?", now).
			Where("id = ? AND status = ?", p.ID, models.LearnerPending).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// learnerVersions returns the version of each learner with one of the employee codes, by ID.
func learnerVersions(ctx context.Context, idb bun.IDB, codes []string) (map[int64]int64, error) {
	var rows []struct {
		ID      int64 `bun:"id"`
		Version int64 `bun:"version"`
	}
	err := idb.NewSelect().Table("learners").Column("id", "version").Where("employee_code IN (?)", bun.List(codes)).Scan(ctx, &rows)
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Version
	}
	return out, err
}

// replaceLearnerRoles gives each learner of idxs whose record lists roles exactly
// those roles, bumping the version of each learner who existed before and whose
// roles change (a new learner keeps version 1).
func (w *Writer) replaceLearnerRoles(ctx context.Context, tx bun.Tx, recs []models.LearnerRecord, idxs []int, codes []string, existed map[string]int64, roleIDs [][]int64) error {
	ids, err := store.IDsByKey(ctx, tx, "learners", "employee_code", codes)
	if err != nil {
		return err
	}
	var learnerIDs []int64
	for _, i := range idxs {
		if recs[i].HasRoles {
			learnerIDs = append(learnerIDs, ids[recs[i].EmployeeCode])
		}
	}
	if len(learnerIDs) == 0 {
		return nil
	}
	var current []models.LearnerRole
	if err := tx.NewSelect().Model(&current).Where("learner_id IN (?)", bun.List(learnerIDs)).Scan(ctx); err != nil {
		return err
	}
	held := make(map[int64]map[int64]bool)
	for _, lr := range current {
		if held[lr.LearnerID] == nil {
			held[lr.LearnerID] = map[int64]bool{}
		}
		held[lr.LearnerID][lr.RoleID] = true
	}
	var replace, bump []int64
	var insert []models.LearnerRole
	for _, i := range idxs {
		code := recs[i].EmployeeCode
		id := ids[code]
		if !recs[i].HasRoles || sameSet(held[id], roleIDs[i]) {
			continue
		}
		replace = append(replace, id)
		if existed[code] != 0 {
			bump = append(bump, id)
		}
		for _, r := range roleIDs[i] {
			insert = append(insert, models.LearnerRole{LearnerID: id, RoleID: r})
		}
	}
	if len(replace) == 0 {
		return nil
	}
	if _, err := tx.NewDelete().Model((*models.LearnerRole)(nil)).Where("learner_id IN (?)", bun.List(replace)).Exec(ctx); err != nil {
		return err
	}
	if len(insert) > 0 {
		if _, err := tx.NewInsert().Model(&insert).Exec(ctx); err != nil {
			return err
		}
	}
	if len(bump) == 0 {
		return nil
	}
	_, err = tx.NewUpdate().Table("learners").Set("version = version + 1").Set("updated_at = ?", w.db.Now()).
		Where("id IN (?)", bun.List(bump)).Exec(ctx)
	return err
}

func sameSet(held map[int64]bool, ids []int64) bool {
	if len(held) != len(ids) {
		return false
	}
	for _, id := range ids {
		if !held[id] {
			return false
		}
	}
	return true
}
