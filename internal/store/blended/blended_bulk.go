package blended

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/openkarmayogi/karmayogi/internal/domain"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/models"
)

// Bulk upserts of batches, sessions and attendance, in the shape of bulk.go: codes
// resolved first, rows that cannot be stored rejected naming their CSV column, the
// rest written in one transaction per call, with exactly the effects of the API's
// writes. A row that changes nothing writes nothing, so a file imported again
// changes nothing.

// The columns of the files, by the field names of the domain's validation errors.
var (
	batchColumns   = map[string]string{"courseId": "course_code", "startsAt": "starts_at", "endsAt": "ends_at", "requiredAttendance": "required_attendance"}
	sessionColumns = map[string]string{"batchId": "batch_code", "eventId": "event_code", "startsAt": "starts_at", "endsAt": "ends_at"}
)

// refusals collects, by index, the rows a transaction refuses against what is
// stored (cleared when store.DB.WriteRecords writes a row again).
type refusals = models.RecordRefusals

// UpsertBatches upserts on code. More seats than before move the waiting list up;
// fewer than are taken refuse the row (seats); a batch keeps its course.
func (bs *Store) UpsertBatches(ctx context.Context, recs []models.BatchRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see store.Fresh
	var rejected store.Rejections
	codes := make([]string, len(recs))
	for i, r := range recs {
		codes[i] = r.CourseCode
	}
	courses, err := coursesByCode(ctx, bs.db.Bun(), codes)
	if err != nil {
		return nil, err
	}
	var valid []int
	rows := make([]models.Batch, len(recs))
	for i, r := range recs {
		c := courses[r.CourseCode]
		n := models.NewBatch{Code: r.Code, Name: r.Name, Venue: r.Venue, Link: r.Link, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
			Seats: r.Seats, Policy: r.Policy, RequiredAttendance: r.RequiredAttendance}
		if err := n.Validate(); err != nil {
			rejected.Reject(i, err, batchColumns)
			continue
		}
		if c == nil {
			rejected.Add(i, "course_code", "no course has code %q", r.CourseCode)
			continue
		}
		if err := checkBatchCourse(c); err != nil {
			rejected.Reject(i, err, batchColumns)
			continue
		}
		rows[i] = models.Batch{Code: n.Code, CourseID: c.ID, Name: n.Name, Venue: n.Venue, Link: n.Link,
			StartsAt: domain.Instant(n.StartsAt), EndsAt: domain.Instant(n.EndsAt), Seats: n.Seats, Policy: n.Policy, RequiredAttendance: n.RequiredAttendance}
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	refused := refusals{}
	err = bs.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		refused.Clear(idxs)
		return bs.writeBatches(ctx, tx, rows, idxs, refused)
	})
	return refused.AppendTo(rejected), err
}

// coursesByCode loads the courses with the codes, by code.
func coursesByCode(ctx context.Context, idb bun.IDB, codes []string) (map[string]*models.Course, error) {
	out := map[string]*models.Course{}
	if len(codes) == 0 {
		return out, nil
	}
	var rows []*models.Course
	err := idb.NewSelect().Model(&rows).Where("code IN (?)", bun.List(store.Dedupe(codes))).Scan(ctx)
	for _, c := range rows {
		out[c.Code] = c
	}
	return out, err
}

// writeBatches writes the batches rows[idxs], each under its row's lock.
func (bs *Store) writeBatches(ctx context.Context, tx bun.Tx, rows []models.Batch, idxs []int, refused refusals) error {
	codes := make([]string, len(idxs))
	for k, i := range idxs {
		codes[k] = rows[i].Code
	}
	var stored []*models.Batch
	// In ID order, so that two imports lock rows in the same order.
	if err := bs.db.ForUpdate(tx.NewSelect().Model(&stored).Where("code IN (?)", bun.List(codes)).Order("id")).Scan(ctx); err != nil {
		return err
	}
	byCode := make(map[string]*models.Batch, len(stored))
	for _, b := range stored {
		byCode[b.Code] = b
	}
	now := bs.db.Now()
	for _, i := range idxs {
		b, old := rows[i], byCode[rows[i].Code]
		if old == nil {
			b.CreatedAt, b.UpdatedAt = now, now
			if _, err := tx.NewInsert().Model(&b).ExcludeColumn("id").Exec(ctx); err != nil {
				return err
			}
			continue
		}
		if old.CourseID != b.CourseID {
			refused.Add(i, "course_code", "the batch is of another course; a batch cannot move between courses")
			continue
		}
		if sameBatch(old, &b) {
			continue
		}
		seats, err := loadSeats(ctx, tx, old)
		if err != nil {
			return err
		}
		if taken := seats.Taken(); b.Seats < taken {
			refused.Add(i, "seats", "%d seats are taken; the batch cannot have fewer", taken)
			continue
		}
		b.ID, b.CreatedAt, b.UpdatedAt = old.ID, old.CreatedAt, now
		if _, err := tx.NewUpdate().Model(&b).WherePK().
			Column("name", "venue", "link", "starts_at", "ends_at", "seats", "policy", "required_attendance", "updated_at").
			Exec(ctx); err != nil {
			return err
		}
		switch {
		case b.Seats < old.Seats:
			err = renumberSeats(ctx, tx, &b)
		case b.Seats > old.Seats:
			err = bs.promote(ctx, tx, &b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sameBatch reports whether writing b over old would change nothing.
func sameBatch(old, b *models.Batch) bool {
	return old.Name == b.Name && old.Venue == b.Venue && old.Link == b.Link && old.StartsAt.Equal(b.StartsAt) &&
		old.EndsAt.Equal(b.EndsAt) && old.Seats == b.Seats && old.Policy == b.Policy && old.RequiredAttendance == b.RequiredAttendance
}

// renumberSeats moves the holders of seats numbered above a locked batch's reduced
// seats (no more than are taken) to its lowest free ones, so seat numbers stay
// within 1..Seats.
func renumberSeats(ctx context.Context, tx bun.Tx, b *models.Batch) error {
	seats, err := loadSeats(ctx, tx, b)
	if err != nil {
		return err
	}
	var above []*models.SeatRequest
	if err := tx.NewSelect().Model(&above).Where("batch_id = ? AND seat_number > ?", b.ID, b.Seats).Order("seat_number").Scan(ctx); err != nil {
		return err
	}
	for _, r := range above {
		seats.Release(*r.SeatNumber)
		n, _ := seats.Take()
		if _, err := tx.NewUpdate().Table("seat_requests").Set("seat_number = ?", n).Where("id = ?", r.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// UpsertSessions upserts on code. A session stays with its batch or event; an
// event session cannot have fewer places than are registered, and more places
// move its waiting list up.
func (bs *Store) UpsertSessions(ctx context.Context, recs []models.SessionRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see store.Fresh
	var rejected store.Rejections
	var batchCodes, eventCodes, competencyCodes []string
	for _, r := range recs {
		batchCodes, eventCodes = append(batchCodes, r.BatchCode), append(eventCodes, r.EventCode)
		for _, c := range r.Competencies {
			competencyCodes = append(competencyCodes, c.Code)
		}
	}
	batches, err := store.IDsByCode(ctx, bs.db.Bun(), "batches", batchCodes)
	if err != nil {
		return nil, err
	}
	events, err := store.IDsByCode(ctx, bs.db.Bun(), "learning_events", eventCodes)
	if err != nil {
		return nil, err
	}
	comps, err := store.IDsByCode(ctx, bs.db.Bun(), "competencies", competencyCodes)
	if err != nil {
		return nil, err
	}
	var valid []int
	rows := make([]models.NewSession, len(recs))
next:
	for i, r := range recs {
		switch {
		case (r.BatchCode == "") == (r.EventCode == ""):
			rejected.Add(i, "batch_code", "a session belongs to exactly one batch or event: give batch_code or event_code")
			continue
		case r.BatchCode != "" && batches[r.BatchCode] == 0:
			rejected.Add(i, "batch_code", "no batch has code %q", r.BatchCode)
			continue
		case r.EventCode != "" && events[r.EventCode] == 0:
			rejected.Add(i, "event_code", "no event has code %q", r.EventCode)
			continue
		}
		n := models.NewSession{Code: r.Code, BatchID: batches[r.BatchCode], EventID: events[r.EventCode], Title: r.Title, Kind: r.Kind,
			Venue: r.Venue, Link: r.Link, StartsAt: r.StartsAt, EndsAt: r.EndsAt, Capacity: r.Capacity}
		for _, c := range r.Competencies {
			if comps[c.Code] == 0 {
				rejected.Add(i, "competencies", "no competency has code %q", c.Code)
				continue next
			}
			n.Competencies = append(n.Competencies, models.SessionCompetency{CompetencyID: comps[c.Code], Level: c.Level})
		}
		if err := n.Validate(); err != nil {
			rejectSession(&rejected, i, err)
			continue
		}
		rows[i] = n
		valid = append(valid, i)
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].Code })
	refused := refusals{}
	err = bs.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		refused.Clear(idxs)
		return bs.writeSessions(ctx, tx, rows, idxs, refused)
	})
	return refused.AppendTo(rejected), err
}

// rejectSession records a session's validation error under its column: the
// competencies' errors, whatever their index, under "competencies".
func rejectSession(r *store.Rejections, i int, err error) {
	if strings.HasPrefix(models.ErrorField(err), "competencies[") {
		r.Add(i, "competencies", "%s", models.ErrorMessage(err))
		return
	}
	r.Reject(i, err, sessionColumns)
}

// writeSessions writes the sessions rows[idxs], each under its row's lock.
func (bs *Store) writeSessions(ctx context.Context, tx bun.Tx, rows []models.NewSession, idxs []int, refused refusals) error {
	codes := make([]string, len(idxs))
	for k, i := range idxs {
		codes[k] = rows[i].Code
	}
	var stored []*models.Session
	// In ID order, so that two imports lock rows in the same order.
	if err := bs.db.ForUpdate(tx.NewSelect().Model(&stored).Where("code IN (?)", bun.List(codes)).Order("id")).Scan(ctx); err != nil {
		return err
	}
	byCode := make(map[string]*models.Session, len(stored))
	ids := make([]int64, len(stored))
	for k, s := range stored {
		byCode[s.Code], ids[k] = s, s.ID
	}
	touches, err := sessionCompetencies(ctx, tx, ids)
	if err != nil {
		return err
	}
	now := bs.db.Now()
	for _, i := range idxs {
		n := rows[i]
		if err := checkSessionParent(ctx, tx, &n); models.ErrorCode(err) == models.EINVALID {
			refused.Reject(i, err, sessionColumns)
			continue
		} else if err != nil {
			return err
		}
		s, old := newSession(&n, now), byCode[n.Code]
		if old == nil {
			if _, err := tx.NewInsert().Model(s).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
				return err
			}
			if err := replaceSessionCompetencies(ctx, tx, s.ID, n.Competencies); err != nil {
				return err
			}
			continue
		}
		if !store.SamePtr(old.BatchID, s.BatchID) || !store.SamePtr(old.EventID, s.EventID) {
			column := "event_code"
			if s.BatchID != nil {
				column = "batch_code"
			}
			refused.Add(i, column, "the session is of another batch or event; a session cannot move between them")
			continue
		}
		registered, err := placesTaken(ctx, tx, old.ID)
		if err != nil {
			return err
		}
		if s.Capacity != nil && *s.Capacity < registered {
			refused.Add(i, "capacity", "%d learners are registered; the session cannot have fewer places", registered)
			continue
		}
		s.ID, s.CreatedAt = old.ID, old.CreatedAt
		if !sameSession(old, s) {
			if _, err := tx.NewUpdate().Model(s).WherePK().
				Column("title", "kind", "venue", "link", "starts_at", "ends_at", "capacity").Exec(ctx); err != nil {
				return err
			}
		}
		if !sameTouches(touches[s.ID], n.Competencies) {
			if err := replaceSessionCompetencies(ctx, tx, s.ID, n.Competencies); err != nil {
				return err
			}
		}
		if old.Capacity != nil && (s.Capacity == nil || *s.Capacity > *old.Capacity) {
			if err := bs.fillSession(ctx, tx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameSession reports whether writing s over old would change nothing.
func sameSession(old, s *models.Session) bool {
	return old.Title == s.Title && old.Kind == s.Kind && old.Venue == s.Venue && old.Link == s.Link &&
		old.StartsAt.Equal(s.StartsAt) && old.EndsAt.Equal(s.EndsAt) && store.SamePtr(old.Capacity, s.Capacity)
}

// sameTouches reports whether the stored competencies of a session are the given ones, in any order.
func sameTouches(stored, given []models.SessionCompetency) bool {
	if len(stored) != len(given) {
		return false
	}
	levels := make(map[int64]int, len(stored))
	for _, c := range stored {
		levels[c.CompetencyID] = c.Level
	}
	for _, c := range given {
		if l, ok := levels[c.CompetencyID]; !ok || l != c.Level {
			return false
		}
	}
	return true
}

// UpsertAttendance records attendance rows, grouped by session, with exactly the
// effects of InsertAttendance. Rows for a session that has not started, or of a
// learner without a seat in a batch session, are rejected; the others land.
func (bs *Store) UpsertAttendance(ctx context.Context, recs []models.AttendanceRecord) ([]models.RecordError, error) {
	ctx = store.Fresh(ctx) // reads codes, then writes by them: see store.Fresh
	var rejected store.Rejections
	sessionCodes, employees := make([]string, len(recs)), make([]string, len(recs))
	for i, r := range recs {
		sessionCodes[i], employees[i] = r.SessionCode, r.EmployeeCode
	}
	sessions := map[string]*models.Session{}
	if len(recs) > 0 {
		var rows []*models.Session
		if err := bs.db.Bun().NewSelect().Model(&rows).Where("code IN (?)", bun.List(store.Dedupe(sessionCodes))).Scan(ctx); err != nil {
			return nil, err
		}
		for _, s := range rows {
			sessions[s.Code] = s
		}
	}
	learners, err := store.IDsByKey(ctx, bs.db.Bun(), "learners", "employee_code", employees)
	if err != nil {
		return nil, err
	}
	var valid []int
	for i, r := range recs {
		switch {
		case sessions[r.SessionCode] == nil:
			rejected.Add(i, "session_code", "no session has code %q", r.SessionCode)
		case learners[r.EmployeeCode] == 0:
			rejected.Add(i, "employee_code", "no learner has employee code %q", r.EmployeeCode)
		default:
			valid = append(valid, i)
		}
	}
	valid = domain.Latest(valid, func(i int) string { return recs[i].SessionCode + "\x00" + recs[i].EmployeeCode })
	refused := refusals{}
	err = bs.db.WriteRecords(ctx, valid, &rejected, func(ctx context.Context, tx bun.Tx, idxs []int) error {
		refused.Clear(idxs)
		bySession := map[string][]int{}
		var order []string
		for _, i := range idxs {
			code := recs[i].SessionCode
			if bySession[code] == nil {
				order = append(order, code)
			}
			bySession[code] = append(bySession[code], i)
		}
		for _, code := range order {
			group := bySession[code]
			st, err := bs.openSitting(ctx, tx, sessions[code])
			if models.ErrorCode(err) == models.EINVALID {
				for _, i := range group {
					refused.Add(i, "session_code", "%s", models.ErrorMessage(err))
				}
				continue
			} else if err != nil {
				return err
			}
			ids := make([]int64, len(group))
			for k, i := range group {
				ids[k] = learners[recs[i].EmployeeCode]
			}
			why, err := st.refused(ctx, tx, ids)
			if err != nil {
				return err
			}
			var attending []int64
			for k, i := range group {
				if reason, ok := why[ids[k]]; ok {
					refused.Add(i, "employee_code", "%s", reason)
				} else {
					attending = append(attending, ids[k])
				}
			}
			for lo := 0; lo < len(attending); lo += models.MaxAttendees {
				if _, err := bs.attend(ctx, tx, st, attending[lo:min(lo+models.MaxAttendees, len(attending))], "import"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return refused.AppendTo(rejected), err
}
