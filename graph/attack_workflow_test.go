package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/ratelimit"
	"github.com/openkarmayogi/karmayogi/internal/store/bulk"
	"github.com/openkarmayogi/karmayogi/models"
)

// The attacks of the second hardening round on workflows that need someone else's
// word (issue 13): completions that certify themselves, codes requested to lock an
// owner out, employee codes probed through registration, registrations that choose
// their own roles, tokens that cannot be revoked, and plans that cannot change
// status. They run after the other attacks, on the same fixture (attackEnv).
func init() {
	attacks = append(attacks, workflowAttacks...)
	snapshotTables = append(snapshotTables, "token_revocations")
}

// Queries the workflow attacks use.
const (
	wfProgress = `mutation($i: UpdateProgressInput!) { updateProgress(input: $i) {
		enrolment { status progress certificate { verification verificationCode } } } }`
	wfAssess  = `mutation($i: TakeAssessmentInput!) { takeAssessment(input: $i) { attempt { passed } } }`
	wfEnrol   = `mutation($i: EnrolInput!) { enrol(input: $i) { enrolment { id } } }`
	wfConfirm = `mutation($id: ID!) { confirmCompletion(input: {enrolmentId: $id}) {
		enrolmentId course { code } completedAt verification } }`
	wfVerify    = `query($c: String!) { verifyCertificate(code: $c) { learnerName course { code } verification } }`
	wfRegister  = `mutation($i: RegisterLearnerInput!) { registerLearner(input: $i) { learner { id name status employeeCode } } }`
	wfApprove   = `mutation($i: ApproveRegistrationInput!) { approveRegistration(input: $i) { learner { status employeeCode roles { code } } } }`
	wfRevoke    = `mutation($id: ID!) { revokeTokens(input: {learnerId: $id}) { notBefore learner { id } } }`
	wfSignOut   = `mutation { signOut { notBefore } }`
	wfPlanMove  = `mutation($id: ID!, $s: PlanStatus!) { updatePlan(input: {id: $id, status: $s}) { plan { status } } }`
	wfAssigned  = `query($id: ID!) { learner(id: $id) { assignedCourses { plan { id } } } }`
	wfPlanState = `query($id: ID!) { node(id: $id) { ... on Plan { status progress { assigned } } } }`
)

// Tables a learner's learning writes besides certificates: enrolments and their
// counts, evidence and what it changes, assessments, karma, the audit log.
var learningTables = []string{"learners", "enrolments", "courses", "evidence", "proficiencies", "learner_gaps", "gap_rollups",
	"assessment_attempts", "karma_ledger", "karma_totals", "audit_entries"}

// withCertificates is learningTables and certificates.
var withCertificates = append(append([]string{}, learningTables...), "certificates")

// registrationTables are what registering and approving learners write.
var registrationTables = []string{"learners", "learner_roles", "learner_gaps", "gap_rollups", "audit_entries"}

var workflowAttacks = []attack{
	// Verified completion: a learner's word completes only what allows it.
	{name: "Completion/FailedFinalAssessmentIssuesNoCertificate", changes: learningTables, run: func(t *testing.T, e *attackEnv) {
		asha, enrolment := e.asha.bind(t), e.f["$ashaEnrolment"] // GFR-101, pass mark 0.7
		if r := e.provider.bind(t).ask(wfAssess, map[string]any{"i": map[string]any{"enrolmentId": enrolment, "score": 0.5}}); !strings.Contains(r.Body, `"passed":false`) {
			t.Fatalf("a failed attempt: %s", r.Body)
		}
		// Her progress reaches 1, from her and from her admin: the course waits for a pass.
		for _, c := range []*client{asha, e.doeAdmin.bind(t)} {
			r := c.ask(wfProgress, map[string]any{"i": map[string]any{"enrolmentId": enrolment, "progress": 1}})
			assertJSON(t, r.Data, `{"updateProgress": {"enrolment": {"status": "IN_PROGRESS", "progress": 1, "certificate": null}}}`)
		}
	}},
	{name: "Completion/PassedFinalAssessmentCompletesVerified", changes: withCertificates, run: func(t *testing.T, e *attackEnv) {
		// The control: the pass completes the course she finished, verified ASSESSMENT.
		asha := e.asha.bind(t)
		e.provider.bind(t).data(wfAssess, map[string]any{"i": map[string]any{"enrolmentId": e.f["$ashaEnrolment"], "score": 0.9}})
		var got struct {
			Node struct {
				Status      string
				Certificate struct{ Verification, VerificationCode string }
			}
		}
		decode(t, asha.data(`query($id: ID!) { node(id: $id) { ... on Enrolment { status certificate { verification verificationCode } } } }`,
			map[string]any{"id": e.f["$ashaEnrolment"]}), &got)
		if got.Node.Status != "COMPLETED" || got.Node.Certificate.Verification != "ASSESSMENT" {
			t.Fatalf("after the pass: %+v", got.Node)
		}
		r := e.anon.bind(t).ask(wfVerify, map[string]any{"c": got.Node.Certificate.VerificationCode})
		if !strings.Contains(r.Body, `"verification":"ASSESSMENT"`) || !strings.Contains(r.Body, `"code":"GFR-101"`) {
			t.Fatalf("verifyCertificate: %s", r.Body)
		}
		assertAbsent(t, r.Body, people["asha"][1], people["asha"][2])
	}},
	{name: "Completion/ProviderVerifiedCourseIgnoresLearnersAndAdmins", changes: append([]string{"course_competencies", "counters"}, learningTables...),
		run: func(t *testing.T, e *attackEnv) {
			var course struct {
				CreateCourse struct{ Course struct{ ID string } }
			}
			decode(t, e.provider.bind(t).data(`mutation($c: ID!) { createCourse(input: {code: "PV-101", title: "Provider-verified ethics",
				description: "d", provider: "ISTM", format: ONLINE, durationHours: 2, providerVerified: true,
				competencies: [{competencyId: $c, fromLevel: 0, toLevel: 2}]}) { course { id providerVerified } } }`,
				map[string]any{"c": e.f["$emp"]}), &course)
			e.f["$pv101"] = course.CreateCourse.Course.ID
			var en struct {
				Enrol struct{ Enrolment struct{ ID string } }
			}
			decode(t, e.asha.bind(t).data(wfEnrol, map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "courseId": e.f["$pv101"]}}), &en)
			e.f["$ashaPV"] = en.Enrol.Enrolment.ID
			for _, c := range []*client{e.asha, e.doeAdmin, e.pa} {
				r := c.bind(t).ask(wfProgress, map[string]any{"i": map[string]any{"enrolmentId": e.f["$ashaPV"], "progress": 1}})
				assertJSON(t, r.Data, `{"updateProgress": {"enrolment": {"status": "IN_PROGRESS", "progress": 1, "certificate": null}}}`)
			}
			// Only a provider's integration confirms; the learner and her admin may not.
			for _, c := range []*client{e.asha, e.doeAdmin} {
				assertAllCodes(t, c.bind(t).ask(wfConfirm, map[string]any{"id": e.f["$ashaPV"]}), graph.CodeForbidden)
			}
			assertAllCodes(t, e.anon.bind(t).ask(wfConfirm, map[string]any{"id": e.f["$ashaPV"]}), graph.CodeUnauthenticated)
			assertAllCodes(t, e.asha.bind(t).ask(`mutation($id: ID!) { updateCourse(input: {id: $id, providerVerified: false}) { course { id } } }`,
				map[string]any{"id": e.f["$pv101"]}), graph.CodeForbidden)
			p := e.provider.bind(t)
			assertError(t, p.ask(wfConfirm, map[string]any{"id": "not-an-id"}), graph.CodeBadUserInput, "input.enrolmentId", "")
			assertAllCodes(t, p.ask(wfConfirm, map[string]any{"id": b64("Enrolment:999999")}), graph.CodeNotFound)
		}},
	{name: "Completion/ProviderConfirmationCertifies", changes: withCertificates, run: func(t *testing.T, e *attackEnv) {
		r := e.provider.bind(t).ask(wfConfirm, map[string]any{"id": e.f["$ashaPV"]})
		if len(r.Errors) > 0 || !strings.Contains(r.Body, `"verification":"PROVIDER"`) || !strings.Contains(r.Body, `"code":"PV-101"`) {
			t.Fatalf("confirmCompletion: %s", r.Body)
		}
		assertAbsent(t, r.Body, pii("asha")...) // a provider does not see learners
		r = e.asha.bind(t).ask(`query($id: ID!) { learner(id: $id) { certificates(first: 10) { edges { node { course { code } verification } } } } }`,
			map[string]any{"id": e.f["$asha"]})
		if !strings.Contains(r.Body, `{"course":{"code":"PV-101"},"verification":"PROVIDER"}`) {
			t.Fatalf("her certificates: %s", r.Body)
		}
	}},
	{name: "Completion/SelfReportedIsMarked", changes: withCertificates, run: func(t *testing.T, e *attackEnv) {
		// A course without a final assessment or provider verification: her word stands,
		// marked SELF_REPORTED on the certificate, its public check and its evidence.
		asha := e.asha.bind(t)
		var en struct {
			Enrol struct{ Enrolment struct{ ID string } }
		}
		decode(t, asha.data(wfEnrol, map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "courseId": e.f["$emp101"]}}), &en)
		var done struct {
			UpdateProgress struct {
				Enrolment struct {
					Status      string
					Certificate struct{ Verification, VerificationCode string }
				}
			}
		}
		decode(t, asha.data(wfProgress, map[string]any{"i": map[string]any{"enrolmentId": en.Enrol.Enrolment.ID, "progress": 1}}), &done)
		if c := done.UpdateProgress.Enrolment; c.Status != "COMPLETED" || c.Certificate.Verification != "SELF_REPORTED" {
			t.Fatalf("a self-reported completion: %+v", c)
		}
		r := e.anon.bind(t).ask(wfVerify, map[string]any{"c": done.UpdateProgress.Enrolment.Certificate.VerificationCode})
		if !strings.Contains(r.Body, `"verification":"SELF_REPORTED"`) {
			t.Fatalf("verifyCertificate: %s", r.Body)
		}
		r = asha.ask(`query($id: ID!) { learner(id: $id) { evidence(first: 20) { edges { node { source level verification competency { code } } } } } }`,
			map[string]any{"id": e.f["$asha"]})
		for _, want := range []string{
			`{"source":"COURSE_COMPLETION","level":3,"verification":"SELF_REPORTED","competency":{"code":"EMP"}}`, // EMP-101
			`{"source":"COURSE_COMPLETION","level":2,"verification":"PROVIDER","competency":{"code":"EMP"}}`,      // PV-101
			`{"source":"ASSESSMENT","level":2,"verification":null,"competency":{"code":"PROC"}}`,                  // GFR-101's assessment
		} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("her evidence has no %s: %s", want, r.Body)
			}
		}
	}},

	// Sign-in codes requested to lock their owner out.
	{name: "OTP/OthersCannotReplaceTheOwnersCode", run: func(t *testing.T, e *attackEnv) {
		const email = "asha.verma@gov.in"
		e.db.DeleteOTP(context.Background(), email) // an earlier attack's code
		c := serveWith(t, e.db, graph.Options{Introspection: true}, ratelimit.New(5, 10*time.Minute, 5), unlimited{}).anonymous().bind(t)
		request := `mutation($e: String!) { requestOtp(input: {email: $e}) { expiresAt } }`
		first := c.ask(request, map[string]any{"e": email})
		code := c.mail.code(email)
		for range 10 { // someone else, asking for her address again and again
			r := c.ask(request, map[string]any{"e": email})
			if len(r.Errors) > 0 || string(r.Data) != string(first.Data) {
				t.Fatalf("another request for her address: %s, the first answered %s", r.Body, first.Data)
			}
		}
		if c.mail.code(email) != code {
			t.Fatal("a new code was sent")
		}
		r := c.ask(`mutation($c: String!) { verifyOtp(input: {email: "asha.verma@gov.in", code: $c}) { learner { id } } }`, map[string]any{"c": code})
		if len(r.Errors) > 0 || !strings.Contains(r.Body, e.f["$asha"]) {
			t.Fatalf("her own code after the flood: %s", r.Body)
		}
	}},
	{name: "OTP/OwnersSignInResetsTheCount", run: func(t *testing.T, e *attackEnv) {
		const email = "bhaskar.rao@gov.in"
		e.db.DeleteOTP(context.Background(), email)
		c := serveWith(t, e.db, graph.Options{Introspection: true}, ratelimit.New(2, time.Hour, 2), unlimited{}).anonymous().bind(t)
		// Two codes an hour per address; signing in starts the count again, so the owner
		// who signs in each time is never limited.
		for i := range 4 {
			code := signInCode(t, c, email)
			r := c.ask(`mutation($c: String!) { verifyOtp(input: {email: "bhaskar.rao@gov.in", code: $c}) { token } }`, map[string]any{"c": code})
			if len(r.Errors) > 0 {
				t.Fatalf("sign-in %d: %s", i+1, r.Body)
			}
		}
	}},

	// Registration: a request, which reveals nothing and chooses nothing.
	{name: "Registration/EmployeeCodeInUseIsNotRevealed", changes: registrationTables, run: func(t *testing.T, e *attackEnv) {
		register := func(email, code string) (string, string) {
			reg := e.pa.as(models.Caller{Role: models.RoleLearner, Email: email, Registration: true}).bind(t)
			r := reg.ask(wfRegister, map[string]any{"i": map[string]any{"employeeCode": code, "name": "Probe", "email": email,
				"designation": "Clerk", "organisationId": e.f["$dgacr"]}})
			var d struct {
				RegisterLearner struct {
					Learner struct{ ID, Status, EmployeeCode string }
				}
			}
			decode(t, r.Data, &d)
			l := d.RegisterLearner.Learner
			if len(r.Errors) > 0 || l.Status != "PENDING" || l.EmployeeCode != code {
				t.Fatalf("registering %s as %s: %s", email, code, r.Body)
			}
			// The same answer but for the ID and the code echoed.
			return l.ID, strings.NewReplacer(l.ID, "ID", code, "CODE", email, "EMAIL").Replace(r.Body)
		}
		var taken, free string
		e.f["$probeTaken"], taken = register("probe.taken@gov.in", "E001") // Asha's code
		e.f["$probeFree"], free = register("probe.free@gov.in", "E777")
		if taken != free {
			t.Errorf("a code in use answers %s, a free one %s", taken, free)
		}
	}},
	{name: "Registration/RequestChoosesNoRoles", run: func(t *testing.T, e *attackEnv) {
		reg := e.pa.as(models.Caller{Role: models.RoleLearner, Email: "climber@gov.in", Registration: true}).bind(t)
		r := reg.ask(wfRegister, map[string]any{"i": map[string]any{"employeeCode": "E780", "name": "Climber", "email": "climber@gov.in",
			"designation": "Clerk", "organisationId": e.f["$mof"], "roleIds": []string{e.f["$ds"]}}})
		assertError(t, r, graph.CodeForbidden, "input.roleIds", "")
		assertNoData(t, r)
	}},
	{name: "Registration/PendingSeesOnlyTheirRequest", run: func(t *testing.T, e *attackEnv) {
		// Signed in by a code, as a pending learner would be.
		code := signInCode(t, e.pa, "probe.taken@gov.in")
		var v struct {
			VerifyOtp struct {
				Token   string
				Learner struct{ Status string }
			}
		}
		decode(t, e.anon.bind(t).data(`mutation($c: String!) { verifyOtp(input: {email: "probe.taken@gov.in", code: $c}) {
			token learner { status } } }`, map[string]any{"c": code}), &v)
		p := e.anon.bind(t)
		p.token = v.VerifyOtp.Token
		if v.VerifyOtp.Learner.Status != "PENDING" {
			t.Fatalf("verifyOtp's learner: %+v", v.VerifyOtp.Learner)
		}
		r := p.ask(`{ viewer { name status employeeCode } }`, nil)
		assertJSON(t, r.Data, `{"viewer": {"name": "Probe", "status": "PENDING", "employeeCode": "E001"}}`)
		for _, q := range []struct {
			query string
			vars  map[string]any
		}{
			{qLearners, nil},
			{`query($id: ID!) { recommendations(learnerId: $id) { items { rank } } }`, map[string]any{"id": e.f["$probeTaken"]}},
			{`query($id: ID!) { learnerLeaderboard(organisationId: $id) { name } }`, map[string]any{"id": e.f["$dgacr"]}},
		} {
			r := p.ask(q.query, q.vars)
			assertAllCodes(t, r, graph.CodeForbidden)
			assertAbsent(t, r.Body, pii("asha", "bhaskar")...)
		}
		assertAllCodes(t, p.ask(wfEnrol, map[string]any{"i": map[string]any{"learnerId": e.f["$probeTaken"], "courseId": e.f["$gfr101"]}}),
			graph.CodeForbidden)
		assertAllCodes(t, p.ask(qOrgPeople, map[string]any{"id": e.f["$dgacr"]}), graph.CodeUnauthenticated)
		assertAllCodes(t, p.ask(qLearner, map[string]any{"id": e.f["$asha"]}), graph.CodeNotFound)
		if r := p.ask(`{ courses(first: 1) { totalCount } }`, nil); len(r.Errors) > 0 {
			t.Errorf("the public catalogue: %s", r.Body)
		}
	}},
	{name: "Registration/ApprovalIsTheOrganisationsAdmins", changes: registrationTables, run: func(t *testing.T, e *attackEnv) {
		in := func(code string, roles ...string) map[string]any {
			i := map[string]any{"learnerId": e.f["$probeTaken"], "roleIds": roles}
			if code != "" {
				i["employeeCode"] = code
			}
			return map[string]any{"i": i}
		}
		for _, c := range []*client{e.asha, e.mohfwAdmin, e.provider} { // none of them may see the request
			assertAllCodes(t, c.bind(t).ask(wfApprove, in("")), graph.CodeNotFound)
		}
		pending := e.pa.as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f["$probeTaken"]),
			OrganisationID: dbID(t, e.f["$dgacr"]), Pending: true}).bind(t)
		assertAllCodes(t, pending.ask(wfApprove, in("")), graph.CodeForbidden)
		admin := e.doeAdmin.bind(t)
		// The code asked for is Asha's: her admin scope may learn that, and the request waits.
		assertError(t, admin.ask(wfApprove, in("")), graph.CodeConflict, "input.employeeCode", "")
		assertError(t, admin.ask(wfApprove, in("not a code!")), graph.CodeBadUserInput, "input.employeeCode", "")
		r := admin.ask(wfApprove, in("E778", e.f["$so"]))
		assertJSON(t, r.Data, `{"approveRegistration": {"learner": {"status": "ACTIVE", "employeeCode": "E778", "roles": [{"code": "SO"}]}}}`)
		assertError(t, admin.ask(wfApprove, in("")), graph.CodeBadUserInput, "input.learnerId", "")
		// The pending token stays pending; a new sign-in is a learner's.
		assertAllCodes(t, pending.ask(qLearners, nil), graph.CodeForbidden)
		fresh := e.pa.as(models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f["$probeTaken"]), OrganisationID: dbID(t, e.f["$dgacr"])}).bind(t)
		if names := learnerNames(t, fresh.ask(qLearners, nil), "learners"); len(names) != 1 || names[0] != "Probe" {
			t.Errorf("the approved learner's learners = %v", names)
		}
	}},
	{name: "Registration/HRImportConfirmsTheRequest", changes: registrationTables, run: func(t *testing.T, e *attackEnv) {
		rejected, err := bulk.New(e.db).UpsertLearners(context.Background(), []models.LearnerRecord{{EmployeeCode: "E779", Name: "Probe Free",
			Email: "probe.free@gov.in", Designation: "Clerk", OrganisationCode: "DGACR"}})
		if err != nil || len(rejected) > 0 {
			t.Fatalf("import: %v %v", rejected, err)
		}
		r := e.pa.bind(t).ask(`query($id: ID!) { learner(id: $id) { name status employeeCode } }`, map[string]any{"id": e.f["$probeFree"]})
		assertJSON(t, r.Data, `{"learner": {"name": "Probe Free", "status": "ACTIVE", "employeeCode": "E779"}}`)
	}},

	// Revocation: every earlier token of a subject, on every request.
	{name: "Revocation/SignOutRefusesEveryEarlierToken", changes: []string{"token_revocations", "audit_entries"}, run: func(t *testing.T, e *attackEnv) {
		op := models.Caller{Role: models.RolePlatformAdmin, Subject: "operator:attack-sign-out"}
		a, b := e.pa.as(op).bind(t), e.pa.as(op).bind(t)
		if r := a.ask(wfSignOut, nil); len(r.Errors) > 0 {
			t.Fatal(r.Body)
		}
		for _, c := range []*client{a, b} {
			assertTokenRefused(t, e, c.token)
		}
		if r := e.pa.as(op).bind(t).ask(`{ auditLog(first: 1) { totalCount } }`, nil); len(r.Errors) > 0 {
			t.Fatalf("a token issued after signing out: %s", r.Body)
		}
		assertAllCodes(t, e.anon.bind(t).ask(wfSignOut, nil), graph.CodeUnauthenticated)
	}},
	{name: "Revocation/RevokeTokensIsTheLearnersAdmins", changes: []string{"token_revocations", "audit_entries"}, run: func(t *testing.T, e *attackEnv) {
		for _, tc := range []struct {
			c       *client
			learner string
			code    string
		}{
			{e.asha, "$bhaskar", graph.CodeNotFound},
			{e.asha, "$asha", graph.CodeForbidden}, // she signs out instead
			{e.mohfwAdmin, "$asha", graph.CodeNotFound},
			{e.provider, "$asha", graph.CodeNotFound},
			{e.doeAdmin, "$devendra", graph.CodeNotFound}, // above DOE
			{e.anon, "$asha", graph.CodeUnauthenticated},
		} {
			assertAllCodes(t, tc.c.bind(t).ask(wfRevoke, map[string]any{"id": e.f[tc.learner]}), tc.code)
		}
		probe := models.Caller{Role: models.RoleLearner, LearnerID: dbID(t, e.f["$probeTaken"]), OrganisationID: dbID(t, e.f["$dgacr"])}
		before := e.pa.as(probe).bind(t)
		if r := e.doeAdmin.bind(t).ask(wfRevoke, map[string]any{"id": e.f["$probeTaken"]}); len(r.Errors) > 0 {
			t.Fatal(r.Body)
		}
		assertTokenRefused(t, e, before.token)
		if r := e.pa.as(probe).bind(t).ask(`{ viewer { name } }`, nil); len(r.Errors) > 0 {
			t.Fatalf("a token issued after the revocation: %s", r.Body)
		}
	}},

	// Plans: DRAFT → LIVE → RETIRED, by the admins over the plan's organisation.
	{name: "Plans/StatusMovesForwardOnly", changes: []string{"plans", "plan_courses", "plan_learners", "learners", "audit_entries"},
		run: func(t *testing.T, e *attackEnv) {
			admin := e.doeAdmin.bind(t)
			create := func() string {
				var p struct {
					CreatePlan struct{ Plan struct{ ID string } }
				}
				decode(t, admin.data(`mutation($o: ID!, $c: ID!, $r: ID!, $d: Time!) { createPlan(input: {name: "Procurement drive",
					organisationId: $o, courseIds: [$c], audienceRoleIds: [$r], dueDate: $d}) { plan { id } } }`,
					map[string]any{"o": e.f["$doe"], "c": e.f["$gfr201"], "r": e.f["$so"], "d": soon(30 * day)}), &p)
				return p.CreatePlan.Plan.ID
			}
			plan := create()
			e.f["$draftPlan"] = create() // left DRAFT for the next attack
			assigned := func() bool {
				return strings.Contains(string(e.asha.bind(t).data(wfAssigned, map[string]any{"id": e.f["$asha"]})), plan)
			}
			move := func(status string) response {
				return admin.ask(wfPlanMove, map[string]any{"id": plan, "s": status})
			}
			if assigned() {
				t.Fatal("a DRAFT plan assigns courses")
			}
			assertJSON(t, move("LIVE").Data, `{"updatePlan": {"plan": {"status": "LIVE"}}}`)
			if !assigned() {
				t.Fatal("going LIVE assigned Asha nothing")
			}
			assertError(t, move("DRAFT"), graph.CodeBadUserInput, "input.status", "")
			assertJSON(t, move("RETIRED").Data, `{"updatePlan": {"plan": {"status": "RETIRED"}}}`)
			if assigned() {
				t.Fatal("a RETIRED plan still assigns courses")
			}
			for _, s := range []string{"LIVE", "DRAFT"} {
				assertError(t, move(s), graph.CodeBadUserInput, "input.status", "")
			}
			assertJSON(t, move("RETIRED").Data, `{"updatePlan": {"plan": {"status": "RETIRED"}}}`) // again: nothing to do
			// The history stays: the plan and whom it assigned.
			assertJSON(t, admin.data(wfPlanState, map[string]any{"id": plan}), `{"node": {"status": "RETIRED", "progress": {"assigned": 2}}}`)
		}},
	{name: "Plans/OnlyTheOrganisationsAdminsMoveIt", run: func(t *testing.T, e *attackEnv) {
		vars := map[string]any{"id": e.f["$draftPlan"], "s": "LIVE"}
		for _, tc := range []struct {
			c    *client
			code string
		}{{e.asha, graph.CodeForbidden}, {e.provider, graph.CodeForbidden}, {e.mohfwAdmin, graph.CodeNotFound}, {e.anon, graph.CodeUnauthenticated}} {
			r := tc.c.bind(t).ask(wfPlanMove, vars)
			assertAllCodes(t, r, tc.code)
			assertNoData(t, r)
		}
		assertError(t, e.doeAdmin.bind(t).ask(wfPlanMove, map[string]any{"id": e.f["$asha"], "s": "LIVE"}), graph.CodeBadUserInput, "input.id", "")
		assertError(t, e.doeAdmin.bind(t).ask(wfPlanMove, map[string]any{"id": e.f["$draftPlan"], "s": "SOON"}), "GRAPHQL_VALIDATION_FAILED", "", "")
	}},
	{name: "Plans/GoingLiveAssignsTheAudienceAsItIsNow", changes: []string{"plans", "plan_learners", "learners", "learner_roles",
		"learner_gaps", "gap_rollups", "audit_entries"}, run: func(t *testing.T, e *attackEnv) {
		admin := e.doeAdmin.bind(t)
		state := func() string { return string(admin.data(wfPlanState, map[string]any{"id": e.f["$draftPlan"]})) }
		if s := state(); !strings.Contains(s, `"assigned":2`) { // Asha and the approved probe: DOE's SOs
			t.Fatalf("the draft: %s", s)
		}
		// The imported probe takes the role SO after the draft was made.
		admin.data(mAssign, map[string]any{"input": map[string]any{"learnerId": e.f["$probeFree"], "roleId": e.f["$so"]}})
		admin.data(wfPlanMove, map[string]any{"id": e.f["$draftPlan"], "s": "LIVE"})
		if s := state(); !strings.Contains(s, `"status":"LIVE","progress":{"assigned":3}`) {
			t.Fatalf("gone LIVE: %s", s)
		}
	}},
}

// TestWorkflowAttacksCount keeps this file's share of the suite (issue 13).
func TestWorkflowAttacksCount(t *testing.T) {
	if len(workflowAttacks) < 15 {
		t.Fatalf("%d workflow attacks, want at least 15", len(workflowAttacks))
	}
}
