package domain

import (
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// Instant normalises a time as the record keeps it: UTC, to the microsecond (what
// PostgreSQL holds), so times compare equal on both engines.
func Instant(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// What completing a course sets off. An enrolment that becomes COMPLETED (through
// progress, its provider's word, attendance or an import) earns, at its
// completed_at: a certificate, verified how the completion was; the karma of a
// Completed activity (CompletionCertificates); and COURSE_COMPLETION evidence at
// the toLevel of each competency the course imparts, which re-estimates those
// proficiencies (CompletionEvidence). The writer applies them in that order:
// certificates, karma, evidence.

// CompletionCertificates returns, for the enrolments done (each with CompletedAt
// set) completed verified how, a certificate each (without an ID; code makes its
// verification code) and the Completed activity each, in done's order.
func CompletionCertificates(done []*models.Enrolment, how models.CompletionVerification, code func() string) ([]models.Certificate, []Activity) {
	certs := make([]models.Certificate, len(done))
	acts := make([]Activity, len(done))
	for i, e := range done {
		certs[i] = models.Certificate{LearnerID: e.LearnerID, CourseID: e.CourseID, EnrolmentID: e.ID,
			VerificationCode: code(), IssuedAt: *e.CompletedAt, Verification: how}
		acts[i] = Activity{Kind: Completed, LearnerID: e.LearnerID, CourseID: e.CourseID, EnrolmentID: e.ID, At: *e.CompletedAt}
	}
	return certs, acts
}

// CompletionEvidence returns the COURSE_COMPLETION evidence of completing the
// enrolments done, verified how, created at now (without IDs): a row per
// competency each course imparts (imparts, by course), at its toLevel, observed
// when the enrolment completed. Courses completed at the same instant (a date-only
// import, say) may impart the same competency: the evidence key allows one row,
// which keeps the higher level.
func CompletionEvidence(done []*models.Enrolment, how models.CompletionVerification, imparts map[int64][]models.CourseCompetency, now time.Time) []models.Evidence {
	type key struct{ learner, competency, at int64 }
	row := map[key]int{}
	var out []models.Evidence
	for _, e := range done {
		for _, cc := range imparts[e.CourseID] {
			k := key{e.LearnerID, cc.CompetencyID, e.CompletedAt.UnixMicro()}
			if i, ok := row[k]; ok {
				out[i].Level = max(out[i].Level, cc.ToLevel)
				continue
			}
			row[k] = len(out)
			out = append(out, models.Evidence{LearnerID: e.LearnerID, CompetencyID: cc.CompetencyID,
				Source: models.CourseCompletion, Level: cc.ToLevel, ObservedAt: *e.CompletedAt, Verification: how, CreatedAt: now})
		}
	}
	return out
}

// SameEnrolment reports whether writing enrolment e over the stored old would
// change nothing: the same status, progress, enrolment and completion instants.
// Such a record writes nothing, so importing a file again bumps no version.
func SameEnrolment(old, e *models.Enrolment) bool {
	sameCompletion := (old.CompletedAt == nil) == (e.CompletedAt == nil) &&
		(old.CompletedAt == nil || old.CompletedAt.Equal(*e.CompletedAt))
	return old.Status == e.Status && old.Progress == e.Progress && old.EnrolledAt.Equal(e.EnrolledAt) && sameCompletion
}
