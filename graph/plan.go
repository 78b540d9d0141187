package graph

import (
	"errors"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// typePlan is the GraphQL type name plans' global IDs carry.
const typePlan = "Plan"

func planConnection(p *models.Page[*models.Plan]) *model.PlanConnection {
	return &model.PlanConnection{
		Edges: edges(p, func(c string, n *models.Plan) *model.PlanEdge {
			return &model.PlanEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

// newPlan converts createPlan's input, decoding its global IDs; errors name the
// path in the arguments (input.courseIds[1]).
func newPlan(in model.CreatePlanInput) (*models.NewPlan, error) {
	n := &models.NewPlan{Name: in.Name, DueDate: in.DueDate, Status: models.PlanDraft}
	if in.Status != nil {
		n.Status = *in.Status
	}
	var err error
	if n.OrganisationID, err = decodeID("input.organisationId", typeOrganisation, in.OrganisationID); err != nil {
		return nil, err
	}
	if n.CourseIDs, err = decodeIDs("input.courseIds", typeCourse, in.CourseIds); err != nil {
		return nil, err
	}
	if n.Audience.RoleIDs, err = decodeIDs("input.audienceRoleIds", typeRole, in.AudienceRoleIds); err != nil {
		return nil, err
	}
	if n.Audience.LearnerIDs, err = decodeIDs("input.audienceLearnerIds", typeLearner, in.AudienceLearnerIds); err != nil {
		return nil, err
	}
	n.Audience.Designations = in.AudienceDesignations
	return n, nil
}

// planInputErr is inputErr for createPlan, where an error about the input as a
// whole (an audience of nobody) names the field "input".
func planInputErr(err error) error {
	var e *models.Error
	if errors.As(err, &e) && e.Code == models.EINVALID && e.Field == "" {
		whole := *e
		whole.Field = "input"
		return &whole
	}
	return inputErr(err)
}
