package store

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// Karma is an append-only ledger (karma_ledger) with a running total per learner
// (karma_totals) kept in the same transaction. The writes that earn points (enrol,
// complete, RateCourse, TakeAssessment, bulk import, attendance) describe what the
// learner did as domain.Activities; awardKarma reads the facts the rules need,
// applies them (domain.KarmaFacts.Awards, domain.Admit) and writes what they
// earn. The rules themselves are in internal/domain. The UNIQUE (learner, reason,
// subject) key makes every award idempotent.

// ledgerRow is a KarmaEntry as karma_ledger stores it.
type ledgerRow struct {
	bun.BaseModel `bun:"table:karma_ledger,alias:karma_entry"`
	models.KarmaEntry
}

// karmaTotal is a learner's row of karma_totals.
type karmaTotal struct {
	bun.BaseModel `bun:"table:karma_totals,alias:karma_total"`
	LearnerID     int64 `bun:"learner_id,pk"`
	Points        int   `bun:"points"`
}

// AwardKarma writes the ledger entries that activities earn by the karma rules,
// in the caller's transaction, and moves the learners' totals. Activities are
// taken in domain.SortActivities order, so which completions a cap leaves out is
// deterministic within a call. The rules and every fact they need are read with
// one query each, whatever the number of activities.
func (db *DB) AwardKarma(ctx context.Context, idb bun.IDB, acts []domain.Activity) error {
	if len(acts) == 0 {
		return nil
	}
	acts = domain.SortActivities(acts)
	rules, err := karmaRules(ctx, idb)
	if err != nil {
		return err
	}
	facts, err := loadKarmaFacts(ctx, idb, acts)
	if err != nil {
		return err
	}
	awards := facts.Awards(acts, rules)
	if len(awards) == 0 {
		return nil
	}
	learners, subjects := []int64{}, []string{}
	for _, a := range awards {
		learners = append(learners, a.Entry.LearnerID)
		subjects = append(subjects, a.Entry.Subject)
	}
	hasCap := domain.AnyCounted(awards, rules)
	learners = Dedupe(learners)
	slices.Sort(learners)
	if hasCap {
		// Lock the learners' totals first: a concurrent award to the same learner
		// waits here, so the monthly counts read below hold until this commits.
		zero := make(map[int64]int, len(learners))
		for _, id := range learners {
			zero[id] = 0
		}
		if err := addTotals(ctx, idb, zero); err != nil {
			return err
		}
	}
	l := &awardLedger{}
	if l.held, err = ledgerKeys(ctx, idb, learners, Dedupe(subjects)); err != nil {
		return err
	}
	if hasCap {
		if l.counts, err = monthlyCounts(ctx, idb, awards, rules); err != nil {
			return err
		}
	}
	domain.Admit(awards, rules, l)
	deltas := map[int64]int{}
	for lo := 0; lo < len(l.rows); lo += LearningChunk {
		chunk := l.rows[lo:min(lo+LearningChunk, len(l.rows))]
		var wrote []karmaTotal
		// DO NOTHING and RETURNING: only the rows inserted (not those a concurrent
		// transaction wrote first) come back and move the totals.
		if err := idb.NewInsert().Model(&chunk).ExcludeColumn("id").
			On("CONFLICT (learner_id, reason, subject) DO NOTHING").
			Returning("learner_id, points").Scan(ctx, &wrote); err != nil {
			return err
		}
		for _, w := range wrote {
			deltas[w.LearnerID] += w.Points
		}
	}
	return addTotals(ctx, idb, deltas)
}

// awardLedger is the ledger of the learners awarded, as far as awardKarma read it,
// and the rows it admits.
type awardLedger struct {
	held   map[domain.LedgerKey]bool
	counts map[domain.CapKey]int
	rows   []ledgerRow
}

func (l *awardLedger) Holds(k domain.LedgerKey) bool { return l.held[k] }
func (l *awardLedger) Count(k domain.CapKey) int     { return l.counts[k] }
func (l *awardLedger) Add(e models.KarmaEntry, counted bool) {
	if counted {
		l.counts[domain.CapKey{LearnerID: e.LearnerID, Reason: e.Reason, Month: domain.ISTMonth(e.AwardedAt)}]++
	}
	l.held[domain.LedgerKey{LearnerID: e.LearnerID, Reason: e.Reason, Subject: e.Subject}] = true
	l.rows = append(l.rows, ledgerRow{KarmaEntry: e})
}

// loadKarmaFacts reads the facts acts need, one query per kind of fact needed.
func loadKarmaFacts(ctx context.Context, idb bun.IDB, acts []domain.Activity) (*domain.KarmaFacts, error) {
	var courses, events, enrolling []int64
	var finishing, passing []domain.Pair // pairs that completed, and that passed an assessment
	for _, a := range acts {
		if a.CourseID != 0 {
			courses = append(courses, a.CourseID)
		}
		switch a.Kind {
		case domain.Enrolled:
			enrolling = append(enrolling, a.LearnerID)
		case domain.Completed:
			finishing = append(finishing, domain.Pair{a.LearnerID, a.CourseID})
		case domain.PassedAssessment:
			passing = append(passing, domain.Pair{a.LearnerID, a.CourseID})
		case domain.AttendedEvent:
			events = append(events, a.EventID)
		}
	}
	f := &domain.KarmaFacts{}
	var err error
	if f.Titles, err = namesByID(ctx, idb, "courses", "title", Dedupe(courses)); err != nil {
		return nil, err
	}
	if f.Events, err = namesByID(ctx, idb, "learning_events", "name", Dedupe(events)); err != nil {
		return nil, err
	}
	if f.First, err = firstEnrolments(ctx, idb, Dedupe(enrolling)); err != nil {
		return nil, err
	}
	if f.Due, err = planDueDates(ctx, idb, finishing); err != nil {
		return nil, err
	}
	if f.Passed, err = pairsWhere(ctx, idb, "assessment_attempts", finishing, "passed"); err != nil {
		return nil, err
	}
	f.Completed, err = pairsWhere(ctx, idb, "enrolments", passing, "status = ?", models.Completed)
	return f, err
}

// karmaRules returns the rules by reason.
func karmaRules(ctx context.Context, idb bun.IDB) (domain.KarmaRules, error) {
	var rows []models.KarmaRule
	if err := idb.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(domain.KarmaRules, len(rows))
	for _, r := range rows {
		out[r.Reason] = r
	}
	return out, nil
}

// namesByID maps the ids of rows of table to a text column of theirs.
func namesByID(ctx context.Context, idb bun.IDB, table, column string, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
	}
	err := idb.NewSelect().Table(table).ColumnExpr("id, ? AS name", bun.Ident(column)).
		Where("id IN (?)", bun.List(ids)).Scan(ctx, &rows)
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, err
}

// firstEnrolments returns the ID of each learner's earliest enrolment.
func firstEnrolments(ctx context.Context, idb bun.IDB, learners []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(learners))
	if len(learners) == 0 {
		return out, nil
	}
	var rows []struct {
		LearnerID int64 `bun:"learner_id"`
		ID        int64 `bun:"id"`
	}
	err := idb.NewSelect().TableExpr("enrolments AS e").Column("e.learner_id", "e.id").
		Where("e.learner_id IN (?)", bun.List(learners)).
		Where("NOT EXISTS (SELECT 1 FROM enrolments AS f WHERE f.learner_id = e.learner_id"+
			" AND (f.enrolled_at < e.enrolled_at OR (f.enrolled_at = e.enrolled_at AND f.id < e.id)))").
		Scan(ctx, &rows)
	for _, r := range rows {
		out[r.LearnerID] = r.ID
	}
	return out, err
}

// planDueDates returns, of the pairs, those a LIVE plan assigns, with the earliest
// due date of the plans that do.
func planDueDates(ctx context.Context, idb bun.IDB, pairs []domain.Pair) (map[domain.Pair]time.Time, error) {
	out := map[domain.Pair]time.Time{}
	if len(pairs) == 0 {
		return out, nil
	}
	learners, courses, wanted := splitPairs(pairs)
	var rows []struct {
		LearnerID int64     `bun:"learner_id"`
		CourseID  int64     `bun:"course_id"`
		DueDate   time.Time `bun:"due_date"`
	}
	if err := idb.NewSelect().TableExpr("plan_learners AS pl").
		ColumnExpr("pl.learner_id, pc.course_id, p.due_date").
		Join("JOIN plans AS p ON p.id = pl.plan_id AND p.status = ?", models.PlanLive).
		Join("JOIN plan_courses AS pc ON pc.plan_id = pl.plan_id").
		Where("pl.learner_id IN (?) AND pc.course_id IN (?)", bun.List(learners), bun.List(courses)).
		Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if k := (domain.Pair{r.LearnerID, r.CourseID}); wanted[k] {
			domain.AddDue(out, k, r.DueDate)
		}
	}
	return out, nil
}

// pairsWhere returns which of the pairs have a row in table (with learner_id and
// course_id columns) meeting cond.
func pairsWhere(ctx context.Context, idb bun.IDB, table string, pairs []domain.Pair, cond string, args ...any) (map[domain.Pair]bool, error) {
	out := map[domain.Pair]bool{}
	if len(pairs) == 0 {
		return out, nil
	}
	learners, courses, wanted := splitPairs(pairs)
	var rows []struct {
		LearnerID int64 `bun:"learner_id"`
		CourseID  int64 `bun:"course_id"`
	}
	if err := idb.NewSelect().Table(table).ColumnExpr("DISTINCT learner_id, course_id").
		Where("learner_id IN (?) AND course_id IN (?)", bun.List(learners), bun.List(courses)).
		Where(cond, args...).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if k := (domain.Pair{r.LearnerID, r.CourseID}); wanted[k] {
			out[k] = true
		}
	}
	return out, nil
}

// splitPairs returns the distinct learners and courses of pairs, and the pairs as a set.
func splitPairs(pairs []domain.Pair) (learners, courses []int64, set map[domain.Pair]bool) {
	set = make(map[domain.Pair]bool, len(pairs))
	for _, p := range pairs {
		learners, courses, set[p] = append(learners, p[0]), append(courses, p[1]), true
	}
	return Dedupe(learners), Dedupe(courses), set
}

// ledgerKeys returns which (learner, reason, subject) of the learners and subjects
// the ledger already holds.
func ledgerKeys(ctx context.Context, idb bun.IDB, learners []int64, subjects []string) (map[domain.LedgerKey]bool, error) {
	var rows []struct {
		LearnerID int64              `bun:"learner_id"`
		Reason    models.KarmaReason `bun:"reason"`
		Subject   string             `bun:"subject"`
	}
	if err := idb.NewSelect().Table("karma_ledger").Column("learner_id", "reason", "subject").
		Where("learner_id IN (?) AND subject IN (?)", bun.List(learners), bun.List(subjects)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[domain.LedgerKey]bool, len(rows))
	for _, r := range rows {
		out[domain.LedgerKey{LearnerID: r.LearnerID, Reason: r.Reason, Subject: r.Subject}] = true
	}
	return out, nil
}

// monthlyCounts counts the ledger's entries that count towards a cap, by learner,
// reason and IST month, over the months of the capped awards. A COURSE_COMPLETION
// entry of a plan's course (one with a PLAN_COURSE_ON_TIME entry for the same
// course) does not count.
func monthlyCounts(ctx context.Context, idb bun.IDB, awards []domain.Award, rules domain.KarmaRules) (map[domain.CapKey]int, error) {
	var learners []int64
	var reasons []models.KarmaReason
	var from, to time.Time
	for _, a := range awards {
		e := a.Entry
		if !a.Counted(rules) {
			continue
		}
		learners, reasons = append(learners, e.LearnerID), append(reasons, e.Reason)
		if m := domain.ISTMonth(e.AwardedAt); from.IsZero() || m.Before(from) {
			from = m
		}
		if m := domain.ISTMonth(e.AwardedAt).AddDate(0, 1, 0); m.After(to) {
			to = m
		}
	}
	var rows []struct {
		LearnerID int64              `bun:"learner_id"`
		Reason    models.KarmaReason `bun:"reason"`
		AwardedAt time.Time          `bun:"awarded_at"`
	}
	if err := idb.NewSelect().TableExpr("karma_ledger AS k").Column("k.learner_id", "k.reason", "k.awarded_at").
		Where("k.learner_id IN (?) AND k.reason IN (?)", bun.List(Dedupe(learners)), bun.List(Dedupe(reasons))).
		Where("k.awarded_at >= ? AND k.awarded_at < ?", from.UTC(), to.UTC()).
		Where("NOT (k.reason = ? AND EXISTS (SELECT 1 FROM karma_ledger AS p WHERE p.learner_id = k.learner_id"+
			" AND p.reason = ? AND p.subject = k.subject))", models.KarmaCourseCompletion, models.KarmaPlanOnTime).
		Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := map[domain.CapKey]int{}
	for _, r := range rows {
		out[domain.CapKey{LearnerID: r.LearnerID, Reason: r.Reason, Month: domain.ISTMonth(r.AwardedAt)}]++
	}
	return out, nil
}

// addTotals adds points to learners' totals, creating the rows it needs. Adding 0
// still writes, which is how awardKarma locks a learner's total.
func addTotals(ctx context.Context, idb bun.IDB, deltas map[int64]int) error {
	ids := slices.Sorted(maps.Keys(deltas)) // one lock order for every transaction
	for lo := 0; lo < len(ids); lo += LearningChunk {
		chunk := ids[lo:min(lo+LearningChunk, len(ids))]
		rows := make([]karmaTotal, len(chunk))
		for i, id := range chunk {
			rows[i] = karmaTotal{LearnerID: id, Points: deltas[id]}
		}
		if _, err := idb.NewInsert().Model(&rows).On("CONFLICT (learner_id) DO UPDATE").
			Set("points = karma_total.points + EXCLUDED.points").Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
