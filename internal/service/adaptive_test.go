package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/assessment"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// adaptiveFixture stores an organisation, a competency with a 30-item bank (levels
// 1..5 in turn, correct option i%4+1) and a learner, and returns their IDs and each
// item's correct option.
func adaptiveFixture(t *testing.T, db *store.DB, code string) (learnerID, competencyID int64, correct map[int64]int) {
	t.Helper()
	must := func(errs []models.RecordError, err error) {
		t.Helper()
		if err != nil || len(errs) > 0 {
			t.Fatalf("fixture: %v %v", err, errs)
		}
	}
	must(bulk.New(db).UpsertOrganisations(ctx, []models.OrganisationRecord{{Code: "MOF", Name: "Ministry of Finance", Type: models.OrgMinistry}}))
	must(bulk.New(db).UpsertCompetencies(ctx, []models.CompetencyRecord{{Code: code, Name: "Competency " + code, Description: "d", Area: "a", Type: models.Functional}}))
	must(bulk.New(db).UpsertLearners(ctx, []models.LearnerRecord{{EmployeeCode: "E-" + code, Name: "Asha Verma", Email: strings.ToLower(code) + "@gov.in",
		Designation: "Section Officer", OrganisationCode: "MOF"}}))
	var recs []models.AssessmentItemRecord
	for i := range 30 {
		recs = append(recs, models.AssessmentItemRecord{Code: fmt.Sprintf("%s-%02d", code, i), CompetencyCode: code, Level: i%5 + 1,
			Stem: fmt.Sprintf("Question %d?", i), Options: []string{"a", "b", "c", "d"}, Correct: i%4 + 1})
	}
	must(db.UpsertAssessmentItems(ctx, recs))
	if err := db.Bun().NewSelect().Table("learners").Column("id").Where("employee_code = ?", "E-"+code).Scan(ctx, &learnerID); err != nil {
		t.Fatal(err)
	}
	if err := db.Bun().NewSelect().Table("competencies").Column("id").Where("code = ?", code).Scan(ctx, &competencyID); err != nil {
		t.Fatal(err)
	}
	items, err := assessment.New(db).FindAssessmentItems(ctx, competencyID, false)
	if err != nil {
		t.Fatal(err)
	}
	correct = map[int64]int{}
	for _, it := range items {
		correct[it.ID] = it.Correct
	}
	return learnerID, competencyID, correct
}

// attemptState is what an attempt has stored: to prove an error changed nothing.
func attemptState(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	m, err := assessment.New(db).FindAdaptiveAttemptsByIDs(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := assessment.New(db).FindAttemptResponses(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a := m[id]
	return fmt.Sprintf("%s %v %v %d %v", a.Status, *a.CurrentItemID, a.ItemExpiresAt, a.ItemsAnswered, rs)
}

func TestAdaptiveIntegrity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		learner, comp, correct := adaptiveFixture(t, db, "ADP")
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		a := &service.Adaptive{Store: assessment.New(db), Now: func() time.Time { return now }, Seed: 1}
		uniform := []float64{1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6}

		at, err := a.Start(ctx, learner, comp, uniform)
		if err != nil || at.Status != models.AttemptInProgress || at.CurrentItemID == nil {
			t.Fatalf("start: %+v, %v", at, err)
		}
		// One open attempt: a second start resumes it.
		if again, err := a.Start(ctx, learner, comp, uniform); err != nil || again.ID != at.ID {
			t.Fatalf("second start: %+v, %v", again, err)
		}
		asked := *at.CurrentItemID
		var other int64
		for id := range correct {
			if id != asked {
				other = id
				break
			}
		}
		before := attemptState(t, db, at.ID)
		for _, c := range []struct {
			name          string
			attempt, item int64
			choice        int
			code, field   string
		}{
			{"not asked", at.ID, other, 1, models.EINVALID, "itemId"},
			{"choice 0", at.ID, asked, 0, models.EINVALID, "choice"},
			{"choice 5", at.ID, asked, 5, models.EINVALID, "choice"},
			{"unknown item", at.ID, 1 << 40, 1, models.ENOTFOUND, "itemId"},
			{"unknown attempt", 1 << 40, asked, 1, models.ENOTFOUND, "attemptId"},
		} {
			_, err := a.Answer(ctx, c.attempt, c.item, c.choice)
			if models.ErrorCode(err) != c.code || models.ErrorField(err) != c.field {
				t.Errorf("%s: %v (code %s field %q), want %s %q", c.name, err, models.ErrorCode(err), models.ErrorField(err), c.code, c.field)
			}
		}
		if after := attemptState(t, db, at.ID); after != before {
			t.Errorf("an error changed the attempt:\n%s\n%s", before, after)
		}

		// An answer, the same again (idempotent), a different one (CONFLICT).
		now = now.Add(time.Minute)
		wrong := correct[asked]%4 + 1
		at, err = a.Answer(ctx, at.ID, asked, wrong)
		if err != nil || at.ItemsAnswered != 1 || *at.CurrentItemID == asked {
			t.Fatalf("answer: %+v, %v", at, err)
		}
		before = attemptState(t, db, at.ID)
		if again, err := a.Answer(ctx, at.ID, asked, wrong); err != nil || again.ItemsAnswered != 1 {
			t.Errorf("same answer again: %+v, %v", again, err)
		}
		if _, err := a.Answer(ctx, at.ID, asked, correct[asked]); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("changed answer: %v, want CONFLICT", err)
		}
		if after := attemptState(t, db, at.ID); after != before {
			t.Errorf("a repeated or changed answer changed the attempt:\n%s\n%s", before, after)
		}
		rs, _ := assessment.New(db).FindAttemptResponses(ctx, at.ID)
		if len(rs) != 1 || rs[0].Correct || rs[0].Choice != wrong || rs[0].Position != 1 {
			t.Errorf("responses %+v", rs)
		}

		// Past the item's time limit (5 minutes) the attempt is abandoned when touched.
		now = now.Add(service.DefaultItemTimeLimit + time.Second)
		next := *at.CurrentItemID
		if _, err := a.Answer(ctx, at.ID, next, correct[next]); models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("answer past the time limit: %v, want CONFLICT", err)
		}
		got, err := a.Attempt(ctx, at.ID)
		if err != nil || got.Status != models.AttemptAbandoned || got.CompletedAt == nil || got.CurrentItemID != nil {
			t.Fatalf("expired attempt: %+v, %v", got, err)
		}

		// The cool-off runs from the end of the last attempt, abandoned ones too.
		ended := *got.CompletedAt
		now = now.Add(time.Hour)
		_, err = a.Start(ctx, learner, comp, uniform)
		until := ended.Add(service.DefaultAssessmentCooloff).UTC().Format(time.RFC3339)
		if models.ErrorCode(err) != models.EFORBIDDEN || !strings.Contains(models.ErrorMessage(err), until) {
			t.Fatalf("retake in the cool-off: %v, want FORBIDDEN naming %s", err, until)
		}
		now = ended.Add(service.DefaultAssessmentCooloff)
		at, err = a.Start(ctx, learner, comp, uniform)
		if err != nil || at.Status != models.AttemptInProgress {
			t.Fatalf("start after the cool-off: %+v, %v", at, err)
		}

		// Every answer right: the test stops within 15 items, high, with evidence.
		answered := map[int64]bool{}
		for at.Status == models.AttemptInProgress {
			now = now.Add(30 * time.Second)
			answered[*at.CurrentItemID] = true
			if at, err = a.Answer(ctx, at.ID, *at.CurrentItemID, correct[*at.CurrentItemID]); err != nil {
				t.Fatal(err)
			}
		}
		r := at.Result
		if at.Status != models.AttemptCompleted || r == nil || r.ItemsUsed != at.ItemsAnswered || r.ItemsUsed > 15 ||
			r.Level < 4 || at.EvidenceID == nil || r.EvidenceID == nil {
			t.Fatalf("completed: %+v %+v", at, r)
		}
		e, err := db.FindEvidenceByID(ctx, *at.EvidenceID)
		if err != nil || e.Source != models.Assessment || e.Score != nil || len(e.Likelihood) != 6 || e.Level != max(1, r.Level) ||
			!e.ObservedAt.Equal(*at.CompletedAt) {
			t.Fatalf("evidence %+v, %v", e, err)
		}
		if e.Likelihood[5] < e.Likelihood[1] {
			t.Errorf("likelihood %v favours a low level after every answer right", e.Likelihood)
		}
		profs, err := db.FindProficienciesByLearnerIDs(ctx, []int64{learner})
		if err != nil || len(profs[learner]) != 1 || profs[learner][0].Level < 3 {
			t.Errorf("re-estimated proficiency %+v, %v", profs[learner], err)
		}
		// An answer after the end, to an item this attempt never asked, is CONFLICT (the
		// same answer again to an item it asked is idempotent, and items are drawn at
		// random, so the item is chosen among those it did not ask).
		late := int64(0)
		for id := range correct {
			if !answered[id] {
				late = id
				break
			}
		}
		if _, err := a.Answer(ctx, at.ID, late, 1); late == 0 || models.ErrorCode(err) != models.ECONFLICT {
			t.Errorf("answer after the end to item %d: %v", late, err)
		}
	})
}

// TestAdaptiveAttemptTimeLimit: the attempt's own limit caps each item's deadline,
// and an attempt past it is abandoned.
func TestAdaptiveAttemptTimeLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		learner, comp, correct := adaptiveFixture(t, db, "ADT")
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		a := &service.Adaptive{Store: assessment.New(db), Now: func() time.Time { return now }, AttemptTime: 7 * time.Minute, Seed: 2}
		at, err := a.Start(ctx, learner, comp, nil)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(4 * time.Minute)
		if at, err = a.Answer(ctx, at.ID, *at.CurrentItemID, correct[*at.CurrentItemID]); err != nil {
			t.Fatal(err)
		}
		if !at.ItemExpiresAt.Equal(at.ExpiresAt) {
			t.Errorf("item deadline %v, want the attempt's %v", at.ItemExpiresAt, at.ExpiresAt)
		}
		now = now.Add(3 * time.Minute)
		if got, err := a.Attempt(ctx, at.ID); err != nil || got.Status != models.AttemptAbandoned {
			t.Errorf("attempt past its limit: %+v, %v", got, err)
		}
	})
}

func TestAdaptiveFromEnv(t *testing.T) {
	t.Setenv("KARMAYOGI_ASSESSMENT_COOLOFF", "48h")
	t.Setenv("KARMAYOGI_ASSESSMENT_ITEM_TIME", "90s")
	a := &service.Adaptive{}
	if err := service.AdaptiveFromEnv(a); err != nil || a.Cooloff != 48*time.Hour || a.ItemTime != 90*time.Second || a.AttemptTime != 0 {
		t.Errorf("%+v, %v", a, err)
	}
	t.Setenv("KARMAYOGI_ASSESSMENT_TIME", "an hour")
	if err := service.AdaptiveFromEnv(a); err == nil || !strings.Contains(err.Error(), "KARMAYOGI_ASSESSMENT_TIME") {
		t.Errorf("bad duration: %v", err)
	}
}

// TestCalibrateItemsStage: the calibration stage reads the completed attempts of
// each bank (not those in progress) and stores nothing on a dry run.
func TestCalibrateItemsStage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		learner, comp, correct := adaptiveFixture(t, db, "ADC")
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		a := &service.Adaptive{Store: assessment.New(db), Now: func() time.Time { return now }, Seed: 3}
		at, err := a.Start(ctx, learner, comp, nil)
		if err != nil {
			t.Fatal(err)
		}
		for at.Status == models.AttemptInProgress {
			now = now.Add(10 * time.Second)
			if at, err = a.Answer(ctx, at.ID, *at.CurrentItemID, correct[*at.CurrentItemID]); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := assessment.New(db).FindItemResponses(ctx, comp)
		if err != nil || len(rs) != at.ItemsAnswered || len(rs[0].Prior) != 6 || !rs[0].Correct {
			t.Fatalf("responses %+v, %v", rs, err)
		}
		banks, err := service.CalibrateItems(ctx, assessment.New(db), true)
		if err != nil || len(banks) != 1 || banks[0].CompetencyID != comp || banks[0].Attempts != 1 {
			t.Fatalf("banks %+v, %v", banks, err)
		}
		items, _ := assessment.New(db).FindAssessmentItems(ctx, comp, true)
		for _, it := range items {
			if it.Discrimination != nil {
				t.Errorf("a dry run stored parameters: %+v", it)
			}
		}
	})
}
