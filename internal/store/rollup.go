package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// The gap rollups. learner_gaps holds each learner's gap in each requirement of
// their roles; gap_rollups its sums by organisation and requirement. Whatever
// changes a learner's gaps (evidence, roles, organisation, a role's requirements)
// calls refreshGaps for the learners concerned in the same transaction: their old
// rows are taken out of the sums, recomputed with gapSQL, and added back. The sums
// then agree with a fresh computation up to rounding, and a ministry's report reads
// only the rollups of its organisations.

// refreshBatch bounds the learners refreshed by one set of statements.
const refreshBatch = 500

// RefreshGaps recomputes the gap rows of the learners and moves the rollups by the
// difference; so with their peer events (their roles may have changed).
func (db *DB) RefreshGaps(ctx context.Context, idb bun.IDB, learnerIDs []int64) error {
	if err := db.refreshGapsIn(ctx, idb, learnerIDs); err != nil {
		return err
	}
	return RefreshPeers(ctx, idb, learnerIDs)
}

// refreshGapsIn recomputes the learners' gap rows with gapSQL after their roles,
// organisation or requirements changed: their rows are taken out of the rollups,
// deleted (requirements may have come or gone), inserted afresh, and added back.
func (db *DB) refreshGapsIn(ctx context.Context, idb bun.IDB, learnerIDs []int64) error {
	ids := Dedupe(learnerIDs)
	for lo := 0; lo < len(ids); lo += refreshBatch {
		chunk := ids[lo:min(lo+refreshBatch, len(ids))]
		if err := addToRollups(ctx, idb, chunk, nil, -1); err != nil {
			return err
		}
		if _, err := idb.NewDelete().TableExpr("learner_gaps").Where("learner_id IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
			return err
		}
		with, args := gapSQL(db.priors(), models.GapQuery{}, gapScope{learners: chunk})
		if _, err := idb.NewRaw(with+gapsInsert, args...).Exec(ctx); err != nil {
			return err
		}
		if err := addToRollups(ctx, idb, chunk, nil, +1); err != nil {
			return err
		}
	}
	return nil
}

// gapsInsert writes the rows of a gapSQL's gaps into learner_gaps.
const gapsInsert = `
INSERT INTO learner_gaps (learner_id, competency_id, organisation_id, required, weight, gap, level, d0, d1, d2, d3, d4, d5)
SELECT learner_id, competency_id, organisation_id, r, w, gap, level, d0, d1, d2, d3, d4, d5 FROM gaps`

// An evidence write's gap rows are computed in Go (gapRows), with the arithmetic
// gapSQL does (domain.LearnerGap, which gives the same doubles): a gap row depends
// only on its own proficiency and requirement, and gapSQL's plan cost an evidence
// write milliseconds. The write reads its requirement (readNeeds) and writes its
// row and rollup with its estimate (writeGapRows, reestimate).

// gapRow is a row of learner_gaps.
type gapRow struct {
	learner, competency, organisation int64
	required                          int
	weight                            float64
	gap                               float64
	level                             int
	d                                 [6]float64
}

// need is gapSQL's req for a learner and a competency their roles require: the
// highest level and weight of the roles' requirements in it.
type need struct {
	LearnerID      int64
	OrganisationID int64
	CompetencyID   int64
	Required       int
	Weight         float64
}

// readNeeds reads the needs of the estimates' learners in their competencies.
func readNeeds(ctx context.Context, idb bun.IDB, profs []*models.Proficiency) ([]need, error) {
	learners, competencies := make([]int64, len(profs)), make([]int64, len(profs))
	for i, p := range profs {
		learners[i], competencies[i] = p.LearnerID, p.CompetencyID
	}
	var needs []need
	err := idb.NewRaw(`
SELECT l.id AS learner_id, l.organisation_id, rr.competency_id, MAX(rr.required_level) AS required, MAX(rr.weight) AS weight
FROM learners AS l
JOIN learner_roles AS lr ON lr.learner_id = l.id
JOIN role_requirements AS rr ON rr.role_id = lr.role_id
WHERE l.id IN (?) AND rr.competency_id IN (?)
GROUP BY l.id, l.organisation_id, rr.competency_id
ORDER BY l.id, rr.competency_id`, bun.List(Dedupe(learners)), bun.List(Dedupe(competencies))).Scan(ctx, &needs)
	return needs, err
}

// gapRows computes the gap rows of the estimates whose competency their learner's
// roles require: with the requirement's prior (the competency's, else the pooled
// one) and LearnerGap, as gapSQL does.
func (db *DB) gapRows(profs []*models.Proficiency, needs []need) []gapRow {
	byPair := make(map[[2]int64]*models.Proficiency, len(profs))
	for _, p := range profs {
		byPair[[2]int64{p.LearnerID, p.CompetencyID}] = p
	}
	priors := db.priors()
	rows := make([]gapRow, 0, len(needs))
	for _, n := range needs {
		p := byPair[[2]int64{n.LearnerID, n.CompetencyID}]
		if p == nil || n.Required < 1 || n.Required > 5 { // a pair not re-estimated; a level no prior has
			continue
		}
		q := priors.Pooled[n.Required-1]
		if t, ok := priors.ByCompetency[n.CompetencyID]; ok {
			q = t[n.Required-1]
		}
		var dist *[6]float64
		if len(p.Distribution) == 6 {
			dist = (*[6]float64)(p.Distribution)
		}
		r := gapRow{learner: n.LearnerID, competency: n.CompetencyID, organisation: n.OrganisationID,
			required: n.Required, weight: n.Weight}
		r.d, r.gap, r.level = domain.LearnerGap(q, dist, n.Required)
		rows = append(rows, r)
	}
	return rows
}

// writeGapRows are the statements that replace the rows' old versions in
// learner_gaps and move the rollups by the difference: on PostgreSQL one statement (the sub-statements
// of a WITH share one snapshot, so old reads the rows as they were before fresh
// rewrote them, and each rollup row is updated once); on SQLite, which has no
// writing WITH, as old rows out, rows in place, new rows in. An update in place
// is a HOT update on PostgreSQL (fillfactor).
func (db *DB) writeGapRows(idb bun.IDB, rows []gapRow) []schema.QueryAppender {
	values := make([]string, len(rows))
	learners, competencies := make([]int64, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		learners[i], competencies[i] = r.learner, r.competency
		v := []string{strconv.FormatInt(r.learner, 10), strconv.FormatInt(r.competency, 10),
			strconv.FormatInt(r.organisation, 10), strconv.Itoa(r.required), sqlFloat(r.weight), sqlFloat(r.gap), strconv.Itoa(r.level)}
		for _, x := range r.d {
			v = append(v, sqlFloat(x))
		}
		values[i] = "(" + strings.Join(v, ", ") + ")"
	}
	// The rows are numbers the store computed, written as literals: an import's
	// batch of them stays under SQLite's limit on bound parameters.
	fresh := `WITH fresh (learner_id, competency_id, organisation_id, required, weight, gap, level, d0, d1, d2, d3, d4, d5) AS (VALUES ` +
		strings.Join(values, ", ") + `)`
	upsert := `
INSERT INTO learner_gaps (learner_id, competency_id, organisation_id, required, weight, gap, level, d0, d1, d2, d3, d4, d5)
SELECT learner_id, competency_id, organisation_id, required, weight, gap, level, d0, d1, d2, d3, d4, d5 FROM fresh
WHERE true ON CONFLICT (learner_id, competency_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
	required = EXCLUDED.required, weight = EXCLUDED.weight, gap = EXCLUDED.gap, level = EXCLUDED.level, d0 = EXCLUDED.d0,
	d1 = EXCLUDED.d1, d2 = EXCLUDED.d2, d3 = EXCLUDED.d3, d4 = EXCLUDED.d4, d5 = EXCLUDED.d5`
	if db.dialect != "postgres" {
		ls, cs := Dedupe(learners), Dedupe(competencies)
		return []schema.QueryAppender{rollupMove(idb, ls, cs, -1), idb.NewRaw(fresh + upsert), rollupMove(idb, ls, cs, +1)}
	}
	sums := "learners, with_gap, sum_gap, sum_weighted, h0, h1, h2, h3, h4, h5, wm0, wm1, wm2, wm3, wm4, wm5"
	total := "SUM(learners), SUM(with_gap), SUM(sum_gap), SUM(sum_weighted)"
	for _, c := range []string{"h0", "h1", "h2", "h3", "h4", "h5", "wm0", "wm1", "wm2", "wm3", "wm4", "wm5"} {
		total += ", SUM(" + c + ")"
	}
	return []schema.QueryAppender{idb.NewRaw(fresh + `,
old AS (SELECT g.* FROM learner_gaps AS g JOIN fresh AS f ON f.learner_id = g.learner_id AND f.competency_id = g.competency_id),
moved AS (` + upsert + `
	RETURNING *),
moves AS (
	SELECT organisation_id, competency_id, required,` + rollupSums("weight", -1) + ` FROM old GROUP BY organisation_id, competency_id, required
	UNION ALL
	SELECT organisation_id, competency_id, required,` + rollupSums("weight", +1) + ` FROM moved GROUP BY organisation_id, competency_id, required)
INSERT INTO gap_rollups (organisation_id, competency_id, required, ` + sums + `)
SELECT organisation_id, competency_id, required, ` + total + `
FROM moves GROUP BY organisation_id, competency_id, required
ON CONFLICT (organisation_id, competency_id, required) DO UPDATE SET ` + rollupSet())}
}

// sqlFloat writes a double as a SQL literal that reads back as the same double.
func sqlFloat(x float64) string {
	return "CAST(" + strconv.FormatFloat(x, 'g', -1, 64) + " AS DOUBLE PRECISION)"
}

// rollupSet adds EXCLUDED's sums to a rollup row.
func rollupSet() string {
	set := "learners = gap_rollups.learners + EXCLUDED.learners, with_gap = gap_rollups.with_gap + EXCLUDED.with_gap, " +
		"sum_gap = gap_rollups.sum_gap + EXCLUDED.sum_gap, sum_weighted = gap_rollups.sum_weighted + EXCLUDED.sum_weighted"
	for _, c := range []string{"h0", "h1", "h2", "h3", "h4", "h5", "wm0", "wm1", "wm2", "wm3", "wm4", "wm5"} {
		set += ", " + c + " = gap_rollups." + c + " + EXCLUDED." + c
	}
	return set
}

// addToRollups adds sign times the learners' gap rows (in the competencies, when
// not nil) to the rollups.
func addToRollups(ctx context.Context, idb bun.IDB, learnerIDs, competencyIDs []int64, sign int) error {
	_, err := rollupMove(idb, learnerIDs, competencyIDs, sign).Exec(ctx)
	return err
}

// rollupMove is addToRollups's statement.
func rollupMove(idb bun.IDB, learnerIDs, competencyIDs []int64, sign int) *bun.RawQuery {
	where, args := "learner_id IN (?)", []any{bun.List(learnerIDs)}
	if competencyIDs != nil {
		where, args = where+" AND competency_id IN (?)", append(args, bun.List(competencyIDs))
	}
	return idb.NewRaw(`
INSERT INTO gap_rollups (organisation_id, competency_id, required, learners, with_gap, sum_gap, sum_weighted,
	h0, h1, h2, h3, h4, h5, wm0, wm1, wm2, wm3, wm4, wm5)
SELECT organisation_id, competency_id, required,`+rollupSums("weight", sign)+`
FROM learner_gaps WHERE `+where+`
GROUP BY organisation_id, competency_id, required
ON CONFLICT (organisation_id, competency_id, required) DO UPDATE SET `+rollupSet(), args...)
}

// RefreshRoleHolders refreshes the gaps of every learner holding one of the roles,
// after their requirements changed.
func (db *DB) RefreshRoleHolders(ctx context.Context, idb bun.IDB, roleIDs []int64) error {
	if len(roleIDs) == 0 {
		return nil
	}
	var ids []int64
	if err := idb.NewSelect().Table("learner_roles").Column("learner_id").Where("role_id IN (?)", bun.List(Dedupe(roleIDs))).
		Scan(ctx, &ids); err != nil {
		return err
	}
	return db.RefreshGaps(ctx, idb, ids)
}

// priors returns the estimator's priors for each required level 1..5.
func (db *DB) priors() models.Priors { return db.estimator.Priors() }

// RefreshAllGaps rebuilds every learner's gap rows and the rollups from nothing, in
// one transaction and two set-based statements (after a change of estimator
// parameters, or to repair them).
func (db *DB) RefreshAllGaps(ctx context.Context) error {
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, table := range []string{"gap_rollups", "learner_gaps"} {
			if _, err := tx.NewDelete().TableExpr(table).Where("1 = 1").Exec(ctx); err != nil {
				return err
			}
		}
		with, args := gapSQL(db.priors(), models.GapQuery{}, gapScope{all: true})
		if _, err := tx.NewRaw(with+`
INSERT INTO learner_gaps (learner_id, competency_id, organisation_id, required, weight, gap, level, d0, d1, d2, d3, d4, d5)
SELECT learner_id, competency_id, organisation_id, r, w, gap, level, d0, d1, d2, d3, d4, d5 FROM gaps`, args...).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw(`
INSERT INTO gap_rollups (organisation_id, competency_id, required, learners, with_gap, sum_gap, sum_weighted,
	h0, h1, h2, h3, h4, h5, wm0, wm1, wm2, wm3, wm4, wm5)
SELECT organisation_id, competency_id, required,` + rollupSums("weight", 1) + `
FROM learner_gaps
GROUP BY organisation_id, competency_id, required`).Exec(ctx)
		return err
	})
}
