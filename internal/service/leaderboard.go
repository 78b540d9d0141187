package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/models"
)

// LeaderboardTTL is how long a leaderboard is served from the cache. Ranking a
// ministry's quarter of a million learners takes a third of a second or more
// (docs/benchmarks.md), and standings a minute old are as good as fresh.
const LeaderboardTTL = time.Minute

// LeaderboardStore computes leaderboards.
type LeaderboardStore interface {
	LearnerLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.LearnerStanding, error)
	OrganisationLeaderboard(ctx context.Context, q models.LeaderboardQuery) ([]models.OrganisationStanding, error)
}

// Leaderboards serves karma leaderboards through the cache: concurrent requests
// for one board compute it once, and a failing cache costs only the computation.
type Leaderboards struct {
	// Store computes the boards: Karma, which resolves and bounds their limit.
	Store LeaderboardStore
	Cache cache.Cache
	group cache.Group
}

// Learners ranks the learners of an organisation and below, as the store does.
func (l *Leaderboards) Learners(ctx context.Context, q models.LeaderboardQuery) ([]models.LearnerStanding, error) {
	return cachedBoard(ctx, l, "learners", q, l.Store.LearnerLeaderboard)
}

// Organisations ranks organisations by average points per learner, as the store does.
func (l *Leaderboards) Organisations(ctx context.Context, q models.LeaderboardQuery) ([]models.OrganisationStanding, error) {
	return cachedBoard(ctx, l, "organisations", q, l.Store.OrganisationLeaderboard)
}

// cachedBoard returns the board of q, from the cache when it holds it.
func cachedBoard[T any](ctx context.Context, l *Leaderboards, kind string, q models.LeaderboardQuery,
	compute func(context.Context, models.LeaderboardQuery) ([]T, error)) ([]T, error) {
	since := "all"
	if q.Since != nil {
		since = fmt.Sprint(q.Since.UnixMicro())
	}
	key := fmt.Sprintf("leaderboard:v1:%s:%d:%s:%d", kind, q.OrganisationID, since, q.Limit)
	raw, _, err := l.group.GetOrCompute(ctx, l.Cache, key, LeaderboardTTL, func(ctx context.Context) ([]byte, error) {
		board, err := compute(ctx, q)
		if err != nil {
			return nil, err
		}
		return json.Marshal(board)
	})
	if err != nil {
		return nil, err
	}
	var board []T
	return board, json.Unmarshal(raw, &board)
}
