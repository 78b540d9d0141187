package evaluate

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// EvalReport is the JSON shape of `karmayogi eval --format json`: one object with a
// key per half of the evaluation, each an object with the method names as keys.
// Proficiency and Recommendation are the first world's (the default world unless
// --world names another); Worlds holds every world evaluated, that one first.
type EvalReport struct {
	Proficiency    ProficiencyEvaluation    `json:"proficiency"`
	Recommendation RecommendationEvaluation `json:"recommendation"`
	Worlds         []WorldEvaluation        `json:"worlds"`
}

// WriteTable prints the evaluation as aligned, human-readable tables: the first
// world's proficiency and recommendation halves, then a line per world.
func (r EvalReport) WriteTable(w io.Writer, learners int, seed int64) error {
	if err := r.writeFirstWorld(w, learners, seed); err != nil {
		return err
	}
	return writeWorldsTable(w, r.Worlds)
}

// writeFirstWorld prints the first world's evaluation.
func (r EvalReport) writeFirstWorld(w io.Writer, learners int, seed int64) error {
	p := r.Proficiency
	if _, err := fmt.Fprintf(w, "Proficiency estimation (world %s): model fitted on %d simulated learners, scored on %d others, seed %d, %d cases\n\n",
		r.Worlds[0].World.Name, learners, learners, seed, p.Cases); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tMAE\taccuracy\t80% coverage")
	rows := []struct {
		name string
		m    ProficiencyMetrics
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
func writeRecommendationTable(w io.Writer, learners int, seed int64, e RecommendationEvaluation) error {
	if _, err := fmt.Fprintf(w, "\nRecommendation: %d simulated learners, seed %d, %d courses, %d learners with a course to gain from, budget %d hours\n\n",
		learners, seed, e.Courses, e.Scored, EvalBudgetHours); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tNDCG@10\tmarginal NDCG@10\ttop-5 share\tgap closed per hour")
	rows := []struct {
		name string
		m    RecommendationMetrics
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
func writeWorldsTable(w io.Writer, worlds []WorldEvaluation) error {
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

// WriteTable prints the assessment evaluation as an aligned, human-readable table.
func (e AssessmentEvaluation) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "Adaptive assessments: %d simulated examinees, seed %d, %d banks of %d items\n\n", e.Examinees, e.Seed, e.Banks, e.ItemsPerBank)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "test\texact level\twithin one\tmean items")
	rows := []TestSummary{e.Adaptive, e.AdaptiveCalibrated, e.RandomOrder}
	rows = append(rows, e.FixedForms...)
	for _, r := range rows {
		name := r.Name
		if name == "fixed form" {
			name = fmt.Sprintf("fixed form of %d", r.Items)
		}
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.1f%%\t%.1f\n", name, 100*r.ExactRate, 100*r.WithinOneRate, r.MeanItems)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c := e.Calibration
	fmt.Fprintf(w, "\nequal accuracy: the adaptive test's %.1f items against a fixed form of %d (ratio %.2f)\n",
		e.Adaptive.MeanItems, e.EqualAccuracyFixedItems, e.AdaptiveToFixedRatio)
	fmt.Fprintf(w, "calibration: RMSE of a %.2f (uncalibrated %.2f), of b %.2f (uncalibrated %.2f); correlation of a %.2f, of b %.2f\n",
		c.RMSEDiscrimination, c.DefaultRMSEDiscrimination, c.RMSEDifficulty, c.DefaultRMSEDifficulty, c.CorrDiscrimination, c.CorrDifficulty)
	fmt.Fprintf(w, "targets: half the fixed form's items %v, exact >= 70%% %v, within one >= 97%% %v\n", e.TargetHalfItems, e.TargetExact70, e.TargetWithin97)
	return nil
}
