package report

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openkarmayogi/karmayogi/models"
)

// CSVHeader is the header row of the per-learner gaps.
var CSVHeader = []string{"employee_code", "name", "organisation_code", "competency_code",
	"required_level", "current_level", "gap", "weight"}

// LearnerGaps streams the per-learner gaps of a report (models.ReportStore).
type LearnerGaps interface {
	EachLearnerGap(ctx context.Context, q models.GapQuery, fn func(models.LearnerGap) error) error
}

// WriteCSV writes the header and then one row per learner and requirement of q,
// by employee code and competency code, as the store streams them: the rows are
// never held together, so a ministry's file takes no more memory than a row.
// Text cells that a spreadsheet would run as a formula are defused (SafeCell).
// Numbers are written in full precision, so they agree with the API's.
func WriteCSV(ctx context.Context, w io.Writer, gaps LearnerGaps, q models.GapQuery) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	row := make([]string, len(CSVHeader))
	err := gaps.EachLearnerGap(ctx, q, func(g models.LearnerGap) error {
		row[0], row[1], row[2], row[3] = SafeCell(g.EmployeeCode), SafeCell(g.Name), SafeCell(g.OrganisationCode), SafeCell(g.CompetencyCode)
		row[4], row[5] = strconv.Itoa(g.RequiredLevel), strconv.Itoa(g.CurrentLevel)
		row[6], row[7] = strconv.FormatFloat(g.Gap, 'g', -1, 64), strconv.FormatFloat(g.Weight, 'g', -1, 64)
		return cw.Write(row) // csv.Writer buffers and passes full buffers on to w
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell defuses a text cell that a spreadsheet in any locale would take for a
// formula. OWASP's advice on CSV injection is the floor: a cell beginning with
// = + - @, a tab or a carriage return gets a leading single quote, so it is shown
// as text and never run. Beyond it, a spreadsheet that splits on another
// separator (';' where the decimal mark is a comma, tabs, '|') or that trims
// spaces and quotes sees several cells in one of ours: `x;=1+1;` is three cells
// in a semicolon locale. So every part of the cell that begins after a separator
// or a line break, past spaces and double quotes, gets the quote too when it
// starts a formula. The fullwidth forms ＝ ＋ － ＠ count as well: some East Asian
// spreadsheets and input methods read them as their ASCII forms. Other cells are
// returned as they are.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	if first, _ := utf8.DecodeRuneInString(s); formulaStart(first) || first == '\t' || first == '\r' {
		b.WriteByte('\'')
	}
	start := true // at the beginning of a part, before any character but spaces and quotes
	for i, r := range s {
		switch {
		case cellSeparator(r):
			start = true
		case start && (r == ' ' || r == '"'):
		case start && formulaStart(r) && i > 0: // the first was quoted above
			b.WriteByte('\'')
			start = false
		default:
			start = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formulaStart reports whether a cell beginning with r is read as a formula.
func formulaStart(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠':
		return true
	}
	return false
}

// cellSeparator reports whether r separates cells or rows in some spreadsheet's
// reading of a CSV file.
func cellSeparator(r rune) bool {
	switch r {
	case ',', ';', '\t', '|', '\r', '\n', '，', '；':
		return true
	}
	return false
}
