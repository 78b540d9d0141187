package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// The GraphQL type names that the global IDs of blended learning carry.
const (
	typeBatch         = "Batch"
	typeSession       = "Session"
	typeSeatRequest   = "SeatRequest"
	typeLearningEvent = "LearningEvent"
)

func batchConnection(p *models.Page[*models.Batch]) *model.BatchConnection {
	return &model.BatchConnection{
		Edges: edges(p, func(c string, n *models.Batch) *model.BatchEdge {
			return &model.BatchEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func seatRequestConnection(p *models.Page[*models.SeatRequest]) *model.SeatRequestConnection {
	return &model.SeatRequestConnection{
		Edges: edges(p, func(c string, n *models.SeatRequest) *model.SeatRequestEdge {
			return &model.SeatRequestEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func learningEventConnection(p *models.Page[*models.LearningEvent]) *model.LearningEventConnection {
	return &model.LearningEventConnection{
		Edges: edges(p, func(c string, n *models.LearningEvent) *model.LearningEventEdge {
			return &model.LearningEventEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

// orEmpty is the value of an optional text argument, "" when not given.
func orEmpty[T ~string](s *T) T {
	if s == nil {
		return ""
	}
	return *s
}

// nonEmpty is an optional text field of the domain ("" for none) as GraphQL shows it: null for none.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// endsAfter is the filter of an `upcoming` argument: what has not ended by now, or
// nil (everything) when upcoming is false.
func endsAfter(upcoming *bool) *time.Time {
	if upcoming != nil && !*upcoming {
		return nil
	}
	now := time.Now()
	return &now
}

// newBatch converts createBatch's input; errors name the path in the arguments.
func newBatch(in model.CreateBatchInput) (*models.NewBatch, error) {
	courseID, err := decodeID("input.courseId", typeCourse, in.CourseID)
	if err != nil {
		return nil, err
	}
	n := &models.NewBatch{Code: in.Code, CourseID: courseID, Name: in.Name, Venue: orEmpty(in.Venue), Link: orEmpty(in.Link),
		StartsAt: in.StartsAt, EndsAt: in.EndsAt, Seats: in.Seats, Policy: orEmpty(in.Policy)}
	if r := in.RequiredAttendance; r != nil {
		if *r == 0 { // the domain reads 0 as "not given"; a client that sends it means none, which is invalid
			return nil, models.Invalid("input.requiredAttendance", "must be a share of the sessions above 0 and at most 1")
		}
		n.RequiredAttendance = *r
	}
	return n, nil
}

// newSession converts createSession's input, decoding its global IDs.
func newSession(in model.CreateSessionInput) (*models.NewSession, error) {
	n := &models.NewSession{Code: in.Code, Title: in.Title, Kind: orEmpty(in.Kind), Venue: orEmpty(in.Venue), Link: orEmpty(in.Link),
		StartsAt: in.StartsAt, EndsAt: in.EndsAt, Capacity: in.Capacity}
	batchID, err := decodeOptionalID("input.batchId", typeBatch, in.BatchID)
	if err != nil {
		return nil, err
	}
	eventID, err := decodeOptionalID("input.eventId", typeLearningEvent, in.EventID)
	if err != nil {
		return nil, err
	}
	if (batchID == nil) == (eventID == nil) {
		return nil, models.Invalid("input.batchId", "give exactly one of batchId and eventId")
	}
	if batchID != nil {
		n.BatchID = *batchID
	} else {
		n.EventID = *eventID
	}
	for i, c := range in.Competencies {
		id, err := decodeID(fmt.Sprintf("input.competencies[%d].competencyId", i), typeCompetency, c.CompetencyID)
		if err != nil {
			return nil, err
		}
		n.Competencies = append(n.Competencies, models.SessionCompetency{CompetencyID: id, Level: c.Level})
	}
	return n, nil
}

// newLearningEvent converts createLearningEvent's input.
func newLearningEvent(in model.CreateLearningEventInput) (*models.NewLearningEvent, error) {
	orgID, err := decodeOptionalID("input.organisationId", typeOrganisation, in.OrganisationID)
	if err != nil {
		return nil, err
	}
	return &models.NewLearningEvent{Code: in.Code, Name: in.Name, Description: orEmpty(in.Description),
		OrganisationID: orgID, StartsAt: in.StartsAt, EndsAt: in.EndsAt}, nil
}

// registrant decodes the session and learner of registerForSession and
// cancelRegistration, and admits the learner themselves and the admins over them.
func (r *Resolver) registrant(ctx context.Context, session, learner string) (sessionID, learnerID int64, err error) {
	if sessionID, err = decodeID("input.sessionId", typeSession, session); err != nil {
		return 0, 0, err
	}
	if learnerID, err = decodeID("input.learnerId", typeLearner, learner); err != nil {
		return 0, 0, err
	}
	_, err = authoriseLearner(ctx, r.learners, learnerID, true)
	return sessionID, learnerID, err
}
