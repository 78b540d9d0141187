package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/models"
)

// Learning events, the sessions of events and batches, and registrations for event
// sessions. A registration takes a place while the session has one and waits
// otherwise; like seats, places change only under the session row's lock.

var eventPages = NewestFirst[*models.LearningEvent]{Column: "starts_at", At: func(e *models.LearningEvent) time.Time { return e.StartsAt }, ID: func(e *models.LearningEvent) int64 { return e.ID }}

// CreateEvent stores a learning event.
func (db *DB) CreateEvent(ctx context.Context, n *models.NewLearningEvent) (*models.LearningEvent, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	now := db.now()
	e := &models.LearningEvent{Code: n.Code, Name: n.Name, Description: n.Description, OrganisationID: n.OrganisationID,
		StartsAt: instant(n.StartsAt), EndsAt: instant(n.EndsAt), CreatedAt: now, UpdatedAt: now}
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if n.OrganisationID != nil {
			if err := CheckOrganisation(ctx, tx, *n.OrganisationID); err != nil {
				return err
			}
		}
		_, err := tx.NewInsert().Model(e).ExcludeColumn("id").Returning("id").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, ConflictOr(err, CodeFields)
	}
	return e, nil
}

// FindEventByID returns ENOTFOUND if there is no such event.
func (db *DB) FindEventByID(ctx context.Context, id int64) (*models.LearningEvent, error) {
	return One[models.LearningEvent](ctx, db.bun, id, "event")
}

// FindEventsByIDs returns the events that exist, keyed by ID.
func (db *DB) FindEventsByIDs(ctx context.Context, ids []int64) (map[int64]*models.LearningEvent, error) {
	return ByID(ctx, db.bun, ids, func(e *models.LearningEvent) int64 { return e.ID })
}

// FindEvents pages through events by start, the latest first.
func (db *DB) FindEvents(ctx context.Context, f models.EventFilter, p models.PageRequest) (*models.Page[*models.LearningEvent], error) {
	q := db.bun.NewSelect().Model((*models.LearningEvent)(nil))
	if f.EndsAfter != nil {
		q = q.Where("ends_at > ?", instant(*f.EndsAfter))
	}
	return eventPages.Fetch(ctx, q, p)
}

// sessionSlack is how far outside its batch's or event's dates a session may start:
// an orientation the evening before, a last sitting that runs over.
const sessionSlack = 24 * time.Hour

// CreateSession stores a session of a batch or an event with the competencies it touches.
func (db *DB) CreateSession(ctx context.Context, n *models.NewSession) (*models.Session, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	s := newSession(n, db.now())
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkSessionParent(ctx, tx, n); err != nil {
			return err
		}
		ids := make([]int64, len(n.Competencies))
		for i, c := range n.Competencies {
			ids[i] = c.CompetencyID
		}
		found, err := ExistingIDs(ctx, tx, "competencies", ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if !found[id] {
				return models.Invalid(fmt.Sprintf("competencies[%d].competencyId", i), "no such competency")
			}
		}
		if _, err := tx.NewInsert().Model(s).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
			return err
		}
		return replaceSessionCompetencies(ctx, tx, s.ID, n.Competencies)
	})
	if err != nil {
		return nil, ConflictOr(err, CodeFields)
	}
	return s, nil
}

// newSession is the row that n, validated, describes.
func newSession(n *models.NewSession, now time.Time) *models.Session {
	s := &models.Session{Code: n.Code, Title: n.Title, Kind: n.Kind, Venue: n.Venue, Link: n.Link,
		StartsAt: instant(n.StartsAt), EndsAt: instant(n.EndsAt), Capacity: n.Capacity, CreatedAt: now}
	if n.BatchID != 0 {
		s.BatchID = &n.BatchID
	} else {
		s.EventID = &n.EventID
	}
	return s
}

// checkSessionParent returns EINVALID unless the session's batch (batchId) or event
// (eventId) exists and the session starts within its dates, give or take sessionSlack
// (startsAt).
func checkSessionParent(ctx context.Context, idb bun.IDB, n *models.NewSession) error {
	var start, end time.Time
	what := "batch"
	if n.BatchID != 0 {
		b, err := One[models.Batch](ctx, idb, n.BatchID, "batch")
		if models.ErrorCode(err) == models.ENOTFOUND {
			return models.Invalid("batchId", "no such batch")
		} else if err != nil {
			return err
		}
		start, end = b.StartsAt, b.EndsAt
	} else {
		e, err := One[models.LearningEvent](ctx, idb, n.EventID, "event")
		if models.ErrorCode(err) == models.ENOTFOUND {
			return models.Invalid("eventId", "no such event")
		} else if err != nil {
			return err
		}
		start, end, what = e.StartsAt, e.EndsAt, "event"
	}
	if n.StartsAt.Before(start.Add(-sessionSlack)) || n.StartsAt.After(end.Add(sessionSlack)) {
		return models.Invalid("startsAt", "must fall within the %s's dates, %s to %s, give or take a day", what,
			start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return nil
}

// replaceSessionCompetencies makes cs the competencies a session touches.
func replaceSessionCompetencies(ctx context.Context, idb bun.IDB, sessionID int64, cs []models.SessionCompetency) error {
	if _, err := idb.NewDelete().Model((*models.SessionCompetency)(nil)).Where("session_id = ?", sessionID).Exec(ctx); err != nil {
		return err
	}
	if len(cs) == 0 {
		return nil
	}
	rows := make([]models.SessionCompetency, len(cs))
	for i, c := range cs {
		rows[i] = models.SessionCompetency{SessionID: sessionID, CompetencyID: c.CompetencyID, Level: c.Level}
	}
	_, err := idb.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// FindSessionByID returns ENOTFOUND if there is no such session.
func (db *DB) FindSessionByID(ctx context.Context, id int64) (*models.Session, error) {
	return One[models.Session](ctx, db.bun, id, "session")
}

// FindSessionsByIDs returns the sessions that exist, keyed by ID.
func (db *DB) FindSessionsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Session, error) {
	return ByID(ctx, db.bun, ids, func(s *models.Session) int64 { return s.ID })
}

// FindSessionsByBatchIDs returns each batch's sessions by start.
func (db *DB) FindSessionsByBatchIDs(ctx context.Context, ids []int64) (map[int64][]*models.Session, error) {
	return sessionsBy(ctx, db.bun, "batch_id", ids, func(s *models.Session) int64 { return *s.BatchID })
}

// FindSessionsByEventIDs returns each event's sessions by start.
func (db *DB) FindSessionsByEventIDs(ctx context.Context, ids []int64) (map[int64][]*models.Session, error) {
	return sessionsBy(ctx, db.bun, "event_id", ids, func(s *models.Session) int64 { return *s.EventID })
}

// sessionsBy returns the sessions whose parent column holds one of ids, by start.
func sessionsBy(ctx context.Context, idb bun.IDB, column string, ids []int64, parent func(*models.Session) int64) (map[int64][]*models.Session, error) {
	out := make(map[int64][]*models.Session, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*models.Session
	err := idb.NewSelect().Model(&rows).Where("? IN (?)", bun.Ident(column), bun.List(ids)).Order("starts_at", "id").Scan(ctx)
	for _, s := range rows {
		out[parent(s)] = append(out[parent(s)], s)
	}
	return out, err
}

// FindSessionCompetencies returns the competencies each session touches, by competency ID.
func (db *DB) FindSessionCompetencies(ctx context.Context, sessionIDs []int64) (map[int64][]models.SessionCompetency, error) {
	return sessionCompetencies(ctx, db.bun, sessionIDs)
}

func sessionCompetencies(ctx context.Context, idb bun.IDB, sessionIDs []int64) (map[int64][]models.SessionCompetency, error) {
	out := make(map[int64][]models.SessionCompetency, len(sessionIDs))
	if len(sessionIDs) == 0 {
		return out, nil
	}
	var rows []models.SessionCompetency
	err := idb.NewSelect().Model(&rows).Where("session_id IN (?)", bun.List(sessionIDs)).Order("session_id", "competency_id").Scan(ctx)
	for _, c := range rows {
		out[c.SessionID] = append(out[c.SessionID], c)
	}
	return out, err
}

// FindSessionCounts counts each session's registrations and attendance in one query.
func (db *DB) FindSessionCounts(ctx context.Context, sessionIDs []int64) (map[int64]models.SessionCounts, error) {
	return sessionCounts(ctx, db.bun, sessionIDs, nil)
}

// sessionCounts counts the registrations and attendance of each session among the
// learners that learners selects (nil: everyone), in one grouped query over both
// tables; a session with neither counts zero.
func sessionCounts(ctx context.Context, idb bun.IDB, sessionIDs []int64, learners *bun.SelectQuery) (map[int64]models.SessionCounts, error) {
	out := make(map[int64]models.SessionCounts, len(sessionIDs))
	if len(sessionIDs) == 0 {
		return out, nil
	}
	cond, args := "session_id IN (?)", []any{bun.List(sessionIDs)}
	if learners != nil {
		cond, args = cond+" AND learner_id IN (?)", append(args, learners)
	}
	var rows []struct {
		SessionID int64 `bun:"session_id"`
		models.SessionCounts
	}
	err := idb.NewRaw("SELECT session_id, SUM(registered) AS registered, SUM(waitlisted) AS waitlisted, SUM(attended) AS attended FROM ("+
		"SELECT session_id, CASE WHEN status = ? THEN 1 ELSE 0 END AS registered, CASE WHEN status = ? THEN 1 ELSE 0 END AS waitlisted, 0 AS attended"+
		" FROM session_registrations WHERE "+cond+
		" UNION ALL SELECT session_id, 0, 0, 1 FROM attendance WHERE "+cond+
		") AS u GROUP BY session_id",
		append(append([]any{models.Registered, models.RegistrationWaiting}, args...), args...)...).Scan(ReadOnly(ctx), &rows)
	if err != nil {
		return nil, err
	}
	for _, id := range sessionIDs {
		out[id] = models.SessionCounts{}
	}
	for _, r := range rows {
		out[r.SessionID] = r.SessionCounts
	}
	return out, nil
}

// FindEventParticipation counts, per session of the event, the registrations and
// attendance of the learners of the organisation and below, and how many of them
// attended at all.
func (db *DB) FindEventParticipation(ctx context.Context, eventID, organisationID int64) (*models.EventParticipation, error) {
	if _, err := db.FindEventByID(ctx, eventID); err != nil {
		return nil, err
	}
	org, err := db.FindOrganisationByID(ctx, organisationID)
	if err != nil {
		return nil, err
	}
	sessions, err := db.FindSessionsByEventIDs(ctx, []int64{eventID})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(sessions[eventID]))
	for i, s := range sessions[eventID] {
		ids[i] = s.ID
	}
	learners := subtreeLearners(db.bun, org)
	counts, err := sessionCounts(ctx, db.bun, ids, learners)
	if err != nil {
		return nil, err
	}
	out := &models.EventParticipation{EventID: eventID, OrganisationID: organisationID, Sessions: make([]models.SessionParticipation, len(ids))}
	for i, id := range ids {
		out.Sessions[i] = models.SessionParticipation{SessionID: id, SessionCounts: counts[id]}
	}
	err = db.bun.NewSelect().TableExpr("attendance AS a").ColumnExpr("COUNT(DISTINCT a.learner_id)").
		Join("JOIN sessions AS s ON s.id = a.session_id").
		Where("s.event_id = ?", eventID).Where("a.learner_id IN (?)", learners).Scan(ctx, &out.Learners)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RegisterForSession registers a learner for an event session; see models.BlendedService.
func (db *DB) RegisterForSession(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	var r *models.SessionRegistration
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		s, err := locked[models.Session](ctx, db, tx, sessionID, "session")
		if err != nil {
			return err
		}
		now := db.now() // under the lock: the queue is in the order registrations took it
		switch {
		case s.EventID == nil:
			return models.Invalid("sessionId", "a batch session is attended with a seat in the batch, not a registration")
		case !now.Before(s.EndsAt):
			return models.Invalid("sessionId", "the session ended at %s", s.EndsAt.Format(time.RFC3339))
		}
		if _, err := One[models.Learner](ctx, tx, learnerID, "learner"); err != nil {
			return err
		}
		if r, err = registration(ctx, tx, sessionID, learnerID); err != nil || (r != nil && r.Status != models.RegistrationCancel) {
			return err // registered or waiting already: as it is
		}
		taken, err := placesTaken(ctx, tx, s.ID)
		if err != nil {
			return err
		}
		r = &models.SessionRegistration{SessionID: s.ID, LearnerID: learnerID, Status: models.Registered,
			RegisteredAt: now, QueuedAt: now, UpdatedAt: now}
		if free, limited := domain.FreePlaces(s.Capacity, taken); limited && free == 0 {
			r.Status = models.RegistrationWaiting // full: the end of the waiting list
		}
		_, err = tx.NewInsert().Model(r).On("CONFLICT (session_id, learner_id) DO UPDATE").
			Set("status = EXCLUDED.status").Set("registered_at = EXCLUDED.registered_at").
			Set("queued_at = EXCLUDED.queued_at").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// CancelRegistration cancels a registration (again: as it is); a place it held goes
// to the first waiting, in the same transaction.
func (db *DB) CancelRegistration(ctx context.Context, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	var r *models.SessionRegistration
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		s, err := locked[models.Session](ctx, db, tx, sessionID, "session")
		if err != nil {
			return err
		}
		if r, err = registration(ctx, tx, sessionID, learnerID); err != nil {
			return err
		} else if r == nil {
			return models.NotFound("registration")
		}
		if r.Status == models.RegistrationCancel {
			return nil
		}
		held := r.Status == models.Registered
		r.Status, r.UpdatedAt = models.RegistrationCancel, db.now()
		if _, err := tx.NewUpdate().Model(r).Column("status", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if !held {
			return nil
		}
		return db.fillSession(ctx, tx, s)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// registration returns a learner's registration for a session, or nil.
func registration(ctx context.Context, idb bun.IDB, sessionID, learnerID int64) (*models.SessionRegistration, error) {
	var rs []*models.SessionRegistration
	if err := idb.NewSelect().Model(&rs).Where("session_id = ? AND learner_id = ?", sessionID, learnerID).Scan(ctx); err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return rs[0], nil
}

// placesTaken counts a session's REGISTERED learners.
func placesTaken(ctx context.Context, idb bun.IDB, sessionID int64) (int, error) {
	n, err := idb.NewSelect().Table("session_registrations").Where("session_id = ? AND status = ?", sessionID, models.Registered).Count(ctx)
	return int(n), err
}

// fillSession gives a locked session's free places to those waiting, in
// (queued_at, learner_id) order.
func (db *DB) fillSession(ctx context.Context, tx bun.Tx, s *models.Session) error {
	next := tx.NewSelect().Table("session_registrations").Column("learner_id").
		Where("session_id = ? AND status = ?", s.ID, models.RegistrationWaiting).Order("queued_at", "learner_id")
	if s.Capacity != nil {
		taken, err := placesTaken(ctx, tx, s.ID)
		if err != nil {
			return err
		}
		free, _ := domain.FreePlaces(s.Capacity, taken)
		if free == 0 {
			return nil
		}
		next = next.Limit(int64(free))
	}
	var ids []int64
	if err := next.Scan(ctx, &ids); err != nil || len(ids) == 0 {
		return err
	}
	_, err := tx.NewUpdate().Table("session_registrations").Set("status = ?", models.Registered).Set("updated_at = ?", db.now()).
		Where("session_id = ? AND learner_id IN (?)", s.ID, bun.List(ids)).Exec(ctx)
	return err
}

// FindRegistrations returns a learner's registrations for those of the sessions
// they registered for, keyed by session.
func (db *DB) FindRegistrations(ctx context.Context, learnerID int64, sessionIDs []int64) (map[int64]*models.SessionRegistration, error) {
	out := make(map[int64]*models.SessionRegistration, len(sessionIDs))
	if len(sessionIDs) == 0 {
		return out, nil
	}
	var rows []*models.SessionRegistration
	err := db.bun.NewSelect().Model(&rows).Where("learner_id = ? AND session_id IN (?)", learnerID, bun.List(sessionIDs)).Scan(ctx)
	for _, r := range rows {
		out[r.SessionID] = r
	}
	return out, err
}
