package domain_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

func TestCompletionCertificates(t *testing.T) {
	at := t0.Add(90 * time.Minute)
	done := []*models.Enrolment{
		{ID: 40, LearnerID: 1, CourseID: 7, CompletedAt: &t0},
		{ID: 41, LearnerID: 2, CourseID: 8, CompletedAt: &at},
	}
	n := 0
	certs, acts := domain.CompletionCertificates(done, models.VerifiedByProvider, func() string { n++; return fmt.Sprintf("KY-%d", n) })
	want := []models.Certificate{
		{LearnerID: 1, CourseID: 7, EnrolmentID: 40, VerificationCode: "KY-1", IssuedAt: t0, Verification: models.VerifiedByProvider},
		{LearnerID: 2, CourseID: 8, EnrolmentID: 41, VerificationCode: "KY-2", IssuedAt: at, Verification: models.VerifiedByProvider},
	}
	if !slices.Equal(certs, want) {
		t.Errorf("certificates %+v, want %+v", certs, want)
	}
	wantActs := []domain.Activity{
		{Kind: domain.Completed, LearnerID: 1, CourseID: 7, EnrolmentID: 40, At: t0},
		{Kind: domain.Completed, LearnerID: 2, CourseID: 8, EnrolmentID: 41, At: at},
	}
	if !slices.Equal(acts, wantActs) {
		t.Errorf("activities %+v, want %+v", acts, wantActs)
	}
}

func TestCompletionEvidence(t *testing.T) {
	later := t0.Add(time.Hour)
	imparts := map[int64][]models.CourseCompetency{
		7: {{CourseID: 7, CompetencyID: 100, ToLevel: 2}, {CourseID: 7, CompetencyID: 101, ToLevel: 3}},
		8: {{CourseID: 8, CompetencyID: 100, ToLevel: 4}},
		9: {{CourseID: 9, CompetencyID: 100, ToLevel: 1}},
	}
	now := t0.Add(24 * time.Hour)
	type row struct {
		learner, competency int64
		level               int
		at                  time.Time
	}
	for _, tc := range []struct {
		name string
		done []*models.Enrolment
		want []row
	}{
		{"ARowPerCompetency", []*models.Enrolment{{LearnerID: 1, CourseID: 7, CompletedAt: &t0}},
			[]row{{1, 100, 2, t0}, {1, 101, 3, t0}}},
		{"TheSameInstantKeepsTheHigherLevel", []*models.Enrolment{
			{LearnerID: 1, CourseID: 7, CompletedAt: &t0}, {LearnerID: 1, CourseID: 8, CompletedAt: &t0}, {LearnerID: 1, CourseID: 9, CompletedAt: &t0}},
			[]row{{1, 100, 4, t0}, {1, 101, 3, t0}}},
		{"AnotherInstantIsAnotherRow", []*models.Enrolment{
			{LearnerID: 1, CourseID: 7, CompletedAt: &t0}, {LearnerID: 1, CourseID: 8, CompletedAt: &later}},
			[]row{{1, 100, 2, t0}, {1, 101, 3, t0}, {1, 100, 4, later}}},
		{"AnotherLearnerIsAnotherRow", []*models.Enrolment{
			{LearnerID: 1, CourseID: 9, CompletedAt: &t0}, {LearnerID: 2, CourseID: 9, CompletedAt: &t0}},
			[]row{{1, 100, 1, t0}, {2, 100, 1, t0}}},
		{"ACourseImpartingNothing", []*models.Enrolment{{LearnerID: 1, CourseID: 10, CompletedAt: &t0}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := domain.CompletionEvidence(tc.done, models.VerifiedByProvider, imparts, now)
			var got []row
			for _, e := range ev {
				got = append(got, row{e.LearnerID, e.CompetencyID, e.Level, e.ObservedAt})
				if e.Source != models.CourseCompletion || e.Verification != models.VerifiedByProvider || !e.CreatedAt.Equal(now) || e.ID != 0 {
					t.Errorf("evidence %+v", e)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("evidence %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInstant(t *testing.T) {
	at := time.Date(2026, 3, 10, 14, 30, 0, 123456789, domain.IST)
	got := domain.Instant(at)
	if got.Location() != time.UTC || got.Nanosecond() != 123456000 || !got.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("Instant(%s) = %s", at, got)
	}
}
