package models

import (
	"context"
	"math"
	"time"
)

// Karma points reward learning, by rules kept as data (KarmaRule rows) so that
// they change without a release. Points are an append-only ledger: a rule change
// applies to what is earned afterwards, never to entries already written.

// KarmaReason is what earns points; each reason has one rule.
type KarmaReason string

const (
	// KarmaCourseCompletion: completing a course. Outside an assigned plan at most
	// the rule's MonthlyCap courses a calendar month (India Standard Time) earn it.
	KarmaCourseCompletion KarmaReason = "COURSE_COMPLETION"
	// KarmaAssessmentPassed: passing a completed course's final assessment.
	KarmaAssessmentPassed KarmaReason = "ASSESSMENT_PASSED"
	// KarmaPlanOnTime: completing a course a LIVE plan assigns by its due date; the
	// rule's LatePenaltyPerMonth comes off for each month (begun) late, down to 0.
	KarmaPlanOnTime KarmaReason = "PLAN_COURSE_ON_TIME"
	// KarmaCourseRating: rating a course (once per course).
	KarmaCourseRating KarmaReason = "COURSE_RATING"
	// KarmaFirstEnrolment: the learner's first enrolment ever.
	KarmaFirstEnrolment KarmaReason = "FIRST_ENROLMENT"
	// KarmaEventAttendance: attending a learning event (once per event).
	KarmaEventAttendance KarmaReason = "EVENT_ATTENDANCE"
)

// KarmaReasons lists every reason, in the order rules are shown.
var KarmaReasons = []KarmaReason{KarmaCourseCompletion, KarmaAssessmentPassed, KarmaPlanOnTime,
	KarmaCourseRating, KarmaFirstEnrolment, KarmaEventAttendance}

// Valid reports whether r is a known reason.
func (r KarmaReason) Valid() bool {
	for _, k := range KarmaReasons {
		if r == k {
			return true
		}
	}
	return false
}

// KarmaRule is how many points a reason earns. MonthlyCap (nil: none) bounds how
// many awards of the reason a learner earns in a calendar month;
// LatePenaltyPerMonth is taken off per month late where lateness applies.
type KarmaRule struct {
	Reason              KarmaReason `bun:"reason,pk"`
	Points              int         `bun:"points"`
	MonthlyCap          *int        `bun:"monthly_cap"`
	LatePenaltyPerMonth int         `bun:"late_penalty_per_month"`
	UpdatedAt           time.Time   `bun:"updated_at"`
}

// MaxKarmaPoints bounds the points of one rule.
const MaxKarmaPoints = 1000

// Validate checks a rule; field names are relative.
func (r *KarmaRule) Validate() error {
	if !r.Reason.Valid() {
		return Invalid("reason", "unknown karma reason %q", r.Reason)
	}
	if r.Points < 0 || r.Points > MaxKarmaPoints {
		return Invalid("points", "must be between 0 and %d", MaxKarmaPoints)
	}
	if r.MonthlyCap != nil && (*r.MonthlyCap < 0 || *r.MonthlyCap > 1000) {
		return Invalid("monthlyCap", "must be between 0 and 1000, or null for no cap")
	}
	if r.LatePenaltyPerMonth < 0 || r.LatePenaltyPerMonth > MaxKarmaPoints {
		return Invalid("latePenaltyPerMonth", "must be between 0 and %d", MaxKarmaPoints)
	}
	return nil
}

// KarmaEntry is one award in a learner's ledger. Subject names what earned it
// ("course:12", "event:3"; "" for a once-only award), so the same thing never
// earns the same reason twice.
type KarmaEntry struct {
	ID        int64       `bun:"id,pk,autoincrement"`
	LearnerID int64       `bun:"learner_id"`
	Reason    KarmaReason `bun:"reason"`
	Subject   string      `bun:"subject"`
	Points    int         `bun:"points"`
	CourseID  *int64      `bun:"course_id"`
	EventID   *int64      `bun:"event_id"`
	Note      string      `bun:"note"`
	AwardedAt time.Time   `bun:"awarded_at"`
}

// LeaderboardQuery selects a leaderboard. Since (nil: all time) counts only points
// awarded from then on.
type LeaderboardQuery struct {
	// OrganisationID: for learners, the organisation whose learners (and those below)
	// are ranked; for organisations, the parent whose direct children are ranked
	// (0: the ministries).
	OrganisationID int64
	Since          *time.Time
	Limit          int
}

// LearnerStanding is a learner's place on a leaderboard. Equal points share a rank.
type LearnerStanding struct {
	Rank      int
	LearnerID int64
	Points    int
}

// OrganisationStanding is an organisation's place, by average points per learner
// in it and below it, so a large ministry does not win by size.
type OrganisationStanding struct {
	Rank           int
	OrganisationID int64
	Learners       int
	Points         int
	Average        float64
}

// AssessmentAttempt is one sitting of a course's final assessment.
type AssessmentAttempt struct {
	ID          int64     `bun:"id,pk,autoincrement"`
	EnrolmentID int64     `bun:"enrolment_id"`
	LearnerID   int64     `bun:"learner_id"`
	CourseID    int64     `bun:"course_id"`
	Score       float64   `bun:"score"`
	Passed      bool      `bun:"passed"`
	TakenAt     time.Time `bun:"taken_at"`
}

// ValidScore checks an assessment score, a fraction answered correctly.
func ValidScore(field string, s float64) error {
	if math.IsNaN(s) || s < 0 || s > 1 {
		return Invalid(field, "must be between 0 and 1")
	}
	return nil
}

// KarmaService keeps the karma rules, the ledger and leaderboards, and courses'
// final assessments.
type KarmaService interface {
	// FindKarmaRules returns every rule, in KarmaReasons order.
	FindKarmaRules(ctx context.Context) ([]KarmaRule, error)
	// SetKarmaRule replaces a rule; it applies to points earned from then on.
	// EINVALID for bad values (a negative cap, say).
	SetKarmaRule(ctx context.Context, r KarmaRule) (*KarmaRule, error)
	// FindKarmaTotals returns each learner's points (0 for none).
	FindKarmaTotals(ctx context.Context, learnerIDs []int64) (map[int64]int, error)
	// FindKarmaLedger pages through a learner's ledger, newest first.
	FindKarmaLedger(ctx context.Context, learnerID int64, p PageRequest) (*Page[*KarmaEntry], error)
	// LearnerLeaderboard ranks the learners of an organisation and below by points.
	// ENOTFOUND for an unknown organisation.
	LearnerLeaderboard(ctx context.Context, q LeaderboardQuery) ([]LearnerStanding, error)
	// OrganisationLeaderboard ranks organisations by average points per learner.
	OrganisationLeaderboard(ctx context.Context, q LeaderboardQuery) ([]OrganisationStanding, error)

	// TakeAssessment records an attempt at the final assessment of an enrolment's
	// course, with ASSESSMENT evidence for each competency the course imparts, and
	// karma when a completed course's assessment is first passed. EINVALID (score)
	// outside 0..1, (enrolmentId) when the course has no final assessment;
	// ENOTFOUND for an unknown enrolment.
	TakeAssessment(ctx context.Context, enrolmentID int64, score float64) (*AssessmentAttempt, error)
	// FindAssessmentAttempts returns each enrolment's attempts, oldest first.
	FindAssessmentAttempts(ctx context.Context, enrolmentIDs []int64) (map[int64][]*AssessmentAttempt, error)
}
