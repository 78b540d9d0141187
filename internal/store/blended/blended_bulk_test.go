package blended_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

func batchByCode(t *testing.T, db *store.DB, code string) *models.Batch {
	t.Helper()
	var b models.Batch
	if err := db.Bun().NewSelect().Model(&b).Where("code = ?", code).Scan(ctx); err != nil {
		t.Fatalf("batch %s: %v", code, err)
	}
	return &b
}

func sessionByCode(t *testing.T, db *store.DB, code string) *models.Session {
	t.Helper()
	var s models.Session
	if err := db.Bun().NewSelect().Model(&s).Where("code = ?", code).Scan(ctx); err != nil {
		t.Fatalf("session %s: %v", code, err)
	}
	return &s
}

// seatsOf returns the seat numbers held in a batch, ascending.
func seatsOf(t *testing.T, db *store.DB, batchID int64) []int {
	t.Helper()
	var seats []int
	if err := db.Bun().NewSelect().Table("seat_requests").Column("seat_number").Where("batch_id = ? AND seat_number IS NOT NULL", batchID).
		Order("seat_number").Scan(ctx, &seats); err != nil {
		t.Fatal(err)
	}
	return seats
}

func TestUpsertBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 4)
		online := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "ONL", Title: "Online", Provider: "iGOT",
			Format: models.Online, DurationHours: 1}))
		start := f.now.Add(-24 * time.Hour).Truncate(time.Second)
		rec := func(change func(*models.BatchRecord)) models.BatchRecord {
			r := models.BatchRecord{Code: "B-1", CourseCode: f.course.Code, Name: "January", Venue: "ISTM", StartsAt: start,
				EndsAt: start.AddDate(0, 0, 30), Seats: 2}
			change(&r)
			return r
		}
		recs := []models.BatchRecord{
			rec(func(*models.BatchRecord) {}),
			rec(func(r *models.BatchRecord) { r.Code, r.CourseCode = "B-2", "NOPE" }),
			rec(func(r *models.BatchRecord) { r.Code, r.CourseCode = "B-3", online.Code }),
			rec(func(r *models.BatchRecord) { r.Code, r.Seats = "B-4", 0 }),
			rec(func(r *models.BatchRecord) { r.Code, r.EndsAt = "B-5", start.Add(-time.Hour) }),
			rec(func(r *models.BatchRecord) { r.Code, r.Policy = "B-6", "LOTTERY" }),
			rec(func(r *models.BatchRecord) { r.Code, r.RequiredAttendance = "B-7", 1.5 }),
			rec(func(r *models.BatchRecord) { r.Code, r.Venue = "B-8", "" }),
			rec(func(r *models.BatchRecord) { r.Code, r.Policy = "B-9", models.PolicyTwoStep }),
		}
		want := []string{
			`1 course_code: no course has code "NOPE"`,
			`2 course_code: course ONL is ONLINE; batches are for FACE_TO_FACE and BLENDED courses`,
			`3 seats: must be between 1 and 100000`,
			`4 ends_at: must be after the start`,
			`5 policy: must be OPEN, ONE_STEP_APPROVAL or TWO_STEP_APPROVAL`,
			`6 required_attendance: must be a share of the sessions above 0 and at most 1`,
			`7 venue: a batch needs a venue or a link`,
		}
		storetest.WantLines(t, "first import", storetest.RejectionLines(t)(bs.UpsertBatches(ctx, recs)), want)
		b := batchByCode(t, db, "B-1")
		if b.CourseID != f.course.ID || b.Seats != 2 || b.Policy != models.PolicyOpen || b.RequiredAttendance != models.DefaultRequiredAttendance ||
			!b.StartsAt.Equal(start) || batchByCode(t, db, "B-9").Policy != models.PolicyTwoStep {
			t.Fatalf("stored batch = %+v", b)
		}
		page := storetest.Must[*models.Page[*models.Batch]](t)(bs.FindBatches(ctx, models.BatchFilter{}, models.PageRequest{First: 10}))
		if page.TotalCount != 2 {
			t.Fatalf("%d batches stored, want 2", page.TotalCount)
		}
		// The same file again: the same rejections, and nothing written.
		storetest.WantLines(t, "re-import", storetest.RejectionLines(t)(bs.UpsertBatches(ctx, recs)), want)
		if again := batchByCode(t, db, "B-1"); !again.UpdatedAt.Equal(b.UpdatedAt) {
			t.Fatalf("re-import rewrote the batch: updated %v -> %v", b.UpdatedAt, again.UpdatedAt)
		}

		var rs []*models.SeatRequest
		for _, l := range f.learners {
			rs = append(rs, request(t, db, b.ID, l.ID))
		}
		withSeats := func(n int) []models.BatchRecord {
			return []models.BatchRecord{rec(func(r *models.BatchRecord) { r.Seats = n })}
		}
		storetest.WantLines(t, "fewer seats than taken", storetest.RejectionLines(t)(bs.UpsertBatches(ctx, withSeats(1))),
			[]string{"0 seats: 2 seats are taken; the batch cannot have fewer"})
		storetest.WantLines(t, "another course", storetest.RejectionLines(t)(bs.UpsertBatches(ctx, []models.BatchRecord{rec(func(r *models.BatchRecord) {
			r.CourseCode = storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "F2F-2", Title: "T", Provider: "P", Format: models.FaceToFace, DurationHours: 1})).Code
		})})), []string{"0 course_code: the batch is of another course; a batch cannot move between courses"})
		if got := batchByCode(t, db, "B-1"); got.Seats != 2 || got.CourseID != f.course.ID {
			t.Fatalf("a refused row changed the batch: %+v", got)
		}

		// More seats: the first waiting moves up, enrolled, in the same import.
		storetest.NoRejects(t)(bs.UpsertBatches(ctx, withSeats(3)))
		promoted := seatRequest(t, db, rs[2].ID)
		wantSeat(t, promoted, models.SeatConfirmed, 3)
		if e := enrolment(t, db, promoted); e.LearnerID != f.learners[2].ID {
			t.Fatalf("promoted enrolment = %+v", e)
		}
		wantSeat(t, seatRequest(t, db, rs[3].ID), models.SeatWaitlisted, 0)

		// Fewer seats, no fewer than are taken: seat numbers stay within the seats.
		storetest.Must[*models.SeatRequest](t)(bs.SaveSeatWithdrawal(ctx, rs[0].ID)) // seat 1 to the last waiting
		storetest.Must[*models.SeatRequest](t)(bs.SaveSeatWithdrawal(ctx, rs[3].ID)) // seat 1 free again; 2 and 3 held
		storetest.NoRejects(t)(bs.UpsertBatches(ctx, withSeats(2)))
		if got := seatsOf(t, db, b.ID); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("seats after shrinking to 2: %v", got)
		}
		wantSeat(t, seatRequest(t, db, rs[2].ID), models.SeatConfirmed, 1)
	})
}

func TestUpsertSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 3)
		b := f.batch(t, db, "B", 5, models.PolicyOpen)
		e := f.event(t, db, "KS")
		at := f.now.Add(-time.Hour).Truncate(time.Second)
		rec := func(code, batch, event string, change func(*models.SessionRecord)) models.SessionRecord {
			r := models.SessionRecord{Code: code, BatchCode: batch, EventCode: event, Title: "Session " + code, Venue: "Hall",
				StartsAt: at, EndsAt: at.Add(90 * time.Minute)}
			if change != nil {
				change(&r)
			}
			return r
		}
		touch := []models.SessionCompetencyCode{{Code: f.Comm.Code, Level: 2}, {Code: f.Procurement.Code, Level: 1}}
		recs := []models.SessionRecord{
			rec("S-B1", "B", "", nil),
			rec("S-E1", "", "KS", func(r *models.SessionRecord) { r.Capacity, r.Competencies = places(2), touch }),
			rec("S-X1", "B", "KS", nil),
			rec("S-X2", "", "", nil),
			rec("S-X3", "NOPE", "", nil),
			rec("S-X4", "", "NOPE", nil),
			rec("S-X5", "", "KS", func(r *models.SessionRecord) {
				r.Competencies = []models.SessionCompetencyCode{{Code: "NOPE", Level: 1}}
			}),
			rec("S-X6", "", "KS", func(r *models.SessionRecord) {
				r.Competencies = []models.SessionCompetencyCode{{Code: f.Comm.Code, Level: 9}}
			}),
			rec("S-X7", "B", "", func(r *models.SessionRecord) { r.Capacity = places(3) }),
			rec("S-X8", "", "KS", func(r *models.SessionRecord) {
				r.StartsAt, r.EndsAt = at.AddDate(0, 1, 0), at.AddDate(0, 1, 0).Add(time.Hour)
			}),
			rec("S-X9", "", "KS", func(r *models.SessionRecord) { r.Kind = "PICNIC" }),
		}
		want := []string{
			`2 batch_code: a session belongs to exactly one batch or event: give batch_code or event_code`,
			`3 batch_code: a session belongs to exactly one batch or event: give batch_code or event_code`,
			`4 batch_code: no batch has code "NOPE"`,
			`5 event_code: no event has code "NOPE"`,
			`6 competencies: no competency has code "NOPE"`,
			`7 competencies: must be between 1 and 5`,
			`8 capacity: a batch session has the batch's seats and the course's competencies; capacity and competencies are for event sessions`,
			fmt.Sprintf(`9 starts_at: must fall within the event's dates, %s to %s, give or take a day`, e.StartsAt.Format(time.RFC3339), e.EndsAt.Format(time.RFC3339)),
			`10 kind: must be CLASS, TALK, WORKSHOP or SEMINAR`,
		}
		storetest.WantLines(t, "first import", storetest.RejectionLines(t)(bs.UpsertSessions(ctx, recs)), want)
		class, talk := sessionByCode(t, db, "S-B1"), sessionByCode(t, db, "S-E1")
		if *class.BatchID != b.ID || class.Kind != models.SessionClass || *talk.EventID != e.ID || *talk.Capacity != 2 || talk.Kind != models.SessionTalk {
			t.Fatalf("stored sessions %+v and %+v", class, talk)
		}
		cs := storetest.Must[map[int64][]models.SessionCompetency](t)(bs.FindSessionCompetencies(ctx, []int64{talk.ID}))[talk.ID]
		if want := []models.SessionCompetency{{SessionID: talk.ID, CompetencyID: f.Comm.ID, Level: 2}, {SessionID: talk.ID, CompetencyID: f.Procurement.ID, Level: 1}}; !slices.Equal(cs, want) {
			t.Fatalf("session competencies = %+v, want %+v", cs, want)
		}
		storetest.WantLines(t, "re-import", storetest.RejectionLines(t)(bs.UpsertSessions(ctx, recs)), want)
		if n := tableCount(t, db, "sessions"); n != 2 {
			t.Fatalf("%d sessions after a re-import, want 2", n)
		}
		if again := sessionByCode(t, db, "S-E1"); again.Title != talk.Title || !again.StartsAt.Equal(talk.StartsAt) || *again.Capacity != *talk.Capacity || *again.EventID != e.ID {
			t.Fatalf("re-import changed the session: %+v, was %+v", again, talk)
		}

		for _, l := range f.learners {
			storetest.Must[*models.SessionRegistration](t)(bs.SaveRegistration(ctx, talk.ID, l.ID))
		}
		storetest.WantLines(t, "moves and shrinks", storetest.RejectionLines(t)(bs.UpsertSessions(ctx, []models.SessionRecord{
			rec("S-B1", "", "KS", nil),
			rec("S-E1", "", "KS", func(r *models.SessionRecord) { r.Capacity, r.Competencies = places(1), touch }),
		})), []string{
			"0 event_code: the session is of another batch or event; a session cannot move between them",
			"1 capacity: 2 learners are registered; the session cannot have fewer places",
		})

		// More places move the waiting list up; new competencies replace the old.
		storetest.NoRejects(t)(bs.UpsertSessions(ctx, []models.SessionRecord{
			rec("S-E1", "", "KS", func(r *models.SessionRecord) {
				r.Title, r.Capacity, r.Competencies = "Renamed", places(3), touch[:1]
			}),
		}))
		if got := storetest.Must[map[int64]models.SessionCounts](t)(bs.FindSessionCounts(ctx, []int64{talk.ID}))[talk.ID]; got != (models.SessionCounts{Registered: 3}) {
			t.Fatalf("after three places: %+v", got)
		}
		if got := sessionByCode(t, db, "S-E1"); got.Title != "Renamed" || *got.Capacity != 3 {
			t.Fatalf("updated session = %+v", got)
		}
		if cs := storetest.Must[map[int64][]models.SessionCompetency](t)(bs.FindSessionCompetencies(ctx, []int64{talk.ID}))[talk.ID]; len(cs) != 1 || cs[0].CompetencyID != f.Comm.ID || cs[0].Level != 2 {
			t.Fatalf("replaced competencies = %+v", cs)
		}
	})
}

func TestUpsertAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 3)
		l := f.learners
		b := f.batch(t, db, "B", 2, models.PolicyOpen)
		seat0, seat1 := request(t, db, b.ID, l[0].ID), request(t, db, b.ID, l[1].ID)
		for i := range 3 {
			f.session(t, db, fmt.Sprintf("B-%d", i+1), b.ID, 0, time.Duration(i*4-20)*time.Hour, nil)
		}
		f.session(t, db, "B-4", b.ID, 0, 24*time.Hour, nil) // 4 sessions: 0.75 needs 3
		e := f.event(t, db, "KS")
		talk := f.session(t, db, "KS-1", 0, e.ID, -30*time.Minute, nil, models.SessionCompetency{CompetencyID: f.Comm.ID, Level: 2})

		row := func(session string, l *models.Learner) models.AttendanceRecord {
			return models.AttendanceRecord{SessionCode: session, EmployeeCode: l.EmployeeCode}
		}
		recs := []models.AttendanceRecord{
			row("B-1", l[0]), row("B-1", l[1]), row("B-2", l[0]), row("B-3", l[0]),
			row("B-4", l[0]), // not started
			row("B-1", l[2]), // no seat
			{SessionCode: "NOPE", EmployeeCode: l[0].EmployeeCode},
			{SessionCode: "B-1", EmployeeCode: "NOBODY"},
			row("KS-1", l[2]), // a walk-in at the event
			row("B-1", l[0]),  // again in the same file
		}
		b4 := sessionByCode(t, db, "B-4")
		want := []string{
			fmt.Sprintf("4 session_code: the session starts at %s; attendance is recorded once it has started", b4.StartsAt.Format(time.RFC3339)),
			"5 employee_code: the learner holds no seat in batch B",
			`6 session_code: no session has code "NOPE"`,
			`7 employee_code: no learner has employee code "NOBODY"`,
		}
		storetest.WantLines(t, "first import", storetest.RejectionLines(t)(bs.UpsertAttendance(ctx, recs)), want)
		if n := tableCount(t, db, "attendance"); n != 5 {
			t.Fatalf("%d attendance rows, want 5", n)
		}
		done := enrolment(t, db, seat0)
		if done.Status != models.Completed || done.Progress != 1 {
			t.Fatalf("3 of 4 imported: %+v", done)
		}
		wantSeat(t, seatRequest(t, db, seat0.ID), models.SeatCompleted, 1)
		if certs := storetest.Must[map[int64]*models.Certificate](t)(db.FindCertificatesByEnrolmentIDs(ctx, []int64{done.ID})); certs[done.ID] == nil {
			t.Fatal("no certificate for a course completed by import")
		}
		if e := enrolment(t, db, seat1); e.Progress != 0.25 || e.Status != models.InProgress {
			t.Fatalf("1 of 4 imported: %+v", e)
		}
		storetest.WantLines(t, "walk-in evidence", learnerEvidence(t, db, l[2].ID), []string{
			fmt.Sprintf("%d EVENT_ATTENDANCE 2 - %s", f.Comm.ID, talk.StartsAt.UTC().Format(time.RFC3339)),
		})

		// The same file again: the same rejections, and nothing changes.
		versions := map[int64]int64{}
		for _, learner := range l {
			versions[learner.ID] = storetest.Version(t, db, learner.ID)
		}
		counts := map[string]int{}
		for _, table := range []string{"attendance", "evidence", "certificates", "proficiencies"} {
			counts[table] = tableCount(t, db, table)
		}
		storetest.WantLines(t, "re-import", storetest.RejectionLines(t)(bs.UpsertAttendance(ctx, recs)), want)
		for _, learner := range l {
			if v := storetest.Version(t, db, learner.ID); v != versions[learner.ID] {
				t.Fatalf("re-import bumped learner %s: %d -> %d", learner.EmployeeCode, versions[learner.ID], v)
			}
		}
		for table, n := range counts {
			if got := tableCount(t, db, table); got != n {
				t.Fatalf("re-import: %d %s, was %d", got, table, n)
			}
		}
		if again := enrolment(t, db, seat0); !again.CompletedAt.Equal(*done.CompletedAt) {
			t.Fatalf("re-import moved the completion: %v -> %v", done.CompletedAt, again.CompletedAt)
		}
	})
}
