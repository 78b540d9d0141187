package pgload

import (
	"encoding/binary"
	"math"
	"time"
)

// The bulk loader sends rows to PostgreSQL in COPY's binary format, which it
// encodes itself: a header, then per row the number of fields and each field as
// its length and its bytes (-1: NULL), then a trailer. Numbers are big-endian; a
// double is its IEEE 754 bits, so values arrive exactly as computed; a timestamptz
// is microseconds since 2000-01-01 UTC. The column types must match the table's
// exactly (an int4 is not accepted for a bigint), which checkColumns checks against
// the catalogue before the first row is sent.

// copyHeader starts a binary COPY stream: the signature, no flags, no extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyTrailer ends a binary COPY stream.
var copyTrailer = []byte{0xff, 0xff}

// pgEpochMicros is 2000-01-01 00:00:00 UTC in Unix microseconds.
const pgEpochMicros = 946684800 * 1_000_000

// copyRows accumulates encoded rows of one table.
type copyRows struct {
	buf  []byte
	rows int
}

// row starts a row of n fields.
func (c *copyRows) row(n int) {
	c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(n))
	c.rows++
}

// int8 appends a bigint.
func (c *copyRows) int8(v int64) {
	c.buf = binary.BigEndian.AppendUint32(c.buf, 8)
	c.buf = binary.BigEndian.AppendUint64(c.buf, uint64(v))
}

// int4 appends an integer.
func (c *copyRows) int4(v int) {
	c.buf = binary.BigEndian.AppendUint32(c.buf, 4)
	c.buf = binary.BigEndian.AppendUint32(c.buf, uint32(int32(v)))
}

// float8 appends a double precision.
func (c *copyRows) float8(v float64) {
	c.buf = binary.BigEndian.AppendUint32(c.buf, 8)
	c.buf = binary.BigEndian.AppendUint64(c.buf, math.Float64bits(v))
}

// text appends a text value.
func (c *copyRows) text(s string) {
	c.buf = binary.BigEndian.AppendUint32(c.buf, uint32(len(s)))
	c.buf = append(c.buf, s...)
}

// timestamptz appends an instant, to the microsecond.
func (c *copyRows) timestamptz(t time.Time) {
	c.buf = binary.BigEndian.AppendUint32(c.buf, 8)
	c.buf = binary.BigEndian.AppendUint64(c.buf, uint64(t.UnixMicro()-pgEpochMicros))
}

// null appends a NULL.
func (c *copyRows) null() { c.buf = binary.BigEndian.AppendUint32(c.buf, math.MaxUint32) }

// optInt8 appends *v, or NULL for nil.
func (c *copyRows) optInt8(v *int64) {
	if v == nil {
		c.null()
		return
	}
	c.int8(*v)
}

// optFloat8 appends *v, or NULL for nil.
func (c *copyRows) optFloat8(v *float64) {
	if v == nil {
		c.null()
		return
	}
	c.float8(*v)
}

// optText appends s, or NULL for "" (a nullzero column).
func (c *copyRows) optText(s string) {
	if s == "" {
		c.null()
		return
	}
	c.text(s)
}

// optTimestamptz appends *t, or NULL for nil.
func (c *copyRows) optTimestamptz(t *time.Time) {
	if t == nil {
		c.null()
		return
	}
	c.timestamptz(*t)
}
