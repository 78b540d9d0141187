package models

import (
	"math"
	"time"
)

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
	// EventAttendance is attending a learning-event session that touches the
	// competency: weak evidence of the session's level.
	EventAttendance EvidenceSource = "EVENT_ATTENDANCE"
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
	// CourseID links ASSESSMENT evidence from a course's final assessment to it.
	CourseID *int64 `bun:"course_id"`
	// Verification is how the completion behind COURSE_COMPLETION evidence was
	// verified (its certificate's); empty for other sources and for completions
	// recorded before completions were verified.
	Verification CompletionVerification `bun:"verification,nullzero"`
	// Likelihood, on ASSESSMENT evidence from an adaptive assessment, is the
	// likelihood of its item responses at each level 0..5 (up to a constant): the
	// estimator uses it in place of a pass or fail at Level. nil otherwise.
	Likelihood []float64 `bun:"likelihood,type:text,nullzero,json_use_number"`
	CreatedAt  time.Time `bun:"created_at"`
}

// SelfReported reports whether the evidence rests on a completion nobody verified:
// the estimator weighs it less than a verified one.
func (e *Evidence) SelfReported() bool { return e.Verification == SelfReported }

// Proficiency is the stored estimate of a learner's level in a competency:
// Distribution[l] is the probability of level l (0..5).
type Proficiency struct {
	LearnerID    int64     `bun:"learner_id,pk"`
	CompetencyID int64     `bun:"competency_id,pk"`
	Level        int       `bun:"level"`
	Confidence   float64   `bun:"confidence"`
	Distribution []float64 `bun:"distribution,type:text,json_use_number"`
	UpdatedAt    time.Time `bun:"updated_at"`
	// IntervalLow..IntervalHigh is the narrowest run of levels holding 80% of the
	// probability; it is derived from Distribution, so it is not stored.
	IntervalLow  int `bun:"-"`
	IntervalHigh int `bun:"-"`
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
	// Verification is how the completion was verified.
	Verification CompletionVerification `bun:"verification"`
}

// CompletionVerification is how a course completion was verified.
type CompletionVerification string

const (
	// VerifiedByProvider: the course's provider confirmed it (confirmCompletion),
	// or an operator's import recorded it.
	VerifiedByProvider CompletionVerification = "PROVIDER"
	// VerifiedByAssessment: the learner passed the course's final assessment.
	VerifiedByAssessment CompletionVerification = "ASSESSMENT"
	// VerifiedByAttendance: the learner attended enough of a batch's sessions.
	VerifiedByAttendance CompletionVerification = "ATTENDANCE"
	// SelfReported: the learner, or an admin for them, set progress to 1.
	SelfReported CompletionVerification = "SELF_REPORTED"
)

// CompletionPath is what is asking for a course to complete.
type CompletionPath int

const (
	// ByProgress: progress reached 1 (updateProgress), a learner's word.
	ByProgress CompletionPath = iota
	// ByAttendance: attendance at a batch's sessions reached its requirement.
	ByAttendance
	// ByAssessmentPass: a passed final assessment with progress already at 1.
	ByAssessmentPass
	// ByProvider: the provider's confirmation; and an operator's import.
	ByProvider
)

// Completion decides whether an enrolment in course c completes by path, given
// whether the learner has passed the course's final assessment, and how the
// completion is verified. ok is false when the enrolment must wait: for the
// provider's confirmation (ProviderVerified courses), or for a passed final
// assessment (courses with a pass mark). The provider's confirmation stands for
// its own checks, so it completes any course.
func (c *Course) Completion(path CompletionPath, passed bool) (how CompletionVerification, ok bool) {
	switch {
	case path == ByProvider:
		return VerifiedByProvider, true
	case c.ProviderVerified:
		return "", false
	case c.PassMark != nil && !passed:
		return "", false
	case c.PassMark != nil:
		return VerifiedByAssessment, true
	case path == ByAttendance:
		return VerifiedByAttendance, true
	case path == ByAssessmentPass:
		return "", false // no final assessment: nothing to pass
	}
	return SelfReported, true
}

// CourseRating is one learner's stars (1..5) for a course; re-rating replaces it.
type CourseRating struct {
	LearnerID int64     `bun:"learner_id,pk"`
	CourseID  int64     `bun:"course_id,pk"`
	Stars     int       `bun:"stars"`
	RatedAt   time.Time `bun:"rated_at"`
}

// Valid reports whether s is a known evidence source.
func (s EvidenceSource) Valid() bool {
	switch s {
	case Assessment, SelfRating, SupervisorRating, CourseCompletion, Certification, EventAttendance:
		return true
	}
	return false
}

// Valid reports whether s is a known enrolment status.
func (s EnrolmentStatus) Valid() bool {
	return s == Enrolled || s == InProgress || s == Completed || s == Dropped
}

// ClockSkew is how far in the future an observation may be dated: clocks of the
// systems that report evidence disagree a little, never by more.
const ClockSkew = 5 * time.Minute

// RecordedEvidence is what an evidence write stored: the evidence, the
// proficiency re-estimated with it, and the level the learner's roles require in
// its competency (0: none), read under the same lock as the estimate.
type RecordedEvidence struct {
	Evidence    *Evidence
	Proficiency *Proficiency
	Required    int
}

// NewEvidence is the input to RecordEvidence. A zero ObservedAt means now.
type NewEvidence struct {
	LearnerID    int64
	CompetencyID int64
	Source       EvidenceSource
	Level        int
	Score        *float64
	ObservedAt   time.Time
}

// Validate checks the fields that need no database, against the time now; field
// names are relative. For ASSESSMENT, Level is the level tested and Score (required)
// the fraction answered correctly; for the other sources Level is the level observed.
func (n *NewEvidence) Validate(now time.Time) error {
	if n.Source == EventAttendance {
		return Invalid("source", "EVENT_ATTENDANCE is recorded by attendance at an event session, not directly")
	}
	if !n.Source.Valid() {
		return Invalid("source", "must be ASSESSMENT, SELF, SUPERVISOR, COURSE_COMPLETION or CERTIFICATION")
	}
	if err := validateLevel("level", n.Level, 1, MaxLevel); err != nil {
		return err
	}
	if n.Score != nil && (math.IsNaN(*n.Score) || *n.Score < 0 || *n.Score > 1) {
		return Invalid("score", "must be between 0 and 1")
	}
	if n.Source == Assessment && n.Score == nil {
		return Invalid("score", "is required for an ASSESSMENT: the fraction of it answered correctly")
	}
	if n.ObservedAt.After(now.Add(ClockSkew)) {
		return Invalid("observedAt", "must not be in the future")
	}
	if !n.ObservedAt.IsZero() && n.ObservedAt.Year() < 1970 {
		return Invalid("observedAt", "must be after 1970")
	}
	return nil
}

// Course ratings are shown as a Bayesian average: the stars given, plus
// RatingPriorWeight imaginary ratings of RatingPriorMean. A single 5-star rating
// then reads 3.75, below a course that a hundred learners rate 4.2.
const (
	RatingPriorMean   = 3.5
	RatingPriorWeight = 5
)

// Rating returns the course's Bayesian-average rating, or nil before its first rating.
func (c *Course) Rating() *float64 {
	if c.RatingCount == 0 {
		return nil
	}
	r := (RatingPriorWeight*RatingPriorMean + float64(c.RatingSum)) / float64(RatingPriorWeight+c.RatingCount)
	return &r
}

// Estimator turns one learner's evidence in one competency into the proficiency the
// store keeps (package recommender implements it).
type Estimator interface {
	Estimate(learnerID, competencyID int64, evidence []Evidence) Proficiency
	// Priors are the distributions over levels 0..5 that stored proficiency (made
	// under none) is read under, by the level 1..5 the learner's roles require.
	Priors() Priors
}

// Priors are the priors stored proficiency is read under, by required level 1..5:
// Pooled for any competency, ByCompetency where the estimator model has a
// competency's own (a fitted model; none for the hand-set one).
type Priors struct {
	Pooled       [5][6]float64
	ByCompetency map[int64][5][6]float64
}
