package graph_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/openkarmayogi/karmayogi/app"
	"github.com/openkarmayogi/karmayogi/graph"
	demo "github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const qReport = `query($o: ID!, $r: ID, $t: CompetencyType) { gapReport(organisationId: $o, roleId: $r, competencyType: $t) {
	organisation { code } role { code } learnerCount cached
	competencies { competency { id code type } learners learnersWithGap meanGap totalWeightedGap levelHistogram }
	heatmap { organisation { id code } competency { id } meanGap learners }
	contentGaps { competency { code } level learnersNeeding }
	suggestedCourses(first: 5) { course { code } learnersHelped totalGapClosed } } }`

type reportJSON struct {
	GapReport struct {
		LearnerCount int
		Cached       bool
		Competencies []struct {
			Competency                struct{ ID, Code, Type string }
			Learners, LearnersWithGap int
			MeanGap, TotalWeightedGap float64
			LevelHistogram            []int
		}
		Heatmap []struct {
			Organisation struct{ ID, Code string }
			Competency   struct{ ID string }
			MeanGap      float64
			Learners     int
		}
		SuggestedCourses []struct {
			Course         struct{ Code string }
			LearnersHelped int
			TotalGapClosed float64
		}
	}
}

// stat accumulates per-learner competencyGaps the way a report should.
type stat struct {
	learners, withGap int
	sumGap, weighted  float64
	levels            [6]int
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestGapReportAgreesWithLearners seeds a small government and checks, on each
// engine, that a ministry's gap report says exactly what every learner's own
// competencyGaps add up to: counts, means, weighted totals, histograms and heatmap.
func TestGapReportAgreesWithLearners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := demo.Run(context.Background(), bulk.New(db), demo.Options{Learners: 240, Courses: 150}); err != nil {
			t.Fatal(err)
		}
		var (
			rep      reportJSON
			ministry string
			best     int
			want     map[string]*stat
		)
		// agree checks, through c, that the report of the ministry with the most
		// learners sums what its learners' own gaps say.
		agree := func(c *client) {
			t.Helper()
			var orgs struct {
				Organisations struct {
					Edges []struct{ Node struct{ ID, Code string } }
				}
			}
			decode(t, c.data(`{ organisations(first: 50) { edges { node { id code } } } }`, nil), &orgs)
			// The ministry with the most learners.
			ministry, best = "", -1
			for _, e := range orgs.Organisations.Edges {
				var n struct{ Learners struct{ TotalCount int } }
				decode(t, c.data(`query($o: ID!) { learners(filter: {organisationId: $o}) { totalCount } }`, map[string]any{"o": e.Node.ID}), &n)
				if n.Learners.TotalCount > best {
					ministry, best = e.Node.ID, n.Learners.TotalCount
				}
			}

			rep = reportJSON{}
			decode(t, c.data(qReport, map[string]any{"o": ministry}), &rep)
			if rep.GapReport.LearnerCount != best || best < 20 || rep.GapReport.Cached {
				t.Fatalf("learnerCount %d, want %d (cached %v)", rep.GapReport.LearnerCount, best, rep.GapReport.Cached)
			}

			// Every learner of the ministry, with their gaps and their direct sub-organisation.
			want = map[string]*stat{}
			var after *string
			for {
				var page struct {
					Learners struct {
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
						Edges []struct{ Node struct{ ID string } }
					}
				}
				decode(t, c.data(`query($o: ID!, $a: String) { learners(first: 100, after: $a, filter: {organisationId: $o}) {
					pageInfo { hasNextPage endCursor } edges { node { id } } } }`, map[string]any{"o": ministry, "a": after}), &page)
				for _, e := range page.Learners.Edges {
					var g struct {
						CompetencyGaps []struct {
							Competency   struct{ ID string }
							CurrentLevel int
							Gap, Weight  float64
						}
					}
					decode(t, c.data(`query($l: ID!) { competencyGaps(learnerId: $l) { competency { id } currentLevel gap weight } }`,
						map[string]any{"l": e.Node.ID}), &g)
					for _, x := range g.CompetencyGaps {
						s := want[x.Competency.ID]
						if s == nil {
							s = &stat{}
							want[x.Competency.ID] = s
						}
						s.learners++
						s.sumGap += x.Gap
						s.weighted += x.Weight * x.Gap
						s.levels[x.CurrentLevel]++
						if x.Gap > 0.5 {
							s.withGap++
						}
					}
				}
				if !page.Learners.PageInfo.HasNextPage {
					break
				}
				after = &page.Learners.PageInfo.EndCursor
			}

			if len(rep.GapReport.Competencies) != len(want) || len(want) == 0 {
				t.Fatalf("report has %d competencies, learners' gaps %d", len(rep.GapReport.Competencies), len(want))
			}
			for i, got := range rep.GapReport.Competencies {
				w := want[got.Competency.ID]
				if w == nil || got.Learners != w.learners || got.LearnersWithGap != w.withGap ||
					!near(got.MeanGap, w.sumGap/float64(w.learners)) || !near(got.TotalWeightedGap, w.weighted) {
					t.Errorf("%s: report %+v, learners %+v", got.Competency.Code, got, w)
					continue
				}
				for l, n := range got.LevelHistogram {
					if n != w.levels[l] {
						t.Errorf("%s: histogram %v, learners %v", got.Competency.Code, got.LevelHistogram, w.levels)
						break
					}
				}
				if i > 0 && got.TotalWeightedGap > rep.GapReport.Competencies[i-1].TotalWeightedGap {
					t.Errorf("competencies not sorted by total weighted gap at %d", i)
				}
			}
		}
		agree(newClient(t, db))

		// The same under a fitted model, whose priors are each competency's own: the
		// set-based report reads them too (a model fitted on this evidence, activated,
		// and every stored proficiency re-estimated with it).
		est := &service.Estimator{Store: db}
		ctx := context.Background()
		cal, err := est.Calibrate(ctx, service.CalibrateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := est.Activate(ctx, cal.Model.Version); err != nil {
			t.Fatal(err)
		}
		if err := est.Load(ctx); err != nil || est.Params().Fitted == nil || len(est.Params().Fitted.Priors) == 0 {
			t.Fatalf("the fitted model has no priors of its own (%v)", err)
		}
		db.SetEstimator(est)
		if _, err := est.ReestimateAll(ctx); err != nil {
			t.Fatal(err)
		}
		c := newClientWith(t, db, func(s *graph.Services) { *s = app.NewServices(app.Deps{Store: db, Estimator: est}) })
		agree(c)

		// The heatmap's cells add up, over sub-organisations, to at most the whole.
		byCompetency := map[string]int{}
		for _, h := range rep.GapReport.Heatmap {
			byCompetency[h.Competency.ID] += h.Learners
			if h.Learners == 0 || h.MeanGap < 0 {
				t.Errorf("heatmap cell %+v", h)
			}
		}
		for id, n := range byCompetency {
			if w := want[id]; w == nil || n > w.learners {
				t.Errorf("heatmap counts %d learners for a competency the report counts %v", n, w)
			}
		}
		if len(rep.GapReport.Heatmap) == 0 || len(rep.GapReport.SuggestedCourses) == 0 {
			t.Fatalf("heatmap %d cells, %d suggestions", len(rep.GapReport.Heatmap), len(rep.GapReport.SuggestedCourses))
		}
		for i, s := range rep.GapReport.SuggestedCourses {
			if s.TotalGapClosed <= 0 || s.LearnersHelped > best || (i > 0 && s.TotalGapClosed > rep.GapReport.SuggestedCourses[i-1].TotalGapClosed+1e-9) {
				t.Errorf("suggestion %d = %+v", i, s)
			}
		}

		// Filters: a competency type keeps only its competencies; a second ask is cached.
		var beh reportJSON
		decode(t, c.data(qReport, map[string]any{"o": ministry, "t": "BEHAVIOURAL"}), &beh)
		for _, s := range beh.GapReport.Competencies {
			if s.Competency.Type != "BEHAVIOURAL" {
				t.Errorf("type filter let through %+v", s.Competency)
			}
		}
		decode(t, c.data(qReport, map[string]any{"o": ministry}), &rep)
		if !rep.GapReport.Cached {
			t.Error("the same report twice was computed twice")
		}
		raw, _ := json.Marshal(rep)
		if strings.Contains(string(raw), "NaN") {
			t.Error("NaN in report")
		}
	})
}

func TestGapReportAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f := e.f
		if r := e.doeAdmin.bind(t).ask(qReport, map[string]any{"o": f["$doe"]}); len(r.Errors) > 0 || !strings.Contains(r.Body, `"learnerCount":2`) {
			t.Fatalf("DOE's own report: %s", r.Body)
		}
		// Asha (SO) and Devendra (DS, SO) are in MOF; measured against DS only Devendra counts.
		var ds reportJSON
		decode(t, e.pa.bind(t).data(qReport, map[string]any{"o": f["$mof"], "r": f["$ds"]}), &ds)
		if ds.GapReport.LearnerCount != 2 || len(ds.GapReport.Competencies) != 1 || ds.GapReport.Competencies[0].Competency.Code != "TAX" {
			t.Fatalf("MOF against DS: %+v", ds.GapReport)
		}
		for _, tc := range []struct {
			c    *client
			org  string
			code string
		}{{e.doeAdmin, "$mof", graph.CodeForbidden}, {e.mohfwAdmin, "$doe", graph.CodeForbidden}, {e.asha, "$dgacr", graph.CodeForbidden},
			{e.provider, "$doe", graph.CodeForbidden}, {e.anon, "$doe", graph.CodeUnauthenticated}} {
			r := tc.c.bind(t).ask(qReport, map[string]any{"o": f[tc.org]})
			assertAllCodes(t, r, tc.code)
			assertNoData(t, r)
		}
		assertError(t, e.pa.bind(t).ask(qReport, map[string]any{"o": b64("Organisation:999999")}), graph.CodeNotFound, "", "")
		assertError(t, e.pa.bind(t).ask(qReport, map[string]any{"o": f["$doe"], "r": b64("Role:999999")}), graph.CodeBadUserInput, "roleId", "")
		assertError(t, e.pa.bind(t).ask(`query($o: ID!) { gapReport(organisationId: $o) { suggestedCourses(first: 0) { totalGapClosed } } }`,
			map[string]any{"o": f["$doe"]}), graph.CodeBadUserInput, "first", "")
	})
}
