// Temporary, for branch graph only: BlendedService until the store's branch blended
// lands. Delete when merging it.
package store

import (
	"context"

	"github.com/openkarmayogi/karmayogi/models"
)

var _ models.BlendedService = (*DB)(nil)

func errNotImplemented() error { return models.Errorf(models.EINTERNAL, "not implemented") }

func (db *DB) CreateBatch(ctx context.Context, n *models.NewBatch) (*models.Batch, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindBatchByID(ctx context.Context, id int64) (*models.Batch, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindBatchesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Batch, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindBatches(ctx context.Context, f models.BatchFilter, p models.PageRequest) (*models.Page[*models.Batch], error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSeatCounts(ctx context.Context, batchIDs []int64) (map[int64]models.SeatCounts, error) {
	return nil, errNotImplemented()
}

func (db *DB) RequestSeat(ctx context.Context, batchID, learnerID int64) (*models.SeatRequest, error) {
	return nil, errNotImplemented()
}

func (db *DB) DecideSeatRequest(ctx context.Context, requestID int64, approver string, approve bool, comment string) (*models.SeatRequest, error) {
	return nil, errNotImplemented()
}

func (db *DB) WithdrawSeatRequest(ctx context.Context, requestID int64) (*models.SeatRequest, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSeatRequestByID(ctx context.Context, id int64) (*models.SeatRequest, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSeatRequestsByIDs(ctx context.Context, ids []int64) (map[int64]*models.SeatRequest, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSeatRequests(ctx context.Context, f models.SeatRequestFilter, p models.PageRequest) (*models.Page[*models.SeatRequest], error) {
	return nil, errNotImplemented()
}

func (db *DB) FindWaitlistPositions(ctx context.Context, requestIDs []int64) (map[int64]int, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSeatDecisions(ctx context.Context, requestIDs []int64) (map[int64][]models.SeatDecision, error) {
	return nil, errNotImplemented()
}

func (db *DB) CreateSession(ctx context.Context, n *models.NewSession) (*models.Session, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSessionByID(ctx context.Context, id int64) (*models.Session, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSessionsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Session, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSessionsByBatchIDs(ctx context.Context, ids []int64) (map[int64][]*models.Session, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSessionsByEventIDs(ctx context.Context, ids []int64) (map[int64][]*models.Session, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSessionCompetencies(ctx context.Context, sessionIDs []int64) (map[int64][]models.SessionCompetency, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindSessionCounts(ctx context.Context, sessionIDs []int64) (map[int64]models.SessionCounts, error) {
	return nil, errNotImplemented()
}

func (db *DB) RecordAttendance(ctx context.Context, sessionID int64, learnerIDs []int64, recordedBy string) ([]models.Attendance, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindAttendanceByLearner(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*models.Attendance, error) {
	return nil, errNotImplemented()
}

func (db *DB) CreateEvent(ctx context.Context, n *models.NewLearningEvent) (*models.LearningEvent, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindEventByID(ctx context.Context, id int64) (*models.LearningEvent, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindEventsByIDs(ctx context.Context, ids []int64) (map[int64]*models.LearningEvent, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindEvents(ctx context.Context, f models.EventFilter, p models.PageRequest) (*models.Page[*models.LearningEvent], error) {
	return nil, errNotImplemented()
}

func (db *DB) RegisterForSession(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	return nil, errNotImplemented()
}

func (db *DB) CancelRegistration(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindRegistrations(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*models.SessionRegistration, error) {
	return nil, errNotImplemented()
}

func (db *DB) FindEventParticipation(ctx context.Context, eventID, organisationID int64) (*models.EventParticipation, error) {
	return nil, errNotImplemented()
}
