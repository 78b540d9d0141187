package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openkarmayogi/karmayogi/models"
)

// byteOrderMark is UTF-8's encoding of U+FEFF, which spreadsheet exports put first.
var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// header maps the columns of a file to their field index.
type header struct {
	names []string       // column name by field index
	index map[string]int // field index by column name
}

// readHeader skips a byte-order mark, reads the header row and checks it against the
// kind's columns: every name known, none twice, every required one present.
func readHeader(r io.Reader, kind string, required, optional []string) (*csv.Reader, *header, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(byteOrderMark)); err == nil && bytes.Equal(b, byteOrderMark) {
		br.Discard(len(byteOrderMark))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // field counts are checked per row, against the header
	cr.ReuseRecord = true   // the strings are fresh each row; only the slice is reused

	fields, err := cr.Read()
	if err == io.EOF {
		return nil, nil, errors.New("the file is empty: it needs a header row naming the columns")
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("line %d: header: %s", pe.StartLine, parseReason(pe.Err))
		}
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	line, _ := cr.FieldPos(0)

	known := make(map[string]bool, len(required)+len(optional))
	for _, c := range required {
		known[c] = true
	}
	for _, c := range optional {
		known[c] = true
	}
	all := strings.Join(append(append([]string{}, required...), optional...), ", ")

	h := &header{names: make([]string, len(fields)), index: make(map[string]int, len(fields))}
	for i, f := range fields {
		name := strings.TrimSpace(f)
		switch {
		case name == "":
			return nil, nil, fmt.Errorf("line %d: header: column %d has no name", line, i+1)
		case !known[name]:
			hint := ""
			if lower := strings.ToLower(name); known[lower] {
				hint = fmt.Sprintf("; column names are lower-case: %q", lower)
			}
			return nil, nil, fmt.Errorf("line %d: header: unknown column %s (%s columns are %s%s)", line, quoteShort(name), kind, all, hint)
		}
		if _, dup := h.index[name]; dup {
			return nil, nil, fmt.Errorf("line %d: header: column %q appears twice", line, name)
		}
		h.names[i] = name
		h.index[name] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := h.index[c]; !ok {
			missing = append(missing, strconv.Quote(c))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, nil, fmt.Errorf("line %d: header: missing required column %s", line, missing[0])
	default:
		return nil, nil, fmt.Errorf("line %d: header: missing required columns %s", line, strings.Join(missing, ", "))
	}
	return cr, h, nil
}

// parseReason says in plain words what encoding/csv objected to.
func parseReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `has a " in a field that is not quoted (quote the whole field and write "" for each ")`
	case errors.Is(err, csv.ErrQuote):
		return `has a quoted field that is not closed properly (write "" for a " inside quotes)`
	default:
		return err.Error()
	}
}

// row is one data row of the file.
type row struct {
	h      *header
	fields []string
	line   int   // physical line of the row's first field
	lines  []int // physical line of each field; nil when the row is on one line
}

// pos is where a row sits in the file, kept with each record of a batch so the
// writer's rejections can be reported by line.
type pos struct {
	line  int
	lines []int
}

func (r *row) pos() pos { return pos{r.line, r.lines} }

// lineOf returns the physical line of a column's cell, or of the row's start when the
// column is not one of the file's.
func (p pos) lineOf(h *header, column string) int {
	if i, ok := h.index[column]; ok && p.lines != nil {
		return p.lines[i]
	}
	return p.line
}

// has reports whether the file has the column.
func (r *row) has(column string) bool {
	_, ok := r.h.index[column]
	return ok
}

// cell returns the column's cell with surrounding spaces trimmed, or "" when the file
// has no such column.
func (r *row) cell(column string) string {
	if i, ok := r.h.index[column]; ok {
		return strings.TrimSpace(r.fields[i])
	}
	return ""
}

// blank reports whether every cell is empty, as spreadsheets write for empty rows.
func (r *row) blank() bool {
	for _, f := range r.fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// cellError rejects a row, naming the column at fault.
type cellError struct {
	column, reason string
}

func (e *cellError) Error() string { return e.column + ": " + e.reason }

func reject(column, format string, args ...any) error {
	return &cellError{column, fmt.Sprintf(format, args...)}
}

// checkUTF8 rejects a row with a cell that is not valid UTF-8.
func (r *row) checkUTF8() error {
	for i, f := range r.fields {
		if !utf8.ValidString(f) {
			return reject(r.h.names[i], "is not valid UTF-8")
		}
	}
	return nil
}

// text returns a cell that must not be empty.
func (r *row) text(column string) (string, error) {
	s := r.cell(column)
	if s == "" {
		return "", reject(column, "must not be empty")
	}
	return s, nil
}

// integer returns a whole number in [min, max].
func (r *row) integer(column string, min, max int) (int, error) {
	s, err := r.text(column)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, reject(column, "must be a whole number between %d and %d", min, max)
	}
	if n < min || n > max {
		return 0, reject(column, "must be between %d and %d", min, max)
	}
	return n, nil
}

// positive returns a number in (0, max]; an empty optional cell gives def.
func (r *row) positive(column string, max float64, optional bool, def float64) (float64, error) {
	s := r.cell(column)
	if s == "" {
		if optional {
			return def, nil
		}
		return 0, reject(column, "must not be empty")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, reject(column, "must be a number")
	}
	if f <= 0 || f > max {
		return 0, reject(column, "must be greater than 0 and at most %g", max)
	}
	return f, nil
}

// fraction returns a number in [0, 1].
func (r *row) fraction(column string) (float64, error) {
	s, err := r.text(column)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, reject(column, "must be a number between 0 and 1")
	}
	if f < 0 || f > 1 {
		return 0, reject(column, "must be between 0 and 1")
	}
	return f, nil
}

// timestamp returns an RFC 3339 timestamp, or a YYYY-MM-DD date as its midnight UTC.
// Whether it lies in the future is the store's to judge, against its clock.
func (r *row) timestamp(column string) (time.Time, error) {
	s, err := r.text(column)
	if err != nil {
		return time.Time{}, err
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, reject(column, "must be an RFC 3339 timestamp (2026-03-01T09:30:00+05:30) or a date (2026-03-01)")
}

// enum returns a cell that must be one of values; case is forgiven, since HR exports
// vary, but the value stored is the canonical upper-case one.
func (r *row) enum(column string, values ...string) (string, error) {
	s, err := r.text(column)
	if err != nil {
		return "", err
	}
	s = strings.ToUpper(s)
	for _, v := range values {
		if s == v {
			return s, nil
		}
	}
	list := strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
	return "", reject(column, "must be %s", list)
}

// email returns a normalised email address.
func (r *row) email(column string) (string, error) {
	s, err := r.text(column)
	if err != nil {
		return "", err
	}
	s = models.NormaliseEmail(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", reject(column, "is not an email address")
	}
	return s, nil
}

// codes splits a ';'-separated list, trimming spaces and dropping empty entries and
// repeats, so "A; B;;A" is [A B].
func (r *row) codes(column string) []string {
	var out []string
	seen := map[string]bool{}
	for c := range strings.SplitSeq(r.cell(column), ";") {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

// quoteShort quotes s for a message, cut to a length a reader can take in.
func quoteShort(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "..."
	}
	return strconv.Quote(s)
}
