package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.ReportStore = (*DB)(nil)

// Gap reports are computed in the database in one pass over the learners in scope,
// with the same arithmetic as the recommender (recommender.WithRequirement,
// ExpectedGap and Median), so that a report over a ministry never moves a million
// rows into the process:
//
//	requirement  r, w = the highest level and weight the learner's roles (or the role asked for) require
//	posterior    u_l  = prior_r(l) · p_l   (p: the stored uniform-prior distribution, 1 when none)
//	             d_l  = u_l / Σ u
//	gap          Σ_{l<r} (r − l) · d_l
//	level        the smallest l with d_0 + … + d_l >= 0.5 − 1e-9
//
// The steps are MATERIALIZED common table expressions: inlined, each reference to
// d_l would recompute its whole expression (a role's report over 35,000 learners took
// 10 s inlined, 1.7 s materialised, on PostgreSQL).

// gapSQL is the per-learner, per-requirement part: one row for each, with the
// distribution under the requirement's prior (d0..d5), the gap and the level.
// Placeholders: the subtree's path range, then the
// role (when filtering by role, twice) and the competency type (when filtering).
func gapSQL(priors models.Priors, q models.GapQuery, scope gapScope) (string, []any) {
	var args []any
	// The priors are written as literals (numbers the estimator made, nothing a
	// caller supplies), so a fitted model's hundreds of competencies do not run into
	// SQLite's limit on bound parameters. Competency 0 is the pooled prior.
	var values []string
	row := func(c int64, t *[5][6]float64) {
		for r := 1; r <= 5; r++ {
			v := make([]string, 0, 8)
			v = append(v, strconv.FormatInt(c, 10), strconv.Itoa(r))
			for _, x := range t[r-1] {
				v = append(v, strconv.FormatFloat(x, 'g', -1, 64))
			}
			values = append(values, "("+strings.Join(v, ", ")+")")
		}
	}
	row(0, &priors.Pooled)
	ids := make([]int64, 0, len(priors.ByCompetency))
	for c := range priors.ByCompetency {
		// A scope of a few competencies needs their priors only: an evidence
		// write's statement stays a few hundred bytes, not tens of kilobytes.
		if scope.competencies == nil || slices.Contains(scope.competencies, c) {
			ids = append(ids, c)
		}
	}
	slices.Sort(ids)
	for _, c := range ids {
		t := priors.ByCompetency[c]
		row(c, &t)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `WITH priors (c, r, q0, q1, q2, q3, q4, q5) AS (VALUES %s),
scope AS (
	SELECT l.id, l.organisation_id FROM learners AS l`, strings.Join(values, ", "))
	switch {
	case scope.all:
	case scope.learners != nil:
		sb.WriteString(`
	WHERE l.id IN (?)`)
		args = append(args, bun.List(scope.learners))
	default:
		sb.WriteString(`
	JOIN organisations AS o ON o.id = l.organisation_id
	WHERE o.path >= ? AND o.path < ?`)
		lo, hi := models.SubtreeRange(scope.path)
		args = append(args, lo, hi)
	}
	if q.RoleID != nil {
		sb.WriteString(` AND l.id IN (SELECT learner_id FROM learner_roles WHERE role_id = ?)`)
		args = append(args, *q.RoleID)
	}
	sb.WriteString(`
),
req AS (
	SELECT s.id AS learner_id, s.organisation_id, rr.competency_id, MAX(rr.required_level) AS r, MAX(rr.weight) AS w
	FROM scope AS s
	JOIN learner_roles AS lr ON lr.learner_id = s.id
	JOIN role_requirements AS rr ON rr.role_id = lr.role_id`)
	if q.CompetencyType != nil {
		sb.WriteString(`
	JOIN competencies AS c ON c.id = rr.competency_id AND c.type = ?`)
		args = append(args, *q.CompetencyType)
	}
	if q.RoleID != nil {
		sb.WriteString(`
	WHERE lr.role_id = ?`)
		args = append(args, *q.RoleID)
	}
	if scope.competencies != nil {
		if q.RoleID != nil {
			sb.WriteString(` AND`)
		} else {
			sb.WriteString(`
	WHERE`)
		}
		sb.WriteString(` rr.competency_id IN (?)`)
		args = append(args, bun.List(scope.competencies))
	}
	sb.WriteString(`
	GROUP BY s.id, s.organisation_id, rr.competency_id
),
post AS MATERIALIZED (
	SELECT q.learner_id, q.organisation_id, q.competency_id, q.r, q.w,
		COALESCE(pc.q0, pr.q0) * COALESCE(p.p0, 1) AS u0, COALESCE(pc.q1, pr.q1) * COALESCE(p.p1, 1) AS u1,
		COALESCE(pc.q2, pr.q2) * COALESCE(p.p2, 1) AS u2, COALESCE(pc.q3, pr.q3) * COALESCE(p.p3, 1) AS u3,
		COALESCE(pc.q4, pr.q4) * COALESCE(p.p4, 1) AS u4, COALESCE(pc.q5, pr.q5) * COALESCE(p.p5, 1) AS u5
	FROM req AS q
	JOIN priors AS pr ON pr.c = 0 AND pr.r = q.r
	LEFT JOIN priors AS pc ON pc.c = q.competency_id AND pc.r = q.r
	LEFT JOIN proficiencies AS p ON p.learner_id = q.learner_id AND p.competency_id = q.competency_id
),
norm AS MATERIALIZED (
	SELECT learner_id, organisation_id, competency_id, r, w,
		u0 / z AS d0, u1 / z AS d1, u2 / z AS d2, u3 / z AS d3, u4 / z AS d4, u5 / z AS d5
	FROM (SELECT post.*, u0 + u1 + u2 + u3 + u4 + u5 AS z FROM post) AS t
),
gaps AS MATERIALIZED (
	SELECT learner_id, organisation_id, competency_id, r, w, d0, d1, d2, d3, d4, d5,
		CASE WHEN r > 0 THEN r * d0 ELSE 0 END + CASE WHEN r > 1 THEN (r - 1) * d1 ELSE 0 END
		+ CASE WHEN r > 2 THEN (r - 2) * d2 ELSE 0 END + CASE WHEN r > 3 THEN (r - 3) * d3 ELSE 0 END
		+ CASE WHEN r > 4 THEN (r - 4) * d4 ELSE 0 END AS gap,
		CASE WHEN d0 >= 0.5 - 1e-9 THEN 0 WHEN d0 + d1 >= 0.5 - 1e-9 THEN 1 WHEN d0 + d1 + d2 >= 0.5 - 1e-9 THEN 2
			WHEN d0 + d1 + d2 + d3 >= 0.5 - 1e-9 THEN 3 WHEN d0 + d1 + d2 + d3 + d4 >= 0.5 - 1e-9 THEN 4 ELSE 5 END AS level
	FROM norm
)`)
	return sb.String(), args
}

// gapScope is whose gaps gapSQL computes: the learners of a subtree (its path), the
// learners listed, or all.
type gapScope struct {
	path         string
	learners     []int64
	all          bool
	competencies []int64 // when not nil, only these requirements
}

// gapAggregateRow is GapAggregate as the query returns it, level by level.
type gapAggregateRow struct {
	models.GapAggregate
	H0, H1, H2, H3, H4, H5       int
	WM0, WM1, WM2, WM3, WM4, WM5 float64
}

// FindGapAggregates sums the learners' gaps by organisation and requirement: from
// the maintained rollups, or, for a report on one role's holders (measured against
// that role alone, which the rollups do not hold), with one set-based pass.
func (db *DB) FindGapAggregates(ctx context.Context, q models.GapQuery) ([]models.GapAggregate, error) {
	path, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	var rows []gapAggregateRow
	if q.RoleID == nil {
		lo, hi := models.SubtreeRange(path)
		sel := db.bun.NewSelect().TableExpr("gap_rollups AS g").ColumnExpr("g.*").
			Join("JOIN organisations AS o ON o.id = g.organisation_id").
			Where("o.path >= ? AND o.path < ? AND g.learners > 0", lo, hi).
			Order("g.organisation_id", "g.competency_id", "g.required")
		if q.CompetencyType != nil {
			sel = sel.Join("JOIN competencies AS c ON c.id = g.competency_id AND c.type = ?", *q.CompetencyType)
		}
		err = sel.Scan(ctx, &rows)
	} else {
		with, args := gapSQL(db.priors(), q, gapScope{path: path})
		err = db.bun.NewRaw(with+`
SELECT organisation_id, competency_id, r AS required,`+rollupSums("w", 1)+`
FROM gaps
GROUP BY organisation_id, competency_id, r
ORDER BY organisation_id, competency_id, r`, args...).Scan(ReadOnly(ctx), &rows)
	}
	out := make([]models.GapAggregate, len(rows))
	for i, r := range rows {
		out[i] = r.GapAggregate
		out[i].Levels = [6]int{r.H0, r.H1, r.H2, r.H3, r.H4, r.H5}
		out[i].WeightedMass = [6]float64{r.WM0, r.WM1, r.WM2, r.WM3, r.WM4, r.WM5}
	}
	return out, err
}

// rollupSums is the select list that sums gap rows (weight column w) into a rollup,
// each sum multiplied by sign: +1 to add rows, -1 to take them away.
func rollupSums(w string, sign int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `
	%[1]d * COUNT(*) AS learners, %[1]d * SUM(CASE WHEN gap > 0.5 THEN 1 ELSE 0 END) AS with_gap,
	CAST(%[1]d * SUM(gap) AS DOUBLE PRECISION) AS sum_gap,
	CAST(%[1]d * SUM(%[2]s * gap) AS DOUBLE PRECISION) AS sum_weighted`, sign, w)
	for l := 0; l <= 5; l++ {
		fmt.Fprintf(&sb, ", %d * SUM(CASE WHEN level = %d THEN 1 ELSE 0 END) AS h%d", sign, l, l)
	}
	for l := 0; l <= 5; l++ {
		fmt.Fprintf(&sb, ", CAST(%d * SUM(%s * d%d) AS DOUBLE PRECISION) AS wm%d", sign, w, l, l)
	}
	return sb.String()
}

// CountLearnersInScope counts the learners a gap report covers.
func (db *DB) CountLearnersInScope(ctx context.Context, q models.GapQuery) (int, error) {
	path, err := db.scopeOf(ctx, q)
	if err != nil {
		return 0, err
	}
	lo, hi := models.SubtreeRange(path)
	sel := db.bun.NewSelect().TableExpr("learners AS l").Join("JOIN organisations AS o ON o.id = l.organisation_id").
		Where("o.path >= ? AND o.path < ?", lo, hi)
	if q.RoleID != nil {
		sel = sel.Where("l.id IN (?)", db.bun.NewSelect().Table("learner_roles").Column("learner_id").Where("role_id = ?", *q.RoleID))
	}
	n, err := sel.Count(ctx)
	return int(n), err
}

// EachLearnerGap streams each learner's gap in each requirement, by employee code
// and competency code.
func (db *DB) EachLearnerGap(ctx context.Context, q models.GapQuery, fn func(models.LearnerGap) error) error {
	path, err := db.scopeOf(ctx, q)
	if err != nil {
		return err
	}
	with, args := gapSQL(db.priors(), q, gapScope{path: path})
	rows, err := db.queryRows(ctx, with+`
SELECT l.employee_code, l.name, o.code AS organisation_code, c.code AS competency_code,
	g.r AS required, g.level, CAST(g.gap AS DOUBLE PRECISION) AS gap, CAST(g.w AS DOUBLE PRECISION) AS weight
FROM gaps AS g
JOIN learners AS l ON l.id = g.learner_id
JOIN organisations AS o ON o.id = g.organisation_id
JOIN competencies AS c ON c.id = g.competency_id
ORDER BY l.employee_code, c.code`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g models.LearnerGap
		if err := db.bun.ScanRow(ctx, rows, &g); err != nil {
			return err
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FindSubtree returns the organisation and everything under it, by path.
func (db *DB) FindSubtree(ctx context.Context, id int64) ([]*models.Organisation, error) {
	root, err := db.FindOrganisationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	lo, hi := models.SubtreeRange(root.Path)
	var out []*models.Organisation
	err = db.bun.NewSelect().Model(&out).Where("path >= ? AND path < ?", lo, hi).Order("path").Scan(ctx)
	return out, err
}

// scopeOf returns the path of the query's organisation; ENOTFOUND if there is none.
func (db *DB) scopeOf(ctx context.Context, q models.GapQuery) (string, error) {
	org, err := db.FindOrganisationByID(ctx, q.OrganisationID)
	if err != nil {
		return "", err
	}
	return org.Path, nil
}
