package blended

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// eventColumns maps the domain's field names to the events file's columns.
var eventColumns = map[string]string{"startsAt": "starts_at", "endsAt": "ends_at", "organisationId": "organisation_code"}

// UpsertEvents upserts learning events on code, as InsertEvent would store them;
// a row that changes nothing writes nothing.
func (bs *Store) UpsertEvents(ctx context.Context, recs []models.EventRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see store.Fresh
	var rejected store.Rejections
	orgCodes, codes := make([]string, 0, len(recs)), make([]string, len(recs))
	for i, r := range recs {
		codes[i] = r.Code
		if r.OrganisationCode != "" {
			orgCodes = append(orgCodes, r.OrganisationCode)
		}
	}
	orgs, err := store.IDsByCode(ctx, bs.db.Bun(), "organisations", orgCodes)
	if err != nil {
		return nil, err
	}
	var valid []int
	rows := make([]models.LearningEvent, len(recs))
	for i, r := range recs {
		n := models.NewLearningEvent{Code: r.Code, Name: r.Name, Description: r.Description, StartsAt: r.StartsAt, EndsAt: r.EndsAt}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, eventColumns)
			continue
		}
		if r.OrganisationCode != "" {
			id, ok := orgs[r.OrganisationCode]
			if !ok {
				rejected.Add(i, "organisation_code", "no organisation has code %q", r.OrganisationCode)
				continue
			}
			n.OrganisationID = &id
		}
		rows[i] = models.LearningEvent{Code: n.Code, Name: n.Name, Description: n.Description, OrganisationID: n.OrganisationID,
			StartsAt: domain.Instant(n.StartsAt), EndsAt: domain.Instant(n.EndsAt)}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	err = bs.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		var stored []*models.LearningEvent
		if err := tx.NewSelect().Model(&stored).Where("code IN (?)", bun.List(codes)).Scan(ctx); err != nil {
			return err
		}
		byCode := make(map[string]*models.LearningEvent, len(stored))
		for _, e := range stored {
			byCode[e.Code] = e
		}
		now := bs.db.Now()
		for _, i := range idxs {
			e, old := rows[i], byCode[rows[i].Code]
			switch {
			case old == nil:
				e.CreatedAt, e.UpdatedAt = now, now
				if _, err := tx.NewInsert().Model(&e).ExcludeColumn("id").Exec(ctx); err != nil {
					return err
				}
			case !sameEvent(old, &e):
				e.ID, e.CreatedAt, e.UpdatedAt = old.ID, old.CreatedAt, now
				if _, err := tx.NewUpdate().Model(&e).Column("name", "description", "organisation_id", "starts_at", "ends_at", "updated_at").
					WherePK().Exec(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return rejected, err
}

// sameEvent reports whether an upsert of e would change nothing stored in old.
func sameEvent(old, e *models.LearningEvent) bool {
	sameOrg := (old.OrganisationID == nil) == (e.OrganisationID == nil) &&
		(old.OrganisationID == nil || *old.OrganisationID == *e.OrganisationID)
	return old.Name == e.Name && old.Description == e.Description && sameOrg &&
		old.StartsAt.Equal(e.StartsAt) && old.EndsAt.Equal(e.EndsAt)
}
