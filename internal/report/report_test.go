package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/report"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestSafeCell: every cell that a spreadsheet in some locale would run as a
// formula comes out defused; OWASP's list of leading characters is the floor.
func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"Equals", `=HYPERLINK("http://evil.example","click")`, `'=HYPERLINK("http://evil.example","click")`},
		{"Plus", "+91 98100", "'+91 98100"},
		{"Minus", "-2+3", "'-2+3"},
		{"At", "@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"LeadingTab", "\t=1+1", "'\t'=1+1"},
		{"LeadingCR", "\r=1+1", "'\r'=1+1"},
		{"LeadingTabAlone", "\tx", "'\tx"},
		{"SemicolonLocale", "x;=1+1;", "x;'=1+1;"},
		{"CommaInside", "x,=1+1", "x,'=1+1"},
		{"TabInside", "x\t+1", "x\t'+1"},
		{"PipeInside", "x|@SUM(A1)", "x|'@SUM(A1)"},
		{"NewlineInside", "x\n-1+1", "x\n'-1+1"},
		{"SpacesAfterSeparator", "x;  =1", "x;  '=1"},
		{"QuoteAfterSeparator", `x;"=1+1"`, `x;"'=1+1"`},
		{"LeadingSpaces", "  =1+1", "  '=1+1"},
		{"FullwidthEquals", "＝1+1", "'＝1+1"},
		{"FullwidthPlus", "＋1", "'＋1"},
		{"FullwidthMinus", "－1", "'－1"},
		{"FullwidthAt", "＠SUM(A1)", "'＠SUM(A1)"},
		{"FullwidthSemicolon", "x；＝1", "x；'＝1"},
		{"FullwidthComma", "x，=1", "x，'=1"},
		{"EverySeparator", "a;=1,+2\t-3|@4", "a;'=1,'+2\t'-3|'@4"},
		{"Name", "Asha Verma", "Asha Verma"},
		{"Apostrophe", "O'Neil", "O'Neil"},
		{"HyphenInside", "E-001", "E-001"},
		{"NameWithComma", "Rao, Bhaskar", "Rao, Bhaskar"},
		{"EqualsInside", "a=b", "a=b"},
		{"Empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := report.SafeCell(tc.in); got != tc.want {
				t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// gapRows is a store that streams n made-up rows, noting how much of the output
// had reached the writer when it handed over each row.
type gapRows struct {
	rows    []models.LearnerGap
	n       int
	out     *bytes.Buffer
	written []int // len(out) as each row is handed over
	err     error // returned after the rows
}

func (g *gapRows) EachLearnerGap(_ context.Context, _ models.GapQuery, fn func(models.LearnerGap) error) error {
	for i := range g.n {
		r := models.LearnerGap{EmployeeCode: fmt.Sprintf("E%06d", i), Name: "Learner", OrganisationCode: "MOF",
			CompetencyCode: "PROC", RequiredLevel: 3, CurrentLevel: 1, Gap: 1.75, Weight: 2}
		if i < len(g.rows) {
			r = g.rows[i]
		}
		g.written = append(g.written, g.out.Len())
		if err := fn(r); err != nil {
			return err
		}
	}
	return g.err
}

func TestWriteCSV(t *testing.T) {
	t.Run("RowsAndEscaping", func(t *testing.T) {
		var out bytes.Buffer
		store := &gapRows{out: &out, n: 2, rows: []models.LearnerGap{
			{EmployeeCode: "E001", Name: `=HYPERLINK("http://evil.example","x")`, OrganisationCode: "DGACR", CompetencyCode: "EMP",
				RequiredLevel: 2, CurrentLevel: 0, Gap: 1.6363636363636365, Weight: 1},
			{EmployeeCode: "E002", Name: "-1+1", OrganisationCode: "DOE", CompetencyCode: "TAX",
				RequiredLevel: 4, CurrentLevel: 3, Gap: 0, Weight: 1.5},
		}}
		if err := report.WriteCSV(context.Background(), &out, store, models.GapQuery{}); err != nil {
			t.Fatal(err)
		}
		want := "employee_code,name,organisation_code,competency_code,required_level,current_level,gap,weight\n" +
			`E001,"'=HYPERLINK(""http://evil.example"",""x"")",DGACR,EMP,2,0,1.6363636363636365,1` + "\n" +
			"E002,'-1+1,DOE,TAX,4,3,0,1.5\n"
		if out.String() != want {
			t.Errorf("CSV\n%s\nwant\n%s", out.String(), want)
		}
	})
	t.Run("Streams", func(t *testing.T) {
		var out bytes.Buffer
		store := &gapRows{out: &out, n: 20000}
		if err := report.WriteCSV(context.Background(), &out, store, models.GapQuery{}); err != nil {
			t.Fatal(err)
		}
		// Rows reach the writer while the store is still handing them over, a
		// buffer at a time: the file is never held whole.
		half := store.written[store.n/2]
		if half == 0 || half > out.Len()*2/3 {
			t.Errorf("%d of %d bytes written halfway through the rows", half, out.Len())
		}
		r := csv.NewReader(&out)
		all, err := r.ReadAll()
		if err != nil || len(all) != store.n+1 {
			t.Fatalf("%d records, %v", len(all), err)
		}
	})
	t.Run("ErrStore", func(t *testing.T) {
		var out bytes.Buffer
		boom := errors.New("boom")
		if err := report.WriteCSV(context.Background(), &out, &gapRows{out: &out, n: 3, err: boom}, models.GapQuery{}); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	})
}

// decodePNG checks that b is a Width × Height PNG and returns it.
func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != report.Width || got.Y != report.Height {
		t.Fatalf("size %v, want %dx%d", got, report.Width, report.Height)
	}
	return img
}

// darkPixels counts the pixels dark enough to be text.
func darkPixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl < 3*0x6000 {
				n++
			}
		}
	}
	return n
}

func TestHeatmapPNG(t *testing.T) {
	t.Run("Grid", func(t *testing.T) {
		h := &report.Heatmap{Title: "Competency gaps in Ministry of Finance (MOF)", Subtitle: "4 learners.",
			RowAxis: "Organisation under Ministry of Finance",
			Rows:    []string{"Department of Expenditure", "Department of Revenue"},
			Columns: []string{"Public Procurement", "Empathy", "Indirect Taxation"},
			MeanGap: [][]float64{{1.25, 0.5, math.NaN()}, {0, 2.75, 4}}}
		var b bytes.Buffer
		if err := h.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		if img := decodePNG(t, b.Bytes()); darkPixels(img) < 500 {
			t.Error("the picture is nearly blank")
		}
	})
	t.Run("NoLearners", func(t *testing.T) {
		h := &report.Heatmap{Title: "Competency gaps in an empty office (EMPTY)", Empty: "No learners",
			Subtitle: "No learner of this organisation or those under it is in the report."}
		var b bytes.Buffer
		if err := h.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		if img := decodePNG(t, b.Bytes()); darkPixels(img) < 500 {
			t.Error("the picture says nothing")
		}
	})
	t.Run("NoCells", func(t *testing.T) {
		var b bytes.Buffer
		if err := (&report.Heatmap{Title: "Nothing"}).WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		decodePNG(t, b.Bytes())
	})
}

// fakeReports answers GapReport from a table of reports by organisation.
type fakeReports map[int64]*service.GapReport

func (f fakeReports) GapReport(_ context.Context, orgID int64, _ *int64, _ *models.CompetencyType) (*service.GapReport, error) {
	if r := f[orgID]; r != nil {
		return r, nil
	}
	return &service.GapReport{OrganisationID: orgID}, nil
}

type fakeNames struct{}

func (fakeNames) FindOrganisationsByIDs(_ context.Context, ids []int64) (map[int64]*models.Organisation, error) {
	out := map[int64]*models.Organisation{}
	for _, id := range ids {
		out[id] = &models.Organisation{ID: id, Code: fmt.Sprint("O", id), Name: fmt.Sprint("Organisation ", id)}
	}
	return out, nil
}

func (fakeNames) FindCompetenciesByIDs(_ context.Context, ids []int64) (map[int64]*models.Competency, error) {
	out := map[int64]*models.Competency{}
	for _, id := range ids {
		out[id] = &models.Competency{ID: id, Code: fmt.Sprint("C", id), Name: fmt.Sprint("Competency ", id)}
		if id >= 100 { // names that read the same once shortened
			out[id].Name = "Research and Need Analysis in the Formulation of Programme " + fmt.Sprint(id)
		}
	}
	return out, nil
}

func TestNewHeatmap(t *testing.T) {
	ctx := context.Background()
	root := &models.Organisation{ID: 1, Code: "MIN", Name: "Ministry"}
	t.Run("RowsAndColumns", func(t *testing.T) {
		rep := &service.GapReport{OrganisationID: 1, LearnerCount: 90}
		for c := int64(1); c <= 40; c++ {
			rep.Competencies = append(rep.Competencies, service.CompetencyGapStat{CompetencyID: c, TotalWeightedGap: float64(100 - c)})
		}
		rep.Competencies = append(rep.Competencies, service.CompetencyGapStat{CompetencyID: 100}, service.CompetencyGapStat{CompetencyID: 101})
		for org := int64(10); org < 10+report.MaxRows+3; org++ {
			for c := int64(1); c <= 40; c++ {
				if c == 2 && org == 10 {
					continue // no learner of organisation 10 needs competency 2
				}
				if c == 3 {
					continue // nobody below the ministry needs competency 3
				}
				rep.Heatmap = append(rep.Heatmap, service.HeatmapCell{OrganisationID: org, CompetencyID: c, MeanGap: float64(c) / 10, Learners: int(org)})
			}
		}
		h, err := report.NewHeatmap(ctx, fakeReports{1: rep}, fakeNames{}, report.Scope{Organisation: root})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Rows) != report.MaxRows || len(h.Columns) != report.MaxColumns || h.Empty != "" {
			t.Fatalf("%d rows, %d columns, empty %q", len(h.Rows), len(h.Columns), h.Empty)
		}
		// The rows with the most learners, by name; organisation 10 has the fewest.
		for _, r := range h.Rows {
			if r == "Organisation 10" || r == "Organisation 11" || r == "Organisation 12" {
				t.Errorf("row %q has fewer learners than those left out", r)
			}
		}
		if h.Rows[0] != "Organisation 13" || !strings.HasPrefix(h.Note, "Rows: the 20 of 23 organisations") {
			t.Errorf("rows %v, axis %q", h.Rows, h.RowAxis)
		}
		// Columns by total weighted gap, skipping competency 3 (no cells).
		if h.Columns[0] != "Competency 1" || h.Columns[1] != "Competency 2" || h.Columns[2] != "Competency 4" {
			t.Errorf("columns %v", h.Columns[:3])
		}
		if got := h.MeanGap[0][1]; math.Abs(got-0.2) > 1e-12 {
			t.Errorf("cell = %v, want 0.2", got)
		}
		if !strings.Contains(h.Subtitle, "90 learners") || !strings.Contains(h.Title, "Ministry (MIN)") {
			t.Errorf("title %q, subtitle %q", h.Title, h.Subtitle)
		}
		var b bytes.Buffer
		if err := h.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		decodePNG(t, b.Bytes())
	})
	t.Run("OneSubOrganisation", func(t *testing.T) {
		// Everyone is under organisation 2, so the rows are its organisations.
		reports := fakeReports{
			1: {OrganisationID: 1, LearnerCount: 12, Competencies: []service.CompetencyGapStat{{CompetencyID: 5}},
				Heatmap: []service.HeatmapCell{{OrganisationID: 2, CompetencyID: 5, MeanGap: 1, Learners: 10}}},
			2: {OrganisationID: 2, LearnerCount: 10, Competencies: []service.CompetencyGapStat{{CompetencyID: 5}, {CompetencyID: 100}, {CompetencyID: 101}},
				Heatmap: []service.HeatmapCell{{OrganisationID: 3, CompetencyID: 5, MeanGap: 1.5, Learners: 6},
					{OrganisationID: 3, CompetencyID: 100, MeanGap: 1, Learners: 6}, {OrganisationID: 4, CompetencyID: 101, MeanGap: 1, Learners: 4},
					{OrganisationID: 4, CompetencyID: 5, MeanGap: 0.5, Learners: 4}}},
		}
		h, err := report.NewHeatmap(ctx, reports, fakeNames{}, report.Scope{Organisation: root})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Rows) != 2 || h.Rows[0] != "Organisation 3" || h.RowAxis != "Organisation under Organisation 2" ||
			!strings.Contains(h.Subtitle, "12 learners, 10 of them in Organisation 2") {
			t.Fatalf("rows %v, axis %q, subtitle %q", h.Rows, h.RowAxis, h.Subtitle)
		}
		// Two long names that shorten alike keep their codes apart.
		if len(h.Columns) != 3 || h.Columns[1] == h.Columns[2] || !strings.HasSuffix(h.Columns[1], "(C100)") {
			t.Errorf("columns %q", h.Columns)
		}
		if !math.IsNaN(h.MeanGap[0][2]) || h.MeanGap[1][0] != 0.5 {
			t.Errorf("cells %v", h.MeanGap)
		}
	})
	t.Run("NoLearners", func(t *testing.T) {
		h, err := report.NewHeatmap(ctx, fakeReports{}, fakeNames{}, report.Scope{Organisation: root})
		if err != nil || h.Empty != "No learners" {
			t.Fatalf("empty %q, %v", h.Empty, err)
		}
	})
	t.Run("NoneBelow", func(t *testing.T) {
		reports := fakeReports{1: {OrganisationID: 1, LearnerCount: 3, Competencies: []service.CompetencyGapStat{{CompetencyID: 5}}}}
		h, err := report.NewHeatmap(ctx, reports, fakeNames{}, report.Scope{Organisation: root})
		if err != nil || !strings.HasPrefix(h.Empty, "No learners below") || !strings.Contains(h.Subtitle, "All 3 learners") {
			t.Fatalf("empty %q, subtitle %q, %v", h.Empty, h.Subtitle, err)
		}
	})
}
