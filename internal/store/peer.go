package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/openkarmayogi/karmayogi/models"
)

// The peer sums. peer_events holds each learner's peer events (one per role they
// hold and course they enrolled in or dismissed) with the event's weight and value
// (models.PeerOutcome.Weight and Value); peer_sums their sums by role and course,
// which the recommender reads instead of every learner's record (FindPeerSums).
// Whatever may change a learner's events (an enrolment, its completion, a
// dismissal, a rating, their roles, a proficiency in a course's competency) moves
// the learner's version or their gaps, and bumpLearners and refreshGaps call
// refreshPeers for them in the same transaction; a role's requirements refresh its
// holders' gaps, and a course's competencies refreshCoursePeers. refreshPeers reads
// the learners' events afresh, compares them with the stored ones and writes only
// the difference: an evidence write usually changes no event and writes nothing.

// peerEvent is a row of peer_events.
type peerEvent struct {
	bun.BaseModel `bun:"table:peer_events"`
	LearnerID     int64   `bun:"learner_id,pk"`
	RoleID        int64   `bun:"role_id,pk"`
	CourseID      int64   `bun:"course_id,pk"`
	Weight        float64 `bun:"weight"`
	Value         float64 `bun:"value"`
}

// peerOutcomesSQL reads peer events from the learning record: each enrolment or
// dismissal, per role of its learner, with the learner's rating of the course and
// their weighted gap (from stored levels) on the course's competencies that the
// role requires. scoped adds a placeholder for the learners, used twice.
func peerOutcomesSQL(scoped bool) string {
	where := ""
	if scoped {
		where = " WHERE learner_id IN (?)"
	}
	return `
		SELECT t.learner_id, lr.role_id, t.course_id, MAX(t.completed) AS completed, MAX(t.dismissed) AS dismissed,
		       COALESCE(MAX(cr.stars), 0) AS rating,
		       CAST(COALESCE((SELECT SUM(CASE WHEN rr.required_level > COALESCE(p.level, 0)
		                                 THEN (rr.required_level - COALESCE(p.level, 0)) * rr.weight ELSE 0.0 END)
		                 FROM course_competencies cc
		                 JOIN role_requirements rr ON rr.role_id = lr.role_id AND rr.competency_id = cc.competency_id
		                 LEFT JOIN proficiencies p ON p.learner_id = t.learner_id AND p.competency_id = cc.competency_id
		                 WHERE cc.course_id = t.course_id), 0) AS DOUBLE PRECISION) AS had_gap
		FROM (SELECT learner_id, course_id, CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END AS completed, 0 AS dismissed
		      FROM enrolments` + where + `
		      UNION ALL
		      SELECT learner_id, course_id, 0, 1 FROM dismissals` + where + `) t
		JOIN learner_roles lr ON lr.learner_id = t.learner_id
		LEFT JOIN course_ratings cr ON cr.learner_id = t.learner_id AND cr.course_id = t.course_id
		GROUP BY lr.role_id, t.course_id, t.learner_id
		ORDER BY lr.role_id, t.course_id, t.learner_id`
}

// FindPeerOutcomes returns what learners did with courses, per role they hold,
// read from the whole learning record (tens of seconds over a million learners;
// the recommender reads FindPeerSums).
func (db *DB) FindPeerOutcomes(ctx context.Context) ([]models.PeerOutcome, error) {
	var out []models.PeerOutcome
	err := db.bun.NewRaw(peerOutcomesSQL(false)).Scan(ReadOnly(ctx), &out)
	return out, err
}

// FindPeerSums returns the kept sums of the peer events by role and course, of
// those with events.
func (db *DB) FindPeerSums(ctx context.Context) ([]models.PeerSum, error) {
	var out []models.PeerSum
	err := db.bun.NewSelect().Model(&out).Where("events > 0").Order("role_id", "course_id").Scan(ReadOnly(ctx))
	return out, err
}

// RefreshPeers recomputes the learners' peer events and moves the sums by the
// difference.
func RefreshPeers(ctx context.Context, idb bun.IDB, learnerIDs []int64) error {
	ids := Dedupe(learnerIDs)
	for lo := 0; lo < len(ids); lo += refreshBatch {
		chunk := ids[lo:min(lo+refreshBatch, len(ids))]
		now, old, err := readPeers(ctx, idb, chunk)
		if err != nil {
			return err
		}
		type key struct{ learner, role, course int64 }
		was := make(map[key]peerEvent, len(old))
		for _, e := range old {
			was[key{e.LearnerID, e.RoleID, e.CourseID}] = e
		}
		sums := map[[2]int64]*models.PeerSum{}
		move := func(e peerEvent, sign int64) {
			k := [2]int64{e.RoleID, e.CourseID}
			s := sums[k]
			if s == nil {
				s = &models.PeerSum{RoleID: e.RoleID, CourseID: e.CourseID}
				sums[k] = s
			}
			s.AddEvent(sign, e.Weight, e.Value)
		}
		var write []peerEvent
		var writes []schema.QueryAppender // sent together, in one round trip
		for _, o := range now {
			e := peerEvent{LearnerID: o.LearnerID, RoleID: o.RoleID, CourseID: o.CourseID, Weight: o.Weight(), Value: o.Value()}
			k := key{e.LearnerID, e.RoleID, e.CourseID}
			if p, ok := was[k]; ok {
				delete(was, k)
				if p.Weight == e.Weight && p.Value == e.Value {
					continue
				}
				move(p, -1)
			}
			move(e, +1)
			write = append(write, e)
		}
		for _, p := range was { // events no longer there: a role given up
			move(p, -1)
			writes = append(writes, idb.NewDelete().Model(&p).WherePK())
		}
		if len(write) > 0 {
			writes = append(writes, idb.NewInsert().Model(&write).On("CONFLICT (learner_id, role_id, course_id) DO UPDATE").
				Set("weight = EXCLUDED.weight").Set("value = EXCLUDED.value"))
		}
		if len(sums) > 0 {
			writes = append(writes, addToPeerSums(idb, sums))
		}
		if err := execTogether(ctx, idb, writes); err != nil {
			return err
		}
	}
	return nil
}

// readPeers reads the learners' peer events as the learning record gives them now
// and as stored, in one statement (a round trip less on every write that moves a
// version).
func readPeers(ctx context.Context, idb bun.IDB, learnerIDs []int64) ([]models.PeerOutcome, []peerEvent, error) {
	var rows []struct {
		Stored bool `bun:"stored"`
		models.PeerOutcome
		Weight float64 `bun:"weight"`
		Value  float64 `bun:"value"`
	}
	ids := bun.List(learnerIDs)
	if err := idb.NewRaw(`
		SELECT 0 AS stored, n.learner_id, n.role_id, n.course_id, n.completed, n.dismissed, n.rating, n.had_gap,
		       CAST(0 AS DOUBLE PRECISION) AS weight, CAST(0 AS DOUBLE PRECISION) AS value
		FROM (`+peerOutcomesSQL(true)+`) AS n
		UNION ALL
		SELECT 1, learner_id, role_id, course_id, 0, 0, 0, CAST(0 AS DOUBLE PRECISION), weight, value
		FROM peer_events WHERE learner_id IN (?)`, ids, ids, ids).Scan(ctx, &rows); err != nil {
		return nil, nil, err
	}
	var now []models.PeerOutcome
	var old []peerEvent
	for _, r := range rows {
		if r.Stored {
			old = append(old, peerEvent{LearnerID: r.LearnerID, RoleID: r.RoleID, CourseID: r.CourseID, Weight: r.Weight, Value: r.Value})
		} else {
			now = append(now, r.PeerOutcome)
		}
	}
	return now, old, nil
}

// addToPeerSums is the statement that adds the differences to peer_sums, in key
// order (so concurrent writers lock the rows in one order and cannot deadlock).
func addToPeerSums(idb bun.IDB, sums map[[2]int64]*models.PeerSum) *bun.InsertQuery {
	rows := make([]models.PeerSum, 0, len(sums))
	for _, s := range sums {
		rows = append(rows, *s)
	}
	slices.SortFunc(rows, func(a, b models.PeerSum) int {
		return cmp.Or(cmp.Compare(a.RoleID, b.RoleID), cmp.Compare(a.CourseID, b.CourseID))
	})
	return idb.NewInsert().Model(&rows).On("CONFLICT (role_id, course_id) DO UPDATE").
		Set("events = peer_sum.events + EXCLUDED.events").Set("weight = peer_sum.weight + EXCLUDED.weight").
		Set("outcome = peer_sum.outcome + EXCLUDED.outcome")
}

// RefreshCoursePeers refreshes the peer events of every learner with an event on
// one of the courses, after the courses' competencies changed.
func RefreshCoursePeers(ctx context.Context, idb bun.IDB, courseIDs []int64) error {
	if len(courseIDs) == 0 {
		return nil
	}
	var ids []int64
	if err := idb.NewSelect().Table("enrolments").Column("learner_id").Where("course_id IN (?)", bun.List(courseIDs)).
		UnionAll(idb.NewSelect().Table("dismissals").Column("learner_id").Where("course_id IN (?)", bun.List(courseIDs))).
		Scan(ctx, &ids); err != nil {
		return err
	}
	return RefreshPeers(ctx, idb, ids)
}

// RefreshAllPeers rebuilds the peer events and sums from nothing, in one
// transaction (to repair them, or after the weight's rule changed).
func (db *DB) RefreshAllPeers(ctx context.Context) error {
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, table := range []string{"peer_sums", "peer_events"} {
			if _, err := tx.NewDelete().TableExpr(table).Where("1 = 1").Exec(ctx); err != nil {
				return err
			}
		}
		var ids []int64
		if err := tx.NewSelect().Table("enrolments").Column("learner_id").
			UnionAll(tx.NewSelect().Table("dismissals").Column("learner_id")).Scan(ctx, &ids); err != nil {
			return err
		}
		return RefreshPeers(ctx, tx, ids)
	})
}
