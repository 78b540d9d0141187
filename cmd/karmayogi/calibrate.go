package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/models"
)

const calibrateUsage = "usage: karmayogi calibrate [--holdout 0.2] [--dry-run] [--sample N] | karmayogi calibrate --activate VERSION"

// calibrateCommand fits the estimator to the stored evidence, prints the held-out
// diagnostics, and stores (and perhaps activates) the fit as a new model version;
// or, with --activate, makes a stored version the active one.
func calibrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("calibrate", stderr)
	var o service.CalibrateOptions
	fs.Float64Var(&o.Holdout, "holdout", 0.2, "share of learners held out to score the models (0 < h < 1)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "fit and print the diagnostics, store nothing")
	fs.IntVar(&o.Sample, "sample", service.DefaultSample, "most learners read, chosen by a hash of their ID")
	activate := fs.String("activate", "", "make this stored model version the active one (a rollback) instead of fitting")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() != 0:
		fmt.Fprintln(stderr, calibrateUsage)
		return 2, errUsage
	case set["activate"] && (set["holdout"] || set["dry-run"] || set["sample"]):
		fmt.Fprintln(stderr, "karmayogi calibrate: --activate does not fit, so it takes no other flag\n"+calibrateUsage)
		return 2, errUsage
	case o.Holdout <= 0 || o.Holdout >= 1:
		fmt.Fprintln(stderr, "karmayogi calibrate: --holdout must be between 0 and 1 (exclusive)")
		return 2, errUsage
	case o.Sample < 1:
		fmt.Fprintln(stderr, "karmayogi calibrate: --sample must be at least 1")
		return 2, errUsage
	}
	version := 0
	if set["activate"] {
		v, err := strconv.Atoi(*activate)
		if err != nil || v < 1 {
			fmt.Fprintf(stderr, "karmayogi calibrate: --activate needs a model version (a positive integer), not %q\n", *activate)
			return 2, errUsage
		}
		version = v
	}
	a, err := openApp(ctx, false)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db, est := a.DB, a.Estimator
	if version != 0 {
		m, err := est.Activate(ctx, version)
		if models.ErrorCode(err) == models.ENOTFOUND {
			fmt.Fprintf(stderr, "karmayogi calibrate: there is no estimator model version %d\n", version)
			return 2, errUsage
		}
		if err != nil {
			return 1, err
		}
		fmt.Fprintf(stdout, "activated estimator model version %d (fitted %s on %d learners); servers switch to it at their next poll and re-estimate stored proficiencies in the background\n",
			m.Version, m.FittedAt.Format("2006-01-02 15:04:05Z07:00"), m.Learners)
		return 0, nil
	}
	fmt.Fprintf(stderr, "calibrate: reading the evidence of at most %d learners...\n", o.Sample)
	c, err := est.Calibrate(ctx, o)
	if err != nil {
		return 1, err
	}
	if err := c.WriteReport(stdout); err != nil {
		return 1, err
	}
	// The item parameters of the adaptive assessments' banks: a stage of its own.
	banks, err := service.CalibrateItems(ctx, assessment.New(db), o.DryRun)
	if err != nil {
		return 1, err
	}
	return 0, service.WriteItemReport(stdout, banks, o.DryRun)
}
