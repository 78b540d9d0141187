// Package report turns gap reports into files for people: a heatmap picture
// (PNG, drawn with gonum/plot) and the per-learner gaps behind a report (CSV).
// The HTTP endpoints and the command line share it, so both give the same files.
package report

import (
	"cmp"
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// The picture's size, in pixels, and what it shows at most.
const (
	Width      = 1200
	Height     = 800
	MaxColumns = 25 // competencies, the largest total weighted gaps first
	MaxRows    = 20 // organisations, those with the most learners in the cells
	dpi        = 96

	columnLabelRunes = 34 // competency names are shortened to this
	rowLabelRunes    = 46 // organisation names
)

// Heatmap is what the picture of a gap report shows: the mean gap of each
// organisation (a row) in each competency (a column).
type Heatmap struct {
	Title    string      // names the organisation and the report's filters
	Subtitle string      // what the rows are, how many learners
	RowAxis  string      // the label of the rows' axis
	Rows     []string    // organisation names, top to bottom
	Columns  []string    // competency names, left to right
	MeanGap  [][]float64 // [row][column], in levels; NaN where no learner there needs the competency
	Note     string      // the footnote; "" for the default
	// Empty says, in words, why there is nothing to draw ("No learners in ...").
	// When set, the picture shows it instead of a grid.
	Empty string
}

// Reporter computes gap reports: service.Reports.
type Reporter interface {
	GapReport(ctx context.Context, orgID int64, roleID *int64, ctype *models.CompetencyType) (*service.GapReport, error)
}

// Names looks up the names a picture shows.
type Names interface {
	FindOrganisationsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Organisation, error)
	FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Competency, error)
}

// Scope is what a report covers: an organisation's subtree, the learners holding
// Role when set (measured against it), and competencies of Type when set.
type Scope struct {
	Organisation *models.Organisation
	Role         *models.Role
	Type         *models.CompetencyType
}

// RoleID is the ID of the scope's role, nil for none.
func (s Scope) RoleID() *int64 {
	if s.Role == nil {
		return nil
	}
	return &s.Role.ID
}

// describe is the scope in words, for titles: "Ministry of Finance (MOF), role Section Officer, behavioural competencies".
func (s Scope) describe() string {
	out := fmt.Sprintf("%s (%s)", s.Organisation.Name, s.Organisation.Code)
	if s.Role != nil {
		out += ", role " + s.Role.Name
	}
	if s.Type != nil {
		out += ", " + strings.ToLower(string(*s.Type)) + " competencies"
	}
	return out
}

// maxDescent bounds how far NewHeatmap looks down a chain of single sub-organisations.
const maxDescent = 4

// NewHeatmap computes the gap report of scope and lays out its heatmap: rows are
// the organisation's direct sub-organisations (at most MaxRows, those with the
// most learners), columns the competencies with the largest total weighted gap
// that some row has learners in (at most MaxColumns). When every learner of the
// sub-organisations lies under just one of them, one row would say nothing, so
// the rows are that one's sub-organisations instead, and so on down (the subtitle
// says so). A report with no learners, or none below the organisation itself,
// gives a Heatmap that says so in Empty.
func NewHeatmap(ctx context.Context, reports Reporter, names Names, scope Scope) (*Heatmap, error) {
	root := scope.Organisation
	rep, err := reports.GapReport(ctx, root.ID, scope.RoleID(), scope.Type)
	if err != nil {
		return nil, err
	}
	h := &Heatmap{Title: "Competency gaps in " + scope.describe()}
	if rep.LearnerCount == 0 {
		h.Empty = "No learners"
		h.Subtitle = "No learner of this organisation or those under it is in the report, so there are no gaps to show."
		if scope.Role != nil {
			h.Subtitle = "No learner of this organisation or those under it holds this role, so there are no gaps to show."
		}
		return h, nil
	}
	parent, total := root, rep.LearnerCount
	for range maxDescent {
		rows := rowIDs(rep)
		if len(rows) != 1 {
			break
		}
		only, err := names.FindOrganisationsByIDs(ctx, rows)
		if err != nil {
			return nil, err
		}
		below, err := reports.GapReport(ctx, rows[0], scope.RoleID(), scope.Type)
		if err != nil {
			return nil, err
		}
		if len(rowIDs(below)) < 2 || only[rows[0]] == nil {
			break
		}
		rep, parent = below, only[rows[0]]
	}
	if len(rep.Heatmap) == 0 {
		h.Empty = "No learners below " + root.Name
		h.Subtitle = fmt.Sprintf("All %d learners in the report belong to %s itself; the heatmap compares the organisations under it.",
			rep.LearnerCount, root.Name)
		return h, nil
	}
	return h, h.fill(ctx, names, rep, total, root, parent)
}

// rowIDs returns the organisations of a report's heatmap, in ID order.
func rowIDs(rep *service.GapReport) []int64 {
	var ids []int64
	for _, c := range rep.Heatmap {
		if len(ids) == 0 || ids[len(ids)-1] != c.OrganisationID {
			ids = append(ids, c.OrganisationID) // the heatmap is sorted by organisation
		}
	}
	return ids
}

// fill lays out rep's heatmap, whose rows are the organisations directly under parent.
// total is the number of learners in root's report.
func (h *Heatmap) fill(ctx context.Context, names Names, rep *service.GapReport, total int, root, parent *models.Organisation) error {
	// Rows: the organisations with the most learner-requirements, by name.
	weight := map[int64]int{}
	inGrid := map[int64]bool{}
	for _, c := range rep.Heatmap {
		weight[c.OrganisationID] += c.Learners
		inGrid[c.CompetencyID] = true
	}
	rows := rowIDs(rep)
	slices.SortFunc(rows, func(a, b int64) int { return cmp.Or(cmp.Compare(weight[b], weight[a]), cmp.Compare(a, b)) })
	allRows := len(rows)
	rows = rows[:min(len(rows), MaxRows)]

	// Columns: the largest total weighted gaps that the grid has cells for.
	var cols []int64
	for _, s := range rep.Competencies {
		if inGrid[s.CompetencyID] && len(cols) < MaxColumns {
			cols = append(cols, s.CompetencyID)
		}
	}
	orgs, err := names.FindOrganisationsByIDs(ctx, rows)
	if err != nil {
		return err
	}
	comps, err := names.FindCompetenciesByIDs(ctx, cols)
	if err != nil {
		return err
	}
	name := func(id int64) string {
		if o := orgs[id]; o != nil {
			return o.Name
		}
		return fmt.Sprintf("organisation %d", id)
	}
	slices.SortFunc(rows, func(a, b int64) int { return cmp.Or(strings.Compare(name(a), name(b)), cmp.Compare(a, b)) })

	rowAt := map[int64]int{}
	for i, id := range rows {
		rowAt[id] = i
		h.Rows = append(h.Rows, name(id))
	}
	colAt := map[int64]int{}
	var colNames, colCodes []string
	for j, id := range cols {
		colAt[id] = j
		n, code := fmt.Sprintf("competency %d", id), ""
		if c := comps[id]; c != nil {
			n, code = c.Name, c.Code
		}
		colNames, colCodes = append(colNames, n), append(colCodes, code)
	}
	h.Columns = columnLabels(colNames, colCodes)
	h.MeanGap = make([][]float64, len(rows))
	for i := range h.MeanGap {
		h.MeanGap[i] = make([]float64, len(cols))
		for j := range h.MeanGap[i] {
			h.MeanGap[i][j] = math.NaN()
		}
	}
	for _, c := range rep.Heatmap {
		i, okRow := rowAt[c.OrganisationID]
		j, okCol := colAt[c.CompetencyID]
		if okRow && okCol {
			h.MeanGap[i][j] = c.MeanGap
		}
	}

	h.RowAxis = "Organisation under " + shorten(parent.Name, 44)
	const cell = "Each cell: the mean gap, in levels short of the required level, of the learners of one organisation (and those under it) whose roles require the competency."
	h.Subtitle = fmt.Sprintf("%d learners. %s", total, cell)
	if parent.ID != root.ID {
		h.Subtitle = fmt.Sprintf("%d learners, %d of them in %s, whose organisations are compared. %s", total, rep.LearnerCount, parent.Name, cell)
	}
	h.Note = defaultNote(len(cols))
	if allRows > len(rows) {
		h.Note = fmt.Sprintf("Rows: the %d of %d organisations with the most learners. ", len(rows), allRows) + h.Note
	}
	return nil
}

// columnLabels shortens competency names for the axis; names that would then
// read the same carry their codes too.
func columnLabels(names, codes []string) []string {
	out := make([]string, len(names))
	seen := map[string]int{}
	for i, n := range names {
		out[i] = shorten(n, columnLabelRunes)
		seen[out[i]]++
	}
	for i, n := range names {
		if seen[out[i]] > 1 && codes[i] != "" {
			out[i] = shorten(n, columnLabelRunes-utf8.RuneCountInString(codes[i])-3) + " (" + codes[i] + ")"
		}
	}
	return out
}

// shorten cuts s to at most n runes (n of at least 12), at a word boundary where one is near,
// marking the cut with an ellipsis.
func shorten(s string, n int) string {
	n = max(n, 12)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), ' '); i >= len(string(r))*2/3 {
		r = []rune(string(r)[:i])
	}
	return strings.TrimRight(string(r), " ,;:-(&/") + "…"
}

// Colours and type.
var (
	sans       = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold   = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
	ink        = color.Gray{Y: 0x20}
	quiet      = color.Gray{Y: 0x55}
	noLearners = color.Gray{Y: 0xdd}
)

// gapColours runs from pale yellow (no gap) through orange to dark red (a large
// gap): ColorBrewer's YlOrRd, whose lightness falls steadily, so the order of the
// colours reads the same in grey.
func gapColours() palette.ColorMap {
	hex := []uint32{0x800026, 0xbd0026, 0xe31a1c, 0xfc4e2a, 0xfd8d3c, 0xfeb24c, 0xfed976, 0xffeda0, 0xffffcc}
	controls := make([]color.Color, len(hex))
	for i, x := range hex {
		controls[i] = color.NRGBA{R: uint8(x >> 16), G: uint8(x >> 8), B: uint8(x), A: 0xff}
	}
	m, err := moreland.NewLuminance(controls) // dark to light: luminance rises
	if err != nil {
		panic(err) // the controls are constant; a test draws them
	}
	return palette.Reverse(m)
}

func style(f font.Font, size vg.Length, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(f, size), Handler: plot.DefaultTextHandler}
}

// WritePNG draws the heatmap as a Width × Height PNG: the title, the grid with the
// organisations down the side and the competencies along the bottom, each cell
// coloured by its mean gap and labelled with it, a colour scale, and a footnote.
func (h *Heatmap) WritePNG(w io.Writer) error {
	img := vgimg.NewWith(vgimg.UseWH(Width*vg.Inch/dpi, Height*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	margin := 0.18 * vg.Inch
	area := draw.Crop(dc, margin, -margin, margin, -margin)

	title := style(sansBold, 17, ink)
	title.YAlign = draw.YTop
	area.FillText(title, vg.Point{X: area.Min.X, Y: area.Max.Y}, shorten(h.Title, 95))
	area.Max.Y -= title.Height("X") + 6
	sub := style(sans, 10.5, quiet)
	sub.YAlign = draw.YTop
	for _, line := range wrap(sub, h.Subtitle, area.Size().X) {
		area.FillText(sub, vg.Point{X: area.Min.X, Y: area.Max.Y}, line)
		area.Max.Y -= sub.Height("X") + 3
	}
	area.Max.Y -= 8

	var err error
	if h.Empty != "" || len(h.Rows) == 0 || len(h.Columns) == 0 {
		h.drawEmpty(area)
	} else {
		err = h.drawGrid(area)
	}
	if err != nil {
		return err
	}
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// drawEmpty says in large type that there is nothing to show.
func (h *Heatmap) drawEmpty(area draw.Canvas) {
	msg := h.Empty
	if msg == "" {
		msg = "No learners"
	}
	box := vg.Rectangle{Min: vg.Point{X: area.Min.X + area.Size().X*0.2, Y: area.Min.Y + area.Size().Y*0.3},
		Max: vg.Point{X: area.Max.X - area.Size().X*0.2, Y: area.Max.Y - area.Size().Y*0.3}}
	area.SetColor(color.Gray{Y: 0xf2})
	area.Fill(box.Path())
	big := style(sansBold, 30, quiet)
	big.XAlign, big.YAlign = draw.XCenter, draw.YCenter
	area.FillText(big, vg.Point{X: (box.Min.X + box.Max.X) / 2, Y: (box.Min.Y+box.Max.Y)/2 + 10}, msg)
	small := style(sans, 12, quiet)
	small.XAlign, small.YAlign = draw.XCenter, draw.YTop
	area.FillText(small, vg.Point{X: (box.Min.X + box.Max.X) / 2, Y: (box.Min.Y+box.Max.Y)/2 - 14}, "nothing to draw: the heatmap is empty")
}

// grid is a Heatmap's cells as gonum's GridXYZ: column c at x = c, row r at
// y = rows-1-r, so the first row is at the top.
type grid struct{ h *Heatmap }

func (g grid) Dims() (c, r int)   { return len(g.h.Columns), len(g.h.Rows) }
func (g grid) Z(c, r int) float64 { return g.h.MeanGap[len(g.h.Rows)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// scaleMax is the top of the colour scale: the largest mean gap, rounded up to a
// half level, and at least one level so that small gaps look small.
func (h *Heatmap) scaleMax() float64 {
	top := 1.0
	for _, row := range h.MeanGap {
		for _, v := range row {
			if !math.IsNaN(v) {
				top = math.Max(top, math.Ceil(v*2)/2)
			}
		}
	}
	return top
}

func (h *Heatmap) drawGrid(area draw.Canvas) error {
	colours := gapColours()
	top := h.scaleMax()
	colours.SetMin(0)
	colours.SetMax(top)

	// The footnote, at the bottom.
	foot := style(sans, 9.5, quiet)
	foot.YAlign = draw.YBottom
	swatch := foot.Height("X")
	note := h.Note
	if note == "" {
		note = defaultNote(len(h.Columns))
	}
	area.SetColor(noLearners)
	area.Fill(vg.Rectangle{Min: area.Min, Max: vg.Point{X: area.Min.X + swatch, Y: area.Min.Y + swatch}}.Path())
	area.FillText(foot, vg.Point{X: area.Min.X + swatch + 5, Y: area.Min.Y}, note)
	area.Min.Y += swatch + 10

	// The colour scale, at the right.
	legendWidth := 1.3 * vg.Inch
	plotArea := draw.Crop(area, 0, -legendWidth, 0, 0)

	p := plot.New()
	p.BackgroundColor = nil
	hm := plotter.NewHeatMap(grid{h}, colours.Palette(256))
	hm.Min, hm.Max = 0, top
	hm.NaN = noLearners
	p.Add(hm)
	// White rules between the cells.
	rows, cols := len(h.Rows), len(h.Columns)
	rule := draw.LineStyle{Color: color.White, Width: 1.5}
	for c := 0; c <= cols; c++ {
		l, _ := plotter.NewLine(plotter.XYs{{X: float64(c) - 0.5, Y: -0.5}, {X: float64(c) - 0.5, Y: float64(rows) - 0.5}})
		l.LineStyle = rule
		p.Add(l)
	}
	for r := 0; r <= rows; r++ {
		l, _ := plotter.NewLine(plotter.XYs{{X: -0.5, Y: float64(r) - 0.5}, {X: float64(cols) - 0.5, Y: float64(r) - 0.5}})
		l.LineStyle = rule
		p.Add(l)
	}
	// The value in each cell, light on dark colours.
	var xys plotter.XYs
	var texts []string
	var dark []bool
	for r := range rows {
		for c := range cols {
			if v := h.MeanGap[r][c]; !math.IsNaN(v) {
				xys = append(xys, plotter.XY{X: float64(c), Y: float64(rows - 1 - r)})
				texts = append(texts, fmt.Sprintf("%.1f", v))
				dark = append(dark, v > 0.55*top)
			}
		}
	}
	if len(xys) > 0 {
		labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
		if err != nil {
			return err
		}
		size := vg.Length(9)
		if rows > 14 {
			size = 8
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i] = style(sans, size, ink)
			labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			if dark[i] {
				labels.TextStyle[i].Color = color.White
			}
		}
		p.Add(labels)
	}
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	p.X.Padding, p.Y.Padding = 0, 0

	xTicks := make([]plot.Tick, cols)
	for c, name := range h.Columns {
		xTicks[c] = plot.Tick{Value: float64(c), Label: name}
	}
	yTicks := make([]plot.Tick, rows)
	for r, name := range h.Rows {
		yTicks[r] = plot.Tick{Value: float64(rows - 1 - r), Label: shorten(name, rowLabelRunes)}
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xTicks), plot.ConstantTicks(yTicks)
	p.X.Tick.Label = style(sans, 9.5, ink)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	p.Y.Tick.Label = style(sans, 10, ink)
	p.Y.Tick.Label.XAlign, p.Y.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Tick.Length, p.Y.Tick.Length = 3, 3
	p.X.LineStyle.Width, p.Y.LineStyle.Width = 0, 0
	p.X.Label.Text = "Competency (largest total weighted gap on the left)"
	p.Y.Label.Text = h.RowAxis
	p.X.Label.TextStyle.Font, p.Y.Label.TextStyle.Font = font.From(sansBold, 11), font.From(sansBold, 11)
	p.X.Label.TextStyle.Color, p.Y.Label.TextStyle.Color = ink, ink
	p.Draw(plotArea)

	// The scale beside the grid, as tall as its cells.
	data := p.DataCanvas(plotArea)
	scale := plot.New()
	scale.BackgroundColor = nil
	bar := &plotter.ColorBar{ColorMap: colours, Vertical: true}
	scale.Add(bar)
	scale.HideX()
	scale.Y.Padding = 0
	scale.Y.Min, scale.Y.Max = 0, top
	scale.Y.Tick.Label.Font, scale.Y.Tick.Label.Color = font.From(sans, 9.5), ink
	scale.Y.Label.Text = "mean gap, levels below required"
	scale.Y.Label.TextStyle.Font, scale.Y.Label.TextStyle.Color = font.From(sansBold, 10.5), ink
	scale.Y.Tick.Marker = halfLevels{}
	scale.Y.LineStyle.Width = 0
	legend := draw.Canvas{Canvas: area.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: area.Max.X - legendWidth + 0.35*vg.Inch, Y: data.Min.Y},
		Max: vg.Point{X: area.Max.X - 0.05*vg.Inch, Y: data.Max.Y}}}
	scale.Draw(legend)
	return nil
}

func defaultNote(columns int) string {
	return fmt.Sprintf("Columns: the %d competencies with the largest total weighted gap. Grey cell: no learner there needs the competency.", columns)
}

// halfLevels ticks a scale in levels, every half level.
type halfLevels struct{}

func (halfLevels) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for v := math.Ceil(lo*2) / 2; v <= hi+1e-9; v += 0.5 {
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
	}
	return out
}

// wrap breaks s into lines no wider than width in sty.
func wrap(sty text.Style, s string, width vg.Length) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		next := strings.TrimSpace(line + " " + word)
		if line != "" && sty.Width(next) > width {
			lines = append(lines, line)
			next = word
		}
		line = next
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
