package models_test

import (
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// TestCourseCompletion is the rule every completion path calls: who may complete
// which course, and how the completion is verified.
func TestCourseCompletion(t *testing.T) {
	mark := 0.7
	plain, assessed, provided := &models.Course{}, &models.Course{PassMark: &mark}, &models.Course{ProviderVerified: true}
	for _, tc := range []struct {
		name   string
		course *models.Course
		path   models.CompletionPath
		passed bool
		want   models.CompletionVerification // "": waits
	}{
		{"ProgressOnAPlainCourse", plain, models.ByProgress, false, models.SelfReported},
		{"AttendanceOnAPlainCourse", plain, models.ByAttendance, false, models.VerifiedByAttendance},
		{"ProviderOnAPlainCourse", plain, models.ByProvider, false, models.VerifiedByProvider},
		{"ProgressWithoutAPass", assessed, models.ByProgress, false, ""},
		{"ProgressAfterAPass", assessed, models.ByProgress, true, models.VerifiedByAssessment},
		{"PassWithProgressDone", assessed, models.ByAssessmentPass, true, models.VerifiedByAssessment},
		{"AttendanceWithoutAPass", assessed, models.ByAttendance, false, ""},
		{"AttendanceAfterAPass", assessed, models.ByAttendance, true, models.VerifiedByAssessment},
		{"ProviderWithoutAPass", assessed, models.ByProvider, false, models.VerifiedByProvider},
		{"ProgressOnAProviderVerifiedCourse", provided, models.ByProgress, true, ""},
		{"AttendanceOnAProviderVerifiedCourse", provided, models.ByAttendance, false, ""},
		{"ProviderOnAProviderVerifiedCourse", provided, models.ByProvider, false, models.VerifiedByProvider},
	} {
		t.Run(tc.name, func(t *testing.T) {
			how, ok := tc.course.Completion(tc.path, tc.passed)
			if ok != (tc.want != "") || how != tc.want {
				t.Fatalf("Completion = %q, %v; want %q", how, ok, tc.want)
			}
		})
	}
}

// TestPlanMove: DRAFT → LIVE → RETIRED, never back, LIVE only before the due date.
func TestPlanMove(t *testing.T) {
	now := mustTime(t, "2026-12-04T10:00:00Z")
	due := now.AddDate(0, 1, 0)
	for _, tc := range []struct {
		from, to models.PlanStatus
		due      string
		changed  bool
		err      bool
	}{
		{models.PlanDraft, models.PlanLive, "", true, false},
		{models.PlanDraft, models.PlanRetired, "", true, false},
		{models.PlanLive, models.PlanRetired, "", true, false},
		{models.PlanLive, models.PlanLive, "", false, false},
		{models.PlanRetired, models.PlanRetired, "", false, false},
		{models.PlanLive, models.PlanDraft, "", false, true},
		{models.PlanRetired, models.PlanLive, "", false, true},
		{models.PlanRetired, models.PlanDraft, "", false, true},
		{models.PlanDraft, "SOON", "", false, true},
		{models.PlanDraft, models.PlanLive, "2026-12-01T00:00:00Z", false, true}, // past due
	} {
		t.Run(string(tc.from)+"To"+string(tc.to), func(t *testing.T) {
			p := &models.Plan{Status: tc.from, DueDate: due}
			if tc.due != "" {
				p.DueDate = mustTime(t, tc.due)
			}
			changed, err := p.Move(tc.to, now)
			if changed != tc.changed || (err != nil) != tc.err {
				t.Fatalf("Move = %v, %v", changed, err)
			}
			if err != nil && (models.ErrorCode(err) != models.EINVALID || models.ErrorField(err) != "status") {
				t.Fatalf("error %v, want EINVALID on status", err)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
