package blended_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/blended"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// Concurrency on real PostgreSQL, whose pool runs transactions side by side (SQLite's
// single connection runs them one after another, which proves nothing here).

// together runs the calls at once, released by one signal so they contend, and
// returns their errors.
func together(calls ...func() error) []error {
	errs := make([]error, len(calls))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = call()
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// byStatus returns a batch's requests by status, the waiting in queue order.
func byStatus(t *testing.T, db *store.DB, batchID int64) map[models.SeatStatus][]*models.SeatRequest {
	t.Helper()
	var rows []*models.SeatRequest
	if err := db.Bun().NewSelect().Model(&rows).Where("batch_id = ?", batchID).Order("queued_at", "id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	out := map[models.SeatStatus][]*models.SeatRequest{}
	for _, r := range rows {
		out[r.Status] = append(out[r.Status], r)
	}
	return out
}

func learnerIDs[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	slices.Sort(out)
	return out
}

func seatLearner(r *models.SeatRequest) int64 { return r.LearnerID }

func TestSeatsUnderConcurrency(t *testing.T) {
	db := storetest.Open(t, "postgres")
	bs := blended.New(db)
	f := newBlendedFixture(t, db, 90)
	b := f.batch(t, db, "RUSH", 10, models.PolicyOpen)

	// 80 learners ask at once for 10 seats.
	var calls []func() error
	for _, l := range f.learners[:80] {
		calls = append(calls, func() error { _, err := bs.InsertSeatRequest(ctx, b.ID, l.ID); return err })
	}
	noErrors(t, together(calls...))
	got := byStatus(t, db, b.ID)
	if len(got[models.SeatConfirmed]) != 10 || len(got[models.SeatWaitlisted]) != 70 {
		t.Fatalf("%d confirmed, %d waiting; want 10 and 70", len(got[models.SeatConfirmed]), len(got[models.SeatWaitlisted]))
	}
	if seats := seatsOf(t, db, b.ID); !slices.Equal(seats, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("seats given: %v", seats)
	}
	confirmed, queue := got[models.SeatConfirmed], got[models.SeatWaitlisted]

	// Five confirmed and the last five waiting withdraw while ten more ask.
	calls = nil
	for _, r := range append(slices.Clone(confirmed[:5]), queue[65:]...) {
		calls = append(calls, func() error { _, err := bs.SaveSeatWithdrawal(ctx, r.ID); return err })
	}
	for _, l := range f.learners[80:] {
		calls = append(calls, func() error { _, err := bs.InsertSeatRequest(ctx, b.ID, l.ID); return err })
	}
	noErrors(t, together(calls...))

	got = byStatus(t, db, b.ID)
	if seats := seatsOf(t, db, b.ID); !slices.Equal(seats, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("seats held after the churn: %v", seats)
	}
	// First come, first served: the five at the head of the queue took the seats.
	want := learnerIDs(append(slices.Clone(confirmed[5:]), queue[:5]...), seatLearner)
	if have := learnerIDs(got[models.SeatConfirmed], seatLearner); !slices.Equal(have, want) {
		t.Fatalf("confirmed learners %v, want %v", have, want)
	}
	if len(got[models.SeatWithdrawn]) != 10 || len(got[models.SeatWaitlisted]) != 70 {
		t.Fatalf("%d withdrawn, %d waiting; want 10 and 70", len(got[models.SeatWithdrawn]), len(got[models.SeatWaitlisted]))
	}
	newcomers := learnerIDs(f.learners[80:], func(l *models.Learner) int64 { return l.ID })
	if tail := learnerIDs(got[models.SeatWaitlisted][60:], seatLearner); !slices.Equal(tail, newcomers) {
		t.Fatalf("the last ten waiting are %v, want the newcomers %v", tail, newcomers)
	}
	for _, r := range got[models.SeatConfirmed] {
		if e := enrolment(t, db, r); e.LearnerID != r.LearnerID || e.CourseID != f.course.ID || e.Status != models.Enrolled {
			t.Fatalf("request %d holds enrolment %+v", r.ID, e)
		}
	}
	for _, r := range got[models.SeatWithdrawn] {
		if r.EnrolmentID != nil && enrolment(t, db, r).Status != models.Dropped {
			t.Fatalf("withdrawn request %d kept its enrolment", r.ID)
		}
	}
	enrolments := int(storetest.Must[int64](t)(db.Bun().NewSelect().Table("enrolments").Where("course_id = ?", f.course.ID).Count(ctx)))
	if course := storetest.Must[*models.Course](t)(db.FindCourseByID(ctx, f.course.ID)); enrolments != 15 || course.EnrolmentCount != enrolments {
		t.Fatalf("%d enrolments, counted %d; want 15", enrolments, course.EnrolmentCount)
	}
	positions := storetest.Must[map[int64]int](t)(bs.FindWaitlistPositions(ctx, learnerIDs(got[models.SeatWaitlisted], func(r *models.SeatRequest) int64 { return r.ID })))
	for i, r := range got[models.SeatWaitlisted] {
		if positions[r.ID] != i+1 {
			t.Fatalf("request %d is at %d, want %d", r.ID, positions[r.ID], i+1)
		}
	}
}

func TestRegistrationsUnderConcurrency(t *testing.T) {
	db := storetest.Open(t, "postgres")
	bs := blended.New(db)
	f := newBlendedFixture(t, db, 45)
	e := f.event(t, db, "RUSH")
	s := f.session(t, db, "RUSH-1", 0, e.ID, time.Hour, places(5))
	registrations := func() map[models.RegistrationStatus][]int64 {
		t.Helper()
		var rows []*models.SessionRegistration
		if err := db.Bun().NewSelect().Model(&rows).Where("session_id = ?", s.ID).Order("queued_at", "learner_id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		out := map[models.RegistrationStatus][]int64{}
		for _, r := range rows {
			out[r.Status] = append(out[r.Status], r.LearnerID)
		}
		return out
	}

	var calls []func() error
	for _, l := range f.learners[:40] {
		calls = append(calls, func() error { _, err := bs.SaveRegistration(ctx, s.ID, l.ID); return err })
	}
	noErrors(t, together(calls...))
	got := registrations()
	if len(got[models.Registered]) != 5 || len(got[models.RegistrationWaiting]) != 35 {
		t.Fatalf("%d registered, %d waiting; want 5 and 35", len(got[models.Registered]), len(got[models.RegistrationWaiting]))
	}
	registered, queue := got[models.Registered], got[models.RegistrationWaiting]

	// Three registered and the last three waiting cancel while five more register.
	calls = nil
	for _, id := range append(slices.Clone(registered[:3]), queue[32:]...) {
		calls = append(calls, func() error { _, err := bs.SaveCancellation(ctx, s.ID, id); return err })
	}
	for _, l := range f.learners[40:] {
		calls = append(calls, func() error { _, err := bs.SaveRegistration(ctx, s.ID, l.ID); return err })
	}
	noErrors(t, together(calls...))
	got = registrations()
	want := append(slices.Clone(registered[3:]), queue[:3]...)
	slices.Sort(want)
	have := slices.Sorted(slices.Values(got[models.Registered]))
	if !slices.Equal(have, want) {
		t.Fatalf("registered %v, want %v (the first three waiting moved up)", have, want)
	}
	if len(got[models.RegistrationCancel]) != 6 || len(got[models.RegistrationWaiting]) != 34 {
		t.Fatalf("%d cancelled, %d waiting; want 6 and 34", len(got[models.RegistrationCancel]), len(got[models.RegistrationWaiting]))
	}
	if counts := storetest.Must[map[int64]models.SessionCounts](t)(bs.FindSessionCounts(ctx, []int64{s.ID}))[s.ID]; counts != (models.SessionCounts{Registered: 5, Waitlisted: 34}) {
		t.Fatalf("counts = %+v", counts)
	}
}
