package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// SubtreeOrganisations selects the IDs of org and every organisation below it.
func SubtreeOrganisations(idb bun.IDB, org *models.Organisation) *bun.SelectQuery {
	lo, hi := models.SubtreeRange(org.Path)
	return idb.NewSelect().Table("organisations").Column("id").Where("path >= ? AND path < ?", lo, hi)
}

// AllExist returns EINVALID naming field[i] for the first of ids not in table.
func AllExist(ctx context.Context, idb bun.IDB, table, field, message string, ids []int64) error {
	found, err := ExistingIDs(ctx, idb, table, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if !found[id] {
			return models.Invalid(fmt.Sprintf("%s[%d]", field, i), "%s", message)
		}
	}
	return nil
}
