package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

const (
	mCreateBatch = `mutation($input: CreateBatchInput!) { createBatch(input: $input) { batch {
		id code name venue link seats seatsTaken seatsFree waitlistLength pendingApprovals policy approvalsNeeded requiredAttendance
		course { code } } } }`
	mCreateSession = `mutation($input: CreateSessionInput!) { createSession(input: $input) { session {
		id code title kind venue link capacity placesLeft batch { code } event { code } competencies { level competency { code } } } } }`
	mCreateEvent = `mutation($input: CreateLearningEventInput!) { createLearningEvent(input: $input) { event {
		id code name description host { code } } } }`
	mRequestSeat     = `mutation($input: RequestSeatInput!) { requestSeat(input: $input) { seatRequest { ` + seatFields + ` } } }`
	mDecideSeat      = `mutation($input: DecideSeatRequestInput!) { decideSeatRequest(input: $input) { seatRequest { ` + seatFields + ` } } }`
	mWithdraw        = `mutation($input: WithdrawSeatRequestInput!) { withdrawSeatRequest(input: $input) { seatRequest { ` + seatFields + ` } } }`
	mAttend          = `mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) { learnersRecorded session { code attendanceCount } } }`
	mRegisterSession = `mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) { registration {
		status learner { name } session { code } } } }`
	mCancel = `mutation($input: CancelRegistrationInput!) { cancelRegistration(input: $input) { registration { status } } }`

	seatFields = `id status approvals approvalsNeeded seatNumber waitlistPosition requestedAt
		enrolment { id status course { code } } decisions { step approved comment approverId } batch { code } learner { name }`
	qSeat  = `query($id: ID!) { node(id: $id) { ... on SeatRequest { ` + seatFields + ` } } }`
	qBatch = `query($id: ID!) { batch(id: $id) { code seats seatsTaken seatsFree waitlistLength pendingApprovals
		sessions { code startsAt attended } mySeatRequest { status } } }`
	qBatchRequests = `query($id: ID!) { batch(id: $id) { requests(first: 50) { totalCount edges { node { status learner { name } } } } } }`
	qSession       = `query($id: ID!) { node(id: $id) { ... on Session { code capacity placesLeft registrationCount waitlistLength
		attendanceCount attended myRegistration { status } } } }`
)

// seatJSON is a SeatRequest as seatFields selects it.
type seatJSON struct {
	ID, Status       string
	Approvals        int
	ApprovalsNeeded  int
	SeatNumber       *int
	WaitlistPosition *int
	RequestedAt      time.Time
	Enrolment        *struct {
		ID, Status string
		Course     struct{ Code string }
	}
	Decisions []struct {
		Step       int
		Approved   bool
		Comment    string
		ApproverID string
	}
	Batch   struct{ Code string }
	Learner struct{ Name string }
}

type sessionJSON struct {
	ID, Code, Title, Kind string
	Venue, Link           *string
	Capacity, PlacesLeft  *int
	RegistrationCount     int
	WaitlistLength        int
	AttendanceCount       int
	Attended              *bool
	MyRegistration        *struct{ Status string }
	Batch, Event          *struct{ Code string }
	Competencies          []struct {
		Level      int
		Competency struct{ Code string }
	}
}

// evidenceJSON is a piece of evidence as a client reads it.
type evidenceJSON struct {
	Source     string
	Level      int
	Score      *float64
	Competency struct{ Code string }
	Course     *struct{ Code string }
}

// evidenceOf returns a learner's newest n pieces of evidence.
func evidenceOf(t *testing.T, c *client, learner string, n int) []evidenceJSON {
	t.Helper()
	var out struct {
		Learner struct {
			Evidence struct{ Edges []struct{ Node evidenceJSON } }
		}
	}
	decode(t, c.data(`query($id: ID!, $n: Int) { learner(id: $id) { evidence(first: $n) { edges { node {
		source level score competency { code } course { code } } } } } }`, map[string]any{"id": learner, "n": n}), &out)
	var ev []evidenceJSON
	for _, e := range out.Learner.Evidence.Edges {
		ev = append(ev, e.Node)
	}
	return ev
}

// query sends a query that must succeed as c and decodes its data.
func query[T any](t *testing.T, c *client, q string, vars map[string]any) T {
	t.Helper()
	var out T
	decode(t, c.data(q, vars), &out)
	return out
}

// learnerClient returns a client signed in as the fixture's learner key, a
// member of organisation org.
func (e *attackEnv) learnerClient(t *testing.T, key, org string) *client {
	t.Helper()
	return e.pa.as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f[key]), OrganisationID: dbID(t, e.f[org])}).bind(t)
}

// soon is a time d from now, to the second, as the API returns it.
func soon(d time.Duration) time.Time { return time.Now().Add(d).UTC().Truncate(time.Second) }

const day = 24 * time.Hour

func createBatch(t *testing.T, c *client, input map[string]any) map[string]any {
	t.Helper()
	return query[struct {
		CreateBatch struct{ Batch map[string]any }
	}](t, c, mCreateBatch, map[string]any{"input": input}).CreateBatch.Batch
}

func createSession(t *testing.T, c *client, input map[string]any) sessionJSON {
	t.Helper()
	return query[struct{ CreateSession struct{ Session sessionJSON } }](t, c, mCreateSession, map[string]any{"input": input}).CreateSession.Session
}

func requestSeat(t *testing.T, c *client, batch, learner string) seatJSON {
	t.Helper()
	return query[struct {
		RequestSeat struct{ SeatRequest seatJSON }
	}](t, c, mRequestSeat,
		map[string]any{"input": map[string]any{"batchId": batch, "learnerId": learner}}).RequestSeat.SeatRequest
}

func decideSeat(t *testing.T, c *client, request string, approve bool, comment string) seatJSON {
	t.Helper()
	return query[struct {
		DecideSeatRequest struct{ SeatRequest seatJSON }
	}](t, c, mDecideSeat,
		map[string]any{"input": map[string]any{"requestId": request, "approve": approve, "comment": comment}}).DecideSeatRequest.SeatRequest
}

func seatOf(t *testing.T, c *client, id string) seatJSON {
	t.Helper()
	return query[struct{ Node seatJSON }](t, c, qSeat, map[string]any{"id": id}).Node
}

func sessionOf(t *testing.T, c *client, id string) sessionJSON {
	t.Helper()
	return query[struct{ Node sessionJSON }](t, c, qSession, map[string]any{"id": id}).Node
}

func attend(c *client, session string, learners ...string) response {
	c.t.Helper()
	return c.ask(mAttend, map[string]any{"input": map[string]any{"sessionId": session, "learnerIds": learners}})
}

// TestBlendedBatch is the whole life of an OPEN batch over HTTP: a provider creates
// a batch of two seats and its sessions; three learners ask for seats and the third
// waits; a withdrawal gives her the seat; attendance before a session begins is
// refused; reaching the required attendance completes the course, with its
// certificate and evidence on the learner's record.
func TestBlendedBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f, provider := e.f, e.provider.bind(t)
		asha, chitra := e.asha.bind(t), e.learnerClient(t, "$chitra", "$mohfw")
		devendra := e.learnerClient(t, "$devendra", "$mof")

		batchInput := map[string]any{"code": "EMP-101-DEL-1", "courseId": f["$emp101"], "name": "New Delhi, this week",
			"venue": "ISTM, New Delhi", "startsAt": soon(-2 * day), "endsAt": soon(5 * day), "seats": 2, "requiredAttendance": 0.6}
		batch := createBatch(t, provider, batchInput)
		assertJSON(t, mustJSON(t, batch), `{"id": "`+batch["id"].(string)+`", "code": "EMP-101-DEL-1", "name": "New Delhi, this week",
			"venue": "ISTM, New Delhi", "link": null, "seats": 2, "seatsTaken": 0, "seatsFree": 2, "waitlistLength": 0, "pendingApprovals": 0,
			"policy": "OPEN", "approvalsNeeded": 0, "requiredAttendance": 0.6, "course": {"code": "EMP-101"}}`)
		batchID := batch["id"].(string)
		assertJSON(t, e.pa.bind(t).data(`{ auditLog(first: 1) { edges { node { action objectId } } } }`, nil),
			`{"auditLog": {"edges": [{"node": {"action": "createBatch", "objectId": "`+batchID+`"}}]}}`)

		t.Run("ErrCreateBatch", func(t *testing.T) {
			for _, tc := range []struct {
				name, code, field string
				edit              map[string]any
			}{
				{"OnlineCourse", graph.CodeBadUserInput, "input.courseId", map[string]any{"code": "B-ONLINE", "courseId": f["$gfr101"]}},
				{"NoSeats", graph.CodeBadUserInput, "input.seats", map[string]any{"code": "B-SEATS", "seats": 0}},
				{"EndBeforeStart", graph.CodeBadUserInput, "input.endsAt", map[string]any{"code": "B-END", "endsAt": soon(-3 * day)}},
				{"ZeroAttendance", graph.CodeBadUserInput, "input.requiredAttendance", map[string]any{"code": "B-ATT", "requiredAttendance": 0}},
				{"WrongIDType", graph.CodeBadUserInput, "input.courseId", map[string]any{"code": "B-ID", "courseId": f["$emp"]}},
				{"CodeInUse", graph.CodeConflict, "", map[string]any{}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					in := map[string]any{}
					for k, v := range batchInput {
						in[k] = v
					}
					for k, v := range tc.edit {
						in[k] = v
					}
					assertError(t, provider.bind(t).ask(mCreateBatch, map[string]any{"input": in}), tc.code, tc.field, "")
				})
			}
			assertError(t, asha.ask(mCreateBatch, map[string]any{"input": batchInput}), graph.CodeForbidden, "", "")
		})

		// Three sessions: two have begun, one is three days away. Two of three (0.67) reach 0.6.
		var sessions []sessionJSON
		for i, start := range []time.Time{soon(-2 * day), soon(-day), soon(3 * day)} {
			sessions = append(sessions, createSession(t, provider, map[string]any{"code": "EMP-101-DEL-1-S" + string(rune('1'+i)),
				"batchId": batchID, "title": "Listening, part " + string(rune('1'+i)), "startsAt": start, "endsAt": start.Add(3 * time.Hour)}))
		}
		if s := sessions[0]; s.Kind != "CLASS" || s.Batch == nil || s.Batch.Code != "EMP-101-DEL-1" || s.Event != nil ||
			s.Capacity != nil || s.PlacesLeft != nil || s.Venue != nil || len(s.Competencies) != 0 {
			t.Fatalf("batch session = %+v", s)
		}
		assertError(t, provider.ask(mCreateSession, map[string]any{"input": map[string]any{"code": "S-CAP", "batchId": batchID,
			"title": "t", "startsAt": soon(day), "endsAt": soon(day + time.Hour), "capacity": 10}}), graph.CodeBadUserInput, "input.capacity", "")
		assertError(t, provider.ask(mCreateSession, map[string]any{"input": map[string]any{"code": "S-NONE",
			"title": "t", "startsAt": soon(day), "endsAt": soon(day + time.Hour)}}), graph.CodeBadUserInput, "input.batchId", "")
		assertError(t, e.doeAdmin.bind(t).ask(mCreateSession, map[string]any{"input": map[string]any{"code": "S-ADMIN", "batchId": batchID,
			"title": "t", "startsAt": soon(day), "endsAt": soon(day + time.Hour)}}), graph.CodeForbidden, "", "")

		// Two seats, three learners: the third waits, first in the queue.
		ashaSeat := requestSeat(t, asha, batchID, f["$asha"])
		devSeat := requestSeat(t, devendra, batchID, f["$devendra"])
		chitraSeat := requestSeat(t, chitra, batchID, f["$chitra"])
		if ashaSeat.Status != "CONFIRMED" || ashaSeat.SeatNumber == nil || ashaSeat.Enrolment == nil ||
			ashaSeat.Enrolment.Status != "ENROLLED" || ashaSeat.Enrolment.Course.Code != "EMP-101" || ashaSeat.WaitlistPosition != nil {
			t.Fatalf("first request = %+v", ashaSeat)
		}
		if devSeat.Status != "CONFIRMED" || devSeat.SeatNumber == nil || *devSeat.SeatNumber == *ashaSeat.SeatNumber {
			t.Fatalf("second request = %+v (first holds seat %d)", devSeat, *ashaSeat.SeatNumber)
		}
		if chitraSeat.Status != "WAITLISTED" || chitraSeat.WaitlistPosition == nil || *chitraSeat.WaitlistPosition != 1 ||
			chitraSeat.SeatNumber != nil || chitraSeat.Enrolment != nil {
			t.Fatalf("third request = %+v", chitraSeat)
		}
		assertError(t, asha.ask(mRequestSeat, map[string]any{"input": map[string]any{"batchId": batchID, "learnerId": f["$asha"]}}),
			graph.CodeConflict, "", "")
		type batchView struct {
			Batch struct {
				SeatsTaken, SeatsFree, WaitlistLength int
				Sessions                              []struct {
					Code     string
					Attended *bool
				}
				MySeatRequest *struct{ Status string }
			}
		}
		view := query[batchView](t, asha, qBatch, map[string]any{"id": batchID}).Batch
		if view.SeatsTaken != 2 || view.SeatsFree != 0 || view.WaitlistLength != 1 || view.MySeatRequest == nil ||
			view.MySeatRequest.Status != "CONFIRMED" || len(view.Sessions) != 3 || view.Sessions[0].Code != "EMP-101-DEL-1-S1" ||
			view.Sessions[2].Code != "EMP-101-DEL-1-S3" {
			t.Fatalf("batch as Asha = %+v", view)
		}
		// The catalogue is public; whose seats are whose is not.
		anonView := query[batchView](t, e.anon.bind(t), qBatch, map[string]any{"id": batchID}).Batch
		if anonView.SeatsTaken != 2 || anonView.MySeatRequest != nil || anonView.Sessions[0].Attended != nil {
			t.Fatalf("batch in public = %+v", anonView)
		}
		assertError(t, e.anon.bind(t).ask(qBatchRequests, map[string]any{"id": batchID}), graph.CodeUnauthenticated, "", "")
		requestsOf := func(c *client) []string {
			var names []string
			for _, e := range query[struct {
				Batch struct {
					Requests struct {
						Edges []struct{ Node seatJSON }
					}
				}
			}](t, c, qBatchRequests, map[string]any{"id": batchID}).Batch.Requests.Edges {
				names = append(names, e.Node.Learner.Name)
			}
			return names
		}
		if got := strings.Join(requestsOf(e.pa.bind(t)), ","); got != "Asha Verma,Devendra Singh,Chitra Iyer" {
			t.Errorf("the platform's view of the requests: %s", got)
		}
		if got := strings.Join(requestsOf(e.doeAdmin.bind(t)), ","); got != "Asha Verma" {
			t.Errorf("DOE's admin sees the requests of %s", got)
		}
		if got := strings.Join(requestsOf(chitra), ","); got != "Chitra Iyer" {
			t.Errorf("Chitra sees the requests of %s", got)
		}
		r := asha.ask(`query($id: ID!) { node(id: $id) { ... on SeatRequest { status } } }`, map[string]any{"id": chitraSeat.ID})
		assertError(t, r, graph.CodeNotFound, "", "")
		assertNoData(t, r)

		// Devendra withdraws: his seat goes to Chitra at once.
		assertError(t, asha.ask(mWithdraw, map[string]any{"input": map[string]any{"requestId": devSeat.ID}}), graph.CodeNotFound, "", "")
		withdrawn := query[struct {
			WithdrawSeatRequest struct{ SeatRequest seatJSON }
		}](t, devendra, mWithdraw,
			map[string]any{"input": map[string]any{"requestId": devSeat.ID}}).WithdrawSeatRequest.SeatRequest
		if withdrawn.Status != "WITHDRAWN" || withdrawn.SeatNumber != nil {
			t.Fatalf("withdrawn = %+v", withdrawn)
		}
		chitraSeat = seatOf(t, chitra, chitraSeat.ID)
		if chitraSeat.Status != "CONFIRMED" || chitraSeat.SeatNumber == nil || chitraSeat.WaitlistPosition != nil ||
			chitraSeat.Enrolment == nil || chitraSeat.Enrolment.Status != "ENROLLED" {
			t.Fatalf("Chitra after the withdrawal = %+v", chitraSeat)
		}
		assertError(t, devendra.ask(mWithdraw, map[string]any{"input": map[string]any{"requestId": devSeat.ID}}), graph.CodeBadUserInput, "", "")

		// Attendance: not before a session begins, only for those with a seat, all or nothing.
		before := snapshot(t, db)
		assertError(t, attend(provider, sessions[2].ID, f["$asha"]), graph.CodeBadUserInput, "input.sessionId", "")
		assertError(t, attend(provider, sessions[0].ID, f["$asha"], f["$devendra"]), graph.CodeBadUserInput, "input.learnerIds[1]", "")
		assertError(t, attend(asha, sessions[0].ID, f["$asha"]), graph.CodeForbidden, "", "")
		assertError(t, attend(e.doeAdmin.bind(t), sessions[0].ID, f["$asha"]), graph.CodeForbidden, "", "")
		assertUnchanged(t, db, before)

		recorded := query[struct {
			RecordAttendance struct {
				LearnersRecorded int
				Session          struct{ AttendanceCount int }
			}
		}](t, provider, mAttend, map[string]any{"input": map[string]any{"sessionId": sessions[0].ID, "learnerIds": []string{f["$asha"], f["$chitra"]}}})
		if recorded.RecordAttendance.LearnersRecorded != 2 || recorded.RecordAttendance.Session.AttendanceCount != 2 {
			t.Fatalf("attendance at the first session = %+v", recorded)
		}
		if s := sessionOf(t, asha, sessions[0].ID); s.Attended == nil || !*s.Attended || s.AttendanceCount != 2 {
			t.Fatalf("first session as Asha = %+v", s)
		}
		if s := sessionOf(t, asha, sessions[1].ID); s.Attended == nil || *s.Attended {
			t.Fatalf("second session as Asha before attending = %+v", s)
		}
		if s := seatOf(t, asha, ashaSeat.ID); s.Status != "CONFIRMED" || s.Enrolment.Status == "COMPLETED" {
			t.Fatalf("one of three sessions completed the course: %+v", s)
		}

		// The second session makes two of three: the course is complete.
		if r := attend(provider, sessions[1].ID, f["$asha"]); len(r.Errors) > 0 {
			t.Fatalf("attendance at the second session: %s", r.Body)
		}
		if s := seatOf(t, asha, ashaSeat.ID); s.Status != "COMPLETED" || s.Enrolment == nil || s.Enrolment.Status != "COMPLETED" {
			t.Fatalf("after two of three sessions = %+v", s)
		}
		var record struct {
			Learner struct {
				Enrolments struct {
					Edges []struct {
						Node struct {
							Status      string
							Course      struct{ Code string }
							Certificate *struct{ VerificationCode, Verification string }
						}
					}
				}
				Evidence struct {
					Edges []struct {
						Node struct {
							Source       string
							Level        int
							Competency   struct{ Code string }
							Verification string
						}
					}
				}
				SeatRequests struct {
					TotalCount int
					Edges      []struct{ Node struct{ Status string } }
				}
			}
		}
		decode(t, asha.data(`query($id: ID!) { learner(id: $id) {
			enrolments(first: 5) { edges { node { status course { code } certificate { verificationCode verification } } } }
			evidence(first: 5) { edges { node { source level competency { code } verification } } }
			seatRequests { totalCount edges { node { status } } } } }`, map[string]any{"id": f["$asha"]}), &record)
		l := record.Learner
		if len(l.Enrolments.Edges) != 1 || l.Enrolments.Edges[0].Node.Status != "COMPLETED" || l.Enrolments.Edges[0].Node.Course.Code != "EMP-101" ||
			l.Enrolments.Edges[0].Node.Certificate == nil || l.Enrolments.Edges[0].Node.Certificate.VerificationCode == "" ||
			l.Enrolments.Edges[0].Node.Certificate.Verification != "ATTENDANCE" {
			t.Fatalf("Asha's enrolments = %+v", l.Enrolments)
		}
		if len(l.Evidence.Edges) == 0 || l.Evidence.Edges[0].Node.Source != "COURSE_COMPLETION" ||
			l.Evidence.Edges[0].Node.Competency.Code != "EMP" || l.Evidence.Edges[0].Node.Level != 3 ||
			l.Evidence.Edges[0].Node.Verification != "ATTENDANCE" {
			t.Fatalf("Asha's evidence = %+v", l.Evidence)
		}
		if l.SeatRequests.TotalCount != 1 || l.SeatRequests.Edges[0].Node.Status != "COMPLETED" {
			t.Fatalf("Asha's seat requests = %+v", l.SeatRequests)
		}
		// Course.batches lists the batch (not yet ended); the past-included list too.
		assertJSON(t, e.anon.bind(t).data(`query($c: ID!) { course(id: $c) { batches { totalCount edges { node { code } } }
			all: batches(upcoming: false) { totalCount } } }`, map[string]any{"c": f["$emp101"]}),
			`{"course": {"batches": {"totalCount": 1, "edges": [{"node": {"code": "EMP-101-DEL-1"}}]}, "all": {"totalCount": 1}}}`)
		assertJSON(t, e.anon.bind(t).data(`query($c: ID!) { batches(courseId: $c) { totalCount } online: batches(courseId: "`+f["$gfr101"]+`") { totalCount } }`,
			map[string]any{"c": f["$emp101"]}), `{"batches": {"totalCount": 1}, "online": {"totalCount": 0}}`)
	})
}

// TestSeatApprovals: under an approval policy only the admins over the learner's
// organisation decide, never on their own request, and two steps need two people.
func TestSeatApprovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f, pa, asha, doe := e.f, e.pa.bind(t), e.asha.bind(t), e.doeAdmin.bind(t)
		oneStep := createBatch(t, pa, map[string]any{"code": "GFR-201-B1", "courseId": f["$gfr201"], "name": "Chennai",
			"link": "https://meet.example.gov.in/gfr201", "startsAt": soon(day), "endsAt": soon(10 * day), "seats": 1,
			"policy": "ONE_STEP_APPROVAL"})["id"].(string)
		twoStep := createBatch(t, pa, map[string]any{"code": "EMP-101-B2", "courseId": f["$emp101"], "name": "Mumbai",
			"venue": "Mumbai", "startsAt": soon(day), "endsAt": soon(10 * day), "seats": 5, "policy": "TWO_STEP_APPROVAL"})["id"].(string)

		pending := requestSeat(t, asha, oneStep, f["$asha"])
		if pending.Status != "PENDING_APPROVAL" || pending.Approvals != 0 || pending.ApprovalsNeeded != 1 || pending.Enrolment != nil ||
			pending.SeatNumber != nil || len(pending.Decisions) != 0 {
			t.Fatalf("a request under ONE_STEP_APPROVAL = %+v", pending)
		}
		decide := map[string]any{"input": map[string]any{"requestId": pending.ID, "approve": true}}

		// Nobody outside her organisation decides, and nothing changes when they try.
		before := snapshot(t, db)
		assertError(t, e.mohfwAdmin.bind(t).ask(mDecideSeat, decide), graph.CodeForbidden, "", "approval by someone outside the learner's organisation")
		assertError(t, asha.ask(mDecideSeat, decide), graph.CodeForbidden, "", "")
		assertError(t, e.provider.bind(t).ask(mDecideSeat, decide), graph.CodeForbidden, "", "")
		assertError(t, e.anon.bind(t).ask(mDecideSeat, decide), graph.CodeUnauthenticated, "", "")
		assertError(t, doe.ask(mDecideSeat, map[string]any{"input": map[string]any{"requestId": pending.ID, "approve": true,
			"comment": strings.Repeat("x", 2001)}}), graph.CodeBadUserInput, "input.comment", "")
		assertUnchanged(t, db, before)
		if s := seatOf(t, asha, pending.ID); s.Status != "PENDING_APPROVAL" || len(s.Decisions) != 0 {
			t.Fatalf("after refused decisions = %+v", s)
		}

		// Her department's admin approves: the seat is hers.
		approved := decideSeat(t, doe, pending.ID, true, "Approved for the procurement cell")
		if approved.Status != "CONFIRMED" || approved.Approvals != 1 || approved.SeatNumber == nil || approved.Enrolment == nil ||
			len(approved.Decisions) != 1 || approved.Decisions[0].Step != 1 || !approved.Decisions[0].Approved ||
			approved.Decisions[0].Comment != "Approved for the procurement cell" || approved.Decisions[0].ApproverID == "" {
			t.Fatalf("approved = %+v", approved)
		}
		assertError(t, doe.ask(mDecideSeat, decide), graph.CodeBadUserInput, "", "")

		// A full batch: an approved request waits for a seat.
		devendra := e.learnerClient(t, "$devendra", "$mof")
		devRequest := requestSeat(t, devendra, oneStep, f["$devendra"])
		assertError(t, doe.ask(mDecideSeat, map[string]any{"input": map[string]any{"requestId": devRequest.ID, "approve": true}}),
			graph.CodeForbidden, "", "approval by someone outside the learner's organisation") // DOE is below MOF, not over it
		if s := decideSeat(t, pa, devRequest.ID, true, ""); s.Status != "WAITLISTED" || s.WaitlistPosition == nil || *s.WaitlistPosition != 1 {
			t.Fatalf("approved into a full batch = %+v", s)
		}

		// Two steps need two different admins over her.
		two := requestSeat(t, asha, twoStep, f["$asha"])
		if two.ApprovalsNeeded != 2 {
			t.Fatalf("a request under TWO_STEP_APPROVAL = %+v", two)
		}
		if s := decideSeat(t, doe, two.ID, true, "first"); s.Status != "PENDING_APPROVAL" || s.Approvals != 1 {
			t.Fatalf("after the first step = %+v", s)
		}
		assertError(t, doe.ask(mDecideSeat, map[string]any{"input": map[string]any{"requestId": two.ID, "approve": true}}), graph.CodeForbidden, "", "")
		final := decideSeat(t, pa, two.ID, true, "second")
		if final.Status != "CONFIRMED" || final.Approvals != 2 || len(final.Decisions) != 2 || final.Decisions[1].Step != 2 ||
			final.Decisions[0].ApproverID == final.Decisions[1].ApproverID {
			t.Fatalf("after the second step = %+v", final)
		}

		// An admin does not decide their own request; a refusal ends it.
		bhaskar := requestSeat(t, pa, twoStep, f["$bhaskar"])
		assertError(t, doe.ask(mDecideSeat, map[string]any{"input": map[string]any{"requestId": bhaskar.ID, "approve": true}}),
			graph.CodeForbidden, "", "nobody decides their own seat request")
		if s := decideSeat(t, pa, bhaskar.ID, false, "Not this quarter"); s.Status != "REJECTED" || s.Enrolment != nil ||
			len(s.Decisions) != 1 || s.Decisions[0].Approved {
			t.Fatalf("refused = %+v", s)
		}
	})
}

// TestLearningEvents: an organisation hosts an event; a full session puts the next
// registration on the waiting list; attendance is evidence on the learner's record;
// participation is for the admins over the organisation counted.
func TestLearningEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f, asha, doe, mohfw := e.f, e.asha.bind(t), e.doeAdmin.bind(t), e.mohfwAdmin.bind(t)
		eventInput := map[string]any{"code": "SAPTAH-DOE", "name": "Karmayogi Saptah, Department of Expenditure",
			"organisationId": f["$doe"], "startsAt": soon(-time.Hour), "endsAt": soon(2 * day)}

		before := snapshot(t, db)
		assertError(t, mohfw.ask(mCreateEvent, map[string]any{"input": eventInput}), graph.CodeForbidden, "", "")
		assertError(t, asha.ask(mCreateEvent, map[string]any{"input": eventInput}), graph.CodeForbidden, "", "")
		national := map[string]any{"code": "SAPTAH", "name": "Karmayogi Saptah", "startsAt": soon(-time.Hour), "endsAt": soon(2 * day)}
		assertError(t, doe.ask(mCreateEvent, map[string]any{"input": national}), graph.CodeForbidden, "", "")
		assertUnchanged(t, db, before)

		var created struct {
			CreateLearningEvent struct {
				Event struct {
					ID, Code, Description string
					Host                  *struct{ Code string }
				}
			}
		}
		decode(t, doe.data(mCreateEvent, map[string]any{"input": eventInput}), &created)
		event := created.CreateLearningEvent.Event
		if event.Host == nil || event.Host.Code != "DOE" || event.Description != "" {
			t.Fatalf("event = %+v", event)
		}
		sessionInput := map[string]any{"code": "SAPTAH-DOE-1", "eventId": event.ID, "title": "Listening to citizens", "kind": "WORKSHOP",
			"venue": "North Block", "startsAt": soon(-30 * time.Minute), "endsAt": soon(2 * time.Hour), "capacity": 1,
			"competencies": []map[string]any{{"competencyId": f["$emp"], "level": 2}}}
		assertError(t, mohfw.ask(mCreateSession, map[string]any{"input": sessionInput}), graph.CodeForbidden, "", "")
		assertError(t, e.provider.bind(t).ask(mCreateSession, map[string]any{"input": sessionInput}), graph.CodeForbidden, "", "")
		unknown := map[string]any{}
		for k, v := range sessionInput {
			unknown[k] = v
		}
		unknown["eventId"] = b64("LearningEvent:999999")
		assertError(t, doe.ask(mCreateSession, map[string]any{"input": unknown}), graph.CodeBadUserInput, "input.eventId", "")
		session := createSession(t, doe, sessionInput)
		if session.Kind != "WORKSHOP" || session.Capacity == nil || *session.Capacity != 1 || session.PlacesLeft == nil || *session.PlacesLeft != 1 ||
			session.Event == nil || session.Event.Code != "SAPTAH-DOE" || session.Batch != nil || len(session.Competencies) != 1 ||
			session.Competencies[0].Competency.Code != "EMP" || session.Competencies[0].Level != 2 {
			t.Fatalf("event session = %+v", session)
		}

		// The event is public, with its sessions.
		assertJSON(t, e.anon.bind(t).data(`{ learningEvents(first: 5) { totalCount edges { node { code host { code }
			sessions { code attended myRegistration { status } } } } } }`, nil),
			`{"learningEvents": {"totalCount": 1, "edges": [{"node": {"code": "SAPTAH-DOE", "host": {"code": "DOE"},
			"sessions": [{"code": "SAPTAH-DOE-1", "attended": null, "myRegistration": null}]}}]}}`)

		// One place: the second registration waits, and is not an error.
		register := func(c *client, learner string) response {
			return c.ask(mRegisterSession, map[string]any{"input": map[string]any{"sessionId": session.ID, "learnerId": learner}})
		}
		assertJSON(t, register(asha, f["$asha"]).Data, `{"registerForSession": {"registration": {"status": "REGISTERED",
			"learner": {"name": "Asha Verma"}, "session": {"code": "SAPTAH-DOE-1"}}}}`)
		r := register(doe, f["$bhaskar"])
		if len(r.Errors) > 0 || !strings.Contains(r.Body, `"status":"WAITLISTED"`) {
			t.Fatalf("registration past capacity: %s", r.Body)
		}
		assertError(t, register(asha, f["$bhaskar"]), graph.CodeNotFound, "", "")
		if s := sessionOf(t, asha, session.ID); s.PlacesLeft == nil || *s.PlacesLeft != 0 || s.RegistrationCount != 1 || s.WaitlistLength != 1 ||
			s.MyRegistration == nil || s.MyRegistration.Status != "REGISTERED" {
			t.Fatalf("full session as Asha = %+v", s)
		}

		// She cancels: Bhaskar moves up by himself.
		assertJSON(t, asha.data(mCancel, map[string]any{"input": map[string]any{"sessionId": session.ID, "learnerId": f["$asha"]}}),
			`{"cancelRegistration": {"registration": {"status": "CANCELLED"}}}`)
		if s := sessionOf(t, doe, session.ID); s.MyRegistration == nil || s.MyRegistration.Status != "REGISTERED" || s.WaitlistLength != 0 {
			t.Fatalf("Bhaskar after Asha cancelled = %+v", s)
		}

		// She walks in anyway: attendance is EVENT_ATTENDANCE evidence of the session's competency.
		before = snapshot(t, db)
		assertError(t, attend(doe, session.ID, f["$chitra"]), graph.CodeBadUserInput, "input.learnerIds[0]", "")
		assertError(t, attend(mohfw, session.ID, f["$chitra"]), graph.CodeForbidden, "", "")
		assertError(t, attend(e.provider.bind(t), session.ID, f["$asha"]), graph.CodeForbidden, "", "")
		assertUnchanged(t, db, before)
		if r := attend(doe, session.ID, f["$asha"]); len(r.Errors) > 0 || !strings.Contains(r.Body, `"learnersRecorded":1`) {
			t.Fatalf("attendance: %s", r.Body)
		}
		if s := sessionOf(t, asha, session.ID); s.Attended == nil || !*s.Attended || s.AttendanceCount != 1 {
			t.Fatalf("session as Asha after attending = %+v", s)
		}
		if ev := evidenceOf(t, asha, f["$asha"], 5); len(ev) != 1 || ev[0].Source != "EVENT_ATTENDANCE" ||
			ev[0].Competency.Code != "EMP" || ev[0].Level != 2 {
			t.Fatalf("Asha's evidence after the event = %+v", ev)
		}
		// Clients read EVENT_ATTENDANCE; they cannot record it.
		assertError(t, e.pa.bind(t).ask(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"],
			"source": "EVENT_ATTENDANCE", "level": 5}}), graph.CodeBadUserInput, "input.source", "")

		// Participation: for the admins over the organisation counted.
		qPart := `query($e: ID!, $o: ID!) { learningEvent(id: $e) { participation(organisationId: $o) {
			organisation { code } learners sessions { registered waitlisted attended session { code } } } } }`
		assertJSON(t, doe.data(qPart, map[string]any{"e": event.ID, "o": f["$doe"]}), `{"learningEvent": {"participation": {
			"organisation": {"code": "DOE"}, "learners": 1,
			"sessions": [{"registered": 1, "waitlisted": 0, "attended": 1, "session": {"code": "SAPTAH-DOE-1"}}]}}}`)
		assertJSON(t, e.pa.bind(t).data(qPart, map[string]any{"e": event.ID, "o": f["$mohfw"]}), `{"learningEvent": {"participation": {
			"organisation": {"code": "MOHFW"}, "learners": 0,
			"sessions": [{"registered": 0, "waitlisted": 0, "attended": 0, "session": {"code": "SAPTAH-DOE-1"}}]}}}`)
		assertError(t, mohfw.ask(qPart, map[string]any{"e": event.ID, "o": f["$doe"]}), graph.CodeForbidden, "", "")
		assertError(t, doe.ask(qPart, map[string]any{"e": event.ID, "o": f["$mohfw"]}), graph.CodeForbidden, "", "")
		assertError(t, asha.ask(qPart, map[string]any{"e": event.ID, "o": f["$dgacr"]}), graph.CodeForbidden, "", "")
		assertError(t, e.anon.bind(t).ask(qPart, map[string]any{"e": event.ID, "o": f["$doe"]}), graph.CodeUnauthenticated, "", "")
	})
}

// TestBlendedNoNPlusOne: the statements a page of batches (with their sessions,
// seats and the caller's own rows) and a learner's seat requests (with their
// batches, decisions and queue positions) cost do not grow with the page.
func TestBlendedNoNPlusOne(t *testing.T) {
	const qBatches = `{ batches(first: 50) { edges { node { code seatsTaken seatsFree waitlistLength pendingApprovals approvalsNeeded
		course { code competencies { competency { name } } }
		sessions { code attended placesLeft registrationCount batch { code } event { code } competencies { level } }
		mySeatRequest { status waitlistPosition } } } } }`
	const qRequests = `query($id: ID!) { learner(id: $id) { seatRequests(first: 50) { edges { node { status approvalsNeeded waitlistPosition
		decisions { step approved } enrolment { status } batch { code seatsTaken course { code } } } } } } }`
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			statements := func(batches int) (int, int) {
				db := storetest.Open(t, engine)
				e := newAttackEnv(t, db)
				f, pa := e.f, e.pa.bind(t)
				courses := []string{f["$emp101"], f["$gfr201"]}
				var seats []string
				for i := range batches {
					id := createBatch(t, pa, map[string]any{"code": fmt.Sprintf("N1-%d", i), "courseId": courses[i%2], "name": "n",
						"venue": "v", "startsAt": soon(day), "endsAt": soon(9 * day), "seats": 1, "policy": "ONE_STEP_APPROVAL"})["id"].(string)
					for s := range 2 {
						createSession(t, pa, map[string]any{"code": fmt.Sprintf("N1-%d-%d", i, s), "batchId": id, "title": "t",
							"startsAt": soon(day + time.Duration(s)*time.Hour), "endsAt": soon(day + time.Duration(s+1)*time.Hour)})
					}
					seats = append(seats, requestSeat(t, e.asha.bind(t), id, f["$asha"]).ID)
				}
				// Seated in one batch of each course, refused in two more, the rest pending.
				for i, seat := range seats[:4] {
					decideSeat(t, e.doeAdmin.bind(t), seat, i < 2, "")
				}
				// A platform admin who is also a learner: the my* fields load too.
				c := e.pa.as(models.Caller{Role: models.RolePlatformAdmin, LearnerID: dbID(t, f["$asha"])}).bind(t)
				before := db.QueryCount()
				c.data(qBatches, nil)
				list := int(db.QueryCount() - before)
				before = db.QueryCount()
				c.data(qRequests, map[string]any{"id": f["$asha"]})
				return list, int(db.QueryCount() - before)
			}
			list4, req4 := statements(4)
			list8, req8 := statements(8)
			t.Logf("batches: %d statements for 4, %d for 8; seat requests: %d for 4, %d for 8", list4, list8, req4, req8)
			if list8 > list4+1 || req8 > req4+1 { // +1: a loader's batch window may split once under load
				t.Errorf("statements grow with the page: batches %d -> %d, seat requests %d -> %d", list4, list8, req4, req8)
			}
		})
	}
}
