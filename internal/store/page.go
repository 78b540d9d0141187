package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/models"
)

// Keyset pages a query in ascending order of a unique text column, tie-broken by id,
// so a page after a cursor is one index range scan whatever the offset.
type Keyset[T any] struct {
	column string         // the sort column, e.g. "code"
	key    func(T) string // the item's value of column
	id     func(T) int64  // the item's id
}

// Fetch reads the page p of the rows q selects.
func (k Keyset[T]) Fetch(ctx context.Context, q *bun.SelectQuery, p models.PageRequest) (*models.Page[T], error) {
	return fetchPage(ctx, q, p, func(q *bun.SelectQuery) (*bun.SelectQuery, error) {
		q = q.Order(k.column+" ASC", "id ASC")
		if p.After != nil {
			q = q.Where("("+k.column+" > ? OR ("+k.column+" = ? AND id > ?))", p.After.Key, p.After.Key, p.After.ID)
		}
		return q, nil
	}, func(it T) models.Cursor { return models.Cursor{Key: k.key(it), ID: k.id(it)} })
}

// fetchPage counts the rows q selects (unless p skips the total), orders q and
// starts it after p's cursor with from, and reads one row more than the page to
// learn whether another page follows.
func fetchPage[T any](ctx context.Context, q *bun.SelectQuery, p models.PageRequest,
	from func(*bun.SelectQuery) (*bun.SelectQuery, error), cursor func(T) models.Cursor) (*models.Page[T], error) {
	var total int
	if !p.SkipTotal {
		n, err := q.Count(ctx)
		if err != nil {
			return nil, Classify(err)
		}
		total = int(n)
	}
	if p.First <= 0 {
		p.First = models.DefaultPageSize
	}
	q, err := from(q)
	if err != nil {
		return nil, err
	}
	var items []T
	if err := q.Limit(int64(p.First+1)).Scan(ctx, &items); err != nil {
		return nil, Classify(err)
	}
	page := &models.Page[T]{TotalCount: total, HasPrevious: p.After != nil}
	if len(items) > p.First {
		items, page.HasNextPage = items[:p.First], true
	}
	page.Items = items
	page.Cursors = make([]models.Cursor, len(items))
	for i, it := range items {
		page.Cursors[i] = cursor(it)
	}
	return page, nil
}

// searchPattern returns a LIKE pattern matching s anywhere, with LIKE's wildcards
// in s escaped (use with ESCAPE '\').
func searchPattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.TrimSpace(s)) + "%"
}

// WhereSearch adds a case-insensitive substring match of s on the given columns.
func (db *DB) WhereSearch(q *bun.SelectQuery, s *string, columns ...string) *bun.SelectQuery {
	if s == nil || strings.TrimSpace(*s) == "" {
		return q
	}
	pattern := searchPattern(*s)
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, c := range columns {
			q = q.WhereOr(c+" "+db.likeOp()+` ? ESCAPE '\'`, pattern)
		}
		return q
	})
}

// ByID loads rows with the given ids into a map keyed by id.
func ByID[T any](ctx context.Context, idb bun.IDB, ids []int64, id func(*T) int64) (map[int64]*T, error) {
	out := make(map[int64]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*T
	if err := idb.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, Classify(err)
	}
	for _, r := range rows {
		out[id(r)] = r
	}
	return out, nil
}

// One loads the row with the given id, or ENOTFOUND naming kind.
func One[T any](ctx context.Context, idb bun.IDB, id int64, kind string) (*T, error) {
	row := new(T)
	err := idb.NewSelect().Model(row).Where("id = ?", id).Limit(1).Scan(ctx)
	if err != nil {
		return nil, NotFoundOr(err, kind)
	}
	return row, nil
}

// NewestFirst pages a query in descending order of a timestamp column, tie-broken
// by id: a learner's evidence, enrolments and certificates, newest first.
type NewestFirst[T any] struct {
	Column string            // the timestamp column, e.g. "observed_at"
	At     func(T) time.Time // the item's value of column
	ID     func(T) int64     // the item's id
}

// Fetch reads the page p of the rows q selects.
func (k NewestFirst[T]) Fetch(ctx context.Context, q *bun.SelectQuery, p models.PageRequest) (*models.Page[T], error) {
	return k.fetchInOrder(ctx, q, p, "DESC", "<")
}

// OldestFirst pages a query in ascending order of a timestamp column, tie-broken by
// id: seat requests as they came, batches by start.
type OldestFirst[T any] NewestFirst[T]

// Fetch reads the page p of the rows q selects.
func (k OldestFirst[T]) Fetch(ctx context.Context, q *bun.SelectQuery, p models.PageRequest) (*models.Page[T], error) {
	return NewestFirst[T](k).fetchInOrder(ctx, q, p, "ASC", ">")
}

// fetchInOrder reads the page p of the rows q selects in direction dir ("ASC" or
// "DESC"), whose rows after the cursor compare by cmp (">" or "<").
func (k NewestFirst[T]) fetchInOrder(ctx context.Context, q *bun.SelectQuery, p models.PageRequest, dir, cmp string) (*models.Page[T], error) {
	return fetchPage(ctx, q, p, func(q *bun.SelectQuery) (*bun.SelectQuery, error) {
		q = q.Order(k.Column+" "+dir, "id "+dir)
		if p.After != nil {
			at, err := time.Parse(time.RFC3339Nano, p.After.Key)
			if err != nil {
				return nil, models.Invalid("after", "is not a valid cursor")
			}
			q = q.Where("("+k.Column+" "+cmp+" ? OR ("+k.Column+" = ? AND id "+cmp+" ?))", at.UTC(), at.UTC(), p.After.ID)
		}
		return q, nil
	}, func(it T) models.Cursor {
		return models.Cursor{Key: k.At(it).UTC().Format(time.RFC3339Nano), ID: k.ID(it)}
	})
}
