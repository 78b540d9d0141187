package store_test

import (
	"fmt"
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

func TestRecordEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := storetest.LearningFixture(t, db)
		// Two roles that require procurement: the write returns the higher level.
		for i, level := range []int{2, 4} {
			role := storetest.Must[*models.Role](t)(db.InsertRole(ctx, &models.NewRole{Code: fmt.Sprintf("ROLE-BUY%d", i), Name: "Buyer",
				Requirements: []models.RoleRequirement{{CompetencyID: f.Procurement.ID, RequiredLevel: level, Weight: 1}}}))
			storetest.Must[*models.Learner](t)(db.InsertLearnerRole(ctx, l.ID, role.ID))
		}
		v0 := storetest.Version(t, db, l.ID)
		at := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("IST", 19800))
		rec, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
			Source: models.Assessment, Level: 3, Score: storetest.Score(0.9), ObservedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		ev, prof := rec.Evidence, rec.Proficiency
		// The requirement read under the write's lock is the one the learner's
		// roles give, as the API reads it.
		if want := storetest.Must[map[int64]int](t)(requiredOf(db, l.ID))[f.Procurement.ID]; rec.Required != want || want != 4 {
			t.Errorf("the write returned requirement %d, the roles give %d", rec.Required, want)
		}
		if !ev.ObservedAt.Equal(at.Truncate(time.Microsecond)) || ev.ID == 0 {
			t.Fatalf("evidence = %+v", ev)
		}
		want := recommender.NewEstimator().Estimate(l.ID, f.Procurement.ID, []models.Evidence{*ev})
		if prof.Level != want.Level || math.Abs(prof.Confidence-want.Confidence) > 1e-12 || prof.Level < 3 {
			t.Fatalf("proficiency = %+v, want %+v", prof, want)
		}
		if got := storetest.Version(t, db, l.ID); got != v0+1 {
			t.Fatalf("version %d -> %d, want one bump", v0, got)
		}
		stored := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
		if len(stored) != 1 || stored[0].Level != prof.Level || len(stored[0].Distribution) != 6 {
			t.Fatalf("stored = %+v", stored)
		}

		// The same observation again replaces it rather than adding a second row.
		before := db.QueryCount()
		recAgain, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Procurement.ID,
			Source: models.Assessment, Level: 3, Score: storetest.Score(0.2), ObservedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		again := recAgain.Proficiency
		statements := db.QueryCount() - before
		page := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 10}))
		if page.TotalCount != 1 || *page.Items[0].Score != 0.2 || again.Level >= prof.Level {
			t.Fatalf("after a repeat: %d rows, proficiency %d (was %d)", page.TotalCount, again.Level, prof.Level)
		}
		// On PostgreSQL each statement is a round trip, paid with the learner's row
		// locked: BEGIN, the version, the evidence with the pair's evidence, the
		// requirement, the proficiency with the gap row and its rollup (one
		// message), the peer events (read; here none moved, so none written), COMMIT.
		if db.Dialect() == "postgres" && statements > 7 {
			t.Errorf("an evidence write ran %d statements, want at most 7", statements)
		}

		future := time.Now().Add(time.Hour)
		for _, tc := range []struct {
			name, code, field string
			in                models.NewEvidence
		}{
			{"ErrLevelOutOfRange", models.EINVALID, "level", models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: models.SelfRating, Level: 6}},
			{"ErrLevelZero", models.EINVALID, "level", models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: models.SelfRating, Level: 0}},
			{"ErrScoreOutOfRange", models.EINVALID, "score", models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: models.Assessment, Level: 2, Score: storetest.Score(1.5)}},
			{"ErrAssessmentWithoutScore", models.EINVALID, "score", models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: models.Assessment, Level: 2}},
			{"ErrFuture", models.EINVALID, "observedAt", models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: models.SelfRating, Level: 2, ObservedAt: future}},
			{"ErrSource", models.EINVALID, "source", models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: "GOSSIP", Level: 2}},
			{"ErrUnknownCompetency", models.EINVALID, "competencyId", models.NewEvidence{LearnerID: l.ID, CompetencyID: 999999, Source: models.SelfRating, Level: 2}},
			{"ErrUnknownLearner", models.ENOTFOUND, "", models.NewEvidence{LearnerID: 999999, CompetencyID: f.Comm.ID, Source: models.SelfRating, Level: 2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := storetest.Version(t, db, l.ID)
				_, err := service.NewLearning(db).RecordEvidence(ctx, &tc.in) // the use case: validation, then the store
				storetest.WantCode(t, err, tc.code, tc.field)
				if storetest.Version(t, db, l.ID) != before {
					t.Fatal("a refused evidence bumped the version")
				}
			})
		}
		if page := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 10})); page.TotalCount != 1 {
			t.Fatalf("refused evidence was stored: %d rows", page.TotalCount)
		}
	})
}

func TestEvidencePagesNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := storetest.LearningFixture(t, db)
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 7 {
			for _, c := range []int64{f.Comm.ID, f.Procurement.ID} {
				// Two rows share each timestamp, so the id must break the tie.
				storetest.Must[*models.Evidence](t)(func() (*models.Evidence, error) {
					rec, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: c, Source: models.SupervisorRating,
						Level: 1 + i%5, ObservedAt: base.Add(time.Duration(i) * 24 * time.Hour)})
					if err != nil {
						return nil, err
					}
					return rec.Evidence, nil
				}())
			}
		}
		var seen []time.Time
		ids := map[int64]bool{}
		p := models.PageRequest{First: 3}
		for {
			page := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, p))
			for _, e := range page.Items {
				seen, ids[e.ID] = append(seen, e.ObservedAt), true
			}
			if !page.HasNextPage {
				break
			}
			p.After = &page.Cursors[len(page.Cursors)-1]
		}
		if len(seen) != 14 || len(ids) != 14 {
			t.Fatalf("visited %d rows (%d distinct), want 14", len(seen), len(ids))
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].After(seen[i-1]) {
				t.Fatalf("row %d is newer than row %d", i, i-1)
			}
		}
	})
}

func TestEnrolmentLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, c := storetest.LearningFixture(t, db)
		e := storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l.ID, c.ID))
		if e.Status != models.Enrolled || e.Progress != 0 {
			t.Fatalf("new enrolment = %+v", e)
		}
		_, err := db.InsertEnrolment(ctx, l.ID, c.ID)
		storetest.WantCode(t, err, models.ECONFLICT, "courseId")
		_, err = db.InsertEnrolment(ctx, l.ID, 999999)
		storetest.WantCode(t, err, models.EINVALID, "courseId")
		if got := storetest.Must[*models.Course](t)(db.FindCourseByID(ctx, c.ID)).EnrolmentCount; got != 1 {
			t.Fatalf("enrolment count = %d after a refused repeat", got)
		}

		e = storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, e.ID, 0.5))
		if e.Status != models.InProgress {
			t.Fatalf("status = %s at 0.5", e.Status)
		}
		for _, tc := range []struct {
			name     string
			progress float64
		}{{"ErrBackwards", 0.4}, {"ErrAboveOne", 1.01}, {"ErrNegative", -0.1}, {"ErrNaN", math.NaN()}} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := service.NewLearning(db).UpdateProgress(ctx, e.ID, tc.progress)
				storetest.WantCode(t, err, models.EINVALID, "progress")
			})
		}
		_, err = db.SaveProgress(ctx, 999999, 0.5)
		storetest.WantCode(t, err, models.ENOTFOUND, "")

		v := storetest.Version(t, db, l.ID)
		e = storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, e.ID, 1))
		if e.Status != models.Completed || e.CompletedAt == nil || storetest.Version(t, db, l.ID) != v+1 {
			t.Fatalf("completed enrolment = %+v", e)
		}
		certs := storetest.Must[map[int64]*models.Certificate](t)(db.FindCertificatesByEnrolmentIDs(ctx, []int64{e.ID}))
		cert := certs[e.ID]
		if cert == nil || !regexp.MustCompile(`^KY(-[0-9A-HJKMNP-TV-Z]{4}){4}$`).MatchString(cert.VerificationCode) {
			t.Fatalf("certificate = %+v", cert)
		}
		if got := storetest.Must[*models.Certificate](t)(db.FindCertificateByCode(ctx, cert.VerificationCode)); got.ID != cert.ID {
			t.Fatalf("by code: %+v", got)
		}
		_, err = db.FindCertificateByCode(ctx, "KY-0000-0000-0000-0000")
		storetest.WantCode(t, err, models.ENOTFOUND, "")

		// Completion is COURSE_COMPLETION evidence at the course's toLevel.
		page := storetest.Must[*models.Page[*models.Evidence]](t)(db.FindEvidence(ctx, l.ID, models.PageRequest{First: 10}))
		if page.TotalCount != 1 || page.Items[0].Source != models.CourseCompletion || page.Items[0].Level != 3 ||
			page.Items[0].CompetencyID != f.Procurement.ID || !page.Items[0].ObservedAt.Equal(*e.CompletedAt) {
			t.Fatalf("completion evidence = %+v", page.Items)
		}
		profs := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
		if len(profs) != 1 || profs[0].CompetencyID != f.Procurement.ID {
			t.Fatalf("proficiencies after completion = %+v", profs)
		}

		// Completing again changes nothing: no second certificate or evidence.
		again := storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, e.ID, 1))
		if !again.CompletedAt.Equal(*e.CompletedAt) || storetest.Version(t, db, l.ID) != v+1 {
			t.Fatalf("a repeat completion changed the enrolment: %+v", again)
		}
		if n := storetest.Must[*models.Page[*models.Certificate]](t)(db.FindCertificates(ctx, l.ID, models.PageRequest{First: 5})).TotalCount; n != 1 {
			t.Fatalf("%d certificates", n)
		}
		status := models.Completed
		if n := storetest.Must[*models.Page[*models.Enrolment]](t)(db.FindEnrolments(ctx, l.ID, &status, models.PageRequest{First: 5})).TotalCount; n != 1 {
			t.Fatalf("%d completed enrolments", n)
		}
		byID := storetest.Must[map[int64]*models.Enrolment](t)(db.FindEnrolmentsByIDs(ctx, []int64{e.ID, 999999}))
		if len(byID) != 1 || byID[e.ID] == nil || byID[e.ID].Status != models.Completed || byID[e.ID].LearnerID != l.ID {
			t.Fatalf("enrolments by ID = %+v", byID)
		}
	})
}

func TestRateCourse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, l, c := storetest.LearningFixture(t, db)
		_, err := db.SaveRating(ctx, l.ID, c.ID, 5)
		storetest.WantCode(t, err, models.EINVALID, "courseId") // not enrolled
		storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l.ID, c.ID))
		for _, stars := range []int{0, 6} {
			_, err := service.NewLearning(db).RateCourse(ctx, l.ID, c.ID, stars)
			storetest.WantCode(t, err, models.EINVALID, "stars")
		}
		rated := storetest.Must[*models.Course](t)(db.SaveRating(ctx, l.ID, c.ID, 5))
		if rated.RatingCount != 1 || rated.RatingSum != 5 {
			t.Fatalf("after one rating: %d stars over %d", rated.RatingSum, rated.RatingCount)
		}
		// One 5-star rating reads as the Bayesian average, well below 5.
		if r := *rated.Rating(); math.Abs(r-3.75) > 1e-12 {
			t.Fatalf("rating = %v, want 3.75", r)
		}
		rated = storetest.Must[*models.Course](t)(db.SaveRating(ctx, l.ID, c.ID, 2))
		if rated.RatingCount != 1 || rated.RatingSum != 2 {
			t.Fatalf("re-rating: %d stars over %d, want 2 over 1", rated.RatingSum, rated.RatingCount)
		}
	})
}

func TestReestimateRebuildsFromTheLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l, _ := storetest.LearningFixture(t, db)
		for i, src := range []models.EvidenceSource{models.SelfRating, models.SupervisorRating, models.Certification} {
			if _, err := db.SaveEvidence(ctx, &models.NewEvidence{LearnerID: l.ID, CompetencyID: f.Comm.ID, Source: src,
				Level: 2 + i, ObservedAt: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
		}
		before := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
		if _, err := db.Bun().NewUpdate().Table("proficiencies").Set("level = 0, confidence = 1, distribution = '[1,0,0,0,0,0]'").
			Where("learner_id = ?", l.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Reestimate(ctx); err != nil || n != 1 {
			t.Fatalf("reestimated %d learners: %v", n, err)
		}
		after := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l.ID}))[l.ID]
		if len(after) != 1 || after[0].Level != before[0].Level || math.Abs(after[0].Confidence-before[0].Confidence) > 1e-12 {
			t.Fatalf("rebuilt %+v, want %+v", after, before)
		}
	})
}

// requiredOf is the highest level the learner's roles require in each
// competency, read as the API reads it (graph's requiredLevels).
func requiredOf(db *store.DB, learnerID int64) (map[int64]int, error) {
	roles, err := db.FindRoleIDsByLearnerIDs(ctx, []int64{learnerID})
	if err != nil {
		return nil, err
	}
	reqs, err := db.FindRequirementsByRoleIDs(ctx, roles[learnerID])
	return domain.RequiredLevels(roles[learnerID], reqs), err
}
