package bulk

import (
	"context"
	"maps"
	"slices"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// UpsertCompetencies upserts on code; records with Levels replace the descriptors,
// new competencies without them get generic ones. A record with HasNameHi sets the
// Hindi name (nil: none); one without leaves the stored one alone.
func (w *Writer) UpsertCompetencies(ctx context.Context, recs []models.CompetencyRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
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
	err := w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		codes := make([]string, len(idxs))
		for k, i := range idxs {
			codes[k] = recs[i].Code
		}
		existed, err := store.IDsByCode(ctx, tx, "competencies", codes)
		if err != nil {
			return err
		}
		now := w.db.Now()
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
			cond := store.Changed("competency", "name", "description", "type", "area") +
				" OR (EXCLUDED.sub_theme <> '' AND competency.sub_theme <> EXCLUDED.sub_theme)"
			if setNameHi {
				q = q.Set("name_hi = EXCLUDED.name_hi")
				cond += " OR competency.name_hi IS DISTINCT FROM EXCLUDED.name_hi"
			}
			changed, err := store.Affected(q.Where(cond).Exec(ctx))
			if err != nil {
				return err
			}
			wrote = wrote || changed
		}
		ids, err := store.IDsByCode(ctx, tx, "competencies", codes)
		if err != nil {
			return err
		}
		stored, err := store.LevelsByCompetency(ctx, tx, slices.Collect(maps.Values(existed)))
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
		return store.BumpIf(ctx, tx, wrote || len(levels) > 0, nil)
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
		if !ok || s.Name != l.Name || s.Description != l.Description || !store.SamePtr(s.DescriptionHi, l.DescriptionHi) {
			return false
		}
	}
	return true
}

// UpsertRoles upserts on code.
func (w *Writer) UpsertRoles(ctx context.Context, recs []models.RoleRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
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
	err := w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := w.db.Now()
		rows := make([]models.Role, len(idxs))
		for k, i := range idxs {
			rows[k] = models.Role{Code: recs[i].Code, Name: recs[i].Name, Description: recs[i].Description, CreatedAt: now, UpdatedAt: now}
		}
		wrote, err := store.Affected(tx.NewInsert().Model(&rows).ExcludeColumn("id").
			On("CONFLICT (code) DO UPDATE").
			Set("name = EXCLUDED.name").Set("description = EXCLUDED.description").
			Set("updated_at = EXCLUDED.updated_at").
			Where(store.Changed("role", "name", "description")).Exec(ctx))
		return store.BumpIf(ctx, tx, wrote, err)
	})
	return rejected, err
}

// UpsertRoleRequirements upserts on (role code, competency code).
func (w *Writer) UpsertRoleRequirements(ctx context.Context, recs []models.RoleRequirementRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
	roles, comps, err := w.resolvePairs(ctx, "roles", "competencies", len(recs), func(i int) (string, string) {
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
	err = w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		rows := make([]models.RoleRequirement, len(idxs))
		for k, i := range idxs {
			rows[k] = reqs[i]
		}
		wrote, err := store.UpsertRequirements(ctx, tx, rows)
		if err == nil && wrote {
			roles := make([]int64, len(rows))
			for i, r := range rows {
				roles[i] = r.RoleID
			}
			err = w.db.RefreshRoleHolders(ctx, tx, roles)
		}
		return store.BumpIf(ctx, tx, wrote, err)
	})
	return rejected, err
}

// resolvePairs maps the two codes each of n records names to IDs in two tables.
func (w *Writer) resolvePairs(ctx context.Context, tableA, tableB string, n int, codes func(int) (string, string)) (map[string]int64, map[string]int64, error) {
	as, bs := make([]string, n), make([]string, n)
	for i := range n {
		as[i], bs[i] = codes(i)
	}
	a, err := store.IDsByCode(ctx, w.db.Bun(), tableA, as)
	if err != nil {
		return nil, nil, err
	}
	b, err := store.IDsByCode(ctx, w.db.Bun(), tableB, bs)
	return a, b, err
}

// UpsertCourses upserts on code. A record with HasPassMark sets the pass mark (nil:
// none); one without leaves the stored pass mark alone; HasTitleHi likewise for the
// Hindi title.
func (w *Writer) UpsertCourses(ctx context.Context, recs []models.CourseRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
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
	err := w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		now := w.db.Now()
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
			cond := store.Changed("course", "title", "description", "provider", "format", "duration_hours")
			if setPassMark {
				q = q.Set("pass_mark = EXCLUDED.pass_mark")
				cond += " OR course.pass_mark IS DISTINCT FROM EXCLUDED.pass_mark"
			}
			if set.titleHi {
				q = q.Set("title_hi = EXCLUDED.title_hi")
				cond += " OR course.title_hi IS DISTINCT FROM EXCLUDED.title_hi"
			}
			wrote, err := store.Affected(q.Where(cond).Exec(ctx))
			if err != nil {
				return err
			}
			wroteAny = wroteAny || wrote
		}
		return store.BumpIf(ctx, tx, wroteAny, nil)
	})
	return rejected, err
}

// UpsertCourseCompetencies upserts on (course code, competency code).
func (w *Writer) UpsertCourseCompetencies(ctx context.Context, recs []models.CourseCompetencyRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see fresh
	var rejected store.Rejections
	courses, comps, err := w.resolvePairs(ctx, "courses", "competencies", len(recs), func(i int) (string, string) {
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
	err = w.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		batch := make([]models.CourseCompetency, len(idxs))
		for k, i := range idxs {
			batch[k] = rows[i]
		}
		wrote, err := store.Affected(tx.NewInsert().Model(&batch).
			On("CONFLICT (course_id, competency_id) DO UPDATE").
			Set("from_level = EXCLUDED.from_level").Set("to_level = EXCLUDED.to_level").
			Where(store.Changed("course_competency", "from_level", "to_level")).Exec(ctx))
		if err == nil && wrote {
			courseIDs := make([]int64, len(batch))
			for k, c := range batch {
				courseIDs[k] = c.CourseID
			}
			err = store.RefreshCoursePeers(ctx, tx, store.Dedupe(courseIDs))
		}
		return store.BumpIf(ctx, tx, wrote, err)
	})
	return rejected, err
}
