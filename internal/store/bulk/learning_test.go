package bulk_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// countingEstimator counts the estimates made of each (learner, competency) pair.
type countingEstimator struct {
	recommender.Estimator
	calls map[[2]int64]int
}

func (c *countingEstimator) Estimate(learnerID, competencyID int64, evidence []models.Evidence) models.Proficiency {
	c.calls[[2]int64{learnerID, competencyID}]++
	return c.Estimator.Estimate(learnerID, competencyID, evidence)
}

func newCountingEstimator(db *store.DB) *countingEstimator {
	c := &countingEstimator{Estimator: recommender.NewEstimator(), calls: map[[2]int64]int{}}
	db.SetEstimator(c)
	return c
}

// tamper overwrites a learner's stored proficiencies, to show that a write did not touch them.
func tamper(t *testing.T, db *store.DB, learnerID int64) {
	t.Helper()
	if _, err := db.Bun().NewUpdate().Table("proficiencies").Set("confidence = 0.123").Where("learner_id = ?", learnerID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func untouched(t *testing.T, db *store.DB, learnerID int64) {
	t.Helper()
	for _, p := range storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{learnerID}))[learnerID] {
		if p.Confidence != 0.123 {
			t.Fatalf("proficiency in competency %d was rewritten: %+v", p.CompetencyID, p)
		}
	}
}

func TestUpsertEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l1, _ := storetest.LearningFixture(t, db)
		l2 := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E2", Name: "Vikram Singh",
			Email: "vikram.singh@nic.in", Designation: "Under Secretary", OrganisationID: f.Office.ID}))
		est := newCountingEstimator(db)
		day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 30, 0, 0, time.UTC) }
		ist := time.FixedZone("IST", 19800)
		recs := []models.EvidenceRecord{
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.Assessment, Level: 3, Score: storetest.Score(0.9), ObservedAt: day(1)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.SelfRating, Level: 4, ObservedAt: day(2)},
			{EmployeeCode: "E1", CompetencyCode: "BEH-010", Source: models.SupervisorRating, Level: 2, ObservedAt: day(3)},
			{EmployeeCode: "E2", CompetencyCode: "BEH-010", Source: models.Certification, Level: 3, ObservedAt: day(4).Add(123 * time.Nanosecond).In(ist)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.SelfRating, Level: 5, ObservedAt: day(2)}, // the same key as #1: the later row wins
			{EmployeeCode: "NOPE", CompetencyCode: "FUN-020", Source: models.SelfRating, Level: 2, ObservedAt: day(5)},
			{EmployeeCode: "E1", CompetencyCode: "NOPE-1", Source: models.SelfRating, Level: 2, ObservedAt: day(5)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.SelfRating, Level: 6, ObservedAt: day(5)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.Assessment, Level: 2, Score: storetest.Score(1.5), ObservedAt: day(5)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.Assessment, Level: 2, ObservedAt: day(5)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: "GOSSIP", Level: 2, ObservedAt: day(5)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.SelfRating, Level: 2, ObservedAt: time.Now().Add(time.Hour)},
			{EmployeeCode: "E1", CompetencyCode: "FUN-020", Source: models.SelfRating, Level: 2},
		}
		v1, v2 := storetest.Version(t, db, l1.ID), storetest.Version(t, db, l2.ID)
		storetest.WantLines(t, "rejected", storetest.RejectionLines(t)(writer(db).UpsertEvidence(ctx, recs)), []string{
			`5 employee_code: no learner has employee code "NOPE"`,
			`6 competency_code: no competency has code "NOPE-1"`,
			`7 level: must be between 1 and 5`,
			`8 score: must be between 0 and 1`,
			`9 score: is required for an ASSESSMENT: the fraction of it answered correctly`,
			`10 source: must be ASSESSMENT, SELF, SUPERVISOR, COURSE_COMPLETION or CERTIFICATION`,
			`11 observed_at: must not be in the future`,
			`12 observed_at: must not be empty`,
		})
		_, got := storetest.StoredEvidence(t, db, l1.ID)
		storetest.WantLines(t, "E1's evidence", got, []string{
			fmt.Sprintf("%d ASSESSMENT 3 0.9 2026-03-01T09:30:00Z", f.Procurement.ID),
			fmt.Sprintf("%d SELF 5 - 2026-03-02T09:30:00Z", f.Procurement.ID),
			fmt.Sprintf("%d SUPERVISOR 2 - 2026-03-03T09:30:00Z", f.Comm.ID),
		})
		evs, got := storetest.StoredEvidence(t, db, l2.ID)
		storetest.WantLines(t, "E2's evidence", got, []string{fmt.Sprintf("%d CERTIFICATION 3 - 2026-03-04T09:30:00Z", f.Comm.ID)})
		if !evs[0].ObservedAt.Equal(day(4)) {
			t.Fatalf("observed at %v, want %v (UTC, to the microsecond)", evs[0].ObservedAt, day(4))
		}
		if len(storetest.WantEstimates(t, db, l1.ID)) != 2 || len(storetest.WantEstimates(t, db, l2.ID)) != 1 {
			t.Fatal("want a proficiency per competency with evidence")
		}
		// One estimate per pair and one version per learner for the whole batch.
		for pair, n := range est.calls {
			if n != 1 {
				t.Fatalf("pair %v estimated %d times in one batch", pair, n)
			}
		}
		if len(est.calls) != 3 || storetest.Version(t, db, l1.ID) != v1+1 || storetest.Version(t, db, l2.ID) != v2+1 {
			t.Fatalf("%d pairs estimated; versions %d -> %d and %d -> %d", len(est.calls), v1, storetest.Version(t, db, l1.ID), v2, storetest.Version(t, db, l2.ID))
		}

		t.Run("ImportAgainChangesNothing", func(t *testing.T) {
			v1, v2 := storetest.Version(t, db, l1.ID), storetest.Version(t, db, l2.ID)
			tamper(t, db, l1.ID)
			tamper(t, db, l2.ID)
			clear(est.calls)
			if rejected, err := writer(db).UpsertEvidence(ctx, recs); err != nil || len(rejected) != 8 {
				t.Fatalf("rejected %d, err %v", len(rejected), err)
			}
			if storetest.Version(t, db, l1.ID) != v1 || storetest.Version(t, db, l2.ID) != v2 || len(est.calls) != 0 {
				t.Fatalf("versions %d -> %d and %d -> %d, %d estimates", v1, storetest.Version(t, db, l1.ID), v2, storetest.Version(t, db, l2.ID), len(est.calls))
			}
			untouched(t, db, l1.ID)
			untouched(t, db, l2.ID)
			if _, got := storetest.StoredEvidence(t, db, l1.ID); len(got) != 3 {
				t.Fatalf("E1 has %d rows of evidence", len(got))
			}
			storetest.Must[int](t)(db.Reestimate(ctx))
		})

		t.Run("ChangedRowReestimatesItsPairOnly", func(t *testing.T) {
			v1, v2 := storetest.Version(t, db, l1.ID), storetest.Version(t, db, l2.ID)
			clear(est.calls)
			tamper(t, db, l2.ID)
			changed := recs[0]
			changed.Score = storetest.Score(0.2)
			storetest.NoRejects(t)(writer(db).UpsertEvidence(ctx, []models.EvidenceRecord{changed, recs[3]}))
			if len(est.calls) != 1 || est.calls[[2]int64{l1.ID, f.Procurement.ID}] != 1 {
				t.Fatalf("estimates %v, want one of E1 in FUN-020", est.calls)
			}
			if storetest.Version(t, db, l1.ID) != v1+1 || storetest.Version(t, db, l2.ID) != v2 {
				t.Fatalf("versions %d -> %d and %d -> %d", v1, storetest.Version(t, db, l1.ID), v2, storetest.Version(t, db, l2.ID))
			}
			untouched(t, db, l2.ID)
			profs := storetest.WantEstimates(t, db, l1.ID)
			for _, p := range profs {
				if p.CompetencyID == f.Procurement.ID && p.Level >= 3 {
					t.Fatalf("a failed assessment at level 3 left level %d", p.Level)
				}
			}
			storetest.Must[int](t)(db.Reestimate(ctx))
		})

		t.Run("ManyLearnersInOneBatch", func(t *testing.T) {
			var learners []models.LearnerRecord
			var evidence []models.EvidenceRecord
			for i := range 40 {
				code := fmt.Sprintf("B%03d", i)
				learners = append(learners, models.LearnerRecord{EmployeeCode: code, Name: "Officer " + code, Email: code + "@gov.in",
					Designation: "Assistant", OrganisationCode: f.Office.Code})
				for d := range 30 {
					evidence = append(evidence, models.EvidenceRecord{EmployeeCode: code, CompetencyCode: []string{"BEH-010", "FUN-020"}[d%2],
						Source: models.SupervisorRating, Level: 1 + (i+d)%5, ObservedAt: day(1).Add(time.Duration(d) * time.Hour)})
				}
			}
			storetest.NoRejects(t)(writer(db).UpsertLearners(ctx, learners))
			clear(est.calls)
			storetest.NoRejects(t)(writer(db).UpsertEvidence(ctx, evidence)) // 1,200 rows: more than one INSERT
			if len(est.calls) != 80 {
				t.Fatalf("%d pairs estimated, want 80", len(est.calls))
			}
			p := storetest.Must[*models.Page[*models.Learner]](t)(db.FindLearners(ctx, models.LearnerFilter{Search: new("B039")}, models.PageRequest{First: 1}))
			if evs, _ := storetest.StoredEvidence(t, db, p.Items[0].ID); len(evs) != 30 || p.Items[0].Version != 2 {
				t.Fatalf("B039: %d rows of evidence, version %d", len(evs), p.Items[0].Version)
			}
			storetest.WantEstimates(t, db, p.Items[0].ID)
		})
	})
}

func TestUpsertEnrolments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, l1, gem := storetest.LearningFixture(t, db)
		l2 := storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "E2", Name: "Vikram Singh",
			Email: "vikram.singh@nic.in", Designation: "Under Secretary", OrganisationID: f.Office.ID}))
		talk := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "COM-201", Title: "Speaking in meetings", Provider: "ISTM",
			Format: models.Online, DurationHours: 2, Competencies: []models.CourseCompetency{{CompetencyID: f.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
		day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
		at := func(d int) *time.Time { t := day(d).Add(10 * time.Hour); return &t }
		stars := func(n int) *int { return &n }
		future := time.Now().Add(time.Hour)
		recs := []models.EnrolmentRecord{
			{EmployeeCode: "E1", CourseCode: "GEM-101", Status: models.Completed, Progress: 1, EnrolledAt: day(1), CompletedAt: at(10), Rating: stars(5)},
			{EmployeeCode: "E1", CourseCode: "COM-201", Status: models.InProgress, Progress: 0.5, EnrolledAt: day(2)},
			{EmployeeCode: "E2", CourseCode: "GEM-101", Status: models.Enrolled, EnrolledAt: day(3), Rating: stars(1)},
			{EmployeeCode: "NOPE", CourseCode: "GEM-101", Status: models.Enrolled, EnrolledAt: day(3)},
			{EmployeeCode: "E2", CourseCode: "NOPE-1", Status: models.Enrolled, EnrolledAt: day(3)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: "PAUSED", EnrolledAt: day(3)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.InProgress, Progress: 1.5, EnrolledAt: day(3)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Completed, Progress: 1, EnrolledAt: day(3)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.InProgress, Progress: 0.5, EnrolledAt: day(3), CompletedAt: at(4)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Completed, Progress: 0.9, EnrolledAt: day(3), CompletedAt: at(4)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Completed, Progress: 1, EnrolledAt: day(5), CompletedAt: at(4)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Enrolled, EnrolledAt: future},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Completed, Progress: 1, EnrolledAt: day(3), CompletedAt: &future},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Enrolled, EnrolledAt: day(3), Rating: stars(6)},
			{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.Enrolled},
		}
		v1, v2 := storetest.Version(t, db, l1.ID), storetest.Version(t, db, l2.ID)
		storetest.WantLines(t, "rejected", storetest.RejectionLines(t)(writer(db).UpsertEnrolments(ctx, recs)), []string{
			`3 employee_code: no learner has employee code "NOPE"`,
			`4 course_code: no course has code "NOPE-1"`,
			`5 status: must be ENROLLED, IN_PROGRESS, COMPLETED or DROPPED`,
			`6 progress: must be between 0 and 1`,
			`7 completed_at: is required for a COMPLETED enrolment`,
			`8 completed_at: must be empty unless the status is COMPLETED`,
			`9 progress: must be 1 for a COMPLETED enrolment`,
			`10 completed_at: must not be before enrolled_at`,
			`11 enrolled_at: must not be in the future`,
			`12 completed_at: must not be in the future`,
			`13 rating: must be between 1 and 5`,
			`14 enrolled_at: must not be empty`,
		})
		enrolments := func(l *models.Learner) []string {
			t.Helper()
			var out []string
			for _, e := range storetest.Must[*models.Page[*models.Enrolment]](t)(db.FindEnrolments(ctx, l.ID, nil, models.PageRequest{First: 10})).Items {
				done := "-"
				if e.CompletedAt != nil {
					done = e.CompletedAt.UTC().Format(time.RFC3339)
				}
				out = append(out, fmt.Sprintf("%d %s %.2f %s %s", e.CourseID, e.Status, e.Progress, e.EnrolledAt.UTC().Format(time.DateOnly), done))
			}
			return out
		}
		storetest.WantLines(t, "E1's enrolments", enrolments(l1), []string{
			fmt.Sprintf("%d COMPLETED 1.00 2026-03-01 2026-03-10T10:00:00Z", gem.ID),
			fmt.Sprintf("%d IN_PROGRESS 0.50 2026-03-02 -", talk.ID),
		})
		storetest.WantLines(t, "E2's enrolments", enrolments(l2), []string{fmt.Sprintf("%d ENROLLED 0.00 2026-03-03 -", gem.ID)})
		course := func(c *models.Course) *models.Course {
			return storetest.Must[*models.Course](t)(db.FindCourseByID(ctx, c.ID))
		}
		if g, c := course(gem), course(talk); g.EnrolmentCount != 2 || c.EnrolmentCount != 1 {
			t.Fatalf("enrolment counts %d and %d, want 2 and 1", g.EnrolmentCount, c.EnrolmentCount)
		}
		// 5 and 1 stars, with the prior of 5 ratings of 3.5: (17.5 + 6) / 7.
		if g := course(gem); g.RatingSum != 6 || g.RatingCount != 2 || math.Abs(*g.Rating()-23.5/7) > 1e-12 {
			t.Fatalf("GEM-101: %d stars over %d ratings", g.RatingSum, g.RatingCount)
		}
		if storetest.Version(t, db, l1.ID) != v1+1 || storetest.Version(t, db, l2.ID) != v2+1 {
			t.Fatalf("versions %d -> %d and %d -> %d, want one bump each", v1, storetest.Version(t, db, l1.ID), v2, storetest.Version(t, db, l2.ID))
		}

		// Completing through import has the API's effects: a certificate issued when the
		// course was completed, COURSE_COMPLETION evidence at its toLevel, the estimate.
		certified := func(t *testing.T, l *models.Learner, want ...string) {
			t.Helper()
			var got []string
			for _, c := range storetest.Must[*models.Page[*models.Certificate]](t)(db.FindCertificates(ctx, l.ID, models.PageRequest{First: 10})).Items {
				got = append(got, fmt.Sprintf("%d %s", c.CourseID, c.IssuedAt.UTC().Format(time.RFC3339)))
			}
			storetest.WantLines(t, "certificates", got, want)
		}
		certified(t, l1, fmt.Sprintf("%d 2026-03-10T10:00:00Z", gem.ID))
		_, got := storetest.StoredEvidence(t, db, l1.ID)
		storetest.WantLines(t, "E1's evidence", got, []string{fmt.Sprintf("%d COURSE_COMPLETION 3 - 2026-03-10T10:00:00Z", f.Procurement.ID)})
		storetest.WantEstimates(t, db, l1.ID)

		t.Run("ImportAgainChangesNothing", func(t *testing.T) {
			v1, v2 := storetest.Version(t, db, l1.ID), storetest.Version(t, db, l2.ID)
			tamper(t, db, l1.ID)
			if rejected, err := writer(db).UpsertEnrolments(ctx, recs); err != nil || len(rejected) != 12 {
				t.Fatalf("rejected %d, err %v", len(rejected), err)
			}
			if storetest.Version(t, db, l1.ID) != v1 || storetest.Version(t, db, l2.ID) != v2 {
				t.Fatalf("versions %d -> %d and %d -> %d", v1, storetest.Version(t, db, l1.ID), v2, storetest.Version(t, db, l2.ID))
			}
			untouched(t, db, l1.ID)
			certified(t, l1, fmt.Sprintf("%d 2026-03-10T10:00:00Z", gem.ID))
			if _, got := storetest.StoredEvidence(t, db, l1.ID); len(got) != 1 {
				t.Fatalf("E1 has %d rows of evidence", len(got))
			}
			if g := course(gem); g.EnrolmentCount != 2 || g.RatingSum != 6 || g.RatingCount != 2 {
				t.Fatalf("GEM-101: %d enrolments, %d stars over %d ratings", g.EnrolmentCount, g.RatingSum, g.RatingCount)
			}
			storetest.Must[int](t)(db.Reestimate(ctx))
		})

		t.Run("ErrBackwards", func(t *testing.T) {
			v1 := storetest.Version(t, db, l1.ID)
			// One key per call: of rows with one key in a batch, only the last is written.
			for _, tc := range []struct {
				rec  models.EnrolmentRecord
				want string
			}{
				{models.EnrolmentRecord{EmployeeCode: "E1", CourseCode: "COM-201", Status: models.InProgress, Progress: 0.3, EnrolledAt: day(2)},
					`0 progress: must not go below the stored progress 0.50`},
				{models.EnrolmentRecord{EmployeeCode: "E1", CourseCode: "GEM-101", Status: models.InProgress, Progress: 0.5, EnrolledAt: day(1)},
					`0 progress: must not go below the stored progress 1.00`},
				{models.EnrolmentRecord{EmployeeCode: "E1", CourseCode: "GEM-101", Status: models.Dropped, Progress: 1, EnrolledAt: day(1)},
					`0 status: must stay COMPLETED: the enrolment was completed at 2026-03-10T10:00:00Z`},
				{models.EnrolmentRecord{EmployeeCode: "E1", CourseCode: "GEM-101", Status: models.Completed, Progress: 1, EnrolledAt: day(1), CompletedAt: at(11), Rating: stars(2)},
					`0 completed_at: must stay 2026-03-10T10:00:00Z, when the enrolment was completed`},
			} {
				storetest.WantLines(t, "rejected", storetest.RejectionLines(t)(writer(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{tc.rec})), []string{tc.want})
			}
			if storetest.Version(t, db, l1.ID) != v1 {
				t.Fatal("rejected rows bumped the version")
			}
			if g := course(gem); g.RatingSum != 6 {
				t.Fatalf("a rejected row's rating was stored: %d stars", g.RatingSum)
			}
			certified(t, l1, fmt.Sprintf("%d 2026-03-10T10:00:00Z", gem.ID))
		})

		t.Run("ProgressAndCompletionThroughImport", func(t *testing.T) {
			v1 := storetest.Version(t, db, l1.ID)
			storetest.NoRejects(t)(writer(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
				{EmployeeCode: "E1", CourseCode: "COM-201", Status: models.InProgress, Progress: 0.8, EnrolledAt: day(2)},
				{EmployeeCode: "E1", CourseCode: "COM-201", Status: models.Completed, Progress: 1, EnrolledAt: day(2), CompletedAt: at(20), Rating: stars(4)},
			}))
			if storetest.Version(t, db, l1.ID) != v1+1 {
				t.Fatalf("version %d -> %d, want one bump", v1, storetest.Version(t, db, l1.ID))
			}
			certified(t, l1, fmt.Sprintf("%d 2026-03-10T10:00:00Z", gem.ID), fmt.Sprintf("%d 2026-03-20T10:00:00Z", talk.ID))
			_, got := storetest.StoredEvidence(t, db, l1.ID)
			storetest.WantLines(t, "E1's evidence", got, []string{
				fmt.Sprintf("%d COURSE_COMPLETION 3 - 2026-03-10T10:00:00Z", f.Procurement.ID),
				fmt.Sprintf("%d COURSE_COMPLETION 2 - 2026-03-20T10:00:00Z", f.Comm.ID),
			})
			storetest.WantEstimates(t, db, l1.ID)
			if c := course(talk); c.EnrolmentCount != 1 || c.RatingSum != 4 || c.RatingCount != 1 || math.Abs(*c.Rating()-21.5/6) > 1e-12 {
				t.Fatalf("COM-201: %d enrolments, %d stars over %d", c.EnrolmentCount, c.RatingSum, c.RatingCount)
			}
		})

		t.Run("RatingReplacesStars", func(t *testing.T) {
			v2 := storetest.Version(t, db, l2.ID)
			storetest.NoRejects(t)(writer(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
				{EmployeeCode: "E2", CourseCode: "GEM-101", Status: models.Enrolled, EnrolledAt: day(3), Rating: stars(3)},
			}))
			if g := course(gem); g.RatingSum != 8 || g.RatingCount != 2 || math.Abs(*g.Rating()-25.5/7) > 1e-12 {
				t.Fatalf("GEM-101: %d stars over %d ratings", g.RatingSum, g.RatingCount)
			}
			if storetest.Version(t, db, l2.ID) != v2+1 {
				t.Fatal("a new rating did not bump the version")
			}
			// Leaving the rating out keeps it.
			storetest.NoRejects(t)(writer(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
				{EmployeeCode: "E2", CourseCode: "GEM-101", Status: models.Enrolled, EnrolledAt: day(3)},
			}))
			if g := course(gem); g.RatingSum != 8 || storetest.Version(t, db, l2.ID) != v2+1 {
				t.Fatalf("a row without a rating changed the course (%d stars) or the version", g.RatingSum)
			}
		})

		t.Run("EnrolledThroughTheAPI", func(t *testing.T) {
			e := storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, l2.ID, talk.ID))
			storetest.NoRejects(t)(writer(db).UpsertEnrolments(ctx, []models.EnrolmentRecord{
				{EmployeeCode: "E2", CourseCode: "COM-201", Status: models.InProgress, Progress: 0.25, EnrolledAt: day(4)},
			}))
			got := storetest.Must[*models.Enrolment](t)(db.FindEnrolmentByID(ctx, e.ID))
			if got.Status != models.InProgress || got.Progress != 0.25 || course(talk).EnrolmentCount != 2 {
				t.Fatalf("enrolment %+v, %d enrolments in COM-201", got, course(talk).EnrolmentCount)
			}
		})
	})
}
