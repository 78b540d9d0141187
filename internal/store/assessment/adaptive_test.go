package assessment_test

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestAssessmentItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		st := assessment.New(db)
		item := func(code string) *models.AssessmentItem {
			return &models.AssessmentItem{Code: code, CompetencyID: f.Procurement.ID, Level: 2, Stem: "What is GeM?",
				Options: []string{"A marketplace", "A tax", "A scheme"}, Correct: 1}
		}
		it := storetest.Must[*models.AssessmentItem](t)(st.CreateAssessmentItem(ctx, item("GEM-1")))
		if it.ID == 0 || it.Retired || it.CreatedAt.IsZero() {
			t.Fatalf("created %+v", it)
		}
		for _, c := range []struct {
			name        string
			change      func(*models.AssessmentItem)
			code, field string
		}{
			{"duplicate code", func(*models.AssessmentItem) {}, models.ECONFLICT, "code"},
			{"one option", func(i *models.AssessmentItem) { i.Code, i.Options = "X", []string{"a"} }, models.EINVALID, "options"},
			{"seven options", func(i *models.AssessmentItem) { i.Code, i.Options = "X", []string{"a", "b", "c", "d", "e", "f", "g"} }, models.EINVALID, "options"},
			{"correct out of range", func(i *models.AssessmentItem) { i.Code, i.Correct = "X", 4 }, models.EINVALID, "correct"},
			{"empty stem", func(i *models.AssessmentItem) { i.Code, i.Stem = "X", " " }, models.EINVALID, "stem"},
			{"level", func(i *models.AssessmentItem) { i.Code, i.Level = "X", 0 }, models.EINVALID, "level"},
			{"unknown competency", func(i *models.AssessmentItem) { i.Code, i.CompetencyID = "X", 1<<40 }, models.ENOTFOUND, "competencyId"},
		} {
			n := item("GEM-1")
			c.change(n)
			if _, err := st.CreateAssessmentItem(ctx, n); models.ErrorCode(err) != c.code || models.ErrorField(err) != c.field {
				t.Errorf("%s: %v (field %q), want %s %s", c.name, err, models.ErrorField(err), c.code, c.field)
			}
		}
		a, b := 1.3, 2.2
		upd := item("IGNORED")
		upd.ID, upd.Level, upd.Discrimination, upd.Difficulty, upd.Options, upd.Correct = it.ID, 4, &a, &b, []string{"x", "y"}, 2
		got := storetest.Must[*models.AssessmentItem](t)(st.UpdateAssessmentItem(ctx, upd))
		if got.Code != "GEM-1" || got.Level != 4 || *got.Discrimination != 1.3 || got.Correct != 2 || len(got.Options) != 2 {
			t.Errorf("updated %+v", got)
		}
		if _, err := st.UpdateAssessmentItem(ctx, &models.AssessmentItem{ID: 1 << 40}); models.ErrorCode(err) != models.ENOTFOUND {
			t.Errorf("update unknown: %v", err)
		}
		storetest.Must[*models.AssessmentItem](t)(st.RetireAssessmentItem(ctx, it.ID))
		if live := storetest.Must[[]*models.AssessmentItem](t)(st.FindAssessmentItems(ctx, f.Procurement.ID, false)); len(live) != 0 {
			t.Errorf("retired item listed: %+v", live)
		}
		all := storetest.Must[[]*models.AssessmentItem](t)(st.FindAssessmentItems(ctx, f.Procurement.ID, true))
		if len(all) != 1 || !all[0].Retired || all[0].Options[1] != "y" {
			t.Errorf("all items %+v", all)
		}
	})
}

func TestAdaptiveAttemptStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := storetest.NewFixture(t, db)
		st := assessment.New(db)
		l := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E1", Name: "Asha Verma",
			Email: "asha@gov.in", Designation: "Section Officer", OrganisationID: f.Office.ID}))
		it := storetest.Must[*models.AssessmentItem](t)(st.CreateAssessmentItem(ctx, &models.AssessmentItem{Code: "GEM-1", CompetencyID: f.Procurement.ID,
			Level: 2, Stem: "What is GeM?", Options: []string{"A marketplace", "A tax"}, Correct: 1}))
		now := time.Now().UTC().Truncate(time.Second)
		exp := now.Add(5 * time.Minute)
		newAttempt := func() *models.AdaptiveAttempt {
			return &models.AdaptiveAttempt{LearnerID: l.ID, CompetencyID: f.Procurement.ID, CurrentItemID: &it.ID, ItemExpiresAt: &exp,
				StartedAt: now, ExpiresAt: now.Add(time.Hour), Prior: []float64{.5, .5, 0, 0, 0, 0}}
		}
		a := storetest.Must[*models.AdaptiveAttempt](t)(st.CreateAdaptiveAttempt(ctx, newAttempt()))
		if _, err := st.CreateAdaptiveAttempt(ctx, newAttempt()); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("second open attempt: %v", err)
		}
		if open := storetest.Must[*models.AdaptiveAttempt](t)(st.FindOpenAdaptiveAttempt(ctx, l.ID, f.Procurement.ID)); open == nil || open.ID != a.ID {
			t.Errorf("open attempt %+v", open)
		}
		// A step for an item not being asked changes nothing.
		other := it.ID + 1000
		if _, err := st.ApplyAdaptiveStep(ctx, a.ID, models.AdaptiveStep{Response: models.AttemptResponse{ItemID: other, Position: 1, Choice: 1, AnsweredAt: now}}); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("step on another item: %v", err)
		}
		res := &models.AdaptiveResult{Level: 1, Distribution: []float64{.2, .8, 0, 0, 0, 0}, StandardError: .4, ItemsUsed: 1}
		ev := &models.Evidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID, Source: models.Assessment, Level: 1, ObservedAt: now,
			CreatedAt: now, Likelihood: []float64{.5, 1, 1, 1, 1, 1}}
		done, err := st.ApplyAdaptiveStep(ctx, a.ID, models.AdaptiveStep{Response: models.AttemptResponse{ItemID: it.ID, Position: 1, Choice: 1,
			Correct: true, AnsweredAt: now}, Result: res, Evidence: ev})
		if err != nil || done.Status != models.AttemptCompleted || done.Result == nil || done.Result.Level != 1 || done.EvidenceID == nil ||
			done.ItemsAnswered != 1 || done.CurrentItemID != nil || done.CompletedAt == nil {
			t.Fatalf("completed %+v, %v", done, err)
		}
		stored := storetest.Must[*models.Evidence](t)(db.FindEvidenceByID(ctx, *done.EvidenceID))
		if len(stored.Likelihood) != 6 || stored.Likelihood[0] != .5 || stored.Score != nil {
			t.Errorf("evidence %+v", stored)
		}
		if profs := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID]; len(profs) != 1 {
			t.Errorf("proficiencies %+v", profs)
		}
		if end := storetest.Must[*time.Time](t)(st.LastAdaptiveAttemptEnd(ctx, l.ID, f.Procurement.ID)); end == nil || !end.Equal(now) {
			t.Errorf("last end %v", end)
		}
		// Abandoning an ended attempt leaves it as it is.
		if got := storetest.Must[*models.AdaptiveAttempt](t)(st.AbandonAdaptiveAttempt(ctx, a.ID, now.Add(time.Hour))); got.Status != models.AttemptCompleted {
			t.Errorf("abandoned a completed attempt: %+v", got)
		}
		if exp := storetest.Must[map[int64]float64](t)(st.ItemExposure(ctx, f.Procurement.ID, now.Add(-time.Hour))); exp[it.ID] != 1 {
			t.Errorf("exposure %v", exp)
		}
	})
}
