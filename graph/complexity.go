package graph

import (
	"time"

	"github.com/openkarmayogi/karmayogi/graph/generated"
	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlext"
	"github.com/openkarmayogi/karmayogi/models"
)

// Query cost. Every field costs 1 plus what is selected beneath it (gqlgen's
// default), except lists:
//
//   - a connection costs first x (its selection) + 1, with first clamped to
//     1..500 (20 when not given), so the cost of a page grows with the page;
//   - an unpaged list (levels, requirements, roles, course competencies) costs
//     listFactor x (its selection) + 1: such lists are short, but not free.
//
// Costs multiply down the tree, so the limit bounds the number of objects a query
// can fetch. DefaultComplexityLimit admits any query with a page of up to 500 and
// unpaged lists beneath it (learners(first: 500) with organisation, roles,
// requirements and competencies costs about 50,000), and even a connection of 500
// nested in a connection of 500 with a modest selection (about 2,000,000), but not
// three connections of 500 nested in one another (over 375,000,000).
const (
	DefaultComplexityLimit = 2_500_000
	listFactor             = 5
)

// connectionCost is the cost of a connection field.
func connectionCost(child int, first *int) int {
	n := models.DefaultPageSize
	if first != nil {
		n = min(max(*first, 1), models.MaxPageSize)
	}
	return gqlext.SaturatingAdd(gqlext.SaturatingMul(n, child), 1)
}

// listCost is the cost of an unpaged list field.
func listCost(child int) int { return gqlext.SaturatingAdd(gqlext.SaturatingMul(listFactor, child), 1) }

// setComplexity sets the cost of every list field.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Learners = func(child int, first *int, _ *string, _ *model.LearnerFilter) int {
		return connectionCost(child, first)
	}
	c.Query.Organisations = func(child int, first *int, _ *string, _ *string) int {
		return connectionCost(child, first)
	}
	c.Query.Competencies = func(child int, first *int, _ *string, _ *model.CompetencyFilter) int {
		return connectionCost(child, first)
	}
	c.Query.Courses = func(child int, first *int, _ *string, _ *model.CourseFilter) int {
		return connectionCost(child, first)
	}
	c.Query.Roles = func(child int, first *int, _ *string, _ *model.RoleFilter) int {
		return connectionCost(child, first)
	}
	c.Organisation.Children = func(child int, first *int, _ *string) int { return connectionCost(child, first) }
	c.Organisation.Learners = func(child int, first *int, _ *string) int { return connectionCost(child, first) }
	c.Competency.Courses = func(child int, first *int, _ *string, _ *int) int { return connectionCost(child, first) }

	c.Learner.Evidence = func(child int, first *int, _ *string) int { return connectionCost(child, first) }
	c.Learner.Enrolments = func(child int, first *int, _ *string, _ *models.EnrolmentStatus) int {
		return connectionCost(child, first)
	}
	c.Learner.Certificates = func(child int, first *int, _ *string) int { return connectionCost(child, first) }
	c.Learner.Proficiencies = listCost

	c.Competency.Levels = listCost
	c.Role.Requirements = listCost
	c.Course.Competencies = listCost
	c.Query.CourseEffectiveness = func(child int, _ string) int { return listCost(child) }
	c.CohortCourseSuggestion.Effects = listCost
	c.Learner.Roles = listCost

	// Plans.
	c.Query.Plans = func(child int, first *int, _ *string, _ *string) int { return connectionCost(child, first) }
	c.Plan.Courses = listCost
	c.Learner.AssignedCourses = listCost

	// Blended learning, events and karma.
	c.Query.Batches = func(child int, first *int, _ *string, _ *string, _ *bool) int { return connectionCost(child, first) }
	c.Query.LearningEvents = func(child int, first *int, _ *string, _ *bool) int { return connectionCost(child, first) }
	c.Course.Batches = func(child int, first *int, _ *string, _ *bool) int { return connectionCost(child, first) }
	c.Batch.Requests = func(child int, first *int, _ *string, _ *models.SeatStatus) int { return connectionCost(child, first) }
	c.Learner.SeatRequests = func(child int, first *int, _ *string, _ *models.SeatStatus) int {
		return connectionCost(child, first)
	}
	c.Learner.KarmaLedger = func(child int, first *int, _ *string) int { return connectionCost(child, first) }
	c.Batch.Sessions = listCost
	c.LearningEvent.Sessions = listCost
	c.Session.Competencies = listCost
	c.SeatRequest.Decisions = listCost
	c.Enrolment.AssessmentAttempts = listCost
	c.EventParticipation.Sessions = listCost
	c.Query.KarmaRules = listCost
	c.Query.LearnerLeaderboard = func(child int, _ string, first *int, _ *time.Time) int { return leaderboardCost(child, first) }
	c.Query.OrganisationLeaderboard = func(child int, _ *string, first *int, _ *time.Time) int { return leaderboardCost(child, first) }
}

// leaderboardCost is the cost of a leaderboard: first places (10 when not given),
// as a connection's.
func leaderboardCost(child int, first *int) int {
	n := defaultLeaderboard
	if first != nil {
		n = min(max(*first, 1), maxLeaderboard)
	}
	return gqlext.SaturatingAdd(gqlext.SaturatingMul(n, child), 1)
}
