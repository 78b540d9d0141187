package service

import (
	"context"
	"slices"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// The relevance rule, the cold start and learning interests of recommendation lists
// (docs/recommendations.md).

// courseDomains returns the domains of a course: the areas of the functional and
// domain competencies it imparts, each once, in competency order.
func courseDomains(c *models.Catalogue, imparts []models.CourseCompetency) []string {
	var out []string
	for _, cc := range imparts {
		if d := c.CompetencyDomains[cc.CompetencyID]; d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// focus fills in.Focus for l: their interests (when withInterests), and their domains
// (their organisation's, and those of the functional and domain competencies of
// in.Requirements and of the interests), read from catalogue c.
func (s *Recommendations) focus(ctx context.Context, c *models.Catalogue, l *models.Learner, in *recommender.Learner, withInterests bool) error {
	if withInterests {
		interests, err := s.Store.FindLearningInterestsByLearnerIDs(ctx, []int64{l.ID})
		if err != nil {
			return err
		}
		in.Focus.Interests = interests[l.ID]
	}
	domains := []string{}
	add := func(d string) {
		if d != "" && !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	org, err := s.organisationDomain(ctx, l.OrganisationID)
	if err != nil {
		return err
	}
	add(org)
	for _, r := range in.Requirements {
		add(c.CompetencyDomains[r.CompetencyID])
	}
	for _, id := range in.Focus.Interests {
		add(c.CompetencyDomains[id])
	}
	in.Focus.Domains = domains
	return nil
}

// organisationDomain returns the domain of an organisation, its own or its nearest
// ancestor's (models.EffectiveDomain); "" for an unknown organisation.
func (s *Recommendations) organisationDomain(ctx context.Context, id int64) (string, error) {
	orgs, err := s.Store.FindOrganisationsByIDs(ctx, []int64{id})
	if err != nil || orgs[id] == nil {
		return "", err
	}
	o := orgs[id]
	if o.Domain != "" {
		return o.Domain, nil
	}
	ancestors, err := s.Store.FindOrganisationsByIDs(ctx, models.PathIDs(o.Path))
	if err != nil {
		return "", err
	}
	return models.EffectiveDomain(o, ancestors), nil
}

// coldStart gives a learner who holds no role the requirements of their cohort
// (recommender.CohortRequirements) and says so in in.Focus.Basis: the roles held by
// the other members of their organisation with the same designation; failing that,
// by every member of it; failing that, of each ancestor in turn, nearest first. It
// leaves in unchanged when no one holds a role anywhere on that line.
func (s *Recommendations) coldStart(ctx context.Context, l *models.Learner, in *recommender.Learner) error {
	orgs, err := s.Store.FindOrganisationsByIDs(ctx, []int64{l.OrganisationID})
	if err != nil {
		return err
	}
	o := orgs[l.OrganisationID]
	if o == nil {
		return nil
	}
	line := models.PathIDs(o.Path)
	slices.Reverse(line) // o first, then its ancestors
	ancestors, err := s.Store.FindOrganisationsByIDs(ctx, line)
	if err != nil {
		return err
	}
	type step struct {
		org         *models.Organisation
		designation string
	}
	steps := []step{{o, l.Designation}, {o, ""}}
	for _, id := range line[1:] {
		if a := ancestors[id]; a != nil {
			steps = append(steps, step{a, ""})
		}
	}
	for _, st := range steps {
		if st.designation == "" && st.org == o && l.Designation == "" {
			continue
		}
		holders, err := s.Store.FindRoleHolders(ctx, st.org.ID, st.designation)
		if err != nil {
			return err
		}
		if len(holders) == 0 {
			continue
		}
		ids := make([]int64, 0, len(holders))
		for id := range holders {
			ids = append(ids, id)
		}
		roles, err := s.Store.FindRolesByIDs(ctx, ids)
		if err != nil {
			return err
		}
		stored, err := s.Store.FindRequirementsByRoleIDs(ctx, ids)
		if err != nil {
			return err
		}
		reqs := make(map[int64][]recommender.Requirement, len(stored))
		for id, rs := range stored {
			name := ""
			if r := roles[id]; r != nil {
				name = r.Name
			}
			for _, r := range rs {
				reqs[id] = append(reqs[id], recommender.Requirement{CompetencyID: r.CompetencyID, Level: r.RequiredLevel, Weight: r.Weight, RoleName: name})
			}
		}
		in.Requirements = recommender.CohortRequirements(holders, reqs)
		if len(in.Requirements) == 0 {
			continue
		}
		if st.designation != "" {
			in.Focus.Basis = models.Say("rec.basis_designation", st.designation, st.org.Name)
		} else {
			in.Focus.Basis = models.Say("rec.basis_organisation", st.org.Name)
		}
		return nil
	}
	return nil
}

// listFocus prepares a learner's list: the cold start when they hold no role and no
// roleID is asked for, then their interests and domains.
func (s *Recommendations) listFocus(ctx context.Context, c *models.Catalogue, l *models.Learner, roleID *int64, in *recommender.Learner) error {
	if roleID == nil && len(in.RoleIDs) == 0 {
		if err := s.coldStart(ctx, l, in); err != nil {
			return err
		}
	}
	return s.focus(ctx, c, l, in, true)
}

// SetLearningInterests replaces l's learning interests (through Interests) and
// returns l at their new version, so cached lists are computed afresh.
func (s *Recommendations) SetLearningInterests(ctx context.Context, l *models.Learner, competencyIDs []int64) (*models.Learner, error) {
	return s.Interests.SetLearningInterests(ctx, l.ID, competencyIDs)
}

// LearningInterests returns each learner's interests, in the order given.
func (s *Recommendations) LearningInterests(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return s.Store.FindLearningInterestsByLearnerIDs(ctx, ids)
}
