package store_test

import (
	"math"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// TestGapRollupsStayInStep changes learners every way that moves gaps, then
// rebuilds the rollups from nothing: the incrementally maintained sums must equal
// the rebuilt ones.
func TestGapRollupsStayInStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, c := storetest.LearningFixture(t, db)
		query := models.GapQuery{OrganisationID: f.Ministry.ID}
		other := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E2", Name: "Ravi Iyer",
			Email: "ravi.iyer@gov.in", Designation: "Assistant", OrganisationID: f.Department.ID}))
		buyer := storetest.Must[*models.Role](t)(db.InsertRole(ctx, &models.NewRole{Code: "ROLE-BUY", Name: "Buyer",
			Requirements: []models.RoleRequirement{{CompetencyID: f.Procurement.ID, RequiredLevel: 4, Weight: 3}}}))

		at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		steps := []func() error{
			func() error { _, err := db.InsertLearnerRole(ctx, other.ID, buyer.ID); return err },
			func() error {
				_, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: other.ID, CompetencyID: f.Procurement.ID,
					Source: models.Assessment, Level: 3, Score: storetest.Score(0.8), ObservedAt: at})
				return err
			},
			func() error { // the same row again: moved out of its rollup and back in, changed
				_, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: other.ID, CompetencyID: f.Procurement.ID,
					Source: models.SupervisorRating, Level: 5, ObservedAt: at.Add(time.Hour)})
				return err
			},
			func() error {
				_, err := db.SaveRoleRequirement(ctx, models.RoleRequirement{RoleID: f.Role.ID, CompetencyID: f.Procurement.ID, RequiredLevel: 3, Weight: 2})
				return err
			},
			func() error {
				e, err := db.InsertEnrolment(ctx, l.ID, c.ID)
				if err == nil {
					_, err = db.SaveProgress(ctx, e.ID, 1)
				}
				return err
			},
			func() error {
				_, err := db.SaveLearner(ctx, l.ID, models.LearnerUpdate{OrganisationID: &f.Department.ID})
				return err
			},
			func() error {
				_, err := bulk.New(db).UpsertLearners(ctx, []models.LearnerRecord{{EmployeeCode: "E3", Name: "Meena Das", Email: "meena.das@gov.in",
					Designation: "Clerk", OrganisationCode: "MOF-DOR-CBDT", RoleCodes: []string{"ROLE-SO", "ROLE-BUY"}, HasRoles: true}})
				return err
			},
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		kept := storetest.Must[[]models.GapAggregate](t)(db.FindGapAggregates(ctx, query))
		if len(kept) == 0 {
			t.Fatal("no rollups")
		}
		// The rows too, not only their sums: an evidence write computes its row in
		// Go (domain.LearnerGap), a rebuild in SQL (gapSQL).
		type gapRow struct {
			LearnerID, CompetencyID, OrganisationID int64
			Required, Level                         int
			Weight, Gap, D0, D1, D2, D3, D4, D5     float64
		}
		rows := func() []gapRow {
			var out []gapRow
			if err := db.Bun().NewSelect().TableExpr("learner_gaps").
				Column("learner_id", "competency_id", "organisation_id", "required", "level", "weight", "gap", "d0", "d1", "d2", "d3", "d4", "d5").
				Order("learner_id", "competency_id").Scan(ctx, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		keptRows := rows()
		for _, table := range []string{"gap_rollups", "learner_gaps"} {
			if _, err := db.Bun().NewDelete().TableExpr(table).Where("1 = 1").Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.RefreshAllGaps(ctx); err != nil {
			t.Fatal(err)
		}
		rebuilt := storetest.Must[[]models.GapAggregate](t)(db.FindGapAggregates(ctx, query))
		if len(rebuilt) != len(kept) {
			t.Fatalf("%d rollups kept, %d rebuilt", len(kept), len(rebuilt))
		}
		near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
		if rebuiltRows := rows(); len(rebuiltRows) != len(keptRows) {
			t.Errorf("%d gap rows kept, %d rebuilt", len(keptRows), len(rebuiltRows))
		} else {
			for i, k := range keptRows {
				r := rebuiltRows[i]
				same := k.LearnerID == r.LearnerID && k.CompetencyID == r.CompetencyID && k.OrganisationID == r.OrganisationID &&
					k.Required == r.Required && k.Level == r.Level && k.Weight == r.Weight
				for _, x := range [][2]float64{{k.Gap, r.Gap}, {k.D0, r.D0}, {k.D1, r.D1}, {k.D2, r.D2}, {k.D3, r.D3}, {k.D4, r.D4}, {k.D5, r.D5}} {
					same = same && near(x[0], x[1])
				}
				if !same {
					t.Errorf("gap row %d: kept %+v, rebuilt %+v", i, k, r)
				}
			}
		}
		for i, k := range kept {
			r := rebuilt[i]
			if k.OrganisationID != r.OrganisationID || k.CompetencyID != r.CompetencyID || k.Required != r.Required ||
				k.Learners != r.Learners || k.WithGap != r.WithGap || k.Levels != r.Levels ||
				!near(k.SumGap, r.SumGap) || !near(k.SumWeighted, r.SumWeighted) {
				t.Errorf("rollup %d: kept %+v, rebuilt %+v", i, k, r)
			}
			for lv := range k.WeightedMass {
				if !near(k.WeightedMass[lv], r.WeightedMass[lv]) {
					t.Errorf("rollup %d mass %d: kept %v, rebuilt %v", i, lv, k.WeightedMass, r.WeightedMass)
				}
			}
		}
	})
}
