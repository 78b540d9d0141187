package store

import (
	"context"

	"github.com/uptrace/bun"

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
	if err := db.refreshGapsIn(ctx, idb, learnerIDs, nil); err != nil {
		return err
	}
	return RefreshPeers(ctx, idb, learnerIDs)
}

// refreshGapsIn is refreshGaps for the learners' gaps in the listed competencies
// alone (nil: in all of them), after a change of proficiencies that left their
// roles, organisation and requirements as they were. A gap row depends on its own
// competency only, so an evidence write recomputes one row and moves one rollup,
// not the learner's every requirement and every rollup of their organisation.
func (db *DB) refreshGapsIn(ctx context.Context, idb bun.IDB, learnerIDs, competencyIDs []int64) error {
	ids := Dedupe(learnerIDs)
	if competencyIDs != nil {
		competencyIDs = Dedupe(competencyIDs)
	}
	for lo := 0; lo < len(ids); lo += refreshBatch {
		chunk := ids[lo:min(lo+refreshBatch, len(ids))]
		if competencyIDs != nil && db.dialect == "postgres" {
			if err := db.moveGapsIn(ctx, idb, chunk, competencyIDs); err != nil {
				return err
			}
			continue
		}
		if err := addToRollups(ctx, idb, chunk, competencyIDs, -1); err != nil {
			return err
		}
		// In chosen competencies (a proficiency changed, the requirements did not)
		// the rows are updated in place, which on PostgreSQL is a HOT update
		// (fillfactor); otherwise requirements may have come or gone, so they are
		// deleted and inserted afresh.
		upsert := ""
		if competencyIDs != nil {
			upsert = gapsUpdate
		} else if _, err := idb.NewDelete().TableExpr("learner_gaps").Where("learner_id IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
			return err
		}
		with, args := gapSQL(db.priors(), models.GapQuery{}, gapScope{learners: chunk, competencies: competencyIDs})
		if _, err := idb.NewRaw(with+gapsInsert+upsert, args...).Exec(ctx); err != nil {
			return err
		}
		if err := addToRollups(ctx, idb, chunk, competencyIDs, +1); err != nil {
			return err
		}
	}
	return nil
}

// gapsInsert writes the rows of a gapSQL's gaps into learner_gaps; with
// gapsUpdate after it, rows already there are updated in place.
const (
	gapsInsert = `
INSERT INTO learner_gaps (learner_id, competency_id, organisation_id, required, weight, gap, level, d0, d1, d2, d3, d4, d5)
SELECT learner_id, competency_id, organisation_id, r, w, gap, level, d0, d1, d2, d3, d4, d5 FROM gaps`
	gapsUpdate = ` WHERE true ON CONFLICT (learner_id, competency_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
	required = EXCLUDED.required, weight = EXCLUDED.weight, gap = EXCLUDED.gap, level = EXCLUDED.level, d0 = EXCLUDED.d0,
	d1 = EXCLUDED.d1, d2 = EXCLUDED.d2, d3 = EXCLUDED.d3, d4 = EXCLUDED.d4, d5 = EXCLUDED.d5`
)

// moveGapsIn is refreshGapsIn's three statements (old rows out of the rollups,
// rows updated in place, new rows into the rollups) as one, on PostgreSQL: the
// sub-statements of a WITH share one snapshot, so old reads the rows as they were
// before fresh rewrote them. An evidence write pays one round trip for its gaps
// instead of three, and updates its rollup row once instead of twice.
func (db *DB) moveGapsIn(ctx context.Context, idb bun.IDB, learnerIDs, competencyIDs []int64) error {
	with, args := gapSQL(db.priors(), models.GapQuery{}, gapScope{learners: learnerIDs, competencies: competencyIDs})
	sums := "learners, with_gap, sum_gap, sum_weighted, h0, h1, h2, h3, h4, h5, wm0, wm1, wm2, wm3, wm4, wm5"
	total := "SUM(learners), SUM(with_gap), SUM(sum_gap), SUM(sum_weighted)"
	for _, c := range []string{"h0", "h1", "h2", "h3", "h4", "h5", "wm0", "wm1", "wm2", "wm3", "wm4", "wm5"} {
		total += ", SUM(" + c + ")"
	}
	args = append(args, bun.List(learnerIDs), bun.List(competencyIDs))
	_, err := idb.NewRaw(with+`,
old AS (SELECT * FROM learner_gaps WHERE learner_id IN (?) AND competency_id IN (?)),
fresh AS (`+gapsInsert+gapsUpdate+`
	RETURNING *),
moves AS (
	SELECT organisation_id, competency_id, required,`+rollupSums("weight", -1)+` FROM old GROUP BY organisation_id, competency_id, required
	UNION ALL
	SELECT organisation_id, competency_id, required,`+rollupSums("weight", +1)+` FROM fresh GROUP BY organisation_id, competency_id, required)
INSERT INTO gap_rollups (organisation_id, competency_id, required, `+sums+`)
SELECT organisation_id, competency_id, required, `+total+`
FROM moves GROUP BY organisation_id, competency_id, required
ON CONFLICT (organisation_id, competency_id, required) DO UPDATE SET `+rollupSet(), args...).Exec(ctx)
	return err
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
	set := rollupSet()
	where, args := "learner_id IN (?)", []any{bun.List(learnerIDs)}
	if competencyIDs != nil {
		where, args = where+" AND competency_id IN (?)", append(args, bun.List(competencyIDs))
	}
	_, err := idb.NewRaw(`
INSERT INTO gap_rollups (organisation_id, competency_id, required, learners, with_gap, sum_gap, sum_weighted,
	h0, h1, h2, h3, h4, h5, wm0, wm1, wm2, wm3, wm4, wm5)
SELECT organisation_id, competency_id, required,`+rollupSums("weight", sign)+`
FROM learner_gaps WHERE `+where+`
GROUP BY organisation_id, competency_id, required
ON CONFLICT (organisation_id, competency_id, required) DO UPDATE SET `+set, args...).Exec(ctx)
	return err
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
