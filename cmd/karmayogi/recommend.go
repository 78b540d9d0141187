package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// recommendCommand prints the API's ranking for one learner as a table.
func recommendCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("recommend", stderr)
	code := fs.String("learner", "", "employee code of the learner (required)")
	first := fs.Int("first", 10, "how many courses, 1 to 100")
	role := fs.String("role", "", "code of a role to measure against instead of the learner's own roles")
	if err := parse(fs, args); err != nil {
		return 2, err
	}
	if *code == "" || *first < 1 || *first > 100 {
		fmt.Fprintln(stderr, "karmayogi recommend: --learner is required and --first must be 1 to 100")
		return 2, errUsage
	}
	a, err := openApp(ctx)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	db := a.DB
	l, err := db.FindLearnerByEmployeeCode(ctx, *code)
	if err != nil {
		return 1, fmt.Errorf("--learner %s: %w", *code, err)
	}
	var roleID *int64
	roleName := "their roles"
	if *role != "" {
		r, err := db.FindRoleByCode(ctx, *role)
		if err != nil {
			return 1, fmt.Errorf("--role %s: %w", *role, err)
		}
		roleID, roleName = &r.ID, r.Name
	}
	list, err := a.Services.Recommendations.Recommend(ctx, l, roleID, *first)
	if err != nil {
		return 1, err
	}
	courses, err := db.FindCoursesByIDs(ctx, courseIDs(list))
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "Recommendations for %s (%s), measured against %s\n\n", l.Name, l.EmployeeCode, roleName)
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "rank\tscore\tcourse\thours\twhy")
	for _, it := range list.Items {
		c := courses[it.CourseID]
		fmt.Fprintf(w, "%d\t%.3f\t%s %s\t%g\t%s\n", it.Rank, it.Score, c.Code, c.Title, c.DurationHours, i18n.English.Explain(it.Explanation))
	}
	if len(list.Items) == 0 {
		fmt.Fprintln(w, "-\t-\tnothing to recommend: no course closes a gap\t-\t-")
	}
	if err := w.Flush(); err != nil {
		return 1, err
	}
	for _, it := range list.Items {
		if len(it.Alternatives) == 0 {
			continue
		}
		alts := make([]string, len(it.Alternatives))
		for k, id := range it.Alternatives {
			a := courses[id]
			alts[k] = fmt.Sprintf("%s %s (%gh)", a.Code, a.Title, a.DurationHours)
		}
		fmt.Fprintf(stdout, "\nalternatives to %d. %s: %s", it.Rank, courses[it.CourseID].Code, strings.Join(alts, "; "))
	}
	if slices.ContainsFunc(list.Items, func(it recommender.Recommendation) bool { return len(it.Alternatives) > 0 }) {
		fmt.Fprintln(stdout)
	}
	return 0, nil
}

// courseIDs returns the courses of a list and their alternatives.
func courseIDs(list *service.RecommendationList) []int64 {
	ids := make([]int64, 0, len(list.Items))
	for _, it := range list.Items {
		ids = append(ids, it.CourseID)
		ids = append(ids, it.Alternatives...)
	}
	return ids
}
