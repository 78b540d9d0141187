package service

import (
	"context"
	"math"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// LearningReader reads learners' evidence, proficiencies, enrolments and certificates.
type LearningReader interface {
	FindEvidenceByID(ctx context.Context, id int64) (*models.Evidence, error)
	FindEvidence(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.Evidence], error)
	FindProficienciesByLearnerIDs(ctx context.Context, ids []int64) (map[int64][]*models.Proficiency, error)
	FindEnrolmentByID(ctx context.Context, id int64) (*models.Enrolment, error)
	FindEnrolmentsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Enrolment, error)
	FindEnrolments(ctx context.Context, learnerID int64, status *models.EnrolmentStatus, p models.PageRequest) (*models.Page[*models.Enrolment], error)
	FindCertificateByID(ctx context.Context, id int64) (*models.Certificate, error)
	FindCertificatesByEnrolmentIDs(ctx context.Context, ids []int64) (map[int64]*models.Certificate, error)
	FindCertificates(ctx context.Context, learnerID int64, p models.PageRequest) (*models.Page[*models.Certificate], error)
	FindCertificateByCode(ctx context.Context, code string) (*models.Certificate, error)
}

// LearningStore is what Learning keeps the learning record in. Each write takes
// validated input, bumps the learner's version and records the learner.
type LearningStore interface {
	LearningReader
	// Now is the store's clock, which evidence is validated against.
	Now() time.Time
	// SaveEvidence stores evidence and the re-estimated proficiency. EINVALID
	// (competencyId) for an unknown competency; ENOTFOUND for an unknown learner.
	SaveEvidence(ctx context.Context, n *models.NewEvidence) (*models.RecordedEvidence, error)
	// InsertEnrolment enrols a learner in a course, once. ECONFLICT (courseId) if
	// enrolled already; EINVALID (courseId) for an unknown course; ENOTFOUND for an
	// unknown learner.
	InsertEnrolment(ctx context.Context, learnerID, courseID int64) (*models.Enrolment, error)
	// SaveProgress moves an enrolment to progress (0..1), completing the course
	// when its rule allows. EINVALID (progress) below the current progress;
	// ENOTFOUND for an unknown enrolment.
	SaveProgress(ctx context.Context, enrolmentID int64, progress float64) (*models.Enrolment, error)
	// SaveCompletion completes an enrolment, verified by its provider. ENOTFOUND;
	// EINVALID (enrolmentId) for a dropped one.
	SaveCompletion(ctx context.Context, enrolmentID int64) (*models.Enrolment, error)
	// SaveRating records a learner's stars (1..5) for a course. EINVALID (courseId)
	// when not enrolled; ENOTFOUND for an unknown learner.
	SaveRating(ctx context.Context, learnerID, courseID int64, stars int) (*models.Course, error)
}

// Learning is the learning record's use cases (models.LearningService). Its writes
// are the learner's own record: nothing more is recorded than the learner the
// store records.
type Learning struct {
	LearningReader
	Store LearningStore
}

var _ models.LearningService = (*Learning)(nil)

// NewLearning returns the learning record's service over s.
func NewLearning(s LearningStore) *Learning {
	return &Learning{LearningReader: s, Store: s}
}

// RecordEvidence stores evidence and the re-estimated proficiency in its
// competency. EINVALID for bad input (against the store's clock) or an unknown
// competency; ENOTFOUND for an unknown learner.
func (s *Learning) RecordEvidence(ctx context.Context, n *models.NewEvidence) (*models.RecordedEvidence, error) {
	if err := n.Validate(s.Store.Now()); err != nil {
		return nil, err
	}
	return s.Store.SaveEvidence(ctx, n)
}

// Enrol enrols a learner in a course, once.
func (s *Learning) Enrol(ctx context.Context, learnerID, courseID int64) (*models.Enrolment, error) {
	return s.Store.InsertEnrolment(ctx, learnerID, courseID)
}

// UpdateProgress moves an enrolment forward. EINVALID (progress) outside 0..1 or
// below the current progress; ENOTFOUND for an unknown enrolment.
func (s *Learning) UpdateProgress(ctx context.Context, enrolmentID int64, progress float64) (*models.Enrolment, error) {
	if math.IsNaN(progress) || progress < 0 || progress > 1 {
		return nil, models.Invalid("progress", "must be between 0 and 1")
	}
	return s.Store.SaveProgress(ctx, enrolmentID, progress)
}

// ConfirmCompletion completes an enrolment on its course provider's word.
func (s *Learning) ConfirmCompletion(ctx context.Context, enrolmentID int64) (*models.Enrolment, error) {
	return s.Store.SaveCompletion(ctx, enrolmentID)
}

// RateCourse records a learner's stars for a course they are enrolled in.
// EINVALID (stars) outside 1..5.
func (s *Learning) RateCourse(ctx context.Context, learnerID, courseID int64, stars int) (*models.Course, error) {
	if stars < 1 || stars > 5 {
		return nil, models.Invalid("stars", "must be between 1 and 5")
	}
	return s.Store.SaveRating(ctx, learnerID, courseID, stars)
}
