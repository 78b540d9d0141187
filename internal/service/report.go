package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// MaxSuggestions is how many cohort courses a report computes; clients take the first few.
const MaxSuggestions = 50

// Reports computes gap reports for organisation subtrees: per-competency statistics,
// a heatmap of direct sub-organisations, content gaps and the courses that would close
// the most of the cohort's gap. The per-learner arithmetic runs in the database
// (models.ReportStore), so a report over a ministry moves only aggregates. Reports are
// cached for TTL (30 s unless set) under a key with the catalogue version: a report is
// at most TTL old, and never older than the catalogue it names.
type Reports struct {
	Store           ReportStore
	Recommendations *Recommendations // its catalogue snapshot and parameters
	Cache           cache.Cache
	TTL             time.Duration

	group cache.Group
	once  sync.Once
}

// ReportStore is what gap reports read.
type ReportStore interface {
	models.ReportStore
	models.RecommenderStore
}

// GapReport is a report as the API returns it.
type GapReport struct {
	OrganisationID int64                          `json:"organisationId"`
	RoleID         *int64                         `json:"roleId,omitempty"`
	LearnerCount   int                            `json:"learnerCount"`
	Competencies   []CompetencyGapStat            `json:"competencies"`
	Heatmap        []HeatmapCell                  `json:"heatmap"`
	ContentGaps    []ContentGap                   `json:"contentGaps"`
	Suggestions    []recommender.CohortSuggestion `json:"suggestions"`
	GeneratedAt    time.Time                      `json:"generatedAt"`
	Cached         bool                           `json:"-"`
}

// CompetencyGapStat sums one competency's gaps over the learners whose roles require it.
type CompetencyGapStat struct {
	CompetencyID     int64   `json:"competencyId"`
	Learners         int     `json:"learners"`
	LearnersWithGap  int     `json:"learnersWithGap"`
	MeanGap          float64 `json:"meanGap"`
	TotalWeightedGap float64 `json:"totalWeightedGap"`
	LevelHistogram   []int   `json:"levelHistogram"`
}

// HeatmapCell is one direct sub-organisation's mean gap in one competency.
type HeatmapCell struct {
	OrganisationID int64   `json:"organisationId"`
	CompetencyID   int64   `json:"competencyId"`
	MeanGap        float64 `json:"meanGap"`
	Learners       int     `json:"learners"`
}

// ContentGap is a required (competency, level) that no course reaches.
type ContentGap struct {
	CompetencyID    int64 `json:"competencyId"`
	Level           int   `json:"level"`
	LearnersNeeding int   `json:"learnersNeeding"`
}

// GapReport returns the report for the organisation's subtree. ENOTFOUND for an
// unknown organisation.
func (s *Reports) GapReport(ctx context.Context, orgID int64, roleID *int64, ctype *models.CompetencyType) (*GapReport, error) {
	s.once.Do(func() {
		if s.TTL <= 0 {
			s.TTL = 30 * time.Second
		}
		s.group.Logger = s.Recommendations.Logger
	})
	snap, err := s.Recommendations.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	role, typ := "", ""
	if roleID != nil {
		role = strconv.FormatInt(*roleID, 10)
	}
	if ctype != nil {
		typ = string(*ctype)
	}
	var out GapReport
	cached, err := cachedJSON(ctx, &s.group, s.Cache, s.TTL,
		fmt.Sprintf("gaps:v1:%d:%s:%s:%d:m%d", orgID, role, typ, snap.version, s.Recommendations.params().Version), &out,
		func(ctx context.Context) (any, error) {
			// As asNewAs: a report cached under a catalogue version is computed
			// from data at least that new, on the primary if a replica lags it.
			if models.ReplicaReadsAllowed(ctx) {
				if v, err := s.Store.CatalogueVersion(ctx); err != nil || v < snap.version {
					ctx = models.WithFreshReads(ctx)
				}
			}
			return s.compute(ctx, snap.cat, models.GapQuery{OrganisationID: orgID, RoleID: roleID, CompetencyType: ctype})
		})
	out.Cached = cached
	return &out, err
}

// compute builds a report from the store's aggregates.
func (s *Reports) compute(ctx context.Context, cat *recommender.Catalogue, q models.GapQuery) (*GapReport, error) {
	defer observe(telemetry.RecommendGapReport, time.Now())
	orgs, err := s.Store.FindSubtree(ctx, q.OrganisationID)
	if err != nil {
		return nil, err
	}
	aggs, err := s.Store.FindGapAggregates(ctx, q)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.CountLearnersInScope(ctx, q)
	if err != nil {
		return nil, err
	}
	rep := &GapReport{OrganisationID: q.OrganisationID, RoleID: q.RoleID, LearnerCount: n, GeneratedAt: time.Now().UTC()}
	child := directChildren(orgs)
	stats := map[int64]*CompetencyGapStat{}
	type cellKey struct{ org, competency int64 }
	cells := map[cellKey]*HeatmapCell{}
	cellGap := map[cellKey]float64{}
	type need struct {
		competency int64
		level      int
	}
	groups := map[need]*recommender.CohortGroup{}
	needing := map[need]int{}
	for _, a := range aggs {
		st := stats[a.CompetencyID]
		if st == nil {
			st = &CompetencyGapStat{CompetencyID: a.CompetencyID, LevelHistogram: make([]int, 6)}
			stats[a.CompetencyID] = st
		}
		st.Learners += a.Learners
		st.LearnersWithGap += a.WithGap
		st.MeanGap += a.SumGap // a sum until divided below
		st.TotalWeightedGap += a.SumWeighted
		for l, c := range a.Levels {
			st.LevelHistogram[l] += c
		}
		if sub, ok := child[a.OrganisationID]; ok {
			k := cellKey{sub, a.CompetencyID}
			if cells[k] == nil {
				cells[k] = &HeatmapCell{OrganisationID: sub, CompetencyID: a.CompetencyID}
			}
			cells[k].Learners += a.Learners
			cellGap[k] += a.SumGap
		}
		k := need{a.CompetencyID, a.Required}
		g := groups[k]
		if g == nil {
			g = &recommender.CohortGroup{CompetencyID: a.CompetencyID, Required: a.Required}
			groups[k] = g
		}
		for l := range g.Levels {
			g.Levels[l] += a.Levels[l]
			g.WeightedMass[l] += a.WeightedMass[l]
		}
		needing[k] += a.WithGap
	}
	for _, st := range stats {
		st.MeanGap /= float64(st.Learners)
		rep.Competencies = append(rep.Competencies, *st)
	}
	slices.SortFunc(rep.Competencies, func(a, b CompetencyGapStat) int {
		return cmp.Or(cmp.Compare(b.TotalWeightedGap, a.TotalWeightedGap), cmp.Compare(a.CompetencyID, b.CompetencyID))
	})
	for k, c := range cells {
		c.MeanGap = cellGap[k] / float64(c.Learners)
		rep.Heatmap = append(rep.Heatmap, *c)
	}
	slices.SortFunc(rep.Heatmap, func(a, b HeatmapCell) int {
		return cmp.Or(cmp.Compare(a.OrganisationID, b.OrganisationID), cmp.Compare(a.CompetencyID, b.CompetencyID))
	})
	var cohort []recommender.CohortGroup
	for k, g := range groups {
		cohort = append(cohort, *g)
		if needing[k] > 0 && !cat.Reaches(k.competency, k.level) {
			rep.ContentGaps = append(rep.ContentGaps, ContentGap{CompetencyID: k.competency, Level: k.level, LearnersNeeding: needing[k]})
		}
	}
	slices.SortFunc(rep.ContentGaps, func(a, b ContentGap) int {
		return cmp.Or(cmp.Compare(b.LearnersNeeding, a.LearnersNeeding), cmp.Compare(a.CompetencyID, b.CompetencyID), cmp.Compare(a.Level, b.Level))
	})
	slices.SortFunc(cohort, func(a, b recommender.CohortGroup) int {
		return cmp.Or(cmp.Compare(a.CompetencyID, b.CompetencyID), cmp.Compare(a.Required, b.Required))
	})
	rep.Suggestions = cat.CohortCover(cohort, MaxSuggestions)
	return rep, nil
}

// directChildren maps each organisation below the root of a subtree (orgs[0], the
// shortest path) to the root's direct child it lies under.
func directChildren(orgs []*models.Organisation) map[int64]int64 {
	out := map[int64]int64{}
	if len(orgs) == 0 {
		return out
	}
	root := orgs[0].Path
	for _, o := range orgs[1:] {
		rest := strings.TrimPrefix(o.Path, root)
		first, _, _ := strings.Cut(rest, "/")
		if id, err := strconv.ParseInt(first, 10, 64); err == nil {
			out[o.ID] = id
		}
	}
	return out
}
