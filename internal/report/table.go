package report

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// TableNames finds the competencies and courses a table names.
type TableNames interface {
	FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Competency, error)
	FindCoursesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Course, error)
}

// WriteTable writes a report for people: the competencies by total weighted gap,
// the needs no course meets, and the courses that would close most of the gap.
func WriteTable(ctx context.Context, w io.Writer, reports *service.Reports, names TableNames, scope Scope) error {
	rep, err := reports.GapReport(ctx, scope.Organisation.ID, scope.RoleID(), scope.Type)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(rep.Competencies)+len(rep.ContentGaps))
	for _, s := range rep.Competencies {
		ids = append(ids, s.CompetencyID)
	}
	for _, g := range rep.ContentGaps {
		ids = append(ids, g.CompetencyID)
	}
	comps, err := names.FindCompetenciesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	name := func(id int64) string {
		if c := comps[id]; c != nil {
			return c.Code + " " + c.Name
		}
		return fmt.Sprint(id)
	}
	scopeText := fmt.Sprintf("%s (%s)", scope.Organisation.Name, scope.Organisation.Code)
	if scope.Role != nil {
		scopeText += ", holders of " + scope.Role.Name
	}
	if scope.Type != nil {
		scopeText += ", " + strings.ToLower(string(*scope.Type)) + " competencies"
	}
	fmt.Fprintf(w, "Gap report for %s: %d learners\n\n", scopeText, rep.LearnerCount)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "competency\tlearners\twith gap\tmean gap\ttotal weighted gap\tcurrent levels 0-5")
	for _, s := range rep.Competencies {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.1f\t%s\n", name(s.CompetencyID), s.Learners, s.LearnersWithGap, s.MeanGap,
			s.TotalWeightedGap, strings.Trim(fmt.Sprint(s.LevelHistogram), "[]"))
	}
	if len(rep.Competencies) == 0 {
		fmt.Fprintln(tw, "-\t-\t-\t-\t-\tno learner in scope has a requirement")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nContent gaps: needs that no course in the catalogue meets\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "competency\tlevel\tlearners needing it")
	for _, g := range rep.ContentGaps {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", name(g.CompetencyID), g.Level, g.LearnersNeeding)
	}
	if len(rep.ContentGaps) == 0 {
		fmt.Fprintln(tw, "-\t-\tnone: some course reaches every level needed")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	top := rep.Suggestions[:min(10, len(rep.Suggestions))]
	courseIDs := make([]int64, len(top))
	for i, s := range top {
		courseIDs[i] = s.CourseID
	}
	courses, err := names.FindCoursesByIDs(ctx, courseIDs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSuggested courses: each closes the most of the gap the ones above leave\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tcourse\thours\tlearners helped\ttotal gap closed\testimated effect (80% interval)")
	for i, s := range top {
		title, hours := fmt.Sprint(s.CourseID), 0.0
		if c := courses[s.CourseID]; c != nil {
			title, hours = c.Code+" "+c.Title, c.DurationHours
		}
		effects, err := reports.Recommendations.CourseEffects(ctx, s.CourseID)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\t%g\t%d\t%.1f\t%s\n", i+1, title, hours, s.LearnersHelped, s.TotalGapClosed, effectText(effects))
	}
	if len(top) == 0 {
		fmt.Fprintln(tw, "-\tno course closes a gap\t-\t-\t-\t-")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	estimated, contradicted, err := reports.Recommendations.EffectCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nCourse effectiveness: %d courses in the catalogue estimated from their completers' evidence, %d contradicted by it (karmayogi effects)\n",
		estimated, contradicted)
	return nil
}

// effectText describes a course's estimated effects, one claim after another.
func effectText(effects []models.CourseEffect) string {
	var parts []string
	for _, e := range effects {
		switch {
		case !e.Estimated():
			parts = append(parts, fmt.Sprintf("claim %d→%d kept (%d completers)", e.ClaimedFromLevel, e.ClaimedToLevel, e.Learners))
		case e.Contradicted:
			parts = append(parts, fmt.Sprintf("%+.2f [%.2f, %.2f] of %.2f claimed, %d completers: CONTRADICTED", e.EstimatedGain, e.Low, e.High, e.ClaimedGain, e.Learners))
		default:
			parts = append(parts, fmt.Sprintf("%+.2f [%.2f, %.2f] of %.2f claimed, %d completers", e.EstimatedGain, e.Low, e.High, e.ClaimedGain, e.Learners))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}
