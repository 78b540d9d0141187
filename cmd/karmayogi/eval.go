package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/openkarmayogi/karmayogi/recommender/evaluate"
)

// maxEvalLearners bounds --learners so a typo cannot run for hours.
const maxEvalLearners = 1_000_000

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
	worlds := evaluate.Worlds()
	if *world != "all" {
		i := slices.IndexFunc(worlds, func(w evaluate.World) bool { return w.Name == *world })
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
	var report evaluate.EvalReport
	for _, w := range worlds {
		if err := ctx.Err(); err != nil {
			return 1, err
		}
		report.Worlds = append(report.Worlds, evaluate.EvaluateWorld(w, *learners, *seed))
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
	if err := report.WriteTable(stdout, *learners, *seed); err != nil {
		return 1, err
	}
	return 0, nil
}

// evalAssessmentsCommand runs the adaptive-assessment evaluation on simulated
// examinees (evaluate.EvaluateAssessments) and prints it as a table or JSON.
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
	e := evaluate.EvaluateAssessments(*examinees, *seed)
	if *format == "json" {
		out, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return 1, err
		}
		_, err = stdout.Write(append(out, '\n'))
		return 0, err
	}
	if err := e.WriteTable(stdout); err != nil {
		return 1, err
	}
	return 0, nil
}
