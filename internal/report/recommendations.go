package report

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/openkarmayogi/karmayogi/internal/i18n"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// WriteRecommendations prints a learner's ranking (karmayogi recommend) as a
// table, measured against roleName, with each course's alternatives after it.
func WriteRecommendations(ctx context.Context, w io.Writer, names TableNames, l *models.Learner, roleName string, list *service.RecommendationList) error {
	courses, err := names.FindCoursesByIDs(ctx, courseIDs(list))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Recommendations for %s (%s), measured against %s\n\n", l.Name, l.EmployeeCode, roleName)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tscore\tcourse\thours\twhy")
	for _, it := range list.Items {
		c := courses[it.CourseID]
		fmt.Fprintf(tw, "%d\t%.3f\t%s %s\t%g\t%s\n", it.Rank, it.Score, c.Code, c.Title, c.DurationHours, i18n.English.Explain(it.Explanation))
	}
	if len(list.Items) == 0 {
		fmt.Fprintln(tw, "-\t-\tnothing to recommend: no course closes a gap\t-\t-")
	}
	if err := tw.Flush(); err != nil {
		return err
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
		fmt.Fprintf(w, "\nalternatives to %d. %s: %s", it.Rank, courses[it.CourseID].Code, strings.Join(alts, "; "))
	}
	if slices.ContainsFunc(list.Items, func(it recommender.Recommendation) bool { return len(it.Alternatives) > 0 }) {
		fmt.Fprintln(w)
	}
	return nil
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
