package store

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// Batches and their seats. Every change to a batch's seats (a request confirmed, a
// seat withdrawn, the seats re-imported) first locks the batch's row, so the count
// of seats taken that it reads stays true until it commits: no seat is ever given
// twice, and the waiting list moves up in order. UNIQUE (batch_id, seat_number)
// guards the same rule in the database.

var _ models.BlendedService = (*DB)(nil)

var (
	batchPages       = OldestFirst[*models.Batch]{Column: "starts_at", At: func(b *models.Batch) time.Time { return b.StartsAt }, ID: func(b *models.Batch) int64 { return b.ID }}
	seatRequestPages = OldestFirst[*models.SeatRequest]{Column: "requested_at", At: func(r *models.SeatRequest) time.Time { return r.RequestedAt }, ID: func(r *models.SeatRequest) int64 { return r.ID }}
)

// CreateBatch stores a batch of a FACE_TO_FACE or BLENDED course.
func (db *DB) CreateBatch(ctx context.Context, n *models.NewBatch) (*models.Batch, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	now := db.now()
	b := &models.Batch{Code: n.Code, CourseID: n.CourseID, Name: n.Name, Venue: n.Venue, Link: n.Link,
		StartsAt: instant(n.StartsAt), EndsAt: instant(n.EndsAt), Seats: n.Seats, Policy: n.Policy,
		RequiredAttendance: n.RequiredAttendance, CreatedAt: now, UpdatedAt: now}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := One[models.Course](ctx, tx, n.CourseID, "course")
		if models.ErrorCode(err) == models.ENOTFOUND {
			c, err = nil, nil
		}
		if err != nil {
			return err
		}
		if err := checkBatchCourse(c); err != nil {
			return err
		}
		_, err = tx.NewInsert().Model(b).ExcludeColumn("id").Returning("id").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, ConflictOr(err, CodeFields)
	}
	return b, nil
}

// checkBatchCourse returns EINVALID (courseId) unless c (nil: missing) can have
// batches: an ONLINE course is taken alone, at the learner's pace.
func checkBatchCourse(c *models.Course) error {
	switch {
	case c == nil:
		return models.Invalid("courseId", "no such course")
	case c.Format == models.Online:
		return models.Invalid("courseId", "course %s is ONLINE; batches are for FACE_TO_FACE and BLENDED courses", c.Code)
	}
	return nil
}

// FindBatchByID returns ENOTFOUND if there is no such batch.
func (db *DB) FindBatchByID(ctx context.Context, id int64) (*models.Batch, error) {
	return One[models.Batch](ctx, db.bun, id, "batch")
}

// FindBatchesByIDs returns the batches that exist, keyed by ID.
func (db *DB) FindBatchesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Batch, error) {
	return ByID(ctx, db.bun, ids, func(b *models.Batch) int64 { return b.ID })
}

// FindBatches pages through batches by start, soonest first.
func (db *DB) FindBatches(ctx context.Context, f models.BatchFilter, p models.PageRequest) (*models.Page[*models.Batch], error) {
	q := db.bun.NewSelect().Model((*models.Batch)(nil))
	if f.CourseID != nil {
		q = q.Where("course_id = ?", *f.CourseID)
	}
	if f.EndsAfter != nil {
		q = q.Where("ends_at > ?", instant(*f.EndsAfter))
	}
	return batchPages.Fetch(ctx, q, p)
}

// FindSeatCounts counts each batch's requests by status in one grouped query; a
// batch without requests counts zero.
func (db *DB) FindSeatCounts(ctx context.Context, batchIDs []int64) (map[int64]models.SeatCounts, error) {
	out := make(map[int64]models.SeatCounts, len(batchIDs))
	if len(batchIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		BatchID int64 `bun:"batch_id"`
		models.SeatCounts
	}
	err := db.bun.NewSelect().Table("seat_requests").Column("batch_id").
		ColumnExpr("SUM(CASE WHEN status IN (?, ?) THEN 1 ELSE 0 END) AS confirmed", models.SeatConfirmed, models.SeatCompleted).
		ColumnExpr("SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS waitlisted", models.SeatWaitlisted).
		ColumnExpr("SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS pending", models.SeatPending).
		Where("batch_id IN (?)", bun.List(batchIDs)).Group("batch_id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, id := range batchIDs {
		out[id] = models.SeatCounts{}
	}
	for _, r := range rows {
		out[r.BatchID] = r.SeatCounts
	}
	return out, nil
}

// RequestSeat asks for a seat for a learner; see models.BlendedService. A learner
// whose request was rejected or withdrawn asks again on the same row, which starts
// afresh: no approvals, no decisions, the end of the queue.
func (db *DB) RequestSeat(ctx context.Context, batchID, learnerID int64) (*models.SeatRequest, error) {
	var r *models.SeatRequest
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b, err := locked[models.Batch](ctx, db, tx, batchID, "batch")
		if err != nil {
			return err
		}
		now := db.now() // read under the lock, so the waiting list is in the order requests took it
		if _, err := One[models.Learner](ctx, tx, learnerID, "learner"); err != nil {
			return err
		}
		if !now.Before(b.EndsAt) {
			return models.Invalid("batchId", "the batch ended at %s", b.EndsAt.Format(time.RFC3339))
		}
		var old []*models.SeatRequest
		if err := tx.NewSelect().Model(&old).Where("batch_id = ? AND learner_id = ?", batchID, learnerID).Scan(ctx); err != nil {
			return err
		}
		if len(old) > 0 && (old[0].Status.Open() || old[0].Status == models.SeatCompleted) {
			return models.Errorf(models.ECONFLICT, "the learner's request for a seat in this batch is %s already", old[0].Status)
		}
		if e, err := courseEnrolment(ctx, tx, learnerID, b.CourseID); err != nil {
			return err
		} else if e != nil && e.Status != models.Dropped {
			return AlreadyEnrolled()
		}
		r = &models.SeatRequest{BatchID: b.ID, LearnerID: learnerID, Status: models.SeatPending, RequestedAt: now, UpdatedAt: now}
		if len(old) > 0 {
			r.ID = old[0].ID
			if _, err := tx.NewDelete().Model((*models.SeatDecision)(nil)).Where("request_id = ?", r.ID).Exec(ctx); err != nil {
				return err
			}
		}
		if b.Policy.Steps() == 0 {
			if err := db.place(ctx, tx, b, r, now); err != nil {
				return err
			}
		}
		if r.ID != 0 {
			return saveRequest(ctx, tx, r)
		}
		_, err = tx.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DecideSeatRequest records an approver's decision; see models.BlendedService.
func (db *DB) DecideSeatRequest(ctx context.Context, requestID int64, approver string, approve bool, comment string) (*models.SeatRequest, error) {
	approver = strings.TrimSpace(approver)
	switch {
	case approver == "":
		return nil, models.Invalid("approver", "must name who decides")
	case utf8.RuneCountInString(comment) > 2000:
		return nil, models.Invalid("comment", "must be at most 2000 characters")
	}
	var r *models.SeatRequest
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b, req, err := db.lockRequest(ctx, tx, requestID)
		if err != nil {
			return err
		}
		r = req
		if r.Status != models.SeatPending {
			return models.Invalid("requestId", "the request is %s, not awaiting approval", r.Status)
		}
		var earlier []models.SeatDecision
		if err := tx.NewSelect().Model(&earlier).Where("request_id = ?", r.ID).Scan(ctx); err != nil {
			return err
		}
		for _, d := range earlier {
			if d.ApproverSubject == approver {
				return models.Errorf(models.EFORBIDDEN, "%s decided step %d of this request; another approver must decide the next", approver, d.Step)
			}
		}
		now := db.now()
		d := &models.SeatDecision{RequestID: r.ID, Step: r.Approvals + 1, ApproverSubject: approver, Approved: approve,
			Comment: comment, DecidedAt: now}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		r.UpdatedAt = now
		switch domain.DecideSeat(r.Approvals, b.Policy, approve) {
		case domain.SeatRefused:
			r.Status = models.SeatRejected
		case domain.SeatApproved:
			r.Approvals++
			if err := db.place(ctx, tx, b, r, now); err != nil {
				return err
			}
		case domain.SeatAwaiting:
			r.Approvals++
		}
		return saveRequest(ctx, tx, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// WithdrawSeatRequest withdraws an open request. A seat it held is freed and its
// enrolment dropped (unless the course is complete), and the first on the waiting
// list takes the seat in the same transaction.
func (db *DB) WithdrawSeatRequest(ctx context.Context, requestID int64) (*models.SeatRequest, error) {
	var r *models.SeatRequest
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b, req, err := db.lockRequest(ctx, tx, requestID)
		if err != nil {
			return err
		}
		r = req
		if !r.Status.Open() {
			return models.Invalid("requestId", "the request is %s; only a pending, waiting or confirmed request can be withdrawn", r.Status)
		}
		held := r.Status.Holds()
		r.Status, r.SeatNumber, r.UpdatedAt = models.SeatWithdrawn, nil, db.now()
		if err := saveRequest(ctx, tx, r); err != nil {
			return err
		}
		if !held {
			return nil
		}
		if _, err := tx.NewUpdate().Table("enrolments").Set("status = ?", models.Dropped).
			Where("id = ? AND status <> ?", r.EnrolmentID, models.Completed).Exec(ctx); err != nil {
			return err
		}
		if err := db.BumpLearners(ctx, tx, []int64{r.LearnerID}); err != nil {
			return err
		}
		return db.promote(ctx, tx, b)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// FindSeatRequestByID returns ENOTFOUND if there is no such request.
func (db *DB) FindSeatRequestByID(ctx context.Context, id int64) (*models.SeatRequest, error) {
	return One[models.SeatRequest](ctx, db.bun, id, "seat request")
}

// FindSeatRequestsByIDs returns the requests that exist, keyed by ID.
func (db *DB) FindSeatRequestsByIDs(ctx context.Context, ids []int64) (map[int64]*models.SeatRequest, error) {
	return ByID(ctx, db.bun, ids, func(r *models.SeatRequest) int64 { return r.ID })
}

// FindSeatRequests pages through requests, oldest first. An unknown organisation
// in the filter selects nothing.
func (db *DB) FindSeatRequests(ctx context.Context, f models.SeatRequestFilter, p models.PageRequest) (*models.Page[*models.SeatRequest], error) {
	q := db.bun.NewSelect().Model((*models.SeatRequest)(nil))
	if f.BatchID != nil {
		q = q.Where("batch_id = ?", *f.BatchID)
	}
	if f.LearnerID != nil {
		q = q.Where("learner_id = ?", *f.LearnerID)
	}
	if f.Status != nil {
		q = q.Where("status = ?", *f.Status)
	}
	if f.WithinOrganisationID != nil {
		org, err := db.FindOrganisationByID(ctx, *f.WithinOrganisationID)
		if models.ErrorCode(err) == models.ENOTFOUND {
			return &models.Page[*models.SeatRequest]{}, nil
		} else if err != nil {
			return nil, err
		}
		q = q.Where("learner_id IN (?)", subtreeLearners(db.bun, org))
	}
	return seatRequestPages.Fetch(ctx, q, p)
}

// subtreeLearners selects the IDs of the learners of org and the organisations below it.
func subtreeLearners(idb bun.IDB, org *models.Organisation) *bun.SelectQuery {
	return idb.NewSelect().Table("learners").Column("id").Where("organisation_id IN (?)", SubtreeOrganisations(idb, org))
}

// FindWaitlistPositions returns the 1-based place of each listed request that is
// WAITLISTED, among its batch's waiting list by (queued_at, id).
func (db *DB) FindWaitlistPositions(ctx context.Context, requestIDs []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(requestIDs))
	if len(requestIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ID       int64 `bun:"id"`
		Position int   `bun:"position"`
	}
	err := db.bun.NewSelect().TableExpr("seat_requests AS r").Column("r.id").
		ColumnExpr("(SELECT COUNT(*) FROM seat_requests AS w WHERE w.batch_id = r.batch_id AND w.status = r.status"+
			" AND (w.queued_at < r.queued_at OR (w.queued_at = r.queued_at AND w.id <= r.id))) AS position").
		Where("r.id IN (?) AND r.status = ?", bun.List(requestIDs), models.SeatWaitlisted).Scan(ctx, &rows)
	for _, r := range rows {
		out[r.ID] = r.Position
	}
	return out, err
}

// FindSeatDecisions returns each request's decisions, by step.
func (db *DB) FindSeatDecisions(ctx context.Context, requestIDs []int64) (map[int64][]models.SeatDecision, error) {
	out := make(map[int64][]models.SeatDecision, len(requestIDs))
	if len(requestIDs) == 0 {
		return out, nil
	}
	var rows []models.SeatDecision
	err := db.bun.NewSelect().Model(&rows).Where("request_id IN (?)", bun.List(requestIDs)).Order("request_id", "step").Scan(ctx)
	for _, d := range rows {
		out[d.RequestID] = append(out[d.RequestID], d)
	}
	return out, err
}

// locked loads the row of T with id and locks it until the transaction ends (see
// forUpdate), or returns ENOTFOUND naming kind.
func locked[T any](ctx context.Context, db *DB, idb bun.IDB, id int64, kind string) (*T, error) {
	row := new(T)
	if err := db.ForUpdate(idb.NewSelect().Model(row).Where("id = ?", id)).Scan(ctx); err != nil {
		return nil, NotFoundOr(err, kind)
	}
	return row, nil
}

// lockRequest locks the batch of a seat request, whose lock guards all of the
// batch's requests, then reads the request as it stands.
func (db *DB) lockRequest(ctx context.Context, tx bun.Tx, id int64) (*models.Batch, *models.SeatRequest, error) {
	b := new(models.Batch)
	q := tx.NewSelect().Model(b).Where("id = (?)", tx.NewSelect().Table("seat_requests").Column("batch_id").Where("id = ?", id))
	if err := db.ForUpdate(q).Scan(ctx); err != nil {
		return nil, nil, NotFoundOr(err, "seat request")
	}
	r, err := One[models.SeatRequest](ctx, tx, id, "seat request")
	return b, r, err
}

// saveRequest writes a request's state.
func saveRequest(ctx context.Context, idb bun.IDB, r *models.SeatRequest) error {
	_, err := idb.NewUpdate().Model(r).
		Column("status", "approvals", "seat_number", "enrolment_id", "requested_at", "queued_at", "updated_at").
		WherePK().Exec(ctx)
	return err
}

// loadSeats reads the seats taken in a locked batch. A request holds a seat exactly
// when it is CONFIRMED or COMPLETED: the table's CHECK ties seat_number to those.
func loadSeats(ctx context.Context, idb bun.IDB, b *models.Batch) (*domain.Seats, error) {
	var numbers []int
	if err := idb.NewSelect().Table("seat_requests").Column("seat_number").
		Where("batch_id = ? AND seat_number IS NOT NULL", b.ID).Scan(ctx, &numbers); err != nil {
		return nil, err
	}
	return domain.NewSeats(b.Seats, numbers), nil
}

// place settles a request that needs no (more) approval, in memory, for the caller
// to save: CONFIRMED with a seat and an enrolment when one is free, else at the end
// of the waiting list at now. ECONFLICT (courseId) when the learner has meanwhile
// enrolled in the course another way.
func (db *DB) place(ctx context.Context, tx bun.Tx, b *models.Batch, r *models.SeatRequest, now time.Time) error {
	seats, err := loadSeats(ctx, tx, b)
	if err != nil {
		return err
	}
	if seats.Free() == 0 {
		r.Status, r.QueuedAt = models.SeatWaitlisted, &now
		return nil
	}
	if ok, err := db.confirm(ctx, tx, b, r, seats); err != nil {
		return err
	} else if !ok {
		return AlreadyEnrolled()
	}
	return nil
}

// confirm gives r the lowest free seat of seats and enrols its learner in the
// batch's course, in memory for the caller to save. It reports false, changing
// nothing, when the learner is enrolled in the course another way.
func (db *DB) confirm(ctx context.Context, tx bun.Tx, b *models.Batch, r *models.SeatRequest, seats *domain.Seats) (bool, error) {
	e, err := courseEnrolment(ctx, tx, r.LearnerID, b.CourseID)
	switch {
	case err != nil:
		return false, err
	case e == nil:
		if e, err = db.EnrolTx(ctx, tx, r.LearnerID, b.CourseID); err != nil {
			return false, err
		}
	case e.Status != models.Dropped:
		return false, nil
	default:
		// Dropped (say by withdrawing from an earlier batch): taken up again where it was left.
		status := models.Enrolled
		if e.Progress > 0 {
			status = models.InProgress
		}
		if _, err := tx.NewUpdate().Table("enrolments").Set("status = ?", status).Where("id = ?", e.ID).Exec(ctx); err != nil {
			return false, err
		}
		if err := db.BumpLearners(ctx, tx, []int64{r.LearnerID}); err != nil {
			return false, err
		}
	}
	n, ok := seats.Take()
	if !ok {
		return false, errors.New("store: confirm called on a full batch")
	}
	r.Status, r.SeatNumber, r.EnrolmentID = models.SeatConfirmed, &n, &e.ID
	return true, nil
}

// courseEnrolment returns a learner's enrolment in a course, or nil.
func courseEnrolment(ctx context.Context, idb bun.IDB, learnerID, courseID int64) (*models.Enrolment, error) {
	var es []*models.Enrolment
	if err := idb.NewSelect().Model(&es).Where("learner_id = ? AND course_id = ?", learnerID, courseID).Scan(ctx); err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, nil
	}
	return es[0], nil
}

// promote gives a locked batch's free seats to its waiting list, first come first
// served. A waiting learner who has meanwhile enrolled in the course another way
// cannot take a seat and is passed over (and stays waiting).
func (db *DB) promote(ctx context.Context, tx bun.Tx, b *models.Batch) error {
	seats, err := loadSeats(ctx, tx, b)
	if err != nil {
		return err
	}
	now := db.now()
	for passed := 0; seats.Free() > 0; {
		var waiting []*models.SeatRequest
		// The confirmed leave the waiting list, so only those passed over are skipped.
		if err := tx.NewSelect().Model(&waiting).Where("batch_id = ? AND status = ?", b.ID, models.SeatWaitlisted).
			Order("queued_at", "id").Offset(int64(passed)).Limit(int64(seats.Free())).Scan(ctx); err != nil {
			return err
		}
		if len(waiting) == 0 {
			return nil
		}
		for _, r := range waiting {
			ok, err := db.confirm(ctx, tx, b, r, seats)
			if err != nil {
				return err
			}
			if !ok {
				passed++
				continue
			}
			r.UpdatedAt = now
			if err := saveRequest(ctx, tx, r); err != nil {
				return err
			}
		}
	}
	return nil
}
