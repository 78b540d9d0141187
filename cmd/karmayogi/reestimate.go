package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// reestimateCommand rebuilds every stored proficiency from the evidence log, as
// after a change to the estimator's parameters, and says how many learners it
// re-estimated.
func reestimateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("reestimate", stderr)
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: karmayogi reestimate")
		return 2, errUsage
	}
	db, err := openDB(ctx)
	if err != nil {
		return 1, err
	}
	defer db.Close()
	start := time.Now()
	n, err := db.Reestimate(ctx)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "re-estimated the proficiencies of %d learners in %s\n", n, time.Since(start).Round(time.Millisecond))
	return 0, nil
}
