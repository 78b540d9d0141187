package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// maxEvalLearners bounds --learners so a typo cannot run for hours.
const maxEvalLearners = 1_000_000

// evalReport is the JSON shape of `karmayogi eval --format json`: one object with a
// key per half of the evaluation, each an object with the method names as keys.
// Proficiency and Recommendation are the first world's (the default world unless
// --world names another); Worlds holds every world evaluated, that one first.
type evalReport struct {
	Proficiency    recommender.ProficiencyEvaluation    `json:"proficiency"`
	Recommendation recommender.RecommendationEvaluation `json:"recommendation"`
	Worlds         []recommender.WorldEvaluation        `json:"worlds"`
}

// evalCommand runs the offline evaluation on simulated learners and prints it as a
// table or as one JSON object. It needs no database: the simulator builds its own data.
func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 && args[0] == "assessments" {
		return evalAssessmentsCommand(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("eval", stderr)
	learners := fs.Int("learners", 2000, "simulated learners (1..1000000)")
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same result")
	format := fs.String("format", "table", "output format: table or json")
	world := fs.String("world", "all", "the world to evaluate in, or all (the default world first)")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	switch {
	case fs.NArg() != 0:
		fmt.Fprintf(stderr, "karmayogi eval: unexpected argument %q\nusage: karmayogi eval [--learners 2000] [--seed 1] [--format table|json] [--world all|NAME]\n", fs.Arg(0))
		return 2, errUsage
	case *learners < 1 || *learners > maxEvalLearners:
		fmt.Fprintf(stderr, "karmayogi eval: --learners must be between 1 and %d, got %d\n", maxEvalLearners, *learners)
		return 2, errUsage
	case *format != "table" && *format != "json":
		fmt.Fprintf(stderr, "karmayogi eval: --format must be table or json, got %q\n", *format)
		return 2, errUsage
	}
	worlds := recommender.Worlds()
	if *world != "all" {
		i := slices.IndexFunc(worlds, func(w recommender.World) bool { return w.Name == *world })
		if i < 0 {
			names := make([]string, len(worlds))
			for j, w := range worlds {
				names[j] = w.Name
			}
			fmt.Fprintf(stderr, "karmayogi eval: no world %q; the worlds are all, %s\n", *world, strings.Join(names, ", "))
			return 2, errUsage
		}
		worlds = worlds[i : i+1]
	}
	var report evalReport
	for _, w := range worlds {
		if err := ctx.Err(); err != nil {
			return 1, err
		}
		report.Worlds = append(report.Worlds, recommender.EvaluateWorld(w, *learners, *seed))
	}
	report.Proficiency, report.Recommendation = report.Worlds[0].Proficiency, report.Worlds[0].Recommendation
	if *format == "json" {
		out, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return 1, err
		}
		if _, err := stdout.Write(append(out, '\n')); err != nil {
			return 1, err
		}
		return 0, nil
	}
	if err := writeEvalTable(stdout, *learners, *seed, report); err != nil {
		return 1, err
	}
	if err := writeWorldsTable(stdout, report.Worlds); err != nil {
		return 1, err
	}
	return 0, nil
}

// writeEvalTable prints the evaluation as an aligned, human-readable table.
func writeEvalTable(w io.Writer, learners int, seed int64, r evalReport) error {
	p := r.Proficiency
	if _, err := fmt.Fprintf(w, "Proficiency estimation (world %s): model fitted on %d simulated learners, scored on %d others, seed %d, %d cases\n\n",
		r.Worlds[0].World.Name, learners, learners, seed, p.Cases); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tMAE\taccuracy\t80% coverage")
	rows := []struct {
		name string
		m    recommender.ProficiencyMetrics
	}{
		{"ours", p.Ours},
		{"defaults", p.Defaults},
		{"latest", p.Latest},
		{"max", p.Max},
		{"latest_self", p.LatestSelf},
	}
	for _, row := range rows {
		coverage := "—"
		if row.m.Coverage80 != nil {
			coverage = fmt.Sprintf("%.1f%%", 100**row.m.Coverage80)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.1f%%\t%s\n", row.name, row.m.MAE, 100*row.m.Accuracy, coverage)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w, "\nours: the model fitted on the world's evidence; defaults: the hand-set model;"+
		"\nlatest: the latest evidence wins; max: the highest evidence; latest_self: the latest self-declared level, the iGOT rule"); err != nil {
		return err
	}
	return writeRecommendationTable(w, learners, seed, r.Recommendation)
}

// writeRecommendationTable prints the recommendation half of the evaluation.
func writeRecommendationTable(w io.Writer, learners int, seed int64, e recommender.RecommendationEvaluation) error {
	if _, err := fmt.Fprintf(w, "\nRecommendation: %d simulated learners, seed %d, %d courses, %d learners with a course to gain from, budget %d hours\n\n",
		learners, seed, e.Courses, e.Scored, recommender.EvalBudgetHours); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tNDCG@10\tmarginal NDCG@10\ttop-5 share\tgap closed per hour")
	rows := []struct {
		name string
		m    recommender.RecommendationMetrics
	}{
		{"ours", e.Ours},
		{"ours_no_peer", e.OursNoPeer},
		{"popular", e.Popular},
		{"random", e.Random},
		{"igot_rule", e.IGOTRule},
		{"ours_independent", e.OursIndependent},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.1f%%\t%.4f\n", row.name, row.m.NDCG10, row.m.MarginalNDCG10, 100*row.m.Top5Share, row.m.GapClosedPerHour)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nours: ranking by expected gap closed with quality and peer signals, and the budgeted learning path;"+
		"\nours_no_peer: the same ranking without the peer signal; popular: by enrolments; random: at random;"+
		"\nigot_rule: courses reaching the required level where the self-declared level falls short;"+
		"\nours_independent: every course scored on its own, as lists were ranked before they were built on marginal value."+
		"\nMarginal NDCG@10 counts each course's gain only after the courses above it, against the greedy oracle on the truth;"+
		"\ntop-5 share: the true gap the first five close together, as a share of what the oracle's first five close."+
		"\nRelevance and gap closed are measured on the hidden true levels; rankers take their courses in order within the budget.")
	return err
}

// writeWorldsTable prints one line per world: the proficiency MAE of each method, and
// ours' ranking and 20-hour path.
func writeWorldsTable(w io.Writer, worlds []recommender.WorldEvaluation) error {
	if _, err := fmt.Fprintf(w, "\nWorlds: the model fitted on each world's evidence alone\n\n"); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "world\tMAE ours\tdefaults\tlatest\tmax\tlatest_self\tours vs latest\tmarginal NDCG@10 list/independent\ttop-5 share list/independent\tgap closed in 20 h\thalf-life\tread half-life")
	var ours, latest float64
	for _, e := range worlds {
		p := e.Proficiency
		ours += p.Ours.MAE
		latest += p.Latest.MAE
		r := e.Recommendation
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%+.0f%%\t%.3f / %.3f\t%.1f%% / %.1f%%\t%.3f\t%s\t%s\n", e.World.Name, p.Ours.MAE, p.Defaults.MAE,
			p.Latest.MAE, p.Max.MAE, p.LatestSelf.MAE, 100*(p.Ours.MAE/p.Latest.MAE-1),
			r.Ours.MarginalNDCG10, r.OursIndependent.MarginalNDCG10, 100*r.Ours.Top5Share, 100*r.OursIndependent.Top5Share,
			r.Ours.GapClosed20h, days(e.HalfLife), days(e.ReadHalfLife))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nmean MAE: ours %.3f, latest %.3f (%+.0f%%)\n", ours/float64(len(worlds)), latest/float64(len(worlds)), 100*(ours/latest-1))
	return err
}

// days prints a half-life in days, or "none".
func days(d float64) string {
	if d <= 0 {
		return "none"
	}
	return fmt.Sprintf("%.0f d", d)
}

// evalAssessmentsCommand runs the adaptive-assessment evaluation on simulated
// examinees (recommender.EvaluateAssessments) and prints it as a table or JSON.
func evalAssessmentsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("eval assessments", stderr)
	examinees := fs.Int("examinees", 2000, "simulated examinees (1..100000)")
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same result")
	format := fs.String("format", "table", "output format: table or json")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	switch {
	case fs.NArg() != 0:
		fmt.Fprintf(stderr, "karmayogi eval assessments: unexpected argument %q\nusage: karmayogi eval assessments [--examinees 2000] [--seed 1] [--format table|json]\n", fs.Arg(0))
		return 2, errUsage
	case *examinees < 1 || *examinees > 100000:
		fmt.Fprintf(stderr, "karmayogi eval assessments: --examinees must be between 1 and 100000, got %d\n", *examinees)
		return 2, errUsage
	case *format != "table" && *format != "json":
		fmt.Fprintf(stderr, "karmayogi eval assessments: --format must be table or json, got %q\n", *format)
		return 2, errUsage
	}
	if err := ctx.Err(); err != nil {
		return 1, err
	}
	e := recommender.EvaluateAssessments(*examinees, *seed)
	if *format == "json" {
		out, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return 1, err
		}
		_, err = stdout.Write(append(out, '\n'))
		return 0, err
	}
	fmt.Fprintf(stdout, "Adaptive assessments: %d simulated examinees, seed %d, %d banks of %d items\n\n", e.Examinees, e.Seed, e.Banks, e.ItemsPerBank)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "test\texact level\twithin one\tmean items")
	rows := []recommender.TestSummary{e.Adaptive, e.AdaptiveCalibrated, e.RandomOrder}
	rows = append(rows, e.FixedForms...)
	for _, r := range rows {
		name := r.Name
		if name == "fixed form" {
			name = fmt.Sprintf("fixed form of %d", r.Items)
		}
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.1f%%\t%.1f\n", name, 100*r.ExactRate, 100*r.WithinOneRate, r.MeanItems)
	}
	if err := tw.Flush(); err != nil {
		return 1, err
	}
	c := e.Calibration
	fmt.Fprintf(stdout, "\nequal accuracy: the adaptive test's %.1f items against a fixed form of %d (ratio %.2f)\n",
		e.Adaptive.MeanItems, e.EqualAccuracyFixedItems, e.AdaptiveToFixedRatio)
	fmt.Fprintf(stdout, "calibration: RMSE of a %.2f (uncalibrated %.2f), of b %.2f (uncalibrated %.2f); correlation of a %.2f, of b %.2f\n",
		c.RMSEDiscrimination, c.DefaultRMSEDiscrimination, c.RMSEDifficulty, c.DefaultRMSEDifficulty, c.CorrDiscrimination, c.CorrDifficulty)
	fmt.Fprintf(stdout, "targets: half the fixed form's items %v, exact >= 70%% %v, within one >= 97%% %v\n", e.TargetHalfItems, e.TargetExact70, e.TargetWithin97)
	return 0, nil
}
