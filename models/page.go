package models

import (
	"encoding/base64"
	"encoding/json"
)

// Page sizes of connections: `first` defaults to DefaultPageSize and may be 1..MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 500
)

// Cursor is a position in a keyset-ordered list: the sort key of the last row seen
// and its ID, which breaks ties.
type Cursor struct {
	Key string `json:"k"`
	ID  int64  `json:"i"`
}

// Encode returns the opaque form clients see.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor; field names the argument for errors.
func DecodeCursor(field, s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c Cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID <= 0 {
		return nil, Invalid(field, "is not a valid cursor")
	}
	return &c, nil
}

// PageRequest asks for First rows after the cursor After (nil: from the start).
// SkipTotal spares the count of every matching row when nobody asked for it: on
// millions of learners the count, not the page, is the expensive part.
type PageRequest struct {
	First     int
	After     *Cursor
	SkipTotal bool
}

// NewPageRequest validates first (nil: the default) and decodes after.
func NewPageRequest(first *int, after *string) (PageRequest, error) {
	p := PageRequest{First: DefaultPageSize}
	if first != nil {
		if *first < 1 || *first > MaxPageSize {
			return p, Invalid("first", "must be between 1 and %d", MaxPageSize)
		}
		p.First = *first
	}
	if after != nil {
		c, err := DecodeCursor("after", *after)
		if err != nil {
			return p, err
		}
		p.After = c
	}
	return p, nil
}

// Page is one page of a keyset-ordered list. TotalCount counts every row the filter
// selects, not only this page (0 when the request skipped it).
type Page[T any] struct {
	Items       []T
	Cursors     []Cursor
	HasNextPage bool
	HasPrevious bool
	TotalCount  int
}
