package graph

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// inputErr returns err with its field, relative to the input object, prefixed
// with the argument ("input."), so extensions.field is the path in the request.
func inputErr(err error) error { return models.WithFieldPrefix(err, "input.") }

// pageRequest validates first and decodes after; errors name "first" and "after".
func pageRequest(ctx context.Context, first *int, after *string) (models.PageRequest, error) {
	p, err := models.NewPageRequest(first, after)
	p.SkipTotal = !selected(ctx, "totalCount")
	return p, err
}

// selected reports whether the client selected the named field of the current field.
func selected(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// competencyLevels converts level descriptors.
func competencyLevels(in []*model.CompetencyLevelInput) []models.CompetencyLevel {
	out := make([]models.CompetencyLevel, len(in))
	for i, l := range in {
		out[i] = models.CompetencyLevel{Level: l.Level, Name: l.Name, Description: l.Description, DescriptionHi: models.OptionalName(l.DescriptionHi)}
	}
	return out
}

// roleRequirements converts requirements, decoding competency IDs; errors name
// field[i].competencyId. A weight given as null counts as the default, 1.
func roleRequirements(field string, in []*model.RoleRequirementInput) ([]models.RoleRequirement, error) {
	out := make([]models.RoleRequirement, len(in))
	for i, r := range in {
		id, err := decodeID(fmt.Sprintf("%s[%d].competencyId", field, i), typeCompetency, r.CompetencyID)
		if err != nil {
			return nil, err
		}
		out[i] = models.RoleRequirement{CompetencyID: id, RequiredLevel: r.RequiredLevel, Weight: weight(r.Weight)}
	}
	return out, nil
}

// weight is a requirement's weight, 1 when not given.
func weight(w *float64) float64 {
	if w == nil {
		return 1
	}
	return *w
}

// courseCompetencies converts what a course imparts, decoding competency IDs;
// errors name field[i].competencyId.
func courseCompetencies(field string, in []*model.CourseCompetencyInput) ([]models.CourseCompetency, error) {
	out := make([]models.CourseCompetency, len(in))
	for i, c := range in {
		id, err := decodeID(fmt.Sprintf("%s[%d].competencyId", field, i), typeCompetency, c.CompetencyID)
		if err != nil {
			return nil, err
		}
		out[i] = models.CourseCompetency{CompetencyID: id, FromLevel: c.FromLevel, ToLevel: c.ToLevel}
	}
	return out, nil
}

// learnerFilter converts the learners filter; with no filter every learner is
// selected, and includeSubOrganisations defaults to true.
func learnerFilter(in *model.LearnerFilter) (models.LearnerFilter, error) {
	f := models.LearnerFilter{IncludeSubOrganisations: true}
	if in == nil {
		return f, nil
	}
	var err error
	if f.OrganisationID, err = decodeOptionalID("filter.organisationId", typeOrganisation, in.OrganisationID); err != nil {
		return f, err
	}
	if f.RoleID, err = decodeOptionalID("filter.roleId", typeRole, in.RoleID); err != nil {
		return f, err
	}
	if in.IncludeSubOrganisations != nil {
		f.IncludeSubOrganisations = *in.IncludeSubOrganisations
	}
	f.Search, f.Status = in.Search, in.Status
	return f, filterText("filter.search", in.Search)
}

// courseFilter converts the courses filter.
func courseFilter(in *model.CourseFilter) (models.CourseFilter, error) {
	var f models.CourseFilter
	if in == nil {
		return f, nil
	}
	var err error
	if f.CompetencyID, err = decodeOptionalID("filter.competencyId", typeCompetency, in.CompetencyID); err != nil {
		return f, err
	}
	f.Provider, f.Format, f.MaxDurationHours, f.Search = in.Provider, in.Format, in.MaxDurationHours, in.Search
	if err := filterText("filter.provider", in.Provider); err != nil {
		return f, err
	}
	return f, filterText("filter.search", in.Search)
}

// competencyFilter converts the competencies filter.
func competencyFilter(in *model.CompetencyFilter) (models.CompetencyFilter, error) {
	if in == nil {
		return models.CompetencyFilter{}, nil
	}
	if err := filterText("filter.area", in.Area); err != nil {
		return models.CompetencyFilter{}, err
	}
	return models.CompetencyFilter{Type: in.Type, Area: in.Area, Search: in.Search}, filterText("filter.search", in.Search)
}

// roleFilter converts the roles filter.
func roleFilter(in *model.RoleFilter) (models.RoleFilter, error) {
	if in == nil {
		return models.RoleFilter{}, nil
	}
	return models.RoleFilter{Search: in.Search}, filterText("filter.search", in.Search)
}

// maxFilterText bounds a filter's text: longer never matches a name, and a
// megabyte of LIKE pattern is only load.
const maxFilterText = 200

// filterText checks a filter's text argument.
func filterText(field string, s *string) error {
	switch {
	case s == nil:
	case utf8.RuneCountInString(*s) > maxFilterText:
		return models.Invalid(field, "must be at most %d characters", maxFilterText)
	case strings.ContainsRune(*s, 0):
		return models.Invalid(field, "must not contain NUL characters")
	}
	return nil
}

// checkMinLevel checks the minLevel argument of Competency.courses.
func checkMinLevel(l *int) error {
	if l != nil && (*l < 1 || *l > models.MaxLevel) {
		return models.Invalid("minLevel", "must be between 1 and %d", models.MaxLevel)
	}
	return nil
}

// nilIfError returns a found object as a Node, or a nil Node with the error (a
// typed nil pointer in an interface would not read as null).
func nilIfError[T any](obj *T, err error) (model.Node, error) {
	if err != nil || obj == nil {
		return nil, err
	}
	return obj, nil
}
