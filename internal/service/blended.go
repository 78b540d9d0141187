package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/openkarmayogi/karmayogi/internal/change"
	"github.com/openkarmayogi/karmayogi/models"
)

// Blended keeps face-to-face and blended learning: batches, seats, learning
// events, their sessions, registrations and attendance. It validates what it is
// given, has the store (internal/store/blended) write it, and records every write
// it asks of the store as shared (change.Shared), whatever the store answers: seats,
// waiting lists, places and attendance counts show to others.
type Blended struct {
	BlendedReader // the reads, passed on as they are
	Store         BlendedStore
}

var _ models.BlendedService = (*Blended)(nil)

// BlendedReader is what the store answers for Blended's reads: those of
// models.BlendedService.
type BlendedReader interface {
	FindBatchByID(ctx context.Context, id int64) (*models.Batch, error)
	FindBatchesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Batch, error)
	FindBatches(ctx context.Context, f models.BatchFilter, p models.PageRequest) (*models.Page[*models.Batch], error)
	FindSeatCounts(ctx context.Context, batchIDs []int64) (map[int64]models.SeatCounts, error)
	FindSeatRequestByID(ctx context.Context, id int64) (*models.SeatRequest, error)
	FindSeatRequestsByIDs(ctx context.Context, ids []int64) (map[int64]*models.SeatRequest, error)
	FindSeatRequests(ctx context.Context, f models.SeatRequestFilter, p models.PageRequest) (*models.Page[*models.SeatRequest], error)
	FindWaitlistPositions(ctx context.Context, requestIDs []int64) (map[int64]int, error)
	FindSeatDecisions(ctx context.Context, requestIDs []int64) (map[int64][]models.SeatDecision, error)
	FindSessionByID(ctx context.Context, id int64) (*models.Session, error)
	FindSessionsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Session, error)
	FindSessionsByBatchIDs(ctx context.Context, ids []int64) (map[int64][]*models.Session, error)
	FindSessionsByEventIDs(ctx context.Context, ids []int64) (map[int64][]*models.Session, error)
	FindSessionCompetencies(ctx context.Context, sessionIDs []int64) (map[int64][]models.SessionCompetency, error)
	FindSessionCounts(ctx context.Context, sessionIDs []int64) (map[int64]models.SessionCounts, error)
	FindAttendanceByLearner(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*models.Attendance, error)
	FindEventByID(ctx context.Context, id int64) (*models.LearningEvent, error)
	FindEventsByIDs(ctx context.Context, ids []int64) (map[int64]*models.LearningEvent, error)
	FindEvents(ctx context.Context, f models.EventFilter, p models.PageRequest) (*models.Page[*models.LearningEvent], error)
	FindRegistrations(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*models.SessionRegistration, error)
	FindEventParticipation(ctx context.Context, eventID, organisationID int64) (*models.EventParticipation, error)
}

// BlendedStore is what Blended writes through. Each write takes valid input and
// checks, in its transaction, what only the database knows (the course's format,
// a seat free, the session started, a learner holding a seat); each error leaves
// the store as it was.
type BlendedStore interface {
	InsertBatch(ctx context.Context, n *models.NewBatch) (*models.Batch, error)
	InsertSeatRequest(ctx context.Context, batchID, learnerID int64) (*models.SeatRequest, error)
	InsertSeatDecision(ctx context.Context, requestID int64, approver string, approve bool, comment string) (*models.SeatRequest, error)
	SaveSeatWithdrawal(ctx context.Context, requestID int64) (*models.SeatRequest, error)
	InsertSession(ctx context.Context, n *models.NewSession) (*models.Session, error)
	InsertAttendance(ctx context.Context, sessionID int64, learnerIDs []int64, recordedBy string) ([]models.Attendance, error)
	InsertEvent(ctx context.Context, n *models.NewLearningEvent) (*models.LearningEvent, error)
	SaveRegistration(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error)
	SaveCancellation(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error)
}

// CreateBatch validates n (filling in its defaults) and stores the batch.
func (s *Blended) CreateBatch(ctx context.Context, n *models.NewBatch) (*models.Batch, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	defer change.Shared(ctx)
	return s.Store.InsertBatch(ctx, n)
}

// RequestSeat asks for a seat for a learner; see models.BlendedService.
func (s *Blended) RequestSeat(ctx context.Context, batchID, learnerID int64) (*models.SeatRequest, error) {
	defer change.Shared(ctx)
	return seatOf(ctx)(s.Store.InsertSeatRequest(ctx, batchID, learnerID))
}

// seatOf records the learner of a seat request a write returned as changed: the
// request is theirs to follow (subscriptions), whether or not it moved their
// version yet.
func seatOf(ctx context.Context) func(*models.SeatRequest, error) (*models.SeatRequest, error) {
	return func(r *models.SeatRequest, err error) (*models.SeatRequest, error) {
		if err == nil {
			change.Learners(ctx, r.LearnerID)
		}
		return r, err
	}
}

// DecideSeatRequest records an approver's decision; see models.BlendedService.
// The approver is named without surrounding space.
func (s *Blended) DecideSeatRequest(ctx context.Context, requestID int64, approver string, approve bool, comment string) (*models.SeatRequest, error) {
	approver = strings.TrimSpace(approver)
	switch {
	case approver == "":
		return nil, models.Invalid("approver", "must name who decides")
	case utf8.RuneCountInString(comment) > 2000:
		return nil, models.Invalid("comment", "must be at most 2000 characters")
	}
	defer change.Shared(ctx)
	return seatOf(ctx)(s.Store.InsertSeatDecision(ctx, requestID, approver, approve, comment))
}

// WithdrawSeatRequest withdraws an open request; see models.BlendedService.
func (s *Blended) WithdrawSeatRequest(ctx context.Context, requestID int64) (*models.SeatRequest, error) {
	defer change.Shared(ctx)
	return seatOf(ctx)(s.Store.SaveSeatWithdrawal(ctx, requestID))
}

// CreateSession validates n (filling in its kind) and stores the session.
func (s *Blended) CreateSession(ctx context.Context, n *models.NewSession) (*models.Session, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	defer change.Shared(ctx)
	return s.Store.InsertSession(ctx, n)
}

// RecordAttendance checks the register (one to models.MaxAttendees learners, none
// twice, a recorder of at most 200 characters) and records it; see
// models.BlendedService.
func (s *Blended) RecordAttendance(ctx context.Context, sessionID int64, learnerIDs []int64, recordedBy string) ([]models.Attendance, error) {
	switch {
	case len(learnerIDs) == 0:
		return nil, models.Invalid("learnerIds", "must list at least one learner")
	case len(learnerIDs) > models.MaxAttendees:
		return nil, models.Invalid("learnerIds", "must list at most %d learners; record a longer register in parts", models.MaxAttendees)
	case !distinct(learnerIDs):
		return nil, models.Invalid("learnerIds", "lists a learner more than once")
	case utf8.RuneCountInString(recordedBy) > 200:
		return nil, models.Invalid("recordedBy", "must be at most 200 characters")
	}
	defer change.Shared(ctx)
	return s.Store.InsertAttendance(ctx, sessionID, learnerIDs, recordedBy)
}

// distinct reports whether no id is listed twice.
func distinct(ids []int64) bool {
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}

// CreateEvent validates n and stores the event.
func (s *Blended) CreateEvent(ctx context.Context, n *models.NewLearningEvent) (*models.LearningEvent, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	defer change.Shared(ctx)
	return s.Store.InsertEvent(ctx, n)
}

// RegisterForSession registers a learner for an event session; see models.BlendedService.
func (s *Blended) RegisterForSession(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	defer change.Shared(ctx)
	return s.Store.SaveRegistration(ctx, sessionID, learnerID)
}

// CancelRegistration cancels a registration; see models.BlendedService.
func (s *Blended) CancelRegistration(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	defer change.Shared(ctx)
	return s.Store.SaveCancellation(ctx, sessionID, learnerID)
}
