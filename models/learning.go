package models

import "time"

// The learning record: tables the proficiency issue fills. Their GraphQL operations
// come with that issue.

// EvidenceSource is where a piece of evidence about a learner's proficiency came from.
type EvidenceSource string

const (
	Assessment       EvidenceSource = "ASSESSMENT"
	SelfRating       EvidenceSource = "SELF"
	SupervisorRating EvidenceSource = "SUPERVISOR"
	CourseCompletion EvidenceSource = "COURSE_COMPLETION"
	Certification    EvidenceSource = "CERTIFICATION"
)

// Evidence is one observation of a learner's proficiency in a competency.
type Evidence struct {
	ID           int64          `bun:"id,pk,autoincrement"`
	LearnerID    int64          `bun:"learner_id"`
	CompetencyID int64          `bun:"competency_id"`
	Source       EvidenceSource `bun:"source"`
	Level        int            `bun:"level"`
	Score        *float64       `bun:"score"`
	ObservedAt   time.Time      `bun:"observed_at"`
	CreatedAt    time.Time      `bun:"created_at"`
}

// Proficiency is the stored estimate of a learner's level in a competency:
// Distribution[l] is the probability of level l (0..5).
type Proficiency struct {
	LearnerID    int64     `bun:"learner_id,pk"`
	CompetencyID int64     `bun:"competency_id,pk"`
	Level        int       `bun:"level"`
	Confidence   float64   `bun:"confidence"`
	Distribution []float64 `bun:"distribution,type:text,json_use_number"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// EnrolmentStatus is where a learner is in a course.
type EnrolmentStatus string

const (
	Enrolled   EnrolmentStatus = "ENROLLED"
	InProgress EnrolmentStatus = "IN_PROGRESS"
	Completed  EnrolmentStatus = "COMPLETED"
	Dropped    EnrolmentStatus = "DROPPED"
)

// Enrolment is a learner taking a course; Progress runs 0..1.
type Enrolment struct {
	ID          int64           `bun:"id,pk,autoincrement"`
	LearnerID   int64           `bun:"learner_id"`
	CourseID    int64           `bun:"course_id"`
	Status      EnrolmentStatus `bun:"status"`
	Progress    float64         `bun:"progress"`
	EnrolledAt  time.Time       `bun:"enrolled_at"`
	CompletedAt *time.Time      `bun:"completed_at"`
}

// Certificate is issued when a learner completes a course.
type Certificate struct {
	ID               int64     `bun:"id,pk,autoincrement"`
	LearnerID        int64     `bun:"learner_id"`
	CourseID         int64     `bun:"course_id"`
	EnrolmentID      int64     `bun:"enrolment_id"`
	VerificationCode string    `bun:"verification_code"`
	IssuedAt         time.Time `bun:"issued_at"`
}

// CourseRating is one learner's stars (1..5) for a course; re-rating replaces it.
type CourseRating struct {
	LearnerID int64     `bun:"learner_id,pk"`
	CourseID  int64     `bun:"course_id,pk"`
	Stars     int       `bun:"stars"`
	RatedAt   time.Time `bun:"rated_at"`
}
