package blended

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// Attendance and what follows from it. InsertAttendance and UpsertAttendance share
// one path: openSitting, refused, attend.

// InsertAttendance records that learners attended a session, all or nothing; see
// models.BlendedService.RecordAttendance. The list is valid: one to
// models.MaxAttendees learners, none twice. It returns the attendance as stored, in
// the order listed: a learner recorded before keeps the time and recorder of the
// first record.
func (bs *Store) InsertAttendance(ctx context.Context, sessionID int64, learnerIDs []int64, recordedBy string) ([]models.Attendance, error) {
	var out []models.Attendance
	err := bs.db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		s, err := store.One[models.Session](ctx, tx, sessionID, "session")
		if err != nil {
			return err
		}
		st, err := bs.openSitting(ctx, tx, s)
		if err != nil {
			return err
		}
		refused, err := st.refused(ctx, tx, learnerIDs)
		if err != nil {
			return err
		}
		for i, id := range learnerIDs {
			if why, ok := refused[id]; ok {
				return models.Invalid(fmt.Sprintf("learnerIds[%d]", i), "%s", why)
			}
		}
		out, err = bs.attend(ctx, tx, st, learnerIDs, recordedBy)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindAttendanceByLearner returns a learner's attendance at those of the sessions
// they attended, keyed by session.
func (bs *Store) FindAttendanceByLearner(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*models.Attendance, error) {
	out := make(map[int64]*models.Attendance, len(sessionIDs))
	if len(sessionIDs) == 0 {
		return out, nil
	}
	var rows []*models.Attendance
	err := bs.db.Bun().NewSelect().Model(&rows).Where("learner_id = ? AND session_id IN (?)", learnerID, bun.List(sessionIDs)).Scan(ctx)
	for _, a := range rows {
		out[a.SessionID] = a
	}
	return out, err
}

// sitting is a session taking attendance, with its batch when it is a batch's.
type sitting struct {
	session *models.Session
	batch   *models.Batch // nil at an event
}

// openSitting returns EINVALID (sessionId) before the session starts. For a batch
// session it locks the batch, so seats cannot change while attendance is checked,
// and two registers of the same batch count each other's attendance.
func (bs *Store) openSitting(ctx context.Context, idb bun.IDB, s *models.Session) (*sitting, error) {
	if s.StartsAt.After(bs.db.Now()) {
		return nil, models.Invalid("sessionId", "the session starts at %s; attendance is recorded once it has started",
			s.StartsAt.Format(time.RFC3339))
	}
	st := &sitting{session: s}
	if s.BatchID != nil {
		b, err := locked[models.Batch](ctx, bs.db, idb, *s.BatchID, "batch")
		if err != nil {
			return nil, err
		}
		st.batch = b
	}
	return st, nil
}

// refused returns, for each of learnerIDs who may not attend the sitting, why: no
// such learner, or in a batch, no seat. Anyone may attend an event session.
func (st *sitting) refused(ctx context.Context, idb bun.IDB, learnerIDs []int64) (map[int64]string, error) {
	known, err := store.ExistingIDs(ctx, idb, "learners", learnerIDs)
	if err != nil {
		return nil, err
	}
	seated := known
	if st.batch != nil {
		var ids []int64
		if err := idb.NewSelect().Table("seat_requests").Column("learner_id").
			Where("batch_id = ? AND learner_id IN (?) AND seat_number IS NOT NULL", st.batch.ID, bun.List(learnerIDs)).
			Scan(ctx, &ids); err != nil {
			return nil, err
		}
		seated = make(map[int64]bool, len(ids))
		for _, id := range ids {
			seated[id] = true
		}
	}
	out := map[int64]string{}
	for _, id := range learnerIDs {
		switch {
		case !known[id]:
			out[id] = "no such learner"
		case !seated[id]:
			out[id] = fmt.Sprintf("the learner holds no seat in batch %s", st.batch.Code)
		}
	}
	return out, nil
}

// attend records that learners, each allowed (see refused), attended the sitting,
// with its effects for those attending for the first time: in a batch, progress
// towards the course and perhaps its completion; at an event, EVENT_ATTENDANCE
// evidence and karma. A learner recorded before changes nothing, not even their
// version. It returns the attendance rows as stored, in the order of learnerIDs.
func (bs *Store) attend(ctx context.Context, tx bun.Tx, st *sitting, learnerIDs []int64, recordedBy string) ([]models.Attendance, error) {
	now := bs.db.Now()
	// Inserted in learner order, so that two registers of one session lock its
	// rows in the same order.
	rows := make([]models.Attendance, len(learnerIDs))
	for i, id := range slices.Sorted(slices.Values(learnerIDs)) {
		rows[i] = models.Attendance{SessionID: st.session.ID, LearnerID: id, RecordedAt: now, RecordedBy: recordedBy}
	}
	var fresh []int64
	for lo := 0; lo < len(rows); lo += store.LearningChunk {
		chunk := rows[lo:min(lo+store.LearningChunk, len(rows))]
		var part []int64
		if err := tx.NewInsert().Model(&chunk).On("CONFLICT (session_id, learner_id) DO NOTHING").
			Returning("learner_id").Scan(ctx, &part); err != nil {
			return nil, err
		}
		fresh = append(fresh, part...)
	}
	slices.Sort(fresh) // RETURNING promises no order
	if len(fresh) > 0 {
		var err error
		if st.batch != nil {
			err = bs.batchProgress(ctx, tx, st.batch, fresh)
		} else {
			err = bs.eventAttendance(ctx, tx, st.session, fresh)
		}
		if err != nil {
			return nil, err
		}
		if err := bs.db.BumpLearners(ctx, tx, fresh); err != nil {
			return nil, err
		}
	}
	var stored []models.Attendance
	if err := tx.NewSelect().Model(&stored).Where("session_id = ? AND learner_id IN (?)", st.session.ID, bun.List(learnerIDs)).
		Scan(ctx); err != nil {
		return nil, err
	}
	byLearner := make(map[int64]models.Attendance, len(stored))
	for _, a := range stored {
		byLearner[a.LearnerID] = a
	}
	for i, id := range learnerIDs {
		rows[i] = byLearner[id]
	}
	return rows, nil
}

// batchProgress moves the enrolment of each learner (holding a seat in the locked
// batch b) to the share of b's sessions they attended, never back; one who has
// attended RequiredAttendance of them completes the course, as UpdateProgress
// completes it, and their seat request becomes COMPLETED. An enrolment completed
// already (online, say) is left as it is.
func (bs *Store) batchProgress(ctx context.Context, tx bun.Tx, b *models.Batch, learnerIDs []int64) error {
	total, err := tx.NewSelect().Table("sessions").Where("batch_id = ?", b.ID).Count(ctx)
	if err != nil {
		return err
	}
	var counts []struct {
		LearnerID int64 `bun:"learner_id"`
		Attended  int   `bun:"attended"`
	}
	if err := tx.NewSelect().TableExpr("attendance AS a").ColumnExpr("a.learner_id, COUNT(*) AS attended").
		Join("JOIN sessions AS s ON s.id = a.session_id").
		Where("s.batch_id = ? AND a.learner_id IN (?)", b.ID, bun.List(learnerIDs)).
		GroupExpr("a.learner_id").Scan(ctx, &counts); err != nil {
		return err
	}
	attended := make(map[int64]int, len(counts))
	for _, c := range counts {
		attended[c.LearnerID] = c.Attended
	}
	var seats []*models.SeatRequest
	if err := tx.NewSelect().Model(&seats).Where("batch_id = ? AND learner_id IN (?) AND seat_number IS NOT NULL", b.ID, bun.List(learnerIDs)).
		Order("id").Scan(ctx); err != nil {
		return err
	}
	now := bs.db.Now()
	var done []*models.Enrolment
	var finished []int64
	var how models.CompletionVerification // the same for every learner of one course
	for _, r := range seats {
		// The status condition leaves a completed enrolment alone, and loses cleanly
		// to an UpdateProgress completing it at the same moment.
		q := tx.NewUpdate().Table("enrolments").Where("id = ? AND status <> ?", *r.EnrolmentID, models.Completed)
		share, complete := domain.AttendanceProgress(attended[r.LearnerID], int(total), b.RequiredAttendance)
		ok := false
		if complete {
			// Attendance completes the course unless it waits for an assessment or its provider.
			e := &models.Enrolment{ID: *r.EnrolmentID, CourseID: b.CourseID}
			if how, ok, err = bs.db.Completion(ctx, tx, e, models.ByAttendance); err != nil {
				return err
			}
		}
		if !ok {
			if _, err := q.Set("status = ?", models.InProgress).
				Set("progress = CASE WHEN progress < ? THEN ? ELSE progress END", share, share).Exec(ctx); err != nil {
				return err
			}
			continue
		}
		if r.Status != models.SeatCompleted {
			finished = append(finished, r.ID)
		}
		ok, err := store.Affected(q.Set("status = ?", models.Completed).Set("progress = 1").Set("completed_at = ?", now).Exec(ctx))
		if err != nil {
			return err
		}
		if ok {
			done = append(done, &models.Enrolment{ID: *r.EnrolmentID, LearnerID: r.LearnerID, CourseID: b.CourseID,
				Status: models.Completed, Progress: 1, CompletedAt: &now})
		}
	}
	if len(finished) > 0 {
		if _, err := tx.NewUpdate().Table("seat_requests").Set("status = ?", models.SeatCompleted).Set("updated_at = ?", now).
			Where("id IN (?)", bun.List(finished)).Exec(ctx); err != nil {
			return err
		}
	}
	return bs.db.Complete(ctx, tx, done, how)
}

// eventAttendance records, for learners attending an event session for the first
// time, EVENT_ATTENDANCE evidence at the session's level in each competency it
// touches, observed when it started (the same observation again is kept once), with
// the proficiencies that changes, and the karma attending earns.
func (bs *Store) eventAttendance(ctx context.Context, tx bun.Tx, s *models.Session, learnerIDs []int64) error {
	touches, err := sessionCompetencies(ctx, tx, []int64{s.ID})
	if err != nil {
		return err
	}
	now := bs.db.Now()
	var evidence []models.Evidence
	for _, l := range learnerIDs {
		for _, c := range touches[s.ID] {
			evidence = append(evidence, models.Evidence{LearnerID: l, CompetencyID: c.CompetencyID, Source: models.EventAttendance,
				Level: c.Level, ObservedAt: s.StartsAt, CreatedAt: now})
		}
	}
	pairs := map[int64][]int64{}
	for lo := 0; lo < len(evidence); lo += store.LearningChunk {
		chunk := evidence[lo:min(lo+store.LearningChunk, len(evidence))]
		var wrote []store.LearnerPair
		if err := tx.NewInsert().Model(&chunk).ExcludeColumn("id").
			On("CONFLICT (learner_id, competency_id, source, observed_at) DO NOTHING").
			Returning("learner_id, competency_id").Scan(ctx, &wrote); err != nil {
			return err
		}
		for _, p := range wrote {
			pairs[p.LearnerID] = append(pairs[p.LearnerID], p.CompetencyID)
		}
	}
	if _, err := bs.db.ReestimateIn(ctx, tx, pairs); err != nil {
		return err
	}
	acts := make([]domain.Activity, len(learnerIDs))
	for i, l := range learnerIDs {
		acts[i] = domain.Activity{Kind: domain.AttendedEvent, LearnerID: l, EventID: *s.EventID, At: s.StartsAt}
	}
	return bs.db.AwardKarma(ctx, tx, acts)
}
