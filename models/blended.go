package models

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Face-to-face and blended learning: batches of a course with seats and sessions,
// and learning events (Karmayogi Saptah and the like) with sessions people register
// for. Attendance is recorded per session: in a batch it counts towards completing
// the course, at an event it is weak evidence of the competencies a session touches.

// EnrolmentPolicy is how a learner gets a seat in a batch.
type EnrolmentPolicy string

const (
	// PolicyOpen: a request takes a free seat at once, or joins the waiting list.
	PolicyOpen EnrolmentPolicy = "OPEN"
	// PolicyOneStep: an admin over the learner's organisation approves the request first.
	PolicyOneStep EnrolmentPolicy = "ONE_STEP_APPROVAL"
	// PolicyTwoStep: two different admins over the learner's organisation approve it.
	PolicyTwoStep EnrolmentPolicy = "TWO_STEP_APPROVAL"
)

// Valid reports whether p is a known policy.
func (p EnrolmentPolicy) Valid() bool {
	return p == PolicyOpen || p == PolicyOneStep || p == PolicyTwoStep
}

// Steps is how many approvals a request under p needs.
func (p EnrolmentPolicy) Steps() int {
	switch p {
	case PolicyOneStep:
		return 1
	case PolicyTwoStep:
		return 2
	}
	return 0
}

// Batch is one run of a FACE_TO_FACE or BLENDED course: a venue or a link, a
// start and an end, a number of seats and an enrolment policy. A learner completes
// the course by attending at least RequiredAttendance (a share, 0..1) of the
// batch's sessions.
type Batch struct {
	ID                 int64           `bun:"id,pk,autoincrement"`
	Code               string          `bun:"code"`
	CourseID           int64           `bun:"course_id"`
	Name               string          `bun:"name"`
	Venue              string          `bun:"venue"`
	Link               string          `bun:"link"`
	StartsAt           time.Time       `bun:"starts_at"`
	EndsAt             time.Time       `bun:"ends_at"`
	Seats              int             `bun:"seats"`
	Policy             EnrolmentPolicy `bun:"policy"`
	RequiredAttendance float64         `bun:"required_attendance"`
	CreatedAt          time.Time       `bun:"created_at"`
	UpdatedAt          time.Time       `bun:"updated_at"`
}

// MaxSeats bounds a batch's seats and a session's capacity.
const MaxSeats = 100000

// MaxAttendees bounds the learners one RecordAttendance call lists, and is how many
// the bulk path records at a session in one step (pgload draws evidence ids in
// the order that follows from it).
const MaxAttendees = 1000

// DefaultRequiredAttendance is the share of sessions a batch asks for when its
// creator does not say.
const DefaultRequiredAttendance = 0.75

// NewBatch is the input to CreateBatch (and a batch record of an import). A zero
// Policy means OPEN; a zero RequiredAttendance means DefaultRequiredAttendance.
type NewBatch struct {
	Code               string
	CourseID           int64
	Name               string
	Venue              string
	Link               string
	StartsAt           time.Time
	EndsAt             time.Time
	Seats              int
	Policy             EnrolmentPolicy
	RequiredAttendance float64
}

// Validate checks the fields that need no database; field names are relative.
func (n *NewBatch) Validate() error {
	if n.Policy == "" {
		n.Policy = PolicyOpen
	}
	if n.RequiredAttendance == 0 {
		n.RequiredAttendance = DefaultRequiredAttendance
	}
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	if err := validateText("venue", n.Venue, 0, 500); err != nil {
		return err
	}
	if err := validateText("link", n.Link, 0, 2000); err != nil {
		return err
	}
	if n.Venue == "" && n.Link == "" {
		return Invalid("venue", "a batch needs a venue or a link")
	}
	if err := validateSpan("startsAt", "endsAt", n.StartsAt, n.EndsAt); err != nil {
		return err
	}
	if n.Seats < 1 || n.Seats > MaxSeats {
		return Invalid("seats", "must be between 1 and %d", MaxSeats)
	}
	if !n.Policy.Valid() {
		return Invalid("policy", "must be OPEN, ONE_STEP_APPROVAL or TWO_STEP_APPROVAL")
	}
	if r := n.RequiredAttendance; math.IsNaN(r) || r <= 0 || r > 1 {
		return Invalid("requiredAttendance", "must be a share of the sessions above 0 and at most 1")
	}
	return nil
}

// validateSpan checks that a start and an end are given and in order.
func validateSpan(startField, endField string, start, end time.Time) error {
	switch {
	case start.IsZero():
		return Invalid(startField, "must be given")
	case start.Year() < 1970 || start.Year() > 9999:
		return Invalid(startField, "must be between 1970 and 9999")
	case end.IsZero():
		return Invalid(endField, "must be given")
	case !end.After(start):
		return Invalid(endField, "must be after the start")
	case end.Sub(start) > 2*365*24*time.Hour:
		return Invalid(endField, "must be within two years of the start")
	}
	return nil
}

// SeatStatus is where a learner's request for a seat in a batch stands.
type SeatStatus string

const (
	// SeatPending awaits approval (Approvals of the policy's Steps given so far).
	SeatPending SeatStatus = "PENDING_APPROVAL"
	// SeatWaitlisted is approved (or needs no approval) and waits for a seat.
	SeatWaitlisted SeatStatus = "WAITLISTED"
	// SeatConfirmed holds a seat, numbered SeatNumber, and an enrolment in the course.
	SeatConfirmed SeatStatus = "CONFIRMED"
	// SeatCompleted attended enough sessions: the course is complete.
	SeatCompleted SeatStatus = "COMPLETED"
	// SeatRejected was refused by an approver.
	SeatRejected SeatStatus = "REJECTED"
	// SeatWithdrawn was withdrawn by the learner or an admin; a seat it held is freed.
	SeatWithdrawn SeatStatus = "WITHDRAWN"
)

// Holds reports whether a request in status s occupies a seat.
func (s SeatStatus) Holds() bool { return s == SeatConfirmed || s == SeatCompleted }

// Open reports whether a request in status s may still change.
func (s SeatStatus) Open() bool { return s == SeatPending || s == SeatWaitlisted || s == SeatConfirmed }

// SeatRequest is a learner's request for a seat in a batch: one per learner and
// batch. A waiting list is ordered by QueuedAt (then ID); a confirmed request holds
// seat SeatNumber (1..Seats, unique in the batch) and the course enrolment it made.
type SeatRequest struct {
	ID          int64      `bun:"id,pk,autoincrement"`
	BatchID     int64      `bun:"batch_id"`
	LearnerID   int64      `bun:"learner_id"`
	Status      SeatStatus `bun:"status"`
	Approvals   int        `bun:"approvals"`
	SeatNumber  *int       `bun:"seat_number"`
	EnrolmentID *int64     `bun:"enrolment_id"`
	RequestedAt time.Time  `bun:"requested_at"`
	QueuedAt    *time.Time `bun:"queued_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
}

// SeatDecision is one approver's decision on one step of a request.
type SeatDecision struct {
	RequestID       int64     `bun:"request_id,pk"`
	Step            int       `bun:"step,pk"`
	ApproverSubject string    `bun:"approver_subject"`
	Approved        bool      `bun:"approved"`
	Comment         string    `bun:"comment"`
	DecidedAt       time.Time `bun:"decided_at"`
}

// SeatCounts counts a batch's requests by where they stand.
type SeatCounts struct {
	Confirmed  int // confirmed or completed: the seats taken
	Waitlisted int
	Pending    int
}

// SeatRequestFilter selects seat requests; nil fields do not filter.
type SeatRequestFilter struct {
	BatchID   *int64
	LearnerID *int64
	Status    *SeatStatus
	// WithinOrganisationID keeps the requests of learners in this organisation or below.
	WithinOrganisationID *int64
}

// BatchFilter selects batches; nil fields do not filter. Batches are listed by
// start, soonest first.
type BatchFilter struct {
	CourseID *int64
	// EndsAfter keeps batches that end after this time (the upcoming and running ones).
	EndsAfter *time.Time
}

// SessionKind is what a session is.
type SessionKind string

const (
	SessionClass    SessionKind = "CLASS"
	SessionTalk     SessionKind = "TALK"
	SessionWorkshop SessionKind = "WORKSHOP"
	SessionSeminar  SessionKind = "SEMINAR"
)

// Valid reports whether k is a known session kind.
func (k SessionKind) Valid() bool {
	return k == SessionClass || k == SessionTalk || k == SessionWorkshop || k == SessionSeminar
}

// Session is one sitting of a batch (BatchID set) or of a learning event (EventID
// set), never both. An event session has a Capacity (nil: unlimited) that its
// registrations fill, and the competencies it touches (SessionCompetency).
type Session struct {
	ID        int64       `bun:"id,pk,autoincrement"`
	Code      string      `bun:"code"`
	BatchID   *int64      `bun:"batch_id"`
	EventID   *int64      `bun:"event_id"`
	Title     string      `bun:"title"`
	Kind      SessionKind `bun:"kind"`
	Venue     string      `bun:"venue"`
	Link      string      `bun:"link"`
	StartsAt  time.Time   `bun:"starts_at"`
	EndsAt    time.Time   `bun:"ends_at"`
	Capacity  *int        `bun:"capacity"`
	CreatedAt time.Time   `bun:"created_at"`
}

// SessionCompetency says an event session touches a competency at a level (1..5).
type SessionCompetency struct {
	SessionID    int64 `bun:"session_id,pk"`
	CompetencyID int64 `bun:"competency_id,pk"`
	Level        int   `bun:"level"`
}

// NewSession is the input to CreateSession (and a session record of an import).
// Exactly one of BatchID and EventID is set; Capacity and Competencies are for
// event sessions only. A zero Kind means CLASS for a batch and TALK for an event.
type NewSession struct {
	Code         string
	BatchID      int64
	EventID      int64
	Title        string
	Kind         SessionKind
	Venue        string
	Link         string
	StartsAt     time.Time
	EndsAt       time.Time
	Capacity     *int
	Competencies []SessionCompetency
}

// Validate checks the fields that need no database; field names are relative.
func (n *NewSession) Validate() error {
	switch {
	case (n.BatchID == 0) == (n.EventID == 0):
		return Invalid("batchId", "a session belongs to exactly one batch or event")
	case n.Kind == "" && n.BatchID != 0:
		n.Kind = SessionClass
	case n.Kind == "":
		n.Kind = SessionTalk
	}
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("title", n.Title); err != nil {
		return err
	}
	if !n.Kind.Valid() {
		return Invalid("kind", "must be CLASS, TALK, WORKSHOP or SEMINAR")
	}
	if err := validateText("venue", n.Venue, 0, 500); err != nil {
		return err
	}
	if err := validateText("link", n.Link, 0, 2000); err != nil {
		return err
	}
	if err := validateSpan("startsAt", "endsAt", n.StartsAt, n.EndsAt); err != nil {
		return err
	}
	if n.EndsAt.Sub(n.StartsAt) > 7*24*time.Hour {
		return Invalid("endsAt", "a session lasts at most a week")
	}
	if n.BatchID != 0 && (n.Capacity != nil || len(n.Competencies) > 0) {
		return Invalid("capacity", "a batch session has the batch's seats and the course's competencies; capacity and competencies are for event sessions")
	}
	if c := n.Capacity; c != nil && (*c < 1 || *c > MaxSeats) {
		return Invalid("capacity", "must be between 1 and %d", MaxSeats)
	}
	seen := map[int64]bool{}
	for i, c := range n.Competencies {
		field := fmt.Sprintf("competencies[%d]", i)
		if seen[c.CompetencyID] {
			return Invalid(field+".competencyId", "competency is listed twice")
		}
		seen[c.CompetencyID] = true
		if err := validateLevel(field+".level", c.Level, 1, MaxLevel); err != nil {
			return err
		}
	}
	return nil
}

// LearningEvent is a learning week, conference or the like: sessions people
// register for. OrganisationID is the host (nil: hosted nationally).
type LearningEvent struct {
	ID             int64     `bun:"id,pk,autoincrement"`
	Code           string    `bun:"code"`
	Name           string    `bun:"name"`
	Description    string    `bun:"description"`
	OrganisationID *int64    `bun:"organisation_id"`
	StartsAt       time.Time `bun:"starts_at"`
	EndsAt         time.Time `bun:"ends_at"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// NewLearningEvent is the input to CreateEvent.
type NewLearningEvent struct {
	Code           string
	Name           string
	Description    string
	OrganisationID *int64
	StartsAt       time.Time
	EndsAt         time.Time
}

// Validate checks the fields that need no database; field names are relative.
func (n *NewLearningEvent) Validate() error {
	if err := validateCode("code", n.Code); err != nil {
		return err
	}
	if err := validateName("name", n.Name); err != nil {
		return err
	}
	if err := validateText("description", n.Description, 0, 4000); err != nil {
		return err
	}
	return validateSpan("startsAt", "endsAt", n.StartsAt, n.EndsAt)
}

// EventFilter selects events; nil fields do not filter. Events are listed by
// start, the latest first.
type EventFilter struct {
	EndsAfter *time.Time
}

// RegistrationStatus is where a learner's registration for an event session stands.
type RegistrationStatus string

const (
	Registered          RegistrationStatus = "REGISTERED"
	RegistrationWaiting RegistrationStatus = "WAITLISTED"
	RegistrationCancel  RegistrationStatus = "CANCELLED"
)

// SessionRegistration is a learner's place at an event session: one per learner and
// session. Past capacity a registration waits, in QueuedAt order, and moves up by
// itself when a place frees.
type SessionRegistration struct {
	SessionID    int64              `bun:"session_id,pk"`
	LearnerID    int64              `bun:"learner_id,pk"`
	Status       RegistrationStatus `bun:"status"`
	RegisteredAt time.Time          `bun:"registered_at"`
	QueuedAt     time.Time          `bun:"queued_at"`
	UpdatedAt    time.Time          `bun:"updated_at"`
}

// Attendance records that a learner attended a session.
type Attendance struct {
	SessionID  int64     `bun:"session_id,pk"`
	LearnerID  int64     `bun:"learner_id,pk"`
	RecordedAt time.Time `bun:"recorded_at"`
	RecordedBy string    `bun:"recorded_by"`
}

// SessionCounts counts a session's registrations and attendance.
type SessionCounts struct {
	Registered int
	Waitlisted int
	Attended   int
}

// SessionParticipation is one session's participation by one organisation's learners.
type SessionParticipation struct {
	SessionID int64
	SessionCounts
}

// EventParticipation is an event's participation by the learners of an
// organisation and the organisations below it.
type EventParticipation struct {
	EventID        int64
	OrganisationID int64
	// Learners counts distinct learners who attended at least one session.
	Learners int
	Sessions []SessionParticipation // in session start order
}

// BlendedService keeps batches, events, their sessions, seats, registrations and
// attendance. Every error leaves the store as it was.
type BlendedService interface {
	// CreateBatch returns EINVALID for bad input or a course that is missing
	// (courseId) or ONLINE (courseId), ECONFLICT for a code in use.
	CreateBatch(ctx context.Context, n *NewBatch) (*Batch, error)
	FindBatchByID(ctx context.Context, id int64) (*Batch, error)
	FindBatchesByIDs(ctx context.Context, ids []int64) (map[int64]*Batch, error)
	// FindBatches pages through batches by start, soonest first.
	FindBatches(ctx context.Context, f BatchFilter, p PageRequest) (*Page[*Batch], error)
	FindSeatCounts(ctx context.Context, batchIDs []int64) (map[int64]SeatCounts, error)

	// RequestSeat asks for a seat for a learner: CONFIRMED with a seat and an
	// enrolment when the policy is OPEN and a seat is free, WAITLISTED when none is,
	// PENDING_APPROVAL under an approval policy. A learner with an open request in
	// the batch gets ECONFLICT; one enrolled in the course already (online or in
	// another batch) ECONFLICT (courseId). ENOTFOUND for an unknown learner or batch;
	// EINVALID (batchId) once the batch has ended.
	RequestSeat(ctx context.Context, batchID, learnerID int64) (*SeatRequest, error)
	// DecideSeatRequest records an approver's decision on the request's next step.
	// A rejection ends the request; the last approval confirms it (a seat free) or
	// puts it on the waiting list. The same approver may not decide two steps
	// (EFORBIDDEN). EINVALID when the request is not PENDING_APPROVAL (requestId) or
	// no approver is named (approver); ECONFLICT (courseId) when the last approval
	// finds the learner enrolled in the course another way meanwhile.
	// Who may approve is the caller's business (the admins over the learner).
	DecideSeatRequest(ctx context.Context, requestID int64, approver string, approve bool, comment string) (*SeatRequest, error)
	// WithdrawSeatRequest withdraws an open request; a seat it held goes to the
	// first on the waiting list in the same transaction (one who has meanwhile
	// enrolled in the course another way is passed over), and its enrolment is
	// DROPPED unless complete. EINVALID (requestId) when not open.
	WithdrawSeatRequest(ctx context.Context, requestID int64) (*SeatRequest, error)
	FindSeatRequestByID(ctx context.Context, id int64) (*SeatRequest, error)
	FindSeatRequestsByIDs(ctx context.Context, ids []int64) (map[int64]*SeatRequest, error)
	// FindSeatRequests pages through requests, oldest first.
	FindSeatRequests(ctx context.Context, f SeatRequestFilter, p PageRequest) (*Page[*SeatRequest], error)
	// FindWaitlistPositions returns the 1-based place of each WAITLISTED request.
	FindWaitlistPositions(ctx context.Context, requestIDs []int64) (map[int64]int, error)
	FindSeatDecisions(ctx context.Context, requestIDs []int64) (map[int64][]SeatDecision, error)

	// CreateSession returns EINVALID for bad input, an unknown batch or event
	// (batchId, eventId) or competency (competencies[i].competencyId), ECONFLICT for
	// a code in use.
	CreateSession(ctx context.Context, n *NewSession) (*Session, error)
	FindSessionByID(ctx context.Context, id int64) (*Session, error)
	FindSessionsByIDs(ctx context.Context, ids []int64) (map[int64]*Session, error)
	// FindSessionsByBatchIDs and FindSessionsByEventIDs return sessions by start.
	FindSessionsByBatchIDs(ctx context.Context, ids []int64) (map[int64][]*Session, error)
	FindSessionsByEventIDs(ctx context.Context, ids []int64) (map[int64][]*Session, error)
	FindSessionCompetencies(ctx context.Context, sessionIDs []int64) (map[int64][]SessionCompetency, error)
	FindSessionCounts(ctx context.Context, sessionIDs []int64) (map[int64]SessionCounts, error)

	// RecordAttendance records that learners attended a session (again: nothing
	// changes). In a batch, each must hold a seat, and reaching the batch's required
	// attendance completes the course as UpdateProgress does; at an event, anyone may
	// attend (walk-ins count), and attendance records EVENT_ATTENDANCE evidence for
	// the session's competencies. EINVALID (sessionId) before the session starts,
	// (learnerIds[i]) for a learner without a seat or unknown, (learnerIds) for an
	// empty list, a learner listed twice or more than 1000. All or nothing.
	RecordAttendance(ctx context.Context, sessionID int64, learnerIDs []int64, recordedBy string) ([]Attendance, error)
	// FindAttendanceByLearner returns the sessions (IDs) a learner attended among those listed.
	FindAttendanceByLearner(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*Attendance, error)

	// CreateEvent returns EINVALID for bad input or an unknown organisation
	// (organisationId), ECONFLICT for a code in use.
	CreateEvent(ctx context.Context, n *NewLearningEvent) (*LearningEvent, error)
	FindEventByID(ctx context.Context, id int64) (*LearningEvent, error)
	FindEventsByIDs(ctx context.Context, ids []int64) (map[int64]*LearningEvent, error)
	// FindEvents pages through events by start, the latest first.
	FindEvents(ctx context.Context, f EventFilter, p PageRequest) (*Page[*LearningEvent], error)

	// RegisterForSession registers a learner for an event session: REGISTERED while
	// places remain, WAITLISTED past capacity (not an error). Registering again
	// returns the registration as it is (a cancelled one registers anew). EINVALID
	// (sessionId) for a batch session or one that has ended; ENOTFOUND for an unknown
	// session or learner.
	RegisterForSession(ctx context.Context, sessionID, learnerID int64) (*SessionRegistration, error)
	// CancelRegistration cancels it; a place it held goes to the first waiting, in
	// the same transaction. Cancelling again returns it as it is. ENOTFOUND when
	// there is no registration.
	CancelRegistration(ctx context.Context, sessionID, learnerID int64) (*SessionRegistration, error)
	FindRegistrations(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*SessionRegistration, error)
	// FindEventParticipation counts the event's registrations and attendance by the
	// learners of the organisation and below. ENOTFOUND for an unknown event or
	// organisation.
	FindEventParticipation(ctx context.Context, eventID, organisationID int64) (*EventParticipation, error)
}
