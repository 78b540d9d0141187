package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/models"
)

const CatalogueCounter = "catalogue"

// CatalogueVersion returns the counter bumped by every catalogue change.
func (db *DB) CatalogueVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.bun.NewSelect().Table("counters").Column("value").Where("name = ?", CatalogueCounter).Scan(ctx, &v)
	return v, err
}

// BumpCatalogue increments the catalogue version inside the caller's transaction.
func BumpCatalogue(ctx context.Context, idb bun.IDB) error {
	change.Shared(ctx)
	_, err := idb.NewUpdate().Table("counters").Set("value = value + 1").Where("name = ?", CatalogueCounter).Exec(ctx)
	return err
}

// IDsByCode maps codes to the IDs of the rows of table that carry them; absent codes are absent.
func IDsByCode(ctx context.Context, idb bun.IDB, table string, codes []string) (map[string]int64, error) {
	return IDsByKey(ctx, idb, table, "code", codes)
}

// IDsByKey maps values of a unique text column to the IDs of the rows that carry them.
func IDsByKey(ctx context.Context, idb bun.IDB, table, column string, codes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   int64  `bun:"id"`
		Code string `bun:"code"`
	}
	err := idb.NewSelect().Table(table).ColumnExpr("id, ? AS code", bun.Ident(column)).
		Where("? IN (?)", bun.Ident(column), bun.List(Dedupe(codes))).Scan(ctx, &rows)
	for _, r := range rows {
		out[r.Code] = r.ID
	}
	return out, err
}

// ExistingIDs returns which of ids exist in table.
func ExistingIDs(ctx context.Context, idb bun.IDB, table string, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var found []int64
	err := idb.NewSelect().Table(table).Column("id").Where("id IN (?)", bun.List(ids)).Scan(ctx, &found)
	for _, id := range found {
		out[id] = true
	}
	return out, err
}

func Dedupe[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// ---- competencies

var competencyPages = Keyset[*models.Competency]{
	column: "code",
	key:    func(c *models.Competency) string { return c.Code },
	id:     func(c *models.Competency) int64 { return c.ID },
}

var CodeFields = map[string]string{"code": "code"}

// FindCompetencyByID returns ENOTFOUND if there is no such competency.
func (db *DB) FindCompetencyByID(ctx context.Context, id int64) (*models.Competency, error) {
	return One[models.Competency](ctx, db.bun, id, "competency")
}

// FindCompetenciesByIDs returns the competencies that exist, keyed by ID.
func (db *DB) FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Competency, error) {
	return ByID(ctx, db.bun, ids, func(c *models.Competency) int64 { return c.ID })
}

// FindCompetencies pages through competencies by code.
func (db *DB) FindCompetencies(ctx context.Context, f models.CompetencyFilter, p models.PageRequest) (*models.Page[*models.Competency], error) {
	q := db.bun.NewSelect().Model((*models.Competency)(nil))
	if f.Type != nil {
		q = q.Where("type = ?", *f.Type)
	}
	if f.Area != nil {
		q = q.Where("area = ?", *f.Area)
	}
	q = db.WhereSearch(q, f.Search, "code", "name", "name_hi")
	return competencyPages.Fetch(ctx, q, p)
}

// FindLevelsByCompetencyIDs returns each competency's level descriptors, by level.
func (db *DB) FindLevelsByCompetencyIDs(ctx context.Context, ids []int64) (map[int64][]models.CompetencyLevel, error) {
	return LevelsByCompetency(ctx, db.bun, ids)
}

func LevelsByCompetency(ctx context.Context, idb bun.IDB, ids []int64) (map[int64][]models.CompetencyLevel, error) {
	out := make(map[int64][]models.CompetencyLevel, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.CompetencyLevel
	err := idb.NewSelect().Model(&rows).Where("competency_id IN (?)", bun.List(ids)).Order("competency_id", "level").Scan(ctx)
	for _, r := range rows {
		out[r.CompetencyID] = append(out[r.CompetencyID], r)
	}
	return out, err
}

// InsertCompetency stores a validated competency (service.Catalogue validates
// it). ECONFLICT for a code in use.
func (db *DB) InsertCompetency(ctx context.Context, n *models.NewCompetency) (*models.Competency, error) {
	now := db.now()
	c := &models.Competency{Code: n.Code, Name: n.Name, NameHi: models.OptionalName(n.NameHi), Description: n.Description, Type: n.Type,
		Area: n.Area, SubTheme: n.SubTheme, CreatedAt: now, UpdatedAt: now}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(c).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := replaceLevels(ctx, tx, c, n.Levels); err != nil {
			return err
		}
		return BumpCatalogue(ctx, tx)
	})
	if err != nil {
		return nil, ConflictOr(err, CodeFields)
	}
	return c, nil
}

// replaceLevels stores levels as c's descriptors; no levels stores generic ones.
func replaceLevels(ctx context.Context, idb bun.IDB, c *models.Competency, levels []models.CompetencyLevel) error {
	if len(levels) == 0 {
		levels = models.DefaultLevels(c.Name)
	}
	levels = slices.Clone(levels)
	for i := range levels {
		levels[i].CompetencyID = c.ID
	}
	if _, err := idb.NewDelete().Model((*models.CompetencyLevel)(nil)).Where("competency_id = ?", c.ID).Exec(ctx); err != nil {
		return err
	}
	_, err := idb.NewInsert().Model(&levels).Exec(ctx)
	return err
}

// ---- roles

var rolePages = Keyset[*models.Role]{
	column: "code",
	key:    func(r *models.Role) string { return r.Code },
	id:     func(r *models.Role) int64 { return r.ID },
}

// FindRoleByID returns ENOTFOUND if there is no such role.
func (db *DB) FindRoleByID(ctx context.Context, id int64) (*models.Role, error) {
	return One[models.Role](ctx, db.bun, id, "role")
}

// FindRoleByCode returns ENOTFOUND if no role has the code.
func (db *DB) FindRoleByCode(ctx context.Context, code string) (*models.Role, error) {
	r := new(models.Role)
	if err := db.bun.NewSelect().Model(r).Where("code = ?", code).Limit(1).Scan(ctx); err != nil {
		return nil, NotFoundOr(err, "role")
	}
	return r, nil
}

// FindRolesByIDs returns the roles that exist, keyed by ID.
func (db *DB) FindRolesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Role, error) {
	return ByID(ctx, db.bun, ids, func(r *models.Role) int64 { return r.ID })
}

// FindRoles pages through roles by code.
func (db *DB) FindRoles(ctx context.Context, f models.RoleFilter, p models.PageRequest) (*models.Page[*models.Role], error) {
	q := db.WhereSearch(db.bun.NewSelect().Model((*models.Role)(nil)), f.Search, "code", "name")
	return rolePages.Fetch(ctx, q, p)
}

// FindRequirementsByRoleIDs returns each role's requirements, by competency code.
func (db *DB) FindRequirementsByRoleIDs(ctx context.Context, ids []int64) (map[int64][]models.RoleRequirement, error) {
	out := make(map[int64][]models.RoleRequirement, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.RoleRequirement
	err := db.bun.NewSelect().Model(&rows).
		Join("JOIN competencies AS c ON c.id = role_requirement.competency_id").
		Where("role_requirement.role_id IN (?)", bun.List(ids)).
		Order("role_requirement.role_id", "c.code").Scan(ctx)
	for _, r := range rows {
		out[r.RoleID] = append(out[r.RoleID], r)
	}
	return out, err
}

// InsertRole stores a validated role. EINVALID for an unknown competency,
// ECONFLICT for a code in use.
func (db *DB) InsertRole(ctx context.Context, n *models.NewRole) (*models.Role, error) {
	now := db.now()
	r := &models.Role{Code: n.Code, Name: n.Name, Description: n.Description, CreatedAt: now, UpdatedAt: now}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ids := make([]int64, len(n.Requirements))
		for i, req := range n.Requirements {
			ids[i] = req.CompetencyID
		}
		found, err := ExistingIDs(ctx, tx, "competencies", ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if !found[id] {
				return models.Invalid(fmt.Sprintf("requirements[%d].competencyId", i), "no such competency")
			}
		}
		if _, err := tx.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		if len(n.Requirements) > 0 {
			reqs := slices.Clone(n.Requirements)
			for i := range reqs {
				reqs[i].RoleID = r.ID
			}
			if _, err := tx.NewInsert().Model(&reqs).Exec(ctx); err != nil {
				return err
			}
		}
		return BumpCatalogue(ctx, tx)
	})
	if err != nil {
		return nil, ConflictOr(err, CodeFields)
	}
	return r, nil
}

// SaveRoleRequirement adds or replaces one validated requirement. ENOTFOUND for
// an unknown role, EINVALID for an unknown competency.
func (db *DB) SaveRoleRequirement(ctx context.Context, req models.RoleRequirement) (*models.Role, error) {
	var role *models.Role
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := One[models.Role](ctx, tx, req.RoleID, "role")
		if err != nil {
			return err
		}
		found, err := ExistingIDs(ctx, tx, "competencies", []int64{req.CompetencyID})
		if err != nil {
			return err
		}
		if !found[req.CompetencyID] {
			return models.Invalid("competencyId", "no such competency")
		}
		role = r
		wrote, err := UpsertRequirements(ctx, tx, []models.RoleRequirement{req})
		if err == nil && wrote {
			err = db.RefreshRoleHolders(ctx, tx, []int64{req.RoleID})
		}
		return BumpIf(ctx, tx, wrote, err)
	})
	return role, err
}

// UpsertRequirements writes reqs and reports whether any row changed.
func UpsertRequirements(ctx context.Context, idb bun.IDB, reqs []models.RoleRequirement) (bool, error) {
	return Affected(idb.NewInsert().Model(&reqs).
		On("CONFLICT (role_id, competency_id) DO UPDATE").
		Set("required_level = EXCLUDED.required_level").
		Set("weight = EXCLUDED.weight").
		Where(Changed("role_requirement", "required_level", "weight")).Exec(ctx))
}

// ---- courses

var coursePages = Keyset[*models.Course]{
	column: "code",
	key:    func(c *models.Course) string { return c.Code },
	id:     func(c *models.Course) int64 { return c.ID },
}

// FindCourseByID returns ENOTFOUND if there is no such course.
func (db *DB) FindCourseByID(ctx context.Context, id int64) (*models.Course, error) {
	return One[models.Course](ctx, db.bun, id, "course")
}

// FindCoursesByIDs returns the courses that exist, keyed by ID.
func (db *DB) FindCoursesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Course, error) {
	return ByID(ctx, db.bun, ids, func(c *models.Course) int64 { return c.ID })
}

// FindCourses pages through courses by code.
func (db *DB) FindCourses(ctx context.Context, f models.CourseFilter, p models.PageRequest) (*models.Page[*models.Course], error) {
	q := db.bun.NewSelect().Model((*models.Course)(nil))
	if f.CompetencyID != nil {
		sub := db.bun.NewSelect().Table("course_competencies").Column("course_id").Where("competency_id = ?", *f.CompetencyID)
		if f.MinLevel != nil {
			sub = sub.Where("to_level >= ?", *f.MinLevel)
		}
		q = q.Where("id IN (?)", sub)
	}
	if f.Provider != nil {
		q = q.Where("provider = ?", *f.Provider)
	}
	if f.Format != nil {
		q = q.Where("format = ?", *f.Format)
	}
	if f.MaxDurationHours != nil {
		q = q.Where("duration_hours <= ?", *f.MaxDurationHours)
	}
	q = db.WhereSearch(q, f.Search, "code", "title", "title_hi")
	return coursePages.Fetch(ctx, q, p)
}

// FindCourseCompetenciesByCourseIDs returns what each course imparts, by competency code.
func (db *DB) FindCourseCompetenciesByCourseIDs(ctx context.Context, ids []int64) (map[int64][]models.CourseCompetency, error) {
	out := make(map[int64][]models.CourseCompetency, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []models.CourseCompetency
	err := db.bun.NewSelect().Model(&rows).
		Join("JOIN competencies AS c ON c.id = course_competency.competency_id").
		Where("course_competency.course_id IN (?)", bun.List(ids)).
		Order("course_competency.course_id", "c.code").Scan(ctx)
	for _, r := range rows {
		out[r.CourseID] = append(out[r.CourseID], r)
	}
	return out, err
}

// checkCompetencies returns EINVALID naming competencies[i].competencyId for the
// first course competency whose competency does not exist.
func checkCompetencies(ctx context.Context, idb bun.IDB, cs []models.CourseCompetency) error {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.CompetencyID
	}
	found, err := ExistingIDs(ctx, idb, "competencies", ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if !found[id] {
			return models.Invalid(fmt.Sprintf("competencies[%d].competencyId", i), "no such competency")
		}
	}
	return nil
}

func replaceCourseCompetencies(ctx context.Context, idb bun.IDB, courseID int64, cs []models.CourseCompetency) error {
	if _, err := idb.NewDelete().Model((*models.CourseCompetency)(nil)).Where("course_id = ?", courseID).Exec(ctx); err != nil {
		return err
	}
	if len(cs) == 0 {
		return RefreshCoursePeers(ctx, idb, []int64{courseID})
	}
	cs = slices.Clone(cs)
	for i := range cs {
		cs[i].CourseID = courseID
	}
	if _, err := idb.NewInsert().Model(&cs).Exec(ctx); err != nil {
		return err
	}
	return RefreshCoursePeers(ctx, idb, []int64{courseID})
}

// InsertCourse stores a validated course. EINVALID for an unknown competency,
// ECONFLICT for a code in use.
func (db *DB) InsertCourse(ctx context.Context, n *models.NewCourse) (*models.Course, error) {
	now := db.now()
	c := &models.Course{Code: n.Code, Title: n.Title, TitleHi: models.OptionalName(n.TitleHi), Description: n.Description, Provider: n.Provider,
		Format: n.Format, DurationHours: n.DurationHours, PassMark: n.PassMark, ProviderVerified: n.ProviderVerified, CreatedAt: now, UpdatedAt: now}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCompetencies(ctx, tx, n.Competencies); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(c).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := replaceCourseCompetencies(ctx, tx, c.ID, n.Competencies); err != nil {
			return err
		}
		return BumpCatalogue(ctx, tx)
	})
	if err != nil {
		return nil, ConflictOr(err, CodeFields)
	}
	return c, nil
}

// SaveCourse applies a validated update to a course. ENOTFOUND; EINVALID for an
// unknown competency.
func (db *DB) SaveCourse(ctx context.Context, id int64, u models.CourseUpdate) (*models.Course, error) {
	var c *models.Course
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if c, err = One[models.Course](ctx, tx, id, "course"); err != nil {
			return err
		}
		if u.Title != nil {
			c.Title = *u.Title
		}
		if u.Description != nil {
			c.Description = *u.Description
		}
		if u.DurationHours != nil {
			c.DurationHours = *u.DurationHours
		}
		if u.ProviderVerified != nil {
			c.ProviderVerified = *u.ProviderVerified
		}
		if u.SetPassMark {
			c.PassMark = u.PassMark
		}
		if u.SetTitleHi {
			c.TitleHi = models.OptionalName(u.TitleHi)
		}
		c.UpdatedAt = db.now()
		if _, err := tx.NewUpdate().Model(c).Column("title", "title_hi", "description", "duration_hours", "pass_mark", "provider_verified", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if u.ReplaceCompetencies {
			if err := checkCompetencies(ctx, tx, u.Competencies); err != nil {
				return err
			}
			if err := replaceCourseCompetencies(ctx, tx, c.ID, u.Competencies); err != nil {
				return err
			}
		}
		return BumpCatalogue(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SamePtr reports whether two optional values are equal (nil equals nil only).
func SamePtr[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
