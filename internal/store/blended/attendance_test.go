package blended_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// tableCount counts the rows of a table.
func tableCount(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	return int(storetest.Must[int64](t)(db.Bun().NewSelect().Table(table).Count(ctx)))
}

// learnerEvidence returns a learner's evidence as "competency source level observed_at", sorted.
func learnerEvidence(t *testing.T, db *store.DB, learnerID int64) []string {
	t.Helper()
	_, lines := storetest.StoredEvidence(t, db, learnerID)
	slices.Sort(lines)
	return lines
}

func attend(t *testing.T, db *store.DB, sessionID int64, learners ...*models.Learner) []models.Attendance {
	t.Helper()
	bs := blended.New(db)
	ids := make([]int64, len(learners))
	for i, l := range learners {
		ids[i] = l.ID
	}
	return storetest.Must[[]models.Attendance](t)(bs.InsertAttendance(ctx, sessionID, ids, "trainer@istm"))
}

// TestBatchAttendanceCompletesTheCourse: 3 of 4 sessions at the default 0.75
// completes the course as UpdateProgress does; below it, progress is the share
// attended; refused registers store nothing.
func TestBatchAttendanceCompletesTheCourse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 4)
		b := f.batch(t, db, "B", 3, models.PolicyOpen)
		l := f.learners
		seat := map[int64]*models.SeatRequest{}
		for _, learner := range l[:2] {
			seat[learner.ID] = request(t, db, b.ID, learner.ID)
		}
		var s []*models.Session
		for i := range 4 {
			s = append(s, f.session(t, db, fmt.Sprintf("B-%d", i+1), b.ID, 0, time.Duration(i*4-20)*time.Hour, nil))
		}
		// A session yet to come, of another batch so that b has exactly four.
		future := f.session(t, db, "NEXT-1", f.batch(t, db, "NEXT", 3, models.PolicyOpen).ID, 0, 24*time.Hour, nil)

		t.Run("Refused", func(t *testing.T) {
			v0, v1 := storetest.Version(t, db, l[0].ID), storetest.Version(t, db, l[1].ID)
			for _, tc := range []struct {
				name, code, field string
				session           int64
				learners          []int64
			}{
				{"ErrNotStarted", models.EINVALID, "sessionId", future.ID, []int64{l[0].ID}},
				{"ErrNoSeat", models.EINVALID, "learnerIds[1]", s[0].ID, []int64{l[0].ID, l[2].ID}},
				{"ErrUnknownLearner", models.EINVALID, "learnerIds[2]", s[0].ID, []int64{l[0].ID, l[1].ID, 999999}},
				{"ErrEmpty", models.EINVALID, "learnerIds", s[0].ID, nil},
				{"ErrDuplicate", models.EINVALID, "learnerIds", s[0].ID, []int64{l[0].ID, l[1].ID, l[0].ID}},
				{"ErrTooMany", models.EINVALID, "learnerIds", s[0].ID, make([]int64, 1001)},
				{"ErrUnknownSession", models.ENOTFOUND, "", 999999, []int64{l[0].ID}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := serviceOf(db).RecordAttendance(ctx, tc.session, tc.learners, "trainer@istm")
					storetest.WantCode(t, err, tc.code, tc.field)
				})
			}
			if n := tableCount(t, db, "attendance"); n != 0 {
				t.Fatalf("%d attendance rows after refused registers", n)
			}
			if storetest.Version(t, db, l[0].ID) != v0 || storetest.Version(t, db, l[1].ID) != v1 {
				t.Fatal("a refused register bumped a version")
			}
			if e := enrolment(t, db, seat[l[0].ID]); e.Progress != 0 || e.Status != models.Enrolled {
				t.Fatalf("a refused register moved the enrolment: %+v", e)
			}
		})

		got := attend(t, db, s[0].ID, l[0], l[1])
		if len(got) != 2 || got[0].LearnerID != l[0].ID || got[1].LearnerID != l[1].ID || got[0].RecordedBy != "trainer@istm" {
			t.Fatalf("attendance = %+v", got)
		}
		for _, learner := range l[:2] {
			if e := enrolment(t, db, seat[learner.ID]); e.Progress != 0.25 || e.Status != models.InProgress {
				t.Fatalf("after 1 of 4 sessions: %+v", e)
			}
		}
		// Recording again changes nothing, not even the version.
		v := storetest.Version(t, db, l[0].ID)
		again := attend(t, db, s[0].ID, l[0])
		if !again[0].RecordedAt.Equal(got[0].RecordedAt) || storetest.Version(t, db, l[0].ID) != v {
			t.Fatalf("recording again changed something: %+v, version %d -> %d", again, v, storetest.Version(t, db, l[0].ID))
		}

		attend(t, db, s[1].ID, l[0], l[1])
		if e := enrolment(t, db, seat[l[0].ID]); e.Progress != 0.5 || e.Status != models.InProgress || e.CompletedAt != nil {
			t.Fatalf("after 2 of 4: %+v", e)
		}
		if n := tableCount(t, db, "certificates"); n != 0 {
			t.Fatalf("%d certificates below the required attendance", n)
		}
		attend(t, db, s[2].ID, l[0])
		e := enrolment(t, db, seat[l[0].ID])
		if e.Status != models.Completed || e.Progress != 1 || e.CompletedAt == nil {
			t.Fatalf("after 3 of 4 at 0.75: %+v", e)
		}
		wantSeat(t, seatRequest(t, db, seat[l[0].ID].ID), models.SeatCompleted, 1)
		certs := storetest.Must[map[int64]*models.Certificate](t)(db.FindCertificatesByEnrolmentIDs(ctx, []int64{e.ID}))
		if c := certs[e.ID]; c == nil || c.CourseID != f.course.ID || !c.IssuedAt.Equal(*e.CompletedAt) {
			t.Fatalf("certificate = %+v", certs)
		}
		at := e.CompletedAt.UTC().Format(time.RFC3339)
		storetest.WantLines(t, "completion evidence", learnerEvidence(t, db, l[0].ID), []string{
			fmt.Sprintf("%d COURSE_COMPLETION 2 - %s", f.Comm.ID, at),
			fmt.Sprintf("%d COURSE_COMPLETION 3 - %s", f.Procurement.ID, at),
		})
		storetest.WantEstimates(t, db, l[0].ID)
		if e := enrolment(t, db, seat[l[1].ID]); e.Progress != 0.5 || e.Status != models.InProgress {
			t.Fatalf("the other learner after 2 of 4: %+v", e)
		}

		// Past completion, more attendance changes neither the enrolment nor the certificate.
		attend(t, db, s[3].ID, l[0])
		if e2 := enrolment(t, db, seat[l[0].ID]); !e2.CompletedAt.Equal(*e.CompletedAt) || tableCount(t, db, "certificates") != 1 {
			t.Fatalf("attending after completion: %+v", e2)
		}

		t.Run("ProgressNeverMovesBack", func(t *testing.T) {
			storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, *seat[l[1].ID].EnrolmentID, 0.6))
			f.session(t, db, "B-6", b.ID, 0, -time.Hour, nil)
			f.session(t, db, "B-7", b.ID, 0, -30*time.Minute, nil) // 6 sessions: 3 of them is 0.5, and 0.75 needs 5
			attend(t, db, s[3].ID, l[1])
			if e := enrolment(t, db, seat[l[1].ID]); e.Progress != 0.6 || e.Status != models.InProgress {
				t.Fatalf("after 3 of 6 with 0.6 done online: %+v", e)
			}
		})

		t.Run("CompletedOnlineLeftAlone", func(t *testing.T) {
			r := request(t, db, b.ID, l[3].ID)
			done := storetest.Must[*models.Enrolment](t)(db.SaveProgress(ctx, *r.EnrolmentID, 1))
			certsBefore := tableCount(t, db, "certificates")
			sessions := storetest.Must[map[int64][]*models.Session](t)(bs.FindSessionsByBatchIDs(ctx, []int64{b.ID}))[b.ID]
			for _, s := range sessions {
				if !s.StartsAt.After(time.Now()) {
					attend(t, db, s.ID, l[3])
				}
			}
			if e := enrolment(t, db, r); !e.CompletedAt.Equal(*done.CompletedAt) || tableCount(t, db, "certificates") != certsBefore {
				t.Fatalf("attendance rewrote an enrolment completed online: %+v", e)
			}
			wantSeat(t, seatRequest(t, db, r.ID), models.SeatCompleted, 3)
		})
	})
}

// TestEventAttendance: attending an event session is EVENT_ATTENDANCE evidence of
// the competencies it touches, walk-ins included; participation counts the
// learners of an organisation's subtree only.
func TestEventAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 4)
		l := f.learners
		e := f.event(t, db, "KS")
		talk := f.session(t, db, "KS-1", 0, e.ID, -30*time.Minute, places(1),
			models.SessionCompetency{CompetencyID: f.Procurement.ID, Level: 2}, models.SessionCompetency{CompetencyID: f.Comm.ID, Level: 1})
		panel := f.session(t, db, "KS-2", 0, e.ID, -20*time.Minute, nil)
		tomorrow := f.session(t, db, "KS-3", 0, e.ID, 24*time.Hour, nil)

		storetest.Must[*models.SessionRegistration](t)(bs.SaveRegistration(ctx, talk.ID, l[0].ID))
		storetest.Must[*models.SessionRegistration](t)(bs.SaveRegistration(ctx, talk.ID, l[2].ID)) // waits
		storetest.Must[*models.SessionRegistration](t)(bs.SaveRegistration(ctx, talk.ID, f.outsider.ID))
		storetest.Must[*models.SessionRegistration](t)(bs.SaveRegistration(ctx, tomorrow.ID, l[3].ID))

		_, err := bs.InsertAttendance(ctx, tomorrow.ID, []int64{l[3].ID}, "")
		storetest.WantCode(t, err, models.EINVALID, "sessionId")
		_, err = bs.InsertAttendance(ctx, talk.ID, []int64{l[0].ID, 999999}, "")
		storetest.WantCode(t, err, models.EINVALID, "learnerIds[1]")
		if n := tableCount(t, db, "evidence"); n != 0 {
			t.Fatalf("%d evidence rows after refused registers", n)
		}

		v := storetest.Version(t, db, l[1].ID)
		attend(t, db, talk.ID, l[0], l[1], f.outsider) // l[1] walked in
		at := talk.StartsAt.UTC().Format(time.RFC3339)
		for _, learner := range []*models.Learner{l[0], l[1], f.outsider} {
			storetest.WantLines(t, "event evidence", learnerEvidence(t, db, learner.ID), []string{
				fmt.Sprintf("%d EVENT_ATTENDANCE 1 - %s", f.Comm.ID, at),
				fmt.Sprintf("%d EVENT_ATTENDANCE 2 - %s", f.Procurement.ID, at),
			})
			storetest.WantEstimates(t, db, learner.ID)
		}
		if storetest.Version(t, db, l[1].ID) != v+1 {
			t.Fatal("attendance did not bump the version once")
		}
		attend(t, db, panel.ID, l[1]) // touches no competency: no evidence
		if n := tableCount(t, db, "evidence"); n != 6 {
			t.Fatalf("%d evidence rows, want 6", n)
		}
		// Again: nothing changes.
		v = storetest.Version(t, db, l[0].ID)
		attend(t, db, talk.ID, l[0])
		if n := tableCount(t, db, "evidence"); n != 6 || storetest.Version(t, db, l[0].ID) != v {
			t.Fatalf("recording again: %d evidence rows, version %d -> %d", n, v, storetest.Version(t, db, l[0].ID))
		}

		counts := storetest.Must[map[int64]models.SessionCounts](t)(bs.FindSessionCounts(ctx, []int64{talk.ID, panel.ID}))
		if counts[talk.ID] != (models.SessionCounts{Registered: 1, Waitlisted: 2, Attended: 3}) || counts[panel.ID] != (models.SessionCounts{Attended: 1}) {
			t.Fatalf("session counts = %+v", counts)
		}
		p := storetest.Must[*models.EventParticipation](t)(bs.FindEventParticipation(ctx, e.ID, f.Ministry.ID))
		want := []models.SessionParticipation{
			{SessionID: talk.ID, SessionCounts: models.SessionCounts{Registered: 1, Waitlisted: 1, Attended: 2}},
			{SessionID: panel.ID, SessionCounts: models.SessionCounts{Attended: 1}},
			{SessionID: tomorrow.ID, SessionCounts: models.SessionCounts{Registered: 1}},
		}
		if p.Learners != 2 || !slices.Equal(p.Sessions, want) {
			t.Fatalf("ministry participation = %+v", p)
		}
		outside := storetest.Must[*models.Organisation](t)(db.FindOrganisationByID(ctx, f.outsider.OrganisationID))
		p = storetest.Must[*models.EventParticipation](t)(bs.FindEventParticipation(ctx, e.ID, outside.ID))
		if p.Learners != 1 || p.Sessions[0].SessionCounts != (models.SessionCounts{Waitlisted: 1, Attended: 1}) || p.Sessions[1].SessionCounts != (models.SessionCounts{}) {
			t.Fatalf("other ministry's participation = %+v", p)
		}
		_, err = bs.FindEventParticipation(ctx, 999999, f.Ministry.ID)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
		_, err = bs.FindEventParticipation(ctx, e.ID, 999999)
		storetest.WantCode(t, err, models.ENOTFOUND, "")
		attended := storetest.Must[map[int64]*models.Attendance](t)(bs.FindAttendanceByLearner(ctx, l[1].ID, []int64{talk.ID, panel.ID, tomorrow.ID}))
		if len(attended) != 2 || attended[talk.ID] == nil || attended[panel.ID] == nil {
			t.Fatalf("attendance by learner = %+v", attended)
		}
		if profs := storetest.Must[map[int64][]*models.Proficiency](t)(db.FindProficienciesByLearnerIDs(ctx, []int64{l[1].ID}))[l[1].ID]; len(profs) != 2 || math.IsNaN(profs[0].Confidence) {
			t.Fatalf("a walk-in's proficiencies = %+v", profs)
		}
	})
}
