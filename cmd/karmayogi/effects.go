package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/report"
)

// effectsCommand runs `karmayogi effects`: fits the effect of every course on every
// competency it claims from the stored learning record, stores it (the recommender
// uses it from the next catalogue snapshot on), and prints what the fit found and
// the claims the data contradict (docs/effectiveness.md).
func effectsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("effects", stderr)
	first := fs.Int("first", 20, "how many contradicted claims to list")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if fs.NArg() != 0 || *first < 0 {
		fmt.Fprintln(stderr, "usage: karmayogi effects [--first 20]")
		return 2, errUsage
	}
	a, err := openApp(ctx, false)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	sum, err := a.Estimator.Effects.FitCourseEffects(ctx)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "fitted %d course claims from %d learners and %d completions in %s: %d estimated, %d contradicted (%d courses)\n",
		sum.Claims, sum.Learners, sum.Completions, sum.Took.Round(time.Millisecond), sum.Estimated, sum.Contradicted, sum.ContradictedCourses)
	if err := report.WriteEffects(ctx, stdout, a.DB, sum.Effects[:min(*first, len(sum.Effects))]); err != nil {
		return 1, err
	}
	return 0, nil
}
