package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/openkarmayogi/karmayogi/internal/report"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// reportCommand runs `karmayogi report gaps`: an organisation's gap report as a
// table, the CSV of its per-learner gaps, or its heatmap as a PNG; the same
// files as GET /reports/gaps.csv and /reports/gaps.png.
func reportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "gaps" {
		fmt.Fprintln(stderr, "usage: karmayogi report gaps --organisation CODE [--role CODE] [--type T] [--format table|csv|png] [--out FILE]")
		return 2, errUsage
	}
	fs := newFlags("report gaps", stderr)
	org := fs.String("organisation", "", "code of the organisation; the report covers it and everything under it (required)")
	role := fs.String("role", "", "code of a role: only its holders, measured against it")
	typ := fs.String("type", "", "only competencies of this type: BEHAVIOURAL, FUNCTIONAL or DOMAIN")
	format := fs.String("format", "table", "table, csv (the per-learner gaps) or png (the heatmap)")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parse(fs, args[1:]); err != nil {
		return 2, err
	}
	var ctype *models.CompetencyType
	if *typ != "" {
		t := models.CompetencyType(strings.ToUpper(*typ))
		ctype = &t
	}
	switch {
	case *org == "" || fs.NArg() > 0:
		fmt.Fprintln(stderr, "karmayogi report gaps: --organisation is required (and nothing else follows the flags)")
		return 2, errUsage
	case ctype != nil && !ctype.Valid():
		fmt.Fprintln(stderr, "karmayogi report gaps: --type must be BEHAVIOURAL, FUNCTIONAL or DOMAIN")
		return 2, errUsage
	case *format != "table" && *format != "csv" && *format != "png":
		fmt.Fprintln(stderr, "karmayogi report gaps: --format must be table, csv or png")
		return 2, errUsage
	case *format == "png" && *out == "" && isTerminal(stdout):
		fmt.Fprintln(stderr, "karmayogi report gaps: not writing a PNG to a terminal; use --out FILE or redirect standard output")
		return 2, errUsage
	}
	a, err := openApp(ctx)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db := a.DB
	scope := report.Scope{Type: ctype}
	if scope.Organisation, err = db.FindOrganisationByCode(ctx, *org); err != nil {
		return 1, fmt.Errorf("--organisation %s: %w", *org, err)
	}
	if *role != "" {
		if scope.Role, err = db.FindRoleByCode(ctx, *role); err != nil {
			return 1, fmt.Errorf("--role %s: %w", *role, err)
		}
	}
	reports := a.Services.Reports

	// Everything is written to a buffer (CSV to the file as it streams), so a
	// failed report leaves no half-written file behind.
	var buf bytes.Buffer
	w := io.Writer(&buf)
	var file *os.File
	if *out != "" {
		if file, err = os.CreateTemp(dirOf(*out), ".karmayogi-report-*"); err != nil {
			return 1, err
		}
		defer os.Remove(file.Name()) // after the rename, removes nothing
		defer file.Close()
		w = file
	} else if *format == "csv" {
		w = stdout // a ministry's file streams
	}
	switch *format {
	case "table":
		err = gapTable(ctx, w, db, reports, scope)
	case "csv":
		err = report.WriteCSV(ctx, w, db, models.GapQuery{OrganisationID: scope.Organisation.ID, RoleID: scope.RoleID(), CompetencyType: scope.Type})
	case "png":
		var heat *report.Heatmap
		if heat, err = report.NewHeatmap(ctx, reports, db, scope); err == nil {
			err = heat.WritePNG(w)
		}
	}
	if err != nil {
		return 1, err
	}
	if file == nil {
		_, err = stdout.Write(buf.Bytes())
		return 0, err
	}
	if err := file.Close(); err != nil {
		return 1, err
	}
	if err := os.Rename(file.Name(), *out); err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "wrote %s\n", *out)
	return 0, nil
}

// dirOf is the folder of path, where its temporary file goes so that a rename can replace it.
func dirOf(path string) string {
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// gapTable prints a report for people: the competencies by total weighted gap,
// the needs no course meets, and the courses that would close most of the gap.
func gapTable(ctx context.Context, w io.Writer, db *store.DB, reports *service.Reports, scope report.Scope) error {
	rep, err := reports.GapReport(ctx, scope.Organisation.ID, scope.RoleID(), scope.Type)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(rep.Competencies)+len(rep.ContentGaps))
	for _, s := range rep.Competencies {
		ids = append(ids, s.CompetencyID)
	}
	for _, g := range rep.ContentGaps {
		ids = append(ids, g.CompetencyID)
	}
	comps, err := db.FindCompetenciesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	name := func(id int64) string {
		if c := comps[id]; c != nil {
			return c.Code + " " + c.Name
		}
		return fmt.Sprint(id)
	}
	scopeText := fmt.Sprintf("%s (%s)", scope.Organisation.Name, scope.Organisation.Code)
	if scope.Role != nil {
		scopeText += ", holders of " + scope.Role.Name
	}
	if scope.Type != nil {
		scopeText += ", " + strings.ToLower(string(*scope.Type)) + " competencies"
	}
	fmt.Fprintf(w, "Gap report for %s: %d learners\n\n", scopeText, rep.LearnerCount)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "competency\tlearners\twith gap\tmean gap\ttotal weighted gap\tcurrent levels 0-5")
	for _, s := range rep.Competencies {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.1f\t%s\n", name(s.CompetencyID), s.Learners, s.LearnersWithGap, s.MeanGap,
			s.TotalWeightedGap, strings.Trim(fmt.Sprint(s.LevelHistogram), "[]"))
	}
	if len(rep.Competencies) == 0 {
		fmt.Fprintln(tw, "-\t-\t-\t-\t-\tno learner in scope has a requirement")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nContent gaps: needs that no course in the catalogue meets\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "competency\tlevel\tlearners needing it")
	for _, g := range rep.ContentGaps {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", name(g.CompetencyID), g.Level, g.LearnersNeeding)
	}
	if len(rep.ContentGaps) == 0 {
		fmt.Fprintln(tw, "-\t-\tnone: some course reaches every level needed")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	top := rep.Suggestions[:min(10, len(rep.Suggestions))]
	courseIDs := make([]int64, len(top))
	for i, s := range top {
		courseIDs[i] = s.CourseID
	}
	courses, err := db.FindCoursesByIDs(ctx, courseIDs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSuggested courses: each closes the most of the gap the ones above leave\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tcourse\thours\tlearners helped\ttotal gap closed\testimated effect (80% interval)")
	for i, s := range top {
		title, hours := fmt.Sprint(s.CourseID), 0.0
		if c := courses[s.CourseID]; c != nil {
			title, hours = c.Code+" "+c.Title, c.DurationHours
		}
		effects, err := reports.Recommendations.CourseEffects(ctx, s.CourseID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\t%g\t%d\t%.1f\t%s\n", i+1, title, hours, s.LearnersHelped, s.TotalGapClosed, effectText(effects))
	}
	if len(top) == 0 {
		fmt.Fprintln(tw, "-\tno course closes a gap\t-\t-\t-\t-")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	estimated, contradicted, err := reports.Recommendations.EffectCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nCourse effectiveness: %d courses in the catalogue estimated from their completers' evidence, %d contradicted by it (karmayogi effects)\n",
		estimated, contradicted)
	return nil
}

// effectText describes a course's estimated effects, one claim after another.
func effectText(effects []models.CourseEffect) string {
	var parts []string
	for _, e := range effects {
		switch {
		case !e.Estimated():
			parts = append(parts, fmt.Sprintf("claim %d→%d kept (%d completers)", e.ClaimedFromLevel, e.ClaimedToLevel, e.Learners))
		case e.Contradicted:
			parts = append(parts, fmt.Sprintf("%+.2f [%.2f, %.2f] of %.2f claimed, %d completers: CONTRADICTED", e.EstimatedGain, e.Low, e.High, e.ClaimedGain, e.Learners))
		default:
			parts = append(parts, fmt.Sprintf("%+.2f [%.2f, %.2f] of %.2f claimed, %d completers", e.EstimatedGain, e.Low, e.High, e.ClaimedGain, e.Learners))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}
