package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

const qEffectiveness = `query($c: ID!) { courseEffectiveness(courseId: $c) {
	course { code } competency { code } claimedFromLevel claimedToLevel estimatedGain low high learners contradicted } }`

// TestCourseEffectiveness: courseEffectiveness is for content providers and admins;
// a learner is FORBIDDEN, an unknown course NOT_FOUND; before a fit each claim is given
// as it stands (learners 0), after one the estimate, also on the gap report's
// suggested courses.
func TestCourseEffectiveness(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			db := storetest.Open(t, engine)
			admin := newClient(t, db)
			f := seed(t, admin)
			vars := map[string]any{"c": f["$gfr201"]}
			claim := `{"courseEffectiveness": [{"course": {"code": "GFR-201"}, "competency": {"code": "PROC"},
				"claimedFromLevel": 2, "claimedToLevel": 4, "estimatedGain": 2, "low": 2, "high": 2, "learners": 0, "contradicted": false}]}`

			provider := admin.as(models.Caller{Subject: "provider", Role: models.RoleContentProvider})
			orgAdmin := admin.as(models.Caller{Subject: "cbu", Role: models.RoleOrgAdmin, OrganisationID: dbID(t, f["$mof"])})
			t.Run("ClaimBeforeAFit", func(t *testing.T) {
				assertJSON(t, admin.data(qEffectiveness, vars), claim)
				assertJSON(t, provider.data(qEffectiveness, vars), claim)
				assertJSON(t, orgAdmin.data(qEffectiveness, vars), claim)
			})
			t.Run("ErrForbidden", func(t *testing.T) {
				learner := admin.as(models.Caller{Subject: "asha", Role: models.RoleLearner, LearnerID: dbID(t, f["$asha"])})
				assertError(t, learner.post(qEffectiveness, vars), "FORBIDDEN", "", "")
			})
			t.Run("ErrUnauthenticated", func(t *testing.T) {
				if r := admin.anonymous().post(qEffectiveness, vars); len(r.Errors) != 1 || r.Errors[0].Extensions["code"] == "FORBIDDEN" {
					t.Errorf("anonymous: %s", r.Body)
				}
			})
			t.Run("ErrNotFound", func(t *testing.T) {
				assertError(t, provider.post(qEffectiveness, map[string]any{"c": graph.GlobalID("Course", 999999)}), "NOT_FOUND", "", "")
			})
			t.Run("ErrWrongType", func(t *testing.T) {
				assertError(t, provider.post(qEffectiveness, map[string]any{"c": f["$proc"]}), "BAD_USER_INPUT", "courseId", "")
			})

			t.Run("AfterAFit", func(t *testing.T) {
				fit := []models.CourseEffect{{CourseID: dbID(t, f["$gfr201"]), CompetencyID: dbID(t, f["$proc"]), ClaimedFromLevel: 2, ClaimedToLevel: 4,
					ClaimedGain: 1.5, EstimatedGain: 0.25, Low: 0, High: 0.5, Learners: 42, Controls: 300, Contradicted: true, Efficacy: 0.17,
					FittedAt: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}}
				if err := db.ReplaceCourseEffects(context.Background(), fit); err != nil {
					t.Fatal(err)
				}
				assertJSON(t, provider.data(qEffectiveness, vars), `{"courseEffectiveness": [{"course": {"code": "GFR-201"}, "competency": {"code": "PROC"},
					"claimedFromLevel": 2, "claimedToLevel": 4, "estimatedGain": 0.25, "low": 0, "high": 0.5, "learners": 42, "contradicted": true}]}`)

				var rep struct {
					GapReport struct {
						SuggestedCourses []struct {
							Course  struct{ Code string }
							Effects []struct {
								Learners     int
								Contradicted bool
							}
						}
					}
				}
				decode(t, orgAdmin.data(`query($o: ID!) { gapReport(organisationId: $o) { suggestedCourses { course { code } effects { learners contradicted } } } }`,
					map[string]any{"o": f["$mof"]}), &rep)
				found := false
				for _, s := range rep.GapReport.SuggestedCourses {
					if len(s.Effects) != 1 {
						t.Errorf("%s carries %d effects, want one per claim", s.Course.Code, len(s.Effects))
					}
					if s.Course.Code == "GFR-201" {
						found = s.Effects[0].Learners == 42 && s.Effects[0].Contradicted
					}
				}
				if !found {
					t.Errorf("GFR-201 is not suggested with its estimate: %+v", rep)
				}
			})
		})
	}
}
