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

// blendedFixture adds to storetest.Fixture a FACE_TO_FACE course imparting procurement
// 1 -> 3 and communication 0 -> 2, learners in the office, and one learner in
// another ministry.
type blendedFixture struct {
	storetest.Fixture
	course   *models.Course
	learners []*models.Learner
	outsider *models.Learner
	now      time.Time
}

func newBlendedFixture(t *testing.T, db *store.DB, learners int) blendedFixture {
	t.Helper()
	f := blendedFixture{Fixture: storetest.NewFixture(t, db), now: time.Now().UTC()}
	f.course = storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "GEM-F2F", Title: "Buying on GeM, in person",
		Provider: "ISTM", Format: models.FaceToFace, DurationHours: 12, Competencies: []models.CourseCompetency{
			{CompetencyID: f.Procurement.ID, FromLevel: 1, ToLevel: 3}, {CompetencyID: f.Comm.ID, FromLevel: 0, ToLevel: 2}}}))
	f.learners = make([]*models.Learner, learners)
	for i := range f.learners {
		f.learners[i] = storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: fmt.Sprintf("B%03d", i),
			Name: fmt.Sprintf("Learner %d", i), Email: fmt.Sprintf("b%03d@gov.in", i), Designation: "Section Officer", OrganisationID: f.Office.ID}))
	}
	other := storetest.Must[*models.Organisation](t)(db.InsertOrganisation(ctx, &models.NewOrganisation{Code: "MOH", Name: "Ministry of Health", Type: models.OrgMinistry}))
	f.outsider = storetest.Must[*models.Learner](t)(db.InsertLearner(ctx, &models.NewLearner{EmployeeCode: "OUT1", Name: "Outsider",
		Email: "out1@gov.in", Designation: "Under Secretary", OrganisationID: other.ID}))
	return f
}

// batch stores a batch of the course that started a day ago and runs for a month.
func (f blendedFixture) batch(t *testing.T, db *store.DB, code string, seats int, policy models.EnrolmentPolicy) *models.Batch {
	t.Helper()
	return storetest.Must[*models.Batch](t)(blended.New(db).InsertBatch(ctx, validated(t, &models.NewBatch{Code: code, CourseID: f.course.ID, Name: "Batch " + code,
		Venue: "ISTM, New Delhi", StartsAt: f.now.Add(-24 * time.Hour), EndsAt: f.now.Add(30 * 24 * time.Hour), Seats: seats, Policy: policy})))
}

func request(t *testing.T, db *store.DB, batchID, learnerID int64) *models.SeatRequest {
	t.Helper()
	return storetest.Must[*models.SeatRequest](t)(blended.New(db).InsertSeatRequest(ctx, batchID, learnerID))
}

func seatRequest(t *testing.T, db *store.DB, id int64) *models.SeatRequest {
	t.Helper()
	return storetest.Must[*models.SeatRequest](t)(blended.New(db).FindSeatRequestByID(ctx, id))
}

// wantSeat checks a request's status and seat (0: none).
func wantSeat(t *testing.T, r *models.SeatRequest, status models.SeatStatus, seat int) {
	t.Helper()
	got := 0
	if r.SeatNumber != nil {
		got = *r.SeatNumber
	}
	if r.Status != status || got != seat {
		t.Fatalf("request %d: %s seat %d, want %s seat %d", r.ID, r.Status, got, status, seat)
	}
}

func enrolment(t *testing.T, db *store.DB, r *models.SeatRequest) *models.Enrolment {
	t.Helper()
	if r.EnrolmentID == nil {
		t.Fatalf("request %d (%s) has no enrolment", r.ID, r.Status)
	}
	return storetest.Must[*models.Enrolment](t)(db.FindEnrolmentByID(ctx, *r.EnrolmentID))
}

func TestCreateBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 0)
		at := time.Date(2026, 12, 7, 9, 30, 0, 123456789, time.FixedZone("IST", 19800))
		b := storetest.Must[*models.Batch](t)(bs.InsertBatch(ctx, validated(t, &models.NewBatch{Code: "B-1", CourseID: f.course.ID, Name: "December",
			Link: "https://meet.example/b1", StartsAt: at, EndsAt: at.Add(72 * time.Hour), Seats: 30})))
		if b.ID == 0 || b.Policy != models.PolicyOpen || b.RequiredAttendance != models.DefaultRequiredAttendance ||
			b.StartsAt.Location() != time.UTC || !b.StartsAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("batch = %+v", b)
		}
		if got := storetest.Must[*models.Batch](t)(bs.FindBatchByID(ctx, b.ID)); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", b) {
			t.Fatalf("stored %+v, returned %+v", got, b)
		}
		online := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "ONL", Title: "Online", Provider: "iGOT",
			Format: models.Online, DurationHours: 1}))
		valid := func(change func(*models.NewBatch)) *models.NewBatch {
			n := &models.NewBatch{Code: "B-2", CourseID: f.course.ID, Name: "N", Venue: "V", StartsAt: at, EndsAt: at.Add(time.Hour), Seats: 1}
			change(n)
			return n
		}
		for _, tc := range []struct {
			name, code, field string
			in                *models.NewBatch
		}{
			{"ErrOnlineCourse", models.EINVALID, "courseId", valid(func(n *models.NewBatch) { n.CourseID = online.ID })},
			{"ErrUnknownCourse", models.EINVALID, "courseId", valid(func(n *models.NewBatch) { n.CourseID = 999999 })},
			{"ErrCodeInUse", models.ECONFLICT, "code", valid(func(n *models.NewBatch) { n.Code = "B-1" })},
			{"ErrNoSeats", models.EINVALID, "seats", valid(func(n *models.NewBatch) { n.Seats = 0 })},
			{"ErrNoPlace", models.EINVALID, "venue", valid(func(n *models.NewBatch) { n.Venue = "" })},
			{"ErrEndsBeforeStart", models.EINVALID, "endsAt", valid(func(n *models.NewBatch) { n.EndsAt = at.Add(-time.Hour) })},
			{"ErrPolicy", models.EINVALID, "policy", valid(func(n *models.NewBatch) { n.Policy = "LOTTERY" })},
			{"ErrAttendance", models.EINVALID, "requiredAttendance", valid(func(n *models.NewBatch) { n.RequiredAttendance = 1.5 })},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := serviceOf(db).CreateBatch(ctx, tc.in)
				storetest.WantCode(t, err, tc.code, tc.field)
			})
		}
		page := storetest.Must[*models.Page[*models.Batch]](t)(bs.FindBatches(ctx, models.BatchFilter{CourseID: &f.course.ID}, models.PageRequest{First: 10}))
		if page.TotalCount != 1 || page.Items[0].ID != b.ID {
			t.Fatalf("refused batches were stored: %+v", page.Items)
		}
	})
}

func TestFindBatchesSoonestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 0)
		base := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
		// Starts out of order, two sharing a start so the id breaks the tie.
		for i, day := range []int{5, 1, 3, 1, 4} {
			storetest.Must[*models.Batch](t)(bs.InsertBatch(ctx, validated(t, &models.NewBatch{Code: fmt.Sprintf("B%d", i), CourseID: f.course.ID, Name: "N",
				Venue: "V", StartsAt: base.AddDate(0, 0, day), EndsAt: base.AddDate(0, 0, day+1), Seats: 5})))
		}
		var codes []string
		p := models.PageRequest{First: 2}
		for {
			page := storetest.Must[*models.Page[*models.Batch]](t)(bs.FindBatches(ctx, models.BatchFilter{}, p))
			for _, b := range page.Items {
				codes = append(codes, b.Code)
			}
			if !page.HasNextPage {
				break
			}
			p.After = &page.Cursors[len(page.Cursors)-1]
		}
		if want := []string{"B1", "B3", "B2", "B4", "B0"}; !slices.Equal(codes, want) {
			t.Fatalf("batches in order %v, want %v", codes, want)
		}
		after := base.AddDate(0, 0, 4).Add(time.Hour) // B4 ends on day 5 at 09:00
		page := storetest.Must[*models.Page[*models.Batch]](t)(bs.FindBatches(ctx, models.BatchFilter{EndsAfter: &after}, models.PageRequest{First: 10}))
		if page.TotalCount != 2 || page.Items[0].Code != "B4" || page.Items[1].Code != "B0" {
			t.Fatalf("ending after day 4: %d batches", page.TotalCount)
		}
	})
}

func TestRequestSeatOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 4)
		b := f.batch(t, db, "OPEN-1", 2, models.PolicyOpen)
		v0 := storetest.Version(t, db, f.learners[0].ID)
		first := request(t, db, b.ID, f.learners[0].ID)
		wantSeat(t, first, models.SeatConfirmed, 1)
		e := enrolment(t, db, first)
		if e.LearnerID != f.learners[0].ID || e.CourseID != f.course.ID || e.Status != models.Enrolled {
			t.Fatalf("enrolment = %+v", e)
		}
		if storetest.Version(t, db, f.learners[0].ID) <= v0 {
			t.Fatal("confirming a seat did not bump the learner's version")
		}
		wantSeat(t, request(t, db, b.ID, f.learners[1].ID), models.SeatConfirmed, 2)
		third := request(t, db, b.ID, f.learners[2].ID)
		wantSeat(t, third, models.SeatWaitlisted, 0)
		if third.QueuedAt == nil || third.EnrolmentID != nil {
			t.Fatalf("waiting request = %+v", third)
		}
		fourth := request(t, db, b.ID, f.learners[3].ID)
		positions := storetest.Must[map[int64]int](t)(bs.FindWaitlistPositions(ctx, []int64{first.ID, third.ID, fourth.ID}))
		if len(positions) != 2 || positions[third.ID] != 1 || positions[fourth.ID] != 2 {
			t.Fatalf("waitlist positions = %v", positions)
		}
		counts := storetest.Must[map[int64]models.SeatCounts](t)(bs.FindSeatCounts(ctx, []int64{b.ID, 999999}))
		if counts[b.ID] != (models.SeatCounts{Confirmed: 2, Waitlisted: 2}) || counts[999999] != (models.SeatCounts{}) {
			t.Fatalf("seat counts = %v", counts)
		}
		if n := storetest.Must[*models.Course](t)(db.FindCourseByID(ctx, f.course.ID)).EnrolmentCount; n != 2 {
			t.Fatalf("enrolment count = %d, want 2", n)
		}

		t.Run("ErrOpenRequest", func(t *testing.T) {
			for _, l := range []*models.Learner{f.learners[0], f.learners[2]} {
				_, err := bs.InsertSeatRequest(ctx, b.ID, l.ID)
				storetest.WantCode(t, err, models.ECONFLICT, "")
			}
		})
		t.Run("ErrEnrolledInAnotherBatch", func(t *testing.T) {
			other := f.batch(t, db, "OPEN-2", 5, models.PolicyOpen)
			_, err := bs.InsertSeatRequest(ctx, other.ID, f.learners[0].ID)
			storetest.WantCode(t, err, models.ECONFLICT, "courseId")
		})
		t.Run("ErrEnrolledOnline", func(t *testing.T) {
			mixed := storetest.Must[*models.Course](t)(db.InsertCourse(ctx, &models.NewCourse{Code: "BL-1", Title: "Blended", Provider: "iGOT",
				Format: models.Blended, DurationHours: 3}))
			storetest.Must[*models.Enrolment](t)(db.InsertEnrolment(ctx, f.outsider.ID, mixed.ID))
			bl := storetest.Must[*models.Batch](t)(bs.InsertBatch(ctx, validated(t, &models.NewBatch{Code: "BL-B", CourseID: mixed.ID, Name: "N", Venue: "V",
				StartsAt: f.now, EndsAt: f.now.Add(time.Hour), Seats: 3})))
			_, err := bs.InsertSeatRequest(ctx, bl.ID, f.outsider.ID)
			storetest.WantCode(t, err, models.ECONFLICT, "courseId")
		})
		t.Run("ErrEnded", func(t *testing.T) {
			ended := storetest.Must[*models.Batch](t)(bs.InsertBatch(ctx, validated(t, &models.NewBatch{Code: "OLD", CourseID: f.course.ID, Name: "N", Venue: "V",
				StartsAt: f.now.Add(-48 * time.Hour), EndsAt: f.now.Add(-time.Hour), Seats: 3})))
			_, err := bs.InsertSeatRequest(ctx, ended.ID, f.outsider.ID)
			storetest.WantCode(t, err, models.EINVALID, "batchId")
		})
		t.Run("ErrUnknown", func(t *testing.T) {
			_, err := bs.InsertSeatRequest(ctx, 999999, f.outsider.ID)
			storetest.WantCode(t, err, models.ENOTFOUND, "")
			_, err = bs.InsertSeatRequest(ctx, b.ID, 999999)
			storetest.WantCode(t, err, models.ENOTFOUND, "")
		})
		if counts := storetest.Must[map[int64]models.SeatCounts](t)(bs.FindSeatCounts(ctx, []int64{b.ID})); counts[b.ID] != (models.SeatCounts{Confirmed: 2, Waitlisted: 2}) {
			t.Fatalf("refused requests changed the counts: %v", counts[b.ID])
		}
	})
}

// TestWaitingListMovesUpOnWithdrawal: a withdrawn seat goes to the first waiting, the
// withdrawn enrolment is dropped, and asking again takes the dropped enrolment up.
func TestWaitingListMovesUpOnWithdrawal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 5)
		b := f.batch(t, db, "W-1", 2, models.PolicyOpen)
		var rs []*models.SeatRequest
		for _, l := range f.learners {
			rs = append(rs, request(t, db, b.ID, l.ID))
		}
		wantSeat(t, rs[0], models.SeatConfirmed, 1)
		wantSeat(t, rs[1], models.SeatConfirmed, 2)
		firstEnrolment := enrolment(t, db, rs[0])

		// A waiting request withdrawn leaves the queue; nobody moves into a seat.
		gone := storetest.Must[*models.SeatRequest](t)(bs.SaveSeatWithdrawal(ctx, rs[3].ID))
		wantSeat(t, gone, models.SeatWithdrawn, 0)
		if pos := storetest.Must[map[int64]int](t)(bs.FindWaitlistPositions(ctx, []int64{rs[2].ID, rs[4].ID})); pos[rs[2].ID] != 1 || pos[rs[4].ID] != 2 {
			t.Fatalf("positions after a waiting request left: %v", pos)
		}

		v := storetest.Version(t, db, f.learners[2].ID)
		withdrawn := storetest.Must[*models.SeatRequest](t)(bs.SaveSeatWithdrawal(ctx, rs[0].ID))
		wantSeat(t, withdrawn, models.SeatWithdrawn, 0)
		if e := enrolment(t, db, withdrawn); e.Status != models.Dropped {
			t.Fatalf("withdrawn enrolment = %s, want DROPPED", e.Status)
		}
		promoted := seatRequest(t, db, rs[2].ID)
		wantSeat(t, promoted, models.SeatConfirmed, 1) // the freed seat
		if e := enrolment(t, db, promoted); e.LearnerID != f.learners[2].ID || e.Status != models.Enrolled {
			t.Fatalf("promoted enrolment = %+v", e)
		}
		if storetest.Version(t, db, f.learners[2].ID) <= v {
			t.Fatal("promotion did not bump the learner's version")
		}
		if pos := storetest.Must[map[int64]int](t)(bs.FindWaitlistPositions(ctx, []int64{rs[4].ID})); pos[rs[4].ID] != 1 {
			t.Fatalf("position after the promotion: %v", pos)
		}
		_, err := bs.SaveSeatWithdrawal(ctx, rs[0].ID)
		storetest.WantCode(t, err, models.EINVALID, "requestId")
		_, err = bs.SaveSeatWithdrawal(ctx, 999999)
		storetest.WantCode(t, err, models.ENOTFOUND, "")

		// Asking again reopens the same row at the end of the queue; once a seat
		// frees, the dropped enrolment is taken up again rather than a new one made.
		again := request(t, db, b.ID, f.learners[0].ID)
		if again.ID != rs[0].ID {
			t.Fatalf("a new request row %d, want the old %d reopened", again.ID, rs[0].ID)
		}
		wantSeat(t, again, models.SeatWaitlisted, 0)
		storetest.Must[*models.SeatRequest](t)(bs.SaveSeatWithdrawal(ctx, rs[1].ID))
		wantSeat(t, seatRequest(t, db, rs[4].ID), models.SeatConfirmed, 2)
		storetest.Must[*models.SeatRequest](t)(bs.SaveSeatWithdrawal(ctx, rs[4].ID))
		back := seatRequest(t, db, rs[0].ID)
		wantSeat(t, back, models.SeatConfirmed, 2)
		if e := enrolment(t, db, back); e.ID != firstEnrolment.ID || e.Status != models.Enrolled {
			t.Fatalf("reconfirmed enrolment = %+v, want %d taken up again", e, firstEnrolment.ID)
		}
		if n := storetest.Must[*models.Course](t)(db.FindCourseByID(ctx, f.course.ID)).EnrolmentCount; n != 4 {
			t.Fatalf("enrolment count = %d, want 4 (learners 0, 1, 2 and 4)", n)
		}
	})
}

func TestSeatApprovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 5)
		t.Run("OneStep", func(t *testing.T) {
			b := f.batch(t, db, "A-1", 1, models.PolicyOneStep)
			r := request(t, db, b.ID, f.learners[0].ID)
			if r.Status != models.SeatPending || r.Approvals != 0 || r.EnrolmentID != nil {
				t.Fatalf("new request = %+v", r)
			}
			r = storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, r.ID, "admin-1", true, "ok"))
			wantSeat(t, r, models.SeatConfirmed, 1)
			if r.Approvals != 1 || enrolment(t, db, r).Status != models.Enrolled {
				t.Fatalf("approved request = %+v", r)
			}
			_, err := bs.InsertSeatDecision(ctx, r.ID, "admin-2", true, "")
			storetest.WantCode(t, err, models.EINVALID, "requestId")

			// The batch is full: the last approval puts the request on the waiting list.
			full := request(t, db, b.ID, f.learners[1].ID)
			full = storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, full.ID, "admin-1", true, ""))
			wantSeat(t, full, models.SeatWaitlisted, 0)
			decisions := storetest.Must[map[int64][]models.SeatDecision](t)(bs.FindSeatDecisions(ctx, []int64{full.ID}))[full.ID]
			if full.QueuedAt == nil || len(decisions) != 1 || !full.QueuedAt.Equal(decisions[0].DecidedAt) {
				t.Fatalf("queued at %v, decided %+v", full.QueuedAt, decisions)
			}

			rejected := request(t, db, b.ID, f.learners[2].ID)
			rejected = storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, rejected.ID, "admin-1", false, "not this quarter"))
			wantSeat(t, rejected, models.SeatRejected, 0)
			_, err = bs.InsertSeatDecision(ctx, rejected.ID, "admin-2", true, "")
			storetest.WantCode(t, err, models.EINVALID, "requestId")
			// Asking again after a rejection starts afresh, decisions and all.
			again := request(t, db, b.ID, f.learners[2].ID)
			if again.ID != rejected.ID || again.Status != models.SeatPending || again.Approvals != 0 {
				t.Fatalf("reopened = %+v", again)
			}
			if d := storetest.Must[map[int64][]models.SeatDecision](t)(bs.FindSeatDecisions(ctx, []int64{again.ID}))[again.ID]; len(d) != 0 {
				t.Fatalf("a reopened request kept its decisions: %+v", d)
			}
		})
		t.Run("TwoStep", func(t *testing.T) {
			b := f.batch(t, db, "A-2", 5, models.PolicyTwoStep)
			r := request(t, db, b.ID, f.learners[3].ID)
			r = storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, r.ID, "admin-1", true, "first"))
			if r.Status != models.SeatPending || r.Approvals != 1 || r.EnrolmentID != nil {
				t.Fatalf("after one of two approvals: %+v", r)
			}
			_, err := bs.InsertSeatDecision(ctx, r.ID, "admin-1", true, "again")
			storetest.WantCode(t, err, models.EFORBIDDEN, "")
			_, err = serviceOf(db).DecideSeatRequest(ctx, r.ID, " ", true, "")
			storetest.WantCode(t, err, models.EINVALID, "approver")
			_, err = bs.InsertSeatDecision(ctx, 999999, "admin-2", true, "")
			storetest.WantCode(t, err, models.ENOTFOUND, "")
			if got := seatRequest(t, db, r.ID); got.Approvals != 1 || got.Status != models.SeatPending {
				t.Fatalf("a refused decision changed the request: %+v", got)
			}
			r = storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, r.ID, "admin-2", true, "second"))
			wantSeat(t, r, models.SeatConfirmed, 1)
			d := storetest.Must[map[int64][]models.SeatDecision](t)(bs.FindSeatDecisions(ctx, []int64{r.ID}))[r.ID]
			if len(d) != 2 || d[0].Step != 1 || d[0].ApproverSubject != "admin-1" || d[1].Step != 2 || d[1].ApproverSubject != "admin-2" || d[1].Comment != "second" {
				t.Fatalf("decisions = %+v", d)
			}
			// A rejection at the second step ends the request.
			no := request(t, db, b.ID, f.learners[4].ID)
			storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, no.ID, "admin-1", true, ""))
			no = storetest.Must[*models.SeatRequest](t)(bs.InsertSeatDecision(ctx, no.ID, "admin-2", false, ""))
			wantSeat(t, no, models.SeatRejected, 0)
			if no.EnrolmentID != nil {
				t.Fatalf("a rejected request has an enrolment")
			}
		})
	})
}

func TestFindSeatRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bs := blended.New(db)
		f := newBlendedFixture(t, db, 4)
		b := f.batch(t, db, "F-1", 2, models.PolicyOpen)
		var ids []int64
		for _, l := range append(slices.Clone(f.learners), f.outsider) {
			ids = append(ids, request(t, db, b.ID, l.ID).ID)
		}
		var seen []int64
		p := models.PageRequest{First: 2}
		for {
			page := storetest.Must[*models.Page[*models.SeatRequest]](t)(bs.FindSeatRequests(ctx, models.SeatRequestFilter{BatchID: &b.ID}, p))
			if page.TotalCount != 5 {
				t.Fatalf("totalCount = %d", page.TotalCount)
			}
			for _, r := range page.Items {
				seen = append(seen, r.ID)
			}
			if !page.HasNextPage {
				break
			}
			p.After = &page.Cursors[len(page.Cursors)-1]
		}
		if !slices.Equal(seen, ids) {
			t.Fatalf("requests in order %v, want oldest first %v", seen, ids)
		}
		waiting := models.SeatWaitlisted
		for _, tc := range []struct {
			name string
			f    models.SeatRequestFilter
			want []int64
		}{
			{"Status", models.SeatRequestFilter{Status: &waiting}, ids[2:]},
			{"Learner", models.SeatRequestFilter{LearnerID: &f.learners[1].ID}, ids[1:2]},
			{"WithinMinistry", models.SeatRequestFilter{WithinOrganisationID: &f.Ministry.ID}, ids[:4]},
			{"WithinDepartmentWaiting", models.SeatRequestFilter{WithinOrganisationID: &f.Department.ID, Status: &waiting}, ids[2:4]},
			{"UnknownOrganisation", models.SeatRequestFilter{WithinOrganisationID: new(int64)}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page := storetest.Must[*models.Page[*models.SeatRequest]](t)(bs.FindSeatRequests(ctx, tc.f, models.PageRequest{First: 10}))
				var got []int64
				for _, r := range page.Items {
					got = append(got, r.ID)
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		byID := storetest.Must[map[int64]*models.SeatRequest](t)(bs.FindSeatRequestsByIDs(ctx, []int64{ids[0], 999999}))
		if len(byID) != 1 || byID[ids[0]].LearnerID != f.learners[0].ID {
			t.Fatalf("by IDs = %v", byID)
		}
	})
}
