package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// reestimateCommand rebuilds every stored proficiency from the evidence log under
// the active estimator model, in the same batches as a server's background
// re-estimation, and says how many learners it re-estimated.
func reestimateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("reestimate", stderr)
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: karmayogi reestimate")
		return 2, errUsage
	}
	a, err := openApp(ctx, false)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	est := a.Estimator
	start := time.Now()
	n, err := est.ReestimateAll(ctx)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "re-estimated the proficiencies of %d learners in %s (estimator model version %d)\n",
		n, time.Since(start).Round(time.Millisecond), est.Version())
	return 0, nil
}
