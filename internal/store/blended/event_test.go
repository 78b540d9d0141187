package blended_test

import (
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// event stores a learning event that began two hours ago and runs for two days.
func (f blendedFixture) event(t *testing.T, db *store.DB, code string) *models.LearningEvent {
	t.Helper()
	return storetest.Must[*models.LearningEvent](t)(blended.New(db).InsertEvent(ctx, validated(t, &models.NewLearningEvent{Code: code, Name: "Karmayogi Saptah",
		OrganisationID: &f.Ministry.ID, StartsAt: f.now.Add(-2 * time.Hour), EndsAt: f.now.Add(48 * time.Hour)})))
}

// session stores a session of the batch or event (one of the IDs is 0), starting
// at start (relative to now) and lasting an hour.
func (f blendedFixture) session(t *testing.T, db *store.DB, code string, batchID, eventID int64, start time.Duration, capacity *int, cs ...models.SessionCompetency) *models.Session {
	t.Helper()
	return storetest.Must[*models.Session](t)(blended.New(db).InsertSession(ctx, validated(t, &models.NewSession{Code: code, BatchID: batchID, EventID: eventID,
		Title: "Session " + code, Venue: "Hall A", StartsAt: f.now.Add(start), EndsAt: f.now.Add(start + time.Hour),
		Capacity: capacity, Competencies: cs})))
}

func places(n int) *int { return &n }

func TestCreateEventAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 0)
		e := f.event(t, db, "KS-2026")
		if e.ID == 0 || *e.OrganisationID != f.Ministry.ID || e.StartsAt.Location() != time.UTC {
			t.Fatalf("event = %+v", e)
		}
		_, err := bs.InsertEvent(ctx, validated(t, &models.NewLearningEvent{Code: "KS-2026", Name: "Again", StartsAt: f.now, EndsAt: f.now.Add(time.Hour)}))
		storetest.WantCode(t, err, models.ECONFLICT, "code")
		_, err = bs.InsertEvent(ctx, validated(t, &models.NewLearningEvent{Code: "KS-X", Name: "X", OrganisationID: new(int64), StartsAt: f.now, EndsAt: f.now.Add(time.Hour)}))
		storetest.WantCode(t, err, models.EINVALID, "organisationId")
		national := storetest.Must[*models.LearningEvent](t)(bs.InsertEvent(ctx, validated(t, &models.NewLearningEvent{Code: "KS-2025", Name: "Last year",
			StartsAt: f.now.AddDate(-1, 0, 0), EndsAt: f.now.AddDate(-1, 0, 7)})))
		page := storetest.Must[*models.Page[*models.LearningEvent]](t)(bs.FindEvents(ctx, models.EventFilter{}, models.PageRequest{First: 10}))
		if page.TotalCount != 2 || page.Items[0].ID != e.ID || page.Items[1].ID != national.ID {
			t.Fatalf("events, latest first: %+v", page.Items)
		}
		after := f.now.AddDate(0, -1, 0)
		if page := storetest.Must[*models.Page[*models.LearningEvent]](t)(bs.FindEvents(ctx, models.EventFilter{EndsAfter: &after}, models.PageRequest{First: 10})); page.TotalCount != 1 {
			t.Fatalf("events ending after a month ago: %d", page.TotalCount)
		}

		later := f.session(t, db, "KS-2", 0, e.ID, 3*time.Hour, nil)
		talk := f.session(t, db, "KS-1", 0, e.ID, time.Hour, places(50),
			models.SessionCompetency{CompetencyID: f.Procurement.ID, Level: 2}, models.SessionCompetency{CompetencyID: f.Comm.ID, Level: 1})
		if talk.Kind != models.SessionTalk || *talk.EventID != e.ID || talk.BatchID != nil || *talk.Capacity != 50 {
			t.Fatalf("event session = %+v", talk)
		}
		b := f.batch(t, db, "B-1", 10, models.PolicyOpen)
		class := f.session(t, db, "B-1-1", b.ID, 0, 0, nil)
		if class.Kind != models.SessionClass || *class.BatchID != b.ID {
			t.Fatalf("batch session = %+v", class)
		}
		bySession := storetest.Must[map[int64][]*models.Session](t)(bs.FindSessionsByEventIDs(ctx, []int64{e.ID, national.ID}))
		if got := bySession[e.ID]; len(got) != 2 || got[0].ID != talk.ID || got[1].ID != later.ID || len(bySession[national.ID]) != 0 {
			t.Fatalf("event sessions by start = %+v", bySession)
		}
		if got := storetest.Must[map[int64][]*models.Session](t)(bs.FindSessionsByBatchIDs(ctx, []int64{b.ID}))[b.ID]; len(got) != 1 || got[0].ID != class.ID {
			t.Fatalf("batch sessions = %+v", got)
		}
		cs := storetest.Must[map[int64][]models.SessionCompetency](t)(bs.FindSessionCompetencies(ctx, []int64{talk.ID, later.ID}))
		want := []models.SessionCompetency{{SessionID: talk.ID, CompetencyID: f.Comm.ID, Level: 1}, {SessionID: talk.ID, CompetencyID: f.Procurement.ID, Level: 2}}
		if !slices.Equal(cs[talk.ID], want) || len(cs[later.ID]) != 0 {
			t.Fatalf("session competencies = %+v", cs)
		}

		valid := func(change func(*models.NewSession)) *models.NewSession {
			n := &models.NewSession{Code: "S-X", EventID: e.ID, Title: "T", Venue: "V", StartsAt: f.now, EndsAt: f.now.Add(time.Hour)}
			change(n)
			return n
		}
		for _, tc := range []struct {
			name, code, field string
			in                *models.NewSession
		}{
			{"ErrCodeInUse", models.ECONFLICT, "code", valid(func(n *models.NewSession) { n.Code = "KS-1" })},
			{"ErrUnknownEvent", models.EINVALID, "eventId", valid(func(n *models.NewSession) { n.EventID = 999999 })},
			{"ErrUnknownBatch", models.EINVALID, "batchId", valid(func(n *models.NewSession) { n.EventID, n.BatchID = 0, 999999 })},
			{"ErrBothParents", models.EINVALID, "batchId", valid(func(n *models.NewSession) { n.BatchID = b.ID })},
			{"ErrBatchSessionCapacity", models.EINVALID, "capacity", valid(func(n *models.NewSession) { n.EventID, n.BatchID, n.Capacity = 0, b.ID, places(3) })},
			{"ErrUnknownCompetency", models.EINVALID, "competencies[1].competencyId", valid(func(n *models.NewSession) {
				n.Competencies = []models.SessionCompetency{{CompetencyID: f.Comm.ID, Level: 1}, {CompetencyID: 999999, Level: 1}}
			})},
			{"ErrLevel", models.EINVALID, "competencies[0].level", valid(func(n *models.NewSession) {
				n.Competencies = []models.SessionCompetency{{CompetencyID: f.Comm.ID, Level: 6}}
			})},
			{"ErrOutsideEvent", models.EINVALID, "startsAt", valid(func(n *models.NewSession) {
				n.StartsAt, n.EndsAt = f.now.AddDate(0, 0, 5), f.now.AddDate(0, 0, 5).Add(time.Hour)
			})},
			{"ErrBeforeBatch", models.EINVALID, "startsAt", valid(func(n *models.NewSession) {
				n.EventID, n.BatchID, n.StartsAt, n.EndsAt = 0, b.ID, f.now.AddDate(0, 0, -3), f.now.AddDate(0, 0, -3).Add(time.Hour)
			})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := serviceOf(db).CreateSession(ctx, tc.in)
				storetest.WantCode(t, err, tc.code, tc.field)
			})
		}
		// An orientation the evening before a batch starts is within reason.
		f.session(t, db, "B-1-0", b.ID, 0, -30*time.Hour, nil)
		if all := storetest.Must[map[int64]*models.Session](t)(bs.FindSessionsByIDs(ctx, []int64{talk.ID, later.ID, class.ID, 999999})); len(all) != 3 {
			t.Fatalf("sessions by IDs: %d", len(all))
		}
	})
}

func TestRegistrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 5)
		e := f.event(t, db, "KS")
		s := f.session(t, db, "KS-1", 0, e.ID, -30*time.Minute, places(2)) // under way: open for registration
		l := f.learners
		reg := func(i int) *models.SessionRegistration {
			t.Helper()
			return storetest.Must[*models.SessionRegistration](t)(bs.SaveRegistration(ctx, s.ID, l[i].ID))
		}
		status := func(i int) models.RegistrationStatus {
			t.Helper()
			return storetest.Must[map[int64]*models.SessionRegistration](t)(bs.FindRegistrations(ctx, l[i].ID, []int64{s.ID}))[s.ID].Status
		}
		for i, want := range []models.RegistrationStatus{models.Registered, models.Registered, models.RegistrationWaiting, models.RegistrationWaiting} {
			if got := reg(i); got.Status != want {
				t.Fatalf("registration %d: %s, want %s", i, got.Status, want)
			}
		}
		first := storetest.Must[map[int64]*models.SessionRegistration](t)(bs.FindRegistrations(ctx, l[2].ID, []int64{s.ID}))[s.ID]
		if again := reg(2); again.Status != models.RegistrationWaiting || !again.QueuedAt.Equal(first.QueuedAt) {
			t.Fatalf("registering again changed the registration: %+v, was %+v", again, first)
		}
		if c := storetest.Must[map[int64]models.SessionCounts](t)(bs.FindSessionCounts(ctx, []int64{s.ID})); c[s.ID] != (models.SessionCounts{Registered: 2, Waitlisted: 2}) {
			t.Fatalf("counts = %+v", c[s.ID])
		}

		// A waiting registration cancelled frees no place; a registered one moves the first waiting up.
		if got := storetest.Must[*models.SessionRegistration](t)(bs.SaveCancellation(ctx, s.ID, l[3].ID)); got.Status != models.RegistrationCancel {
			t.Fatalf("cancelled = %+v", got)
		}
		if status(2) != models.RegistrationWaiting {
			t.Fatal("cancelling a waiting registration promoted someone")
		}
		storetest.Must[*models.SessionRegistration](t)(bs.SaveCancellation(ctx, s.ID, l[0].ID))
		if status(2) != models.Registered {
			t.Fatal("the first waiting did not move up")
		}
		if again := storetest.Must[*models.SessionRegistration](t)(bs.SaveCancellation(ctx, s.ID, l[0].ID)); again.Status != models.RegistrationCancel {
			t.Fatalf("cancelling again = %+v", again)
		}
		// A cancelled learner registers anew, at the end of the queue.
		back := reg(0)
		if back.Status != models.RegistrationWaiting || !back.QueuedAt.After(first.QueuedAt) {
			t.Fatalf("registered anew = %+v", back)
		}
		if c := storetest.Must[map[int64]models.SessionCounts](t)(bs.FindSessionCounts(ctx, []int64{s.ID, 999999})); c[s.ID] != (models.SessionCounts{Registered: 2, Waitlisted: 1}) || c[999999] != (models.SessionCounts{}) {
			t.Fatalf("counts = %+v", c)
		}

		b := f.batch(t, db, "B", 5, models.PolicyOpen)
		class := f.session(t, db, "B-1", b.ID, 0, time.Hour, nil)
		ended := f.session(t, db, "KS-0", 0, e.ID, -90*time.Minute, nil)
		for _, tc := range []struct {
			name, code, field string
			session, learner  int64
		}{
			{"ErrBatchSession", models.EINVALID, "sessionId", class.ID, l[4].ID},
			{"ErrEnded", models.EINVALID, "sessionId", ended.ID, l[4].ID},
			{"ErrUnknownSession", models.ENOTFOUND, "", 999999, l[4].ID},
			{"ErrUnknownLearner", models.ENOTFOUND, "", s.ID, 999999},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := bs.SaveRegistration(ctx, tc.session, tc.learner)
				storetest.WantCode(t, err, tc.code, tc.field)
			})
		}
		_, err := bs.SaveCancellation(ctx, s.ID, l[4].ID)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
		if regs := storetest.Must[map[int64]*models.SessionRegistration](t)(bs.FindRegistrations(ctx, l[4].ID, []int64{s.ID, class.ID, ended.ID})); len(regs) != 0 {
			t.Fatalf("refused registrations were stored: %+v", regs)
		}
	})
}
