package service_test

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/cache"
	"github.com/openkarmayogi/karmayogi/internal/seed"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// TestFitCourseEffectsOnSeed fits the course effects of a seeded world whose courses
// mostly work (seed.CourseEfficacy 0.85) and in part do not (0): a course that does
// not work and has enough completers is contradicted, few working ones are, the fit
// is stored, and the recommender's snapshot takes the efficacies.
func TestFitCourseEffectsOnSeed(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			db := storetest.Open(t, engine)
			if _, err := seed.Run(ctx, bulk.New(db), seed.Options{Learners: 2500, Courses: 60, Seed: 3}); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
			fit := &service.CourseEffects{Store: db, Now: func() time.Time { return at }}
			sum, err := fit.FitCourseEffects(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", sum)

			cat, err := db.FindCatalogue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			code := map[int64]string{}
			for _, c := range cat.Courses {
				code[c.ID] = c.Code
			}
			var dud, dudFlagged, works, worksFlagged int
			for _, course := range cat.Courses {
				for _, e := range cat.Effects[course.ID] {
					if !e.FittedAt.Equal(at) {
						t.Fatalf("effect fitted at %v, want %v", e.FittedAt, at)
					}
					if !e.Estimated() {
						continue
					}
					if seed.CourseEfficacy(code[e.CourseID]) == 0 {
						dud++
						if e.Contradicted {
							dudFlagged++
						}
						t.Logf("ineffective %s: gain %.2f [%.2f, %.2f] claim %.2f, %d learners, contradicted %v",
							code[e.CourseID], e.EstimatedGain, e.Low, e.High, e.ClaimedGain, e.Learners, e.Contradicted)
					} else {
						works++
						if e.Contradicted {
							worksFlagged++
						}
					}
				}
			}
			t.Logf("estimated: %d claims of ineffective courses (%d contradicted), %d of working ones (%d contradicted)",
				dud, dudFlagged, works, worksFlagged)
			if sum.Claims != len(flatten(cat.Imparts)) || sum.Estimated != dud+works || sum.Contradicted == 0 {
				t.Errorf("summary %+v", sum)
			}
			if dud == 0 || dudFlagged == 0 {
				t.Errorf("no ineffective course was contradicted (%d estimated)", dud)
			}
			if works < 20 || float64(worksFlagged) > 0.1*float64(works) {
				t.Errorf("%d of %d estimated claims of working courses contradicted", worksFlagged, works)
			}

			// The snapshot's efficacies are the fit's, for every claim.
			recs := &service.Recommendations{Store: db, Cache: cache.NewMemory(), Params: recommender.DefaultParams()}
			var contradicted models.CourseEffect
			for _, e := range sum.Effects {
				contradicted = e
				break
			}
			effects, err := recs.CourseEffects(ctx, contradicted.CourseID)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range effects {
				if e.CompetencyID == contradicted.CompetencyID {
					found = e == contradicted
				}
			}
			if !found || len(effects) != len(cat.Imparts[contradicted.CourseID]) {
				t.Errorf("CourseEffects = %+v, want among them %+v", effects, contradicted)
			}
			est, con, err := recs.EffectCounts(ctx)
			if err != nil || est == 0 || con != sum.ContradictedCourses {
				t.Errorf("EffectCounts = %d, %d, %v; summary %+v", est, con, err, sum)
			}
		})
	}
}

func flatten(m map[int64][]models.CourseCompetency) []models.CourseCompetency {
	var out []models.CourseCompetency
	for _, v := range m {
		out = append(out, v...)
	}
	return out
}
