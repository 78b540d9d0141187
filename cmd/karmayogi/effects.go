package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
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
	a, err := openApp(ctx)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db := a.DB
	sum, err := a.Estimator.Effects.FitCourseEffects(ctx)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "fitted %d course claims from %d learners and %d completions in %s: %d estimated, %d contradicted (%d courses)\n",
		sum.Claims, sum.Learners, sum.Completions, sum.Took.Round(time.Millisecond), sum.Estimated, sum.Contradicted, sum.ContradictedCourses)
	top := sum.Effects[:min(*first, len(sum.Effects))]
	if len(top) == 0 {
		return 0, nil
	}
	var courseIDs, compIDs []int64
	for _, e := range top {
		courseIDs, compIDs = append(courseIDs, e.CourseID), append(compIDs, e.CompetencyID)
	}
	courses, err := db.FindCoursesByIDs(ctx, courseIDs)
	if err != nil {
		return 1, err
	}
	comps, err := db.FindCompetenciesByIDs(ctx, compIDs)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "\nContradicted claims, the furthest below their claim first\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "course\tcompetency\tclaim\tclaimed gain\testimated gain\t80% interval\tcompleters\tcontrols")
	for _, e := range top {
		fmt.Fprintf(tw, "%s\t%s\t%d→%d\t%.2f\t%.2f\t[%.2f, %.2f]\t%d\t%d\n", courseCode(courses[e.CourseID], e.CourseID),
			competencyCode(comps[e.CompetencyID], e.CompetencyID), e.ClaimedFromLevel, e.ClaimedToLevel,
			e.ClaimedGain, e.EstimatedGain, e.Low, e.High, e.Learners, e.Controls)
	}
	return 0, tw.Flush()
}

func courseCode(c *models.Course, id int64) string {
	if c == nil {
		return fmt.Sprint(id)
	}
	return c.Code
}

func competencyCode(c *models.Competency, id int64) string {
	if c == nil {
		return fmt.Sprint(id)
	}
	return c.Code
}
