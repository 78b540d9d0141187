package report

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

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

// SafeCell defuses a text cell that a spreadsheet would take for a formula: one
// beginning with = + - @, a tab or a carriage return gets a leading single quote,
// as OWASP's advice on CSV injection has it, so the cell is shown as text and
// never run. Other cells are returned as they are.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
