package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/openkarmayogi/karmayogi/internal/report"
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
	a, err := openApp(ctx, false)
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
		err = report.WriteTable(ctx, w, reports, db, scope)
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
