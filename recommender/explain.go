package recommender

import (
	"fmt"
	"strings"
)

// explain returns the one-sentence explanation of a course for a learner in state s
// from its contributions (largest first) and its Bayesian-average rating (0: unrated).
// See Recommend for the form.
func (c *Catalogue) explain(s *learnerState, course *Course, contribs []Contribution, rating float64) string {
	var b strings.Builder
	if len(contribs) == 0 {
		fmt.Fprintf(&b, "%s closes none of the current gaps", course.Title)
	} else {
		top := contribs[0]
		name := c.competencyName(top.CompetencyID)
		if top.To > top.From {
			fmt.Fprintf(&b, "Raises %s from level %d to %d", name, top.From, top.To)
		} else {
			fmt.Fprintf(&b, "Strengthens %s at level %d", name, top.From)
		}
		if j := s.find(top.CompetencyID); j >= 0 {
			r := s.reqs[j]
			fmt.Fprintf(&b, ", required %d", r.Level)
			if r.RoleName != "" {
				fmt.Fprintf(&b, " for %s", r.RoleName)
			}
		}
		if len(contribs) >= 2 {
			fmt.Fprintf(&b, "; also %s", c.competencyName(contribs[1].CompetencyID))
			if more := len(contribs) - 2; more > 0 {
				fmt.Fprintf(&b, " and %d more", more)
			}
		}
	}
	if course.RatingCount > 0 {
		fmt.Fprintf(&b, "; rated %.1f by %d %s", rating, course.RatingCount, plural(course.RatingCount, "learner", "learners"))
	}
	b.WriteByte('.')
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
