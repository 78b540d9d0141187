package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// Bulk upserts: each method validates its batch, resolves the codes the records
// name, and writes the valid records in one transaction. Should the database still
// refuse the batch (say an email another learner holds), the batch is written again
// one record at a time, so only the offending records are rejected.

// Rejections collects the RecordErrors of a batch.
type Rejections = models.RecordErrors

// Changed is the ON CONFLICT DO UPDATE condition that skips rows whose columns all
// equal the incoming ones, so re-importing a file writes nothing and bumps no version.
func Changed(alias string, columns ...string) string {
	conds := make([]string, len(columns))
	for i, c := range columns {
		conds[i] = fmt.Sprintf("%s.%s <> EXCLUDED.%s", alias, c, c)
	}
	return strings.Join(conds, " OR ")
}

// Affected reports whether an upsert inserted or updated any row.
func Affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// BumpIf bumps the catalogue version when a write changed something.
func BumpIf(ctx context.Context, tx bun.Tx, changed bool, err error) error {
	if err != nil || !changed {
		return err
	}
	return BumpCatalogue(ctx, tx)
}

// WriteRecords runs write over idxs in one transaction, falling back to one
// transaction per record when a constraint violation refuses the batch.
func (db *DB) WriteRecords(ctx context.Context, idxs []int, rejected *Rejections, write func(ctx context.Context, tx bun.Tx, idxs []int) error) error {
	if len(idxs) == 0 {
		return nil
	}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return write(ctx, tx, idxs) })
	if kind, _ := Violation(err); err == nil || kind == NoViolation {
		return err
	}
	for _, i := range idxs {
		err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return write(ctx, tx, []int{i}) })
		kind, column := Violation(err)
		switch {
		case err == nil:
		case kind == UniqueViolation:
			rejected.Add(i, column, "already in use by another record")
		case kind != NoViolation:
			rejected.Add(i, column, "refused by the database: a value is out of range or refers to a missing record")
		default:
			return err
		}
	}
	return nil
}

// UpsertOrganisations upserts on code. A record whose parent is neither stored nor
// earlier in the batch is rejected with Unresolved set, so it can be retried.
func (db *DB) UpsertOrganisations(ctx context.Context, recs []models.OrganisationRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
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
	if err := db.bun.NewSelect().Model(&known).Where("code IN (?)", bun.List(Dedupe(codes))).Scan(ctx); err != nil {
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
			if err := CheckTier(r.Type, parent, "parent_code"); err != nil {
				rejected.Reject(i, err, nil)
				continue
			}
			var stored *models.Organisation
			before := len(rejected)
			err := db.WriteRecords(ctx, []int{i}, &rejected, func(ctx context.Context, tx bun.Tx, _ []int) error {
				var err error
				stored, err = db.upsertOrganisation(ctx, tx, byCode[r.Code], r, parent)
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
func (db *DB) upsertOrganisation(ctx context.Context, tx bun.Tx, old *models.Organisation, r models.OrganisationRecord, parent *models.Organisation) (*models.Organisation, error) {
	if old == nil {
		o := &models.Organisation{Code: r.Code, Name: r.Name, Type: r.Type, Domain: r.Domain}
		if parent != nil {
			o.ParentID = &parent.ID
		}
		return o, db.InsertOrganisation(ctx, tx, o, parent)
	}
	o := *old
	o.Name, o.Type, o.ParentID, o.UpdatedAt = r.Name, r.Type, nil, db.now()
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

// UpsertCompetencies upserts on code; records with Levels replace the descriptors,
// new competencies without them get generic ones. A record with HasNameHi sets the
// Hindi name (nil: none); one without leaves the stored one alone.
func (db *DB) UpsertCompetencies(ctx context.Context, recs []models.CompetencyRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	var valid []int
	for i, r := range recs {
		n := models.NewCompetency{Code: r.Code, Name: r.Name, NameHi: r.NameHi, Description: r.Description, Type: r.Type, Area: r.Area, SubTheme: r.SubTheme, Levels: r.Levels}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, map[string]string{"nameHi": "name_hi"})
			continue
		}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	err := db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		codes := make([]string, len(idxs))
		for k, i := range idxs {
			codes[k] = recs[i].Code
		}
		existed, err := IDsByCode(ctx, tx, "competencies", codes)
		if err != nil {
			return err
		}
		now := db.now()
		// Records that set the Hindi name and records that leave it alone need
		// different ON CONFLICT clauses: one INSERT for each.
		wrote := false
		for _, setNameHi := range []bool{true, false} {
			var rows []models.Competency
			for _, i := range idxs {
				if r := recs[i]; r.HasNameHi == setNameHi {
					rows = append(rows, models.Competency{Code: r.Code, Name: r.Name, NameHi: r.NameHi, Description: r.Description, Type: r.Type,
						Area: r.Area, SubTheme: r.SubTheme, CreatedAt: now, UpdatedAt: now})
				}
			}
			if len(rows) == 0 {
				continue
			}
			q := tx.NewInsert().Model(&rows).ExcludeColumn("id").
				On("CONFLICT (code) DO UPDATE").
				Set("name = EXCLUDED.name").Set("description = EXCLUDED.description").
				Set("type = EXCLUDED.type").Set("area = EXCLUDED.area").
				Set("sub_theme = CASE WHEN EXCLUDED.sub_theme = '' THEN competency.sub_theme ELSE EXCLUDED.sub_theme END").
				Set("updated_at = EXCLUDED.updated_at")
			cond := Changed("competency", "name", "description", "type", "area") +
				" OR (EXCLUDED.sub_theme <> '' AND competency.sub_theme <> EXCLUDED.sub_theme)"
			if setNameHi {
				q = q.Set("name_hi = EXCLUDED.name_hi")
				cond += " OR competency.name_hi IS DISTINCT FROM EXCLUDED.name_hi"
			}
			w, err := Affected(q.Where(cond).Exec(ctx))
			if err != nil {
				return err
			}
			wrote = wrote || w
		}
		ids, err := IDsByCode(ctx, tx, "competencies", codes)
		if err != nil {
			return err
		}
		stored, err := LevelsByCompetency(ctx, tx, slices.Collect(maps.Values(existed)))
		if err != nil {
			return err
		}
		// Given descriptors replace differing stored ones; a new competency without
		// any gets generic ones; an existing one keeps its own.
		var levels []models.CompetencyLevel
		var replaced []int64
		for _, i := range idxs {
			r, id := recs[i], ids[recs[i].Code]
			var given []models.CompetencyLevel
			switch {
			case existed[r.Code] == 0 && len(r.Levels) == 0:
				given = models.DefaultLevels(r.Name)
			case existed[r.Code] == 0:
				given = r.Levels
			case len(r.Levels) > 0 && !sameLevels(stored[id], r.Levels):
				given = r.Levels
				replaced = append(replaced, id)
			}
			for _, l := range given {
				l.CompetencyID = id
				levels = append(levels, l)
			}
		}
		if len(replaced) > 0 {
			if _, err := tx.NewDelete().Model((*models.CompetencyLevel)(nil)).Where("competency_id IN (?)", bun.List(replaced)).Exec(ctx); err != nil {
				return err
			}
		}
		if len(levels) > 0 {
			if _, err := tx.NewInsert().Model(&levels).Exec(ctx); err != nil {
				return err
			}
		}
		return BumpIf(ctx, tx, wrote || len(levels) > 0, nil)
	})
	return rejected, err
}

// sameLevels reports whether stored descriptors equal given ones, in any order.
func sameLevels(stored, given []models.CompetencyLevel) bool {
	if len(stored) != len(given) {
		return false
	}
	byLevel := make(map[int]models.CompetencyLevel, len(stored))
	for _, l := range stored {
		byLevel[l.Level] = l
	}
	for _, l := range given {
		s, ok := byLevel[l.Level]
		if !ok || s.Name != l.Name || s.Description != l.Description || !SamePtr(s.DescriptionHi, l.DescriptionHi) {
			return false
		}
	}
	return true
}

// UpsertRoles upserts on code.
func (db *DB) UpsertRoles(ctx context.Context, recs []models.RoleRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	var valid []int
	for i, r := range recs {
		n := models.NewRole{Code: r.Code, Name: r.Name, Description: r.Description}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, nil)
			continue
		}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	err := db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := db.now()
		rows := make([]models.Role, len(idxs))
		for k, i := range idxs {
			rows[k] = models.Role{Code: recs[i].Code, Name: recs[i].Name, Description: recs[i].Description, CreatedAt: now, UpdatedAt: now}
		}
		wrote, err := Affected(tx.NewInsert().Model(&rows).ExcludeColumn("id").
			On("CONFLICT (code) DO UPDATE").
			Set("name = EXCLUDED.name").Set("description = EXCLUDED.description").
			Set("updated_at = EXCLUDED.updated_at").
			Where(Changed("role", "name", "description")).Exec(ctx))
		return BumpIf(ctx, tx, wrote, err)
	})
	return rejected, err
}

// UpsertRoleRequirements upserts on (role code, competency code).
func (db *DB) UpsertRoleRequirements(ctx context.Context, recs []models.RoleRequirementRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	roles, comps, err := db.resolvePairs(ctx, "roles", "competencies", len(recs), func(i int) (string, string) {
		return recs[i].RoleCode, recs[i].CompetencyCode
	})
	if err != nil {
		return nil, err
	}
	var valid []int
	reqs := make([]models.RoleRequirement, len(recs))
	for i, r := range recs {
		reqs[i] = models.RoleRequirement{RoleID: roles[r.RoleCode], CompetencyID: comps[r.CompetencyCode], RequiredLevel: r.RequiredLevel, Weight: r.Weight}
		switch err := reqs[i].Validate(); {
		case reqs[i].RoleID == 0:
			rejected.Add(i, "role_code", "no role has code %q", r.RoleCode)
		case reqs[i].CompetencyID == 0:
			rejected.Add(i, "competency_code", "no competency has code %q", r.CompetencyCode)
		case err != nil:
			rejected.Reject(i, err, map[string]string{"requiredLevel": "required_level", "weight": "weight"})
		default:
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].RoleCode + "\x00" + recs[i].CompetencyCode })
	err = db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		rows := make([]models.RoleRequirement, len(idxs))
		for k, i := range idxs {
			rows[k] = reqs[i]
		}
		wrote, err := UpsertRequirements(ctx, tx, rows)
		if err == nil && wrote {
			roles := make([]int64, len(rows))
			for i, r := range rows {
				roles[i] = r.RoleID
			}
			err = db.RefreshRoleHolders(ctx, tx, roles)
		}
		return BumpIf(ctx, tx, wrote, err)
	})
	return rejected, err
}

// resolvePairs maps the two codes each of n records names to IDs in two tables.
func (db *DB) resolvePairs(ctx context.Context, tableA, tableB string, n int, codes func(int) (string, string)) (map[string]int64, map[string]int64, error) {
	as, bs := make([]string, n), make([]string, n)
	for i := range n {
		as[i], bs[i] = codes(i)
	}
	a, err := IDsByCode(ctx, db.bun, tableA, as)
	if err != nil {
		return nil, nil, err
	}
	b, err := IDsByCode(ctx, db.bun, tableB, bs)
	return a, b, err
}

// UpsertCourses upserts on code. A record with HasPassMark sets the pass mark (nil:
// none); one without leaves the stored pass mark alone; HasTitleHi likewise for the
// Hindi title.
func (db *DB) UpsertCourses(ctx context.Context, recs []models.CourseRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	var valid []int
	for i, r := range recs {
		n := models.NewCourse{Code: r.Code, Title: r.Title, TitleHi: r.TitleHi, Description: r.Description, Provider: r.Provider, Format: r.Format,
			DurationHours: r.DurationHours, PassMark: r.PassMark}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, map[string]string{"durationHours": "duration_hours", "passMark": "pass_mark", "titleHi": "title_hi"})
			continue
		}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	err := db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := db.now()
		// Records that set the pass mark (or the Hindi title) and records that leave
		// it alone need different ON CONFLICT clauses: one INSERT for each.
		var wroteAny bool
		for _, set := range []struct{ passMark, titleHi bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
			setPassMark := set.passMark
			var rows []models.Course
			for _, i := range idxs {
				if r := recs[i]; r.HasPassMark == set.passMark && r.HasTitleHi == set.titleHi {
					rows = append(rows, models.Course{Code: r.Code, Title: r.Title, TitleHi: r.TitleHi, Description: r.Description, Provider: r.Provider,
						Format: r.Format, DurationHours: r.DurationHours, PassMark: r.PassMark, CreatedAt: now, UpdatedAt: now})
				}
			}
			if len(rows) == 0 {
				continue
			}
			q := tx.NewInsert().Model(&rows).ExcludeColumn("id").
				On("CONFLICT (code) DO UPDATE").
				Set("title = EXCLUDED.title").Set("description = EXCLUDED.description").
				Set("provider = EXCLUDED.provider").Set("format = EXCLUDED.format").
				Set("duration_hours = EXCLUDED.duration_hours").Set("updated_at = EXCLUDED.updated_at")
			cond := Changed("course", "title", "description", "provider", "format", "duration_hours")
			if setPassMark {
				q = q.Set("pass_mark = EXCLUDED.pass_mark")
				cond += " OR course.pass_mark IS DISTINCT FROM EXCLUDED.pass_mark"
			}
			if set.titleHi {
				q = q.Set("title_hi = EXCLUDED.title_hi")
				cond += " OR course.title_hi IS DISTINCT FROM EXCLUDED.title_hi"
			}
			wrote, err := Affected(q.Where(cond).Exec(ctx))
			if err != nil {
				return err
			}
			wroteAny = wroteAny || wrote
		}
		return BumpIf(ctx, tx, wroteAny, nil)
	})
	return rejected, err
}

// UpsertCourseCompetencies upserts on (course code, competency code).
func (db *DB) UpsertCourseCompetencies(ctx context.Context, recs []models.CourseCompetencyRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	courses, comps, err := db.resolvePairs(ctx, "courses", "competencies", len(recs), func(i int) (string, string) {
		return recs[i].CourseCode, recs[i].CompetencyCode
	})
	if err != nil {
		return nil, err
	}
	var valid []int
	rows := make([]models.CourseCompetency, len(recs))
	for i, r := range recs {
		rows[i] = models.CourseCompetency{CourseID: courses[r.CourseCode], CompetencyID: comps[r.CompetencyCode], FromLevel: r.FromLevel, ToLevel: r.ToLevel}
		switch err := rows[i].Validate(); {
		case rows[i].CourseID == 0:
			rejected.Add(i, "course_code", "no course has code %q", r.CourseCode)
		case rows[i].CompetencyID == 0:
			rejected.Add(i, "competency_code", "no competency has code %q", r.CompetencyCode)
		case err != nil:
			rejected.Reject(i, err, map[string]string{"fromLevel": "from_level", "toLevel": "to_level"})
		default:
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].CourseCode + "\x00" + recs[i].CompetencyCode })
	err = db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		batch := make([]models.CourseCompetency, len(idxs))
		for k, i := range idxs {
			batch[k] = rows[i]
		}
		wrote, err := Affected(tx.NewInsert().Model(&batch).
			On("CONFLICT (course_id, competency_id) DO UPDATE").
			Set("from_level = EXCLUDED.from_level").Set("to_level = EXCLUDED.to_level").
			Where(Changed("course_competency", "from_level", "to_level")).Exec(ctx))
		if err == nil && wrote {
			courseIDs := make([]int64, len(batch))
			for k, c := range batch {
				courseIDs[k] = c.CourseID
			}
			err = RefreshCoursePeers(ctx, tx, Dedupe(courseIDs))
		}
		return BumpIf(ctx, tx, wrote, err)
	})
	return rejected, err
}

// UpsertLearners upserts on employee code. A learner whose row changes nothing keeps
// their version; one whose details or roles change gets a new version.
func (db *DB) UpsertLearners(ctx context.Context, recs []models.LearnerRecord) ([]models.RecordError, error) {
	ctx = Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected Rejections
	orgCodes, roleCodes := make([]string, len(recs)), []string{}
	for i, r := range recs {
		orgCodes[i] = r.OrganisationCode
		roleCodes = append(roleCodes, r.RoleCodes...)
	}
	orgs, err := IDsByCode(ctx, db.bun, "organisations", orgCodes)
	if err != nil {
		return nil, err
	}
	roles, err := IDsByCode(ctx, db.bun, "roles", roleCodes)
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
		roleIDs[i] = Dedupe(roleIDs[i])
		rows[i] = models.Learner{EmployeeCode: n.EmployeeCode, Name: n.Name, Email: n.Email, Designation: n.Designation,
			OrganisationID: n.OrganisationID, Version: 1, Status: models.LearnerActive}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].EmployeeCode })
	err = db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := db.now()
		batch := make([]models.Learner, len(idxs))
		codes := make([]string, len(idxs))
		for k, i := range idxs {
			batch[k], codes[k] = rows[i], rows[i].EmployeeCode
			batch[k].CreatedAt, batch[k].UpdatedAt = now, now
		}
		if err := confirmRegistrations(ctx, tx, batch, now); err != nil {
			return err
		}
		existed, err := IDsByKey(ctx, tx, "learners", "employee_code", codes)
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
			Where(Changed("learner", "name", "email", "designation", "organisation_id")).
			Exec(ctx); err != nil {
			return err
		}
		if err := db.replaceLearnerRoles(ctx, tx, recs, idxs, codes, existed, roleIDs); err != nil {
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
		return db.RefreshGaps(ctx, tx, changed)
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
func (db *DB) replaceLearnerRoles(ctx context.Context, tx bun.Tx, recs []models.LearnerRecord, idxs []int, codes []string, existed map[string]int64, roleIDs [][]int64) error {
	ids, err := IDsByKey(ctx, tx, "learners", "employee_code", codes)
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
	_, err = tx.NewUpdate().Table("learners").Set("version = version + 1").Set("updated_at = ?", db.now()).
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
