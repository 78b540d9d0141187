package models

import (
	"context"
	"strings"
	"time"
)

// AssessmentItem is one question of a competency's item bank, written for a level
// 1..5: a stem, 2 to 6 options and exactly one correct option (Correct, 1-based).
// Correct is never shown to a learner: no GraphQL type a learner can reach has it.
// Discrimination and Difficulty are the fitted item parameters on the level scale,
// nil until calibrated. An item with a CourseID is that course's own: a question of
// its final assessment, never asked by an adaptive test.
type AssessmentItem struct {
	ID             int64     `bun:"id,pk,autoincrement"`
	Code           string    `bun:"code"`
	CompetencyID   int64     `bun:"competency_id"`
	CourseID       *int64    `bun:"course_id"`
	Level          int       `bun:"level"`
	Stem           string    `bun:"stem"`
	Options        []string  `bun:"options,type:text"`
	Correct        int       `bun:"correct"`
	Discrimination *float64  `bun:"discrimination"`
	Difficulty     *float64  `bun:"difficulty"`
	Retired        bool      `bun:"retired"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// Item bank limits.
const (
	MinItemOptions = 2
	MaxItemOptions = 6
)

// Validate checks an item's own fields (not that its competency exists), naming
// the GraphQL input field at fault.
func (it *AssessmentItem) Validate() error {
	switch {
	case strings.TrimSpace(it.Code) == "":
		return Invalid("code", "must not be empty")
	case it.Level < 1 || it.Level > 5:
		return Invalid("level", "must be between 1 and 5")
	case strings.TrimSpace(it.Stem) == "":
		return Invalid("stem", "must not be empty")
	case len(it.Options) < MinItemOptions || len(it.Options) > MaxItemOptions:
		return Invalid("options", "must have between %d and %d options", MinItemOptions, MaxItemOptions)
	case it.Correct < 1 || it.Correct > len(it.Options):
		return Invalid("correct", "must be between 1 and %d (a position in options)", len(it.Options))
	}
	for _, o := range it.Options {
		if strings.TrimSpace(o) == "" {
			return Invalid("options", "an option must not be empty")
		}
	}
	if (it.Discrimination == nil) != (it.Difficulty == nil) {
		return Invalid("difficulty", "discrimination and difficulty go together")
	}
	if it.Discrimination != nil && *it.Discrimination <= 0 {
		return Invalid("discrimination", "must be above 0")
	}
	return nil
}

// AdaptiveAttemptStatus is where an adaptive attempt is.
type AdaptiveAttemptStatus string

// The adaptive attempt statuses.
const (
	AttemptInProgress AdaptiveAttemptStatus = "IN_PROGRESS"
	AttemptCompleted  AdaptiveAttemptStatus = "COMPLETED"
	AttemptAbandoned  AdaptiveAttemptStatus = "ABANDONED"
)

// AdaptiveResult is what a completed adaptive attempt found: a distribution over
// levels 0..5, its most probable level and its standard deviation, and how many
// items it took.
type AdaptiveResult struct {
	Level         int       `json:"level"`
	Distribution  []float64 `json:"distribution"`
	StandardError float64   `json:"standardError"`
	ItemsUsed     int       `json:"itemsUsed"`
	// EvidenceID is the ASSESSMENT evidence the attempt recorded (from the attempt).
	EvidenceID *int64 `json:"-"`
}

// AdaptiveAttempt is a learner's adaptive test of a competency. While IN_PROGRESS,
// CurrentItemID is the item being asked, which must be answered before
// ItemExpiresAt; the whole attempt must end before ExpiresAt. CompletedAt is when
// it ended (completed or abandoned).
type AdaptiveAttempt struct {
	ID            int64                 `bun:"id,pk,autoincrement"`
	LearnerID     int64                 `bun:"learner_id"`
	CompetencyID  int64                 `bun:"competency_id"`
	Status        AdaptiveAttemptStatus `bun:"status"`
	CurrentItemID *int64                `bun:"current_item_id"`
	ItemExpiresAt *time.Time            `bun:"item_expires_at"`
	StartedAt     time.Time             `bun:"started_at"`
	ExpiresAt     time.Time             `bun:"expires_at"`
	CompletedAt   *time.Time            `bun:"completed_at"`
	Prior         []float64             `bun:"prior,type:text,json_use_number"`
	Result        *AdaptiveResult       `bun:"result,type:text,nullzero"`
	EvidenceID    *int64                `bun:"evidence_id"`
	// ItemsAnswered is how many items were answered (counted, not stored).
	ItemsAnswered int `bun:"items_answered,scanonly"`
	// Asking is the item being asked when whoever returned the attempt had it at
	// hand (not stored): nil means read it by CurrentItemID.
	Asking *AssessmentItem `bun:"-"`
}

// AttemptResponse is one answer of an attempt; Correct is the server's scoring,
// never shown.
type AttemptResponse struct {
	AttemptID  int64     `bun:"attempt_id,pk"`
	ItemID     int64     `bun:"item_id,pk"`
	Position   int       `bun:"position"`
	Choice     int       `bun:"choice"`
	Correct    bool      `bun:"correct"`
	AnsweredAt time.Time `bun:"answered_at"`
}

// AdaptiveStep is one answer's change to an IN_PROGRESS attempt, which the store
// applies only if the attempt is still asking Response.ItemID: the response, and
// either the next item (NextItemID, ItemExpiresAt) or the end (Result, with
// Evidence to record and re-estimate from).
type AdaptiveStep struct {
	Response      AttemptResponse
	NextItemID    *int64
	ItemExpiresAt *time.Time
	Result        *AdaptiveResult
	Evidence      *Evidence
}

// ItemResponseRecord is one scored response of an ended or completed attempt, with
// the attempt's learner and prior, for calibration.
type ItemResponseRecord struct {
	AttemptID    int64
	LearnerID    int64
	CompetencyID int64
	Prior        []float64
	ItemID       int64
	Correct      bool
}

// AdaptiveStore keeps item banks and adaptive attempts.
type AdaptiveStore interface {
	// CreateAssessmentItem stores a new item. EINVALID for bad fields, ENOTFOUND
	// (competencyId) for an unknown competency, ECONFLICT (code) for a code in use.
	CreateAssessmentItem(ctx context.Context, it *AssessmentItem) (*AssessmentItem, error)
	// UpdateAssessmentItem replaces an item's content (not its code). ENOTFOUND
	// for an unknown item.
	UpdateAssessmentItem(ctx context.Context, it *AssessmentItem) (*AssessmentItem, error)
	// RetireAssessmentItem takes an item out of new attempts. ENOTFOUND for an
	// unknown item.
	RetireAssessmentItem(ctx context.Context, id int64) (*AssessmentItem, error)
	// FindAssessmentItemsByIDs returns the items found.
	FindAssessmentItemsByIDs(ctx context.Context, ids []int64) (map[int64]*AssessmentItem, error)
	// FindAssessmentItems returns a competency's bank by code (not the courses'
	// own items), retired ones too when asked.
	FindAssessmentItems(ctx context.Context, competencyID int64, retired bool) ([]*AssessmentItem, error)
	// FindCourseItems returns a course's own items (its final assessment) by code,
	// retired ones too when asked.
	FindCourseItems(ctx context.Context, courseID int64, retired bool) ([]*AssessmentItem, error)
	// ItemExposure returns, for a competency's items, the share of its attempts
	// started since then that asked each.
	ItemExposure(ctx context.Context, competencyID int64, since time.Time) (map[int64]float64, error)

	// FindAdaptiveAttemptsByIDs returns the attempts found, ItemsAnswered filled in.
	FindAdaptiveAttemptsByIDs(ctx context.Context, ids []int64) (map[int64]*AdaptiveAttempt, error)
	// FindLearnerAdaptiveAttempts returns a learner's attempts, newest first, of
	// one competency when competencyID is not 0; at most limit, ItemsAnswered
	// filled in.
	FindLearnerAdaptiveAttempts(ctx context.Context, learnerID, competencyID int64, limit int) ([]*AdaptiveAttempt, error)
	// FindAttemptResponses returns an attempt's responses in the order answered.
	FindAttemptResponses(ctx context.Context, attemptID int64) ([]AttemptResponse, error)
	// FindOpenAdaptiveAttempt returns the learner's IN_PROGRESS attempt of the
	// competency, or nil.
	FindOpenAdaptiveAttempt(ctx context.Context, learnerID, competencyID int64) (*AdaptiveAttempt, error)
	// LastAdaptiveAttemptEnd returns when the learner's last ended attempt of the
	// competency ended, or nil.
	LastAdaptiveAttemptEnd(ctx context.Context, learnerID, competencyID int64) (*time.Time, error)
	// CreateAdaptiveAttempt stores a new IN_PROGRESS attempt. ECONFLICT when the
	// learner already has one open for the competency.
	CreateAdaptiveAttempt(ctx context.Context, a *AdaptiveAttempt) (*AdaptiveAttempt, error)
	// ApplyAdaptiveStep applies an answer in one transaction: with a result it
	// completes the attempt, records the evidence and re-estimates the learner's
	// proficiency. ECONFLICT when the attempt is no longer asking that item.
	ApplyAdaptiveStep(ctx context.Context, attemptID int64, step AdaptiveStep) (*AdaptiveAttempt, error)
	// AbandonAdaptiveAttempt ends an IN_PROGRESS attempt as ABANDONED at the given
	// instant; it leaves an attempt that has ended as it is.
	AbandonAdaptiveAttempt(ctx context.Context, attemptID int64, at time.Time) (*AdaptiveAttempt, error)
	// FindItemResponses returns the scored responses of every COMPLETED attempt of
	// the competency, for calibration, ordered by attempt and position.
	FindItemResponses(ctx context.Context, competencyID int64) ([]ItemResponseRecord, error)
	// FindItemBankCompetencies returns the competencies that have items.
	FindItemBankCompetencies(ctx context.Context) ([]int64, error)
	// SetItemParameters stores fitted parameters (discrimination, difficulty) by item.
	SetItemParameters(ctx context.Context, params map[int64][2]float64) error
}

// AssessmentItemRecord is a row of the assessment_items CSV kind (key: code).
type AssessmentItemRecord struct {
	Code           string
	CompetencyCode string
	CourseCode     string // optional: the course whose final assessment the item belongs to
	Level          int
	Stem           string
	Options        []string
	Correct        int
	Discrimination *float64
	Difficulty     *float64
}

// AssessmentItemWriter upserts item banks in bulk (the assessment_items CSV kind).
type AssessmentItemWriter interface {
	// UpsertAssessmentItems upserts on code; a re-imported item keeps whether it
	// is retired.
	UpsertAssessmentItems(ctx context.Context, recs []AssessmentItemRecord) ([]RecordError, error)
}
