// Package karma persists what the karma rules, the ledger and the totals answer:
// the rules (replaced whole), ledger pages, totals and the leaderboards. Awarding
// karma stays in the core (store.DB.AwardKarma), inside the transactions of the
// writes that earn it; the use cases (validation, what a write changed) are
// service.Karma's.
package karma

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// Store keeps the karma rules and reads the ledger, the totals and the leaderboards.
type Store struct{ db *store.DB }

// New returns the karma of db.
func New(db *store.DB) *Store { return &Store{db: db} }

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

// ---- rules, totals, ledger

// FindKarmaRules returns every rule, in KarmaReasons order.
func (s *Store) FindKarmaRules(ctx context.Context) ([]models.KarmaRule, error) {
	var rows []models.KarmaRule
	if err := s.db.Bun().NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	rules := make(map[models.KarmaReason]models.KarmaRule, len(rows))
	for _, r := range rows {
		rules[r.Reason] = r
	}
	out := make([]models.KarmaRule, 0, len(rules))
	for _, r := range models.KarmaReasons {
		if rule, ok := rules[r]; ok {
			out = append(out, rule)
		}
	}
	return out, nil
}

// UpdateKarmaRule replaces a rule validated by models.KarmaRule.Validate. It applies
// to awards made from then on: entries already in the ledger keep their points.
// EINVALID (reason) when there is no rule for the reason.
func (s *Store) UpdateKarmaRule(ctx context.Context, r models.KarmaRule) (*models.KarmaRule, error) {
	r.UpdatedAt = s.db.Now()
	ok, err := store.Affected(s.db.Bun().NewUpdate().Model(&r).Column("points", "monthly_cap", "late_penalty_per_month", "updated_at").
		WherePK().Exec(ctx))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, models.Invalid("reason", "no rule for %s", r.Reason)
	}
	return &r, nil
}

// FindKarmaTotals returns each learner's points (0 for none).
func (s *Store) FindKarmaTotals(ctx context.Context, learnerIDs []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(learnerIDs))
	if len(learnerIDs) == 0 {
		return out, nil
	}
	for _, id := range learnerIDs {
		out[id] = 0
	}
	var rows []karmaTotal
	if err := s.db.Bun().NewSelect().Model(&rows).Where("learner_id IN (?)", bun.List(learnerIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.LearnerID] = r.Points
	}
	return out, nil
}

var ledgerPages = store.NewestFirst[*models.KarmaEntry]{Column: "awarded_at",
	At: func(e *models.KarmaEntry) time.Time { return e.AwardedAt }, ID: func(e *models.KarmaEntry) int64 { return e.ID }}

// FindKarmaLedger pages through a learner's ledger, newest first.
func (s *Store) FindKarmaLedger(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.KarmaEntry], error) {
	return ledgerPages.Fetch(ctx, s.db.Bun().NewSelect().Model((*ledgerRow)(nil)).Where("learner_id = ?", learnerID), p)
}

// ---- leaderboards

// learnerPoints selects (learner_id, points) for the learners with any: their
// totals, or with since the sum of their entries awarded from then on.
func learnerPoints(idb bun.IDB, since *time.Time) *bun.SelectQuery {
	if since == nil {
		return idb.NewSelect().Table("karma_totals").Column("learner_id", "points")
	}
	return idb.NewSelect().Table("karma_ledger").ColumnExpr("learner_id, SUM(points) AS points").
		Where("awarded_at >= ?", since.UTC()).Group("learner_id")
}

// LearnerLeaderboard ranks the learners of an organisation and below by points,
// then learner ID; equal points share a rank (1, 2, 2, 4), and learners without
// points come last with 0. The first q.Limit (1 or more: the service resolves and
// bounds it) are returned. ENOTFOUND for an unknown organisation.
func (s *Store) LearnerLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.LearnerStanding, error) {
	db := s.db.Bun()
	org, err := store.One[models.Organisation](ctx, db, q.OrganisationID, "organisation")
	if err != nil {
		return nil, err
	}
	var out []models.LearnerStanding
	if err := db.NewSelect().TableExpr("learners AS l").
		ColumnExpr("l.id AS learner_id, COALESCE(p.points, 0) AS points").
		Join("LEFT JOIN (?) AS p ON p.learner_id = l.id", learnerPoints(db, q.Since)).
		Where("l.organisation_id IN (?)", store.SubtreeOrganisations(db, org)).
		OrderExpr("COALESCE(p.points, 0) DESC, l.id ASC").Limit(int64(q.Limit)).Scan(ctx, &out); err != nil {
		return nil, err
	}
	// The rows are the top of the order, so each one's rank is 1 + the number of
	// rows before it with more points.
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Points == out[i-1].Points {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out, nil
}

// OrganisationLeaderboard ranks the direct children of an organisation (0: the
// ministries) by the average points of the learners in each and below it, in one
// grouped query. Equal averages share a rank; an organisation without learners has
// average 0 and ranks after every one with learners. The first q.Limit, as
// LearnerLeaderboard. ENOTFOUND for an unknown parent.
func (s *Store) OrganisationLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.OrganisationStanding, error) {
	db := s.db.Bun()
	sel := db.NewSelect().TableExpr("organisations AS c").
		ColumnExpr("c.id AS organisation_id, COUNT(l.id) AS learners, COALESCE(SUM(p.points), 0) AS points").
		// The organisations of c's subtree: SubtreeRange(c.path), in SQL.
		Join("LEFT JOIN organisations AS o ON o.path >= c.path AND o.path < (substr(c.path, 1, length(c.path) - 1) || '0')").
		Join("LEFT JOIN learners AS l ON l.organisation_id = o.id").
		Join("LEFT JOIN (?) AS p ON p.learner_id = l.id", learnerPoints(db, q.Since)).
		GroupExpr("c.id")
	if q.OrganisationID == 0 {
		sel = sel.Where("c.parent_id IS NULL")
	} else {
		if _, err := store.One[models.Organisation](ctx, db, q.OrganisationID, "organisation"); err != nil {
			return nil, err
		}
		sel = sel.Where("c.parent_id = ?", q.OrganisationID)
	}
	var out []models.OrganisationStanding
	if err := sel.Scan(ctx, &out); err != nil {
		return nil, err
	}
	// Compare averages as fractions, exactly; no learners ranks last.
	better := func(a, b models.OrganisationStanding) int {
		if (a.Learners == 0) != (b.Learners == 0) {
			return cmp.Compare(b.Learners, a.Learners)
		}
		return cmp.Compare(int64(b.Points)*int64(a.Learners), int64(a.Points)*int64(b.Learners))
	}
	slices.SortFunc(out, func(a, b models.OrganisationStanding) int {
		return cmp.Or(better(a, b), cmp.Compare(a.OrganisationID, b.OrganisationID))
	})
	out = out[:min(q.Limit, len(out))]
	for i := range out {
		if out[i].Learners > 0 {
			out[i].Average = float64(out[i].Points) / float64(out[i].Learners)
		}
		out[i].Rank = i + 1
		if i > 0 && better(out[i-1], out[i]) == 0 {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out, nil
}
