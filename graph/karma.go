package graph

import (
	"time"

	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// How many places a leaderboard shows by default, and at most.
const (
	defaultLeaderboard = 10
	maxLeaderboard     = 100
)

func karmaEntryConnection(p *models.Page[*models.KarmaEntry]) *model.KarmaEntryConnection {
	return &model.KarmaEntryConnection{
		Edges: edges(p, func(c string, n *models.KarmaEntry) *model.KarmaEntryEdge {
			return &model.KarmaEntryEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

// leaderboardQuery converts the arguments of a leaderboard: first 1..maxLeaderboard
// (defaultLeaderboard when not given) and since.
func leaderboardQuery(orgID int64, first *int, since *time.Time) (models.LeaderboardQuery, error) {
	q := models.LeaderboardQuery{OrganisationID: orgID, Since: since, Limit: defaultLeaderboard}
	if first != nil {
		if *first < 1 || *first > maxLeaderboard {
			return q, models.Invalid("first", "must be between 1 and %d", maxLeaderboard)
		}
		q.Limit = *first
	}
	return q, nil
}
