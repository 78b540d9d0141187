package graph_test

import (
	"fmt"
	"testing"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

// TestLevelIndependentOfTheRoleMeasured asks for the same learner's level in Public
// Procurement against three roles requiring it at 2, 4 and 5, before and after she
// has evidence: the gap grows with the role, the level is always her passbook's.
func TestLevelIndependentOfTheRoleMeasured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f, pa := e.f, e.pa.bind(t)
		var roles []any
		for _, level := range []int{2, 4, 5} {
			var out struct {
				CreateRole struct{ Role struct{ ID string } }
			}
			decode(t, pa.data(`mutation($i: CreateRoleInput!) { createRole(input: $i) { role { id } } }`, map[string]any{"i": map[string]any{
				"code": fmt.Sprintf("PROC-%d", level), "name": fmt.Sprintf("Procurement %d", level), "description": "Measures procurement.",
				"requirements": []any{map[string]any{"competencyId": f["$proc"], "requiredLevel": level}}}}), &out)
			roles = append(roles, out.CreateRole.Role.ID)
		}
		check := func(when string) {
			t.Helper()
			var book struct {
				Learner struct {
					Proficiencies []struct {
						Competency struct{ Code string }
						Level      int
					}
				}
			}
			decode(t, pa.data(`query($l: ID!) { learner(id: $l) { proficiencies { competency { code } level } } }`, map[string]any{"l": f["$asha"]}), &book)
			own := -1
			for _, p := range book.Learner.Proficiencies {
				if p.Competency.Code == "PROC" {
					own = p.Level
				}
			}
			if own < 0 {
				t.Fatalf("%s: no PROC in the passbook %+v", when, book)
			}
			prevGap := -1.0
			for i, role := range roles {
				var gaps struct {
					CompetencyGaps []struct {
						Competency   struct{ Code string }
						CurrentLevel int
						Gap          float64
					}
				}
				decode(t, pa.data(qGaps, map[string]any{"l": f["$asha"], "r": role}), &gaps)
				if len(gaps.CompetencyGaps) != 1 {
					t.Fatalf("%s: gaps against role %d = %+v", when, i, gaps)
				}
				g := gaps.CompetencyGaps[0]
				if g.CurrentLevel != own {
					t.Errorf("%s: level %d against the role requiring %d, %d in her passbook", when, g.CurrentLevel, []int{2, 4, 5}[i], own)
				}
				if !(g.Gap > prevGap) {
					t.Errorf("%s: gap %.3f against the role requiring %d, not above %.3f", when, g.Gap, []int{2, 4, 5}[i], prevGap)
				}
				prevGap = g.Gap
			}
		}
		check("no evidence")
		pa.data(`mutation($i: RecordEvidenceInput!) { recordEvidence(input: $i) { evidence { id } } }`, map[string]any{"i": map[string]any{
			"learnerId": f["$asha"], "competencyId": f["$proc"], "source": "SUPERVISOR", "level": 3}})
		check("a supervisor's rating")
	})
}
