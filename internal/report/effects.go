package report

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/openkarmayogi/karmayogi/models"
)

// WriteEffects lists contradicted course claims (karmayogi effects), in the order
// given: the course, the competency, the claim, its estimate and the data behind it.
func WriteEffects(ctx context.Context, w io.Writer, names TableNames, top []models.CourseEffect) error {
	if len(top) == 0 {
		return nil
	}
	var courseIDs, compIDs []int64
	for _, e := range top {
		courseIDs, compIDs = append(courseIDs, e.CourseID), append(compIDs, e.CompetencyID)
	}
	courses, err := names.FindCoursesByIDs(ctx, courseIDs)
	if err != nil {
		return err
	}
	comps, err := names.FindCompetenciesByIDs(ctx, compIDs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nContradicted claims, the furthest below their claim first\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "course\tcompetency\tclaim\tclaimed gain\testimated gain\t80% interval\tcompleters\tcontrols")
	for _, e := range top {
		fmt.Fprintf(tw, "%s\t%s\t%d→%d\t%.2f\t%.2f\t[%.2f, %.2f]\t%d\t%d\n", courseCode(courses[e.CourseID], e.CourseID),
			competencyCode(comps[e.CompetencyID], e.CompetencyID), e.ClaimedFromLevel, e.ClaimedToLevel,
			e.ClaimedGain, e.EstimatedGain, e.Low, e.High, e.Learners, e.Controls)
	}
	return tw.Flush()
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
