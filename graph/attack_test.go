package graph_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
	"github.com/openkarmayogi/karmayogi/models"
)

// attack is one case of the black-box attack suite: run tries something a
// hostile or careless client would, and asserts the safe response; afterwards the
// suite asserts that no stored row changed (changes lists tables the case may
// legitimately write, such as the audit log of a refused-then-allowed control).
type attack struct {
	name    string
	run     func(t *testing.T, e *attackEnv)
	changes []string
}

// TestAttackSuite runs every attack against the real handler over HTTP, on each engine.
func TestAttackSuite(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			db := storetest.Open(t, engine)
			e := newAttackEnv(t, db)
			seedBlended(t, e)
			for _, a := range attacks {
				t.Run(a.name, func(t *testing.T) {
					before := snapshot(t, db)
					a.run(t, e)
					assertUnchanged(t, db, before, a.changes...)
				})
			}
		})
	}
}

// Queries the attacks reuse.
const (
	qLearner   = `query($id: ID!) { learner(id: $id) { id name email employeeCode } }`
	qNode      = `query($id: ID!) { node(id: $id) { id ... on Learner { name email employeeCode } ... on AuditEntry { action } } }`
	qLearners  = `{ learners(first: 50) { totalCount edges { node { name email employeeCode } } } }`
	qOrgPeople = `query($id: ID!) { organisation(id: $id) { name learners(first: 50) { totalCount edges { node { name email } } } } }`
	mUpdate    = `mutation($input: UpdateLearnerInput!) { updateLearner(input: $input) { learner { id name } } }`
	mAssign    = `mutation($input: AssignRoleInput!) { assignRole(input: $input) { learner { id } } }`
	mRegister  = `mutation($input: RegisterLearnerInput!) { registerLearner(input: $input) { learner { id } } }`

	mDecide     = `mutation($i: DecideSeatRequestInput!) { decideSeatRequest(input: $i) { seatRequest { id status learner { name } } } }`
	qRequests   = `query($id: ID!) { batch(id: $id) { requests(first: 50) { totalCount edges { node { status learner { name email } } } } } }`
	mSession    = `mutation($i: CreateSessionInput!) { createSession(input: $i) { session { id } } }`
	mAttendance = `mutation($i: RecordAttendanceInput!) { recordAttendance(input: $i) { learnersRecorded } }`
	mRule       = `mutation($i: SetKarmaRuleInput!) { setKarmaRule(input: $i) { rule { points } } }`
)

// learnerNames decodes a learners connection's names.
func learnerNames(t *testing.T, r response, path ...string) []string {
	t.Helper()
	var v any
	decode(t, r.Data, &v)
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	var names []string
	for _, e := range v.(map[string]any)["edges"].([]any) {
		names = append(names, e.(map[string]any)["node"].(map[string]any)["name"].(string))
	}
	return names
}

// repeat joins n copies of s.
func repeat(s string, n int) string { return strings.Repeat(s+" ", n) }

var attacks = []attack{
	// Reading another's data by guessing an ID.
	{name: "IDOR/LearnerReadsAnotherLearner", run: func(t *testing.T, e *attackEnv) {
		for _, other := range []string{"$bhaskar", "$chitra", "$devendra"} {
			r := e.asha.bind(t).ask(qLearner, map[string]any{"id": e.f[other]})
			assertAllCodes(t, r, graph.CodeNotFound)
			assertNoData(t, r)
			assertAbsent(t, r.Body, pii("bhaskar", "chitra", "devendra")...)
		}
	}},
	{name: "IDOR/LearnerListSeesOnlySelf", run: func(t *testing.T, e *attackEnv) {
		r := e.asha.bind(t).ask(qLearners, nil)
		if names := learnerNames(t, r, "learners"); len(names) != 1 || names[0] != "Asha Verma" {
			t.Fatalf("a learner's learners = %v, want only herself", names)
		}
		assertAbsent(t, r.Body, pii("bhaskar", "chitra", "devendra")...)
	}},
	{name: "IDOR/OrgAdminOutsideSubtree", run: func(t *testing.T, e *attackEnv) {
		// Chitra is in another ministry; Devendra is in MOF, above DOE.
		for _, other := range []string{"$chitra", "$devendra"} {
			r := e.doeAdmin.bind(t).ask(qLearner, map[string]any{"id": e.f[other]})
			assertAllCodes(t, r, graph.CodeNotFound)
		}
		r := e.doeAdmin.bind(t).ask(qLearners, nil)
		names := learnerNames(t, r, "learners")
		if strings.Join(names, ",") != "Asha Verma,Bhaskar Rao" {
			t.Errorf("DOE admin's learners = %v, want Asha and Bhaskar", names)
		}
		assertAbsent(t, r.Body, pii("chitra", "devendra")...)
	}},
	{name: "IDOR/OrgAdminInsideSubtreeSeesContact", run: func(t *testing.T, e *attackEnv) {
		// The control: access rules must not deny what they should allow.
		r := e.doeAdmin.bind(t).ask(qLearner, map[string]any{"id": e.f["$asha"]})
		if len(r.Errors) > 0 || !strings.Contains(r.Body, "asha.verma@gov.in") {
			t.Fatalf("DOE admin cannot see Asha: %s", r.Body)
		}
	}},
	{name: "IDOR/NodeWithForeignIDs", run: func(t *testing.T, e *attackEnv) {
		for _, id := range []string{e.f["$bhaskar"], e.f["$chitra"], e.auditID} {
			r := e.asha.bind(t).ask(qNode, map[string]any{"id": id})
			assertAllCodes(t, r, graph.CodeNotFound)
			assertNoData(t, r)
			assertAbsent(t, r.Body, pii("bhaskar", "chitra")...)
		}
		r := e.anon.bind(t).ask(qNode, map[string]any{"id": e.f["$asha"]})
		assertAllCodes(t, r, graph.CodeNotFound)
		assertAbsent(t, r.Body, pii("asha")...)
	}},
	{name: "IDOR/NodeWithGuessedIDs", run: func(t *testing.T, e *attackEnv) {
		// Sequential guesses past the fixture: the same NOT_FOUND as a hidden learner.
		for n := dbID(t, e.f["$asha"]); n < dbID(t, e.f["$asha"])+6; n++ {
			r := e.mohfwAdmin.bind(t).ask(qNode, map[string]any{"id": b64(fmt.Sprintf("Learner:%d", n))})
			if n == dbID(t, e.f["$chitra"]) {
				continue // her own admin's learner record
			}
			assertAllCodes(t, r, graph.CodeNotFound)
			assertAbsent(t, r.Body, pii("asha", "bhaskar", "devendra")...)
		}
	}},
	{name: "IDOR/AuditLogForNonAdmins", run: func(t *testing.T, e *attackEnv) {
		for _, c := range []*client{e.asha, e.doeAdmin, e.provider} {
			r := c.bind(t).ask(`{ auditLog(first: 5) { totalCount edges { node { action } } } }`, nil)
			assertAllCodes(t, r, graph.CodeForbidden)
			assertNoData(t, r)
		}
		assertAllCodes(t, e.anon.bind(t).ask(`{ auditLog { totalCount } }`, nil), graph.CodeUnauthenticated)
	}},
	{name: "IDOR/AnonymousPrivateRoots", run: func(t *testing.T, e *attackEnv) {
		for _, q := range []string{qLearners, `{ viewer { name } }`, `query($id: ID!) { learner(id: $id) { name } }`} {
			r := e.anon.bind(t).ask(q, map[string]any{"id": e.f["$asha"]})
			assertAllCodes(t, r, graph.CodeUnauthenticated)
			assertNoData(t, r)
			assertAbsent(t, r.Body, pii("asha", "bhaskar", "chitra", "devendra")...)
		}
	}},

	{name: "IDOR/AnotherLearnersRecord", run: func(t *testing.T, e *attackEnv) {
		for _, c := range []*client{e.asha, e.mohfwAdmin, e.provider} {
			for _, id := range []string{e.f["$bhaskarEvidence"], e.f["$bhaskarEnrolment"]} {
				r := c.bind(t).ask(`query($id: ID!) { node(id: $id) { id ... on Evidence { level } ... on Enrolment { progress learner { name } } } }`,
					map[string]any{"id": id})
				assertAllCodes(t, r, graph.CodeNotFound)
				assertAbsent(t, r.Body, pii("bhaskar")...)
			}
			r := c.bind(t).ask(`query($id: ID!) { learner(id: $id) { evidence { totalCount } enrolments { totalCount } certificates { totalCount } proficiencies { level } } }`,
				map[string]any{"id": e.f["$bhaskar"]})
			assertAllCodes(t, r, graph.CodeNotFound)
		}
	}},
	{name: "IDOR/ChangingAnotherLearnersRecord", run: func(t *testing.T, e *attackEnv) {
		for _, c := range []*client{e.asha, e.mohfwAdmin} {
			c = c.bind(t)
			assertAllCodes(t, c.ask(`mutation($i: UpdateProgressInput!) { updateProgress(input: $i) { enrolment { id } } }`,
				map[string]any{"i": map[string]any{"enrolmentId": e.f["$bhaskarEnrolment"], "progress": 1}}), graph.CodeNotFound)
			assertAllCodes(t, c.ask(`mutation($i: RecordEvidenceInput!) { recordEvidence(input: $i) { evidence { id } } }`,
				map[string]any{"i": map[string]any{"learnerId": e.f["$bhaskar"], "competencyId": e.f["$tax"], "source": "SELF", "level": 5}}), graph.CodeNotFound)
			assertAllCodes(t, c.ask(`mutation($i: EnrolInput!) { enrol(input: $i) { enrolment { id } } }`,
				map[string]any{"i": map[string]any{"learnerId": e.f["$bhaskar"], "courseId": e.f["$gfr101"]}}), graph.CodeNotFound)
			assertAllCodes(t, c.ask(`mutation($i: RateCourseInput!) { rateCourse(input: $i) { course { id } } }`,
				map[string]any{"i": map[string]any{"learnerId": e.f["$bhaskar"], "courseId": e.f["$tax301"], "stars": 1}}), graph.CodeNotFound)
		}
		// A learner cannot certify herself by assessment or certification evidence.
		for _, src := range []string{"ASSESSMENT", "CERTIFICATION", "SUPERVISOR", "COURSE_COMPLETION"} {
			r := e.asha.bind(t).ask(`mutation($i: RecordEvidenceInput!) { recordEvidence(input: $i) { evidence { id } } }`,
				map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "competencyId": e.f["$proc"], "source": src, "level": 5, "score": 1}})
			assertAllCodes(t, r, graph.CodeForbidden)
		}
	}},

	// Reaching data through a nested field.
	{name: "Nested/AnonymousOrganisationLearners", run: func(t *testing.T, e *attackEnv) {
		r := e.anon.bind(t).ask(qOrgPeople, map[string]any{"id": e.f["$dgacr"]})
		assertAllCodes(t, r, graph.CodeUnauthenticated)
		assertAbsent(t, r.Body, pii("asha")...)
	}},
	{name: "Nested/LearnerThroughForeignOrganisation", run: func(t *testing.T, e *attackEnv) {
		r := e.asha.bind(t).ask(qOrgPeople, map[string]any{"id": e.f["$mohfw"]})
		if names := learnerNames(t, r, "organisation", "learners"); len(names) != 0 {
			t.Errorf("Asha sees MOHFW's learners %v", names)
		}
		assertAbsent(t, r.Body, pii("chitra")...)
	}},
	{name: "Nested/OrgAdminClimbsToParent", run: func(t *testing.T, e *attackEnv) {
		// DGACR > parent DOE > parent MOF: Devendra belongs to MOF, outside DOE's subtree.
		r := e.doeAdmin.bind(t).ask(`query($id: ID!) { organisation(id: $id) { parent { parent { code
			learners(first: 50) { totalCount edges { node { name email } } }
			children(first: 10) { edges { node { code learners(first: 50) { edges { node { name email } } } } } } } } } }`,
			map[string]any{"id": e.f["$dgacr"]})
		assertAbsent(t, r.Body, pii("devendra", "chitra")...)
		if !strings.Contains(r.Body, `"MOF"`) {
			t.Errorf("the catalogue path itself should be public: %s", r.Body)
		}
	}},
	{name: "Nested/PayloadLearnerOfRefusedMutation", run: func(t *testing.T, e *attackEnv) {
		// A learner renaming someone else gets neither the change nor the record.
		r := e.asha.bind(t).ask(mUpdate, map[string]any{"input": map[string]any{"id": e.f["$bhaskar"], "name": "Owned"}})
		assertAllCodes(t, r, graph.CodeNotFound)
		assertAbsent(t, r.Body, pii("bhaskar")...)
	}},

	// Changing what the caller may not.
	{name: "Escalation/LearnerAssignsSelfARole", run: func(t *testing.T, e *attackEnv) {
		r := e.asha.bind(t).ask(mAssign, map[string]any{"input": map[string]any{"learnerId": e.f["$asha"], "roleId": e.f["$ds"]}})
		assertAllCodes(t, r, graph.CodeForbidden)
	}},
	{name: "Escalation/LearnerMovesSelfToAnotherMinistry", run: func(t *testing.T, e *attackEnv) {
		r := e.asha.bind(t).ask(mUpdate, map[string]any{"input": map[string]any{"id": e.f["$asha"], "organisationId": e.f["$mohfw"]}})
		assertAllCodes(t, r, graph.CodeForbidden)
	}},
	{name: "Escalation/OrgAdminActsOutsideSubtree", run: func(t *testing.T, e *attackEnv) {
		c := e.doeAdmin.bind(t)
		assertAllCodes(t, c.ask(mRegister, map[string]any{"input": map[string]any{"employeeCode": "E900", "name": "Mole",
			"email": "mole@gov.in", "designation": "Spy", "organisationId": e.f["$mohfw"]}}), graph.CodeForbidden)
		assertAllCodes(t, c.ask(mUpdate, map[string]any{"input": map[string]any{"id": e.f["$asha"], "organisationId": e.f["$mohfw"]}}),
			graph.CodeForbidden)
		assertAllCodes(t, c.ask(mAssign, map[string]any{"input": map[string]any{"learnerId": e.f["$chitra"], "roleId": e.f["$so"]}}),
			graph.CodeNotFound)
		assertAllCodes(t, c.ask(`mutation($p: ID!) { createOrganisation(input: {code: "X", name: "X", type: DEPARTMENT, parentId: $p}) { organisation { id } } }`,
			map[string]any{"p": e.f["$mohfw"]}), graph.CodeForbidden)
	}},
	{name: "Escalation/RolesOutsideTheirRemit", run: func(t *testing.T, e *attackEnv) {
		course := `mutation { createCourse(input: {code: "EVIL-1", title: "t", description: "d", provider: "p", format: ONLINE, durationHours: 1}) { course { id } } }`
		role := `mutation { createRole(input: {code: "EVIL", name: "n", description: "d"}) { role { id } } }`
		comp := `mutation { createCompetency(input: {code: "EVIL", name: "n", description: "d", type: DOMAIN, area: "a"}) { competency { id } } }`
		for _, tc := range []struct {
			c     *client
			query string
		}{{e.asha, course}, {e.doeAdmin, course}, {e.provider, role}, {e.provider, comp}, {e.doeAdmin, role}, {e.asha, comp}} {
			r := tc.c.bind(t).ask(tc.query, nil)
			assertAllCodes(t, r, graph.CodeForbidden)
			assertNoData(t, r)
		}
		assertAllCodes(t, e.anon.bind(t).ask(course, nil), graph.CodeUnauthenticated)
	}},
	{name: "Escalation/RegistrationTokenDoesNothingElse", run: func(t *testing.T, e *attackEnv) {
		reg := e.pa.as(models.Caller{Role: models.RoleLearner, Email: "newcomer@gov.in", Registration: true}).bind(t)
		assertAllCodes(t, reg.ask(qLearners, nil), graph.CodeForbidden)
		assertAllCodes(t, reg.ask(qOrgPeople, map[string]any{"id": e.f["$dgacr"]}), graph.CodeUnauthenticated)
		r := reg.ask(mRegister, map[string]any{"input": map[string]any{"employeeCode": "E901", "name": "Someone Else",
			"email": "someone.else@gov.in", "designation": "Clerk", "organisationId": e.f["$dgacr"]}})
		assertAllCodes(t, r, graph.CodeForbidden)
	}},

	// Forged and stale tokens: refused outright, never read as anonymous.
	{name: "Token/AlgNone", run: func(t *testing.T, e *attackEnv) {
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil))
	}},
	{name: "Token/Expired", run: func(t *testing.T, e *attackEnv) {
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}))
	}},
	{name: "Token/Tampered", run: func(t *testing.T, e *attackEnv) {
		assertTokenRefused(t, e, tamper(t, e.asha.token, func(c map[string]any) { c["role"] = "PLATFORM_ADMIN" }))
		assertTokenRefused(t, e, tamper(t, e.asha.token, func(c map[string]any) { c["lid"] = dbID(t, e.f["$bhaskar"]) }))
	}},
	{name: "Token/WrongAudienceOrIssuer", run: func(t *testing.T, e *attackEnv) {
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["aud"] = []string{"other-api"} }))
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["iss"] = "someone-else" }))
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { delete(c, "exp") }))
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["role"] = "KING" }))
	}},
	{name: "Token/WrongKeyOrAlgorithm", run: func(t *testing.T, e *attackEnv) {
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS256, []byte("another secret of at least thirty-two bytes"), nil))
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodHS512, testSecret, nil)) // right key, algorithm off the list
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		assertTokenRefused(t, e, forge(t, jwt.SigningMethodRS256, key, nil))
	}},
	{name: "Token/MalformedHeader", run: func(t *testing.T, e *attackEnv) {
		for _, h := range []string{"Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer not.a.jwt", "Bearer " + strings.Repeat("A", 4000)} {
			r := e.anon.bind(t).raw(http.MethodPost, e.anon.url, http.Header{"Content-Type": {"application/json"}, "Authorization": {h}},
				mustJSON(t, map[string]any{"query": qLearners}))
			if r.Status != http.StatusUnauthorized {
				t.Errorf("Authorization %.20q: HTTP %d, want 401", h, r.Status)
			}
			assertAllCodes(t, r.response, graph.CodeUnauthenticated)
		}
	}},

	// Exhausting the server with a crafted query: refused before anything runs.
	{name: "Limits/DepthBomb", run: func(t *testing.T, e *attackEnv) {
		q := "query($id: ID!) { organisation(id: $id) { " + strings.Repeat("parent { ", 30) + "code" + strings.Repeat(" }", 30) + " } }"
		assertRefusedWith(t, e.pa.bind(t).raw(http.MethodPost, e.pa.url, jsonHeader, mustJSON(t, map[string]any{"query": q,
			"variables": map[string]any{"id": e.f["$dgacr"]}})), "levels deep")
	}},
	{name: "Limits/AliasBomb", run: func(t *testing.T, e *attackEnv) {
		var b strings.Builder
		for i := range 200 {
			fmt.Fprintf(&b, "a%d: learners(first: 500) { totalCount } ", i)
		}
		assertRefusedWith(t, e.pa.bind(t).postJSON(mustJSON(t, map[string]any{"query": "{ " + b.String() + "}"}), nil), "aliases")
	}},
	{name: "Limits/CircularFragments", run: func(t *testing.T, e *attackEnv) {
		q := `{ organisations { ...A } } fragment A on OrganisationConnection { totalCount ...B } fragment B on OrganisationConnection { ...A }`
		assertRefusedWith(t, e.pa.bind(t).postJSON(mustJSON(t, map[string]any{"query": q}), nil), "spreads itself")
	}},
	{name: "Limits/FragmentExplosion", run: func(t *testing.T, e *attackEnv) {
		// Each fragment spreads the next ten times: 10^5 fields from a few hundred tokens.
		var b strings.Builder
		b.WriteString("{ __typename ...F0 } ")
		for i := range 5 {
			fmt.Fprintf(&b, "fragment F%d on Query { %s} ", i, repeat(fmt.Sprintf("...F%d", i+1), 10))
		}
		b.WriteString("fragment F5 on Query { __typename }")
		assertRefusedWith(t, e.pa.bind(t).postJSON(mustJSON(t, map[string]any{"query": b.String()}), nil), "fields")
	}},
	{name: "Limits/TenThousandFields", run: func(t *testing.T, e *attackEnv) {
		q := "{ " + repeat("a", 10_000) + "}" // 20 KB, under the document byte limit
		assertRefusedWith(t, e.anon.bind(t).postJSON(mustJSON(t, map[string]any{"query": q}), nil), "fields")
	}},
	{name: "Limits/TokenFlood", run: func(t *testing.T, e *attackEnv) {
		q := "{ a(b: [" + repeat("1", 16_000) + "]) }" // 16,000 tokens under the document byte limit
		assertRefusedWith(t, e.anon.bind(t).postJSON(mustJSON(t, map[string]any{"query": q}), nil), "token limit")
	}},
	{name: "Limits/DirectiveFlood", run: func(t *testing.T, e *attackEnv) {
		q := "{ __typename " + repeat("@include(if: true)", 50) + "}"
		assertRefusedWith(t, e.anon.bind(t).postJSON(mustJSON(t, map[string]any{"query": q}), nil), "directives")
	}},
	{name: "Limits/HugeListsAndNestedConnections", run: func(t *testing.T, e *attackEnv) {
		r := e.pa.bind(t).ask(`{ learners(first: 100000) { totalCount } }`, nil)
		assertAllCodes(t, r, graph.CodeBadUserInput)
		r = e.pa.bind(t).ask(`{ organisations(first: 500) { edges { node { children(first: 500) { edges { node {
			learners(first: 500) { edges { node { roles { requirements { competency { name } } } } } } } } } } } } }`, nil)
		assertAllCodes(t, r, "COMPLEXITY_LIMIT_EXCEEDED")
		assertNoData(t, r)
	}},
	{name: "Limits/ThousandOperationsInABatch", run: func(t *testing.T, e *attackEnv) {
		batch := make([]map[string]any, 1000)
		for i := range batch {
			batch[i] = map[string]any{"query": qLearners}
		}
		assertRefused(t, e.pa.bind(t).postJSON(mustJSON(t, batch), nil))
		var b strings.Builder
		for i := range 1000 {
			fmt.Fprintf(&b, "query Q%d { __typename } ", i)
		}
		assertRefusedWith(t, e.pa.bind(t).postJSON(mustJSON(t, map[string]any{"query": b.String(), "operationName": "Q1"}), nil), "operations")
	}},
	{name: "Limits/BodyOverOneMegabyte", run: func(t *testing.T, e *attackEnv) {
		body := mustJSON(t, map[string]any{"query": qLearners, "variables": map[string]any{"pad": strings.Repeat("x", 2<<20)}})
		assertRefused(t, e.pa.bind(t).postJSON(body, nil))
	}},

	// Requests a browser could be tricked into sending, or that no client sends.
	{name: "CSRF/MutationOverGET", run: func(t *testing.T, e *attackEnv) {
		q := `mutation { createCompetency(input: {code: "GET", name: "n", description: "d", type: DOMAIN, area: "a"}) { competency { id } } }`
		r := e.pa.bind(t).raw(http.MethodGet, e.pa.url+"?query="+url.QueryEscape(q), nil, nil)
		assertRefused(t, r)
	}},
	{name: "CSRF/FormEncodedAndPlainTextPOST", run: func(t *testing.T, e *attackEnv) {
		q := `mutation { createCompetency(input: {code: "CSRF", name: "n", description: "d", type: DOMAIN, area: "a"}) { competency { id } } }`
		form := url.Values{"query": {q}}.Encode()
		for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"} {
			r := e.pa.bind(t).raw(http.MethodPost, e.pa.url, http.Header{"Content-Type": {ct}}, []byte(form))
			assertRefused(t, r)
		}
		// A JSON body labelled text/plain (what a form can send cross-site) is refused too.
		r := e.pa.bind(t).raw(http.MethodPost, e.pa.url, http.Header{"Content-Type": {"text/plain"}}, mustJSON(t, map[string]any{"query": q}))
		assertRefused(t, r)
	}},

	// Hostile input.
	{name: "Input/SQLMetacharactersInEveryFilter", run: func(t *testing.T, e *attackEnv) {
		for _, s := range []string{`'; DROP TABLE learners; --`, `%' OR '1'='1`, `\'; DELETE FROM courses; --`, `_%_`, `"; TRUNCATE roles; --`, "\x00"} {
			r := e.pa.bind(t).ask(`query($s: String!) {
				learners(filter: {search: $s}) { totalCount }
				competencies(filter: {search: $s, area: $s}) { totalCount }
				courses(filter: {search: $s, provider: $s}) { totalCount }
				roles(filter: {search: $s}) { totalCount } }`, map[string]any{"s": s})
			assertNotInternal(t, r)
			if len(r.Errors) > 0 {
				if s == "\x00" { // no text in the database holds a NUL: refused as input
					assertAllCodes(t, r, graph.CodeBadUserInput)
				} else {
					t.Errorf("search %q: %s", s, r.Body)
				}
				continue
			}
			if strings.Contains(r.Body, `"totalCount":4`) && s == `%' OR '1'='1` {
				t.Errorf("search %q matched everything: %s", s, r.Body)
			}
		}
	}},
	{name: "Input/HugeStringsInEveryFilter", run: func(t *testing.T, e *attackEnv) {
		big := strings.Repeat("x", 900_000) // under the body limit, far over any name
		for _, q := range []string{`query($s: String!) { learners(filter: {search: $s}) { totalCount } }`,
			`query($s: String!) { competencies(filter: {search: $s}) { totalCount } }`,
			`query($s: String!) { competencies(filter: {area: $s}) { totalCount } }`,
			`query($s: String!) { courses(filter: {search: $s}) { totalCount } }`,
			`query($s: String!) { courses(filter: {provider: $s}) { totalCount } }`,
			`query($s: String!) { roles(filter: {search: $s}) { totalCount } }`} {
			r := e.pa.bind(t).ask(q, map[string]any{"s": big})
			assertAllCodes(t, r, graph.CodeBadUserInput)
			if strings.Contains(r.Body, "xxxxxxxx") {
				t.Errorf("the error echoes the input: %.200s", r.Body)
			}
		}
		big = big[:300_000]
		for _, in := range []map[string]any{{"employeeCode": big}, {"name": big}, {"designation": big}, {"email": big + "@gov.in"}, {"name": "Nul\x00Byte"}} {
			input := map[string]any{"employeeCode": "E950", "name": "Big Input", "email": "big@gov.in", "designation": "Clerk",
				"organisationId": e.f["$dgacr"]}
			for k, v := range in {
				input[k] = v
			}
			r := e.pa.bind(t).ask(mRegister, map[string]any{"input": input})
			assertAllCodes(t, r, graph.CodeBadUserInput)
		}
	}},
	{name: "Input/InvalidUTF8", run: func(t *testing.T, e *attackEnv) {
		r := e.pa.bind(t).postJSON([]byte("{\"query\": \"{ competencies(filter: {search: \\\"\xff\xfe\\\"}) { totalCount } }\"}"), nil)
		assertNotInternal(t, r.response)
		r = e.pa.bind(t).postJSON([]byte("{\"query\": \"mutation($n: String!) { updateLearner(input: {id: \\\""+e.f["$asha"]+
			"\\\", name: $n}) { learner { name } } }\", \"variables\": {\"n\": \"\xc3\x28\"}}"), nil)
		assertNotInternal(t, r.response)
		if strings.Contains(r.Body, "\xc3\x28") {
			t.Errorf("invalid UTF-8 came back: %s", r.Body)
		}
		r = e.pa.bind(t).raw(http.MethodPost, e.pa.url, jsonHeader, []byte("\xff\xfe{\"query\": 1}"))
		assertRefused(t, r)
	}, changes: []string{"learners", "audit_entries"}}, // the name may be stored with U+FFFD for the bad bytes
	{name: "Input/MalformedCursorsAndIDs", run: func(t *testing.T, e *attackEnv) {
		for _, after := range []string{"!!!", b64("Learner:1"), b64("garbage"), strings.Repeat("A", 5000), b64(`{"k":"' OR 1=1"}`)} {
			r := e.pa.bind(t).ask(`query($a: String) { learners(first: 5, after: $a) { totalCount } }`, map[string]any{"a": after})
			assertAllCodes(t, r, graph.CodeBadUserInput)
		}
		for _, id := range []string{"garbage", b64("Learner:abc"), b64("Learner:-1"), b64("Spaceship:1"), b64("Learner:99999999999999999999"), ""} {
			r := e.pa.bind(t).ask(qNode, map[string]any{"id": id})
			assertAllCodes(t, r, graph.CodeBadUserInput)
		}
		// A competency's ID where a learner's belongs.
		assertAllCodes(t, e.pa.bind(t).ask(qLearner, map[string]any{"id": e.f["$proc"]}), graph.CodeBadUserInput)
	}},

	// Blended learning and events: seats, registrations and attendance are the learner's;
	// approvals are their organisation's; events are their host's.
	{name: "Blended/OutsidersDecideSeatRequest", run: func(t *testing.T, e *attackEnv) {
		decide := map[string]any{"i": map[string]any{"requestId": e.f["$bhaskarSeat"], "approve": true}}
		for _, c := range []*client{e.asha, e.provider, e.mohfwAdmin} {
			r := c.bind(t).ask(mDecide, decide)
			assertAllCodes(t, r, graph.CodeForbidden)
			assertNoData(t, r)
			assertAbsent(t, r.Body, pii("bhaskar")...)
		}
		// Bhaskar administers DOE, his own organisation, but not his own request.
		assertAllCodes(t, e.doeAdmin.bind(t).ask(mDecide, decide), graph.CodeForbidden)
		assertAllCodes(t, e.anon.bind(t).ask(mDecide, decide), graph.CodeUnauthenticated)
	}},
	{name: "Blended/SeatRequestsOfOthers", run: func(t *testing.T, e *attackEnv) {
		for _, c := range []*client{e.asha, e.mohfwAdmin, e.provider} {
			r := c.bind(t).ask(`query($id: ID!) { node(id: $id) { ... on SeatRequest { status approvals requestedAt } } }`,
				map[string]any{"id": e.f["$bhaskarSeat"]})
			assertAllCodes(t, r, graph.CodeNotFound)
			assertNoData(t, r)
			r = c.bind(t).ask(qRequests, map[string]any{"id": e.f["$batch"]})
			if len(r.Errors) > 0 || !strings.Contains(r.Body, `"totalCount":0`) {
				t.Errorf("the requests of a batch: %s", r.Body)
			}
			assertAbsent(t, r.Body, pii("bhaskar")...)
		}
		assertAllCodes(t, e.anon.bind(t).ask(qRequests, map[string]any{"id": e.f["$batch"]}), graph.CodeUnauthenticated)
		// The control: the platform sees the request.
		if r := e.pa.bind(t).ask(qRequests, map[string]any{"id": e.f["$batch"]}); !strings.Contains(r.Body, "Bhaskar Rao") {
			t.Errorf("the platform does not see the request: %s", r.Body)
		}
	}},
	{name: "Blended/SeatsForAnother", run: func(t *testing.T, e *attackEnv) {
		request := `mutation($i: RequestSeatInput!) { requestSeat(input: $i) { seatRequest { id } } }`
		withdraw := `mutation($i: WithdrawSeatRequestInput!) { withdrawSeatRequest(input: $i) { seatRequest { id } } }`
		for _, tc := range []struct {
			c       *client
			learner string
		}{{e.asha, "$bhaskar"}, {e.mohfwAdmin, "$asha"}, {e.provider, "$asha"}, {e.doeAdmin, "$chitra"}} {
			r := tc.c.bind(t).ask(request, map[string]any{"i": map[string]any{"batchId": e.f["$batch"], "learnerId": e.f[tc.learner]}})
			assertAllCodes(t, r, graph.CodeNotFound)
		}
		for _, c := range []*client{e.asha, e.mohfwAdmin, e.provider} {
			assertAllCodes(t, c.bind(t).ask(withdraw, map[string]any{"i": map[string]any{"requestId": e.f["$bhaskarSeat"]}}), graph.CodeNotFound)
		}
	}},
	{name: "Blended/CourseWorkOutsideRemit", run: func(t *testing.T, e *attackEnv) {
		batch := map[string]any{"i": map[string]any{"code": "EVIL-B", "courseId": e.f["$gfr201"], "name": "n", "venue": "v",
			"startsAt": time.Now().Add(time.Hour), "endsAt": time.Now().Add(48 * time.Hour), "seats": 100000}}
		session := map[string]any{"i": map[string]any{"code": "EVIL-S", "batchId": e.f["$batch"], "title": "t",
			"startsAt": time.Now().Add(time.Hour), "endsAt": time.Now().Add(2 * time.Hour)}}
		for _, c := range []*client{e.asha, e.doeAdmin, e.mohfwAdmin} {
			assertAllCodes(t, c.bind(t).ask(`mutation($i: CreateBatchInput!) { createBatch(input: $i) { batch { id } } }`, batch), graph.CodeForbidden)
			assertAllCodes(t, c.bind(t).ask(mSession, session), graph.CodeForbidden)
			assertAllCodes(t, c.bind(t).ask(mAttendance, map[string]any{"i": map[string]any{"sessionId": e.f["$batchSession"],
				"learnerIds": []string{e.f["$asha"]}}}), graph.CodeForbidden)
		}
		assertAllCodes(t, e.anon.bind(t).ask(`mutation($i: CreateBatchInput!) { createBatch(input: $i) { batch { id } } }`, batch),
			graph.CodeUnauthenticated)
	}},
	{name: "Blended/EventOfAnotherOrganisation", run: func(t *testing.T, e *attackEnv) {
		m := e.mohfwAdmin.bind(t)
		assertAllCodes(t, m.ask(`mutation($i: CreateLearningEventInput!) { createLearningEvent(input: $i) { event { id } } }`,
			map[string]any{"i": map[string]any{"code": "EVIL-E", "name": "n", "organisationId": e.f["$doe"],
				"startsAt": time.Now().Add(time.Hour), "endsAt": time.Now().Add(48 * time.Hour)}}), graph.CodeForbidden)
		assertAllCodes(t, m.ask(mSession, map[string]any{"i": map[string]any{"code": "EVIL-ES", "eventId": e.f["$event"], "title": "t",
			"startsAt": time.Now().Add(time.Hour), "endsAt": time.Now().Add(2 * time.Hour)}}), graph.CodeForbidden)
		for _, c := range []*client{m, e.provider.bind(t), e.asha.bind(t)} {
			assertAllCodes(t, c.ask(mAttendance, map[string]any{"i": map[string]any{"sessionId": e.f["$eventSession"],
				"learnerIds": []string{e.f["$chitra"]}}}), graph.CodeForbidden)
		}
		r := m.ask(`query($e: ID!, $o: ID!) { learningEvent(id: $e) { participation(organisationId: $o) { learners } } }`,
			map[string]any{"e": e.f["$event"], "o": e.f["$doe"]})
		assertAllCodes(t, r, graph.CodeForbidden)
		// A national event is the platform's alone.
		assertAllCodes(t, e.doeAdmin.bind(t).ask(`mutation { createLearningEvent(input: {code: "EVIL-N", name: "n",
			startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-02T00:00:00Z"}) { event { id } } }`, nil), graph.CodeForbidden)
	}},
	{name: "Blended/HostMarksOutsiders", run: func(t *testing.T, e *attackEnv) {
		// DOE hosts the event, but Chitra's record is MOHFW's: attendance is evidence and karma.
		c := e.doeAdmin.bind(t)
		outsider := c.ask(mAttendance, map[string]any{"i": map[string]any{"sessionId": e.f["$eventSession"], "learnerIds": []string{e.f["$asha"], e.f["$chitra"]}}})
		assertError(t, outsider, graph.CodeBadUserInput, "input.learnerIds[1]", "")
		unknown := c.ask(mAttendance, map[string]any{"i": map[string]any{"sessionId": e.f["$eventSession"], "learnerIds": []string{b64("Learner:999999")}}})
		assertError(t, unknown, graph.CodeBadUserInput, "input.learnerIds[0]", outsider.Errors[0].Message) // no oracle for who exists
		assertAbsent(t, outsider.Body, pii("chitra")...)
	}},
	{name: "Blended/RegistrationsOfOthers", run: func(t *testing.T, e *attackEnv) {
		register := `mutation($i: RegisterForSessionInput!) { registerForSession(input: $i) { registration { status } } }`
		cancel := `mutation($i: CancelRegistrationInput!) { cancelRegistration(input: $i) { registration { status } } }`
		for _, c := range []*client{e.asha, e.mohfwAdmin, e.provider} {
			in := map[string]any{"i": map[string]any{"sessionId": e.f["$eventSession"], "learnerId": e.f["$bhaskar"]}}
			assertAllCodes(t, c.bind(t).ask(register, in), graph.CodeNotFound)
			assertAllCodes(t, c.bind(t).ask(cancel, in), graph.CodeNotFound)
		}
		// Her view of the session shows her own registration (none), never his.
		r := e.asha.bind(t).ask(`query($id: ID!) { node(id: $id) { ... on Session { registrationCount myRegistration { status learner { name } } } } }`,
			map[string]any{"id": e.f["$eventSession"]})
		if len(r.Errors) > 0 || !strings.Contains(r.Body, `"myRegistration":null`) || !strings.Contains(r.Body, `"registrationCount":1`) {
			t.Errorf("the session as Asha: %s", r.Body)
		}
		assertAbsent(t, r.Body, pii("bhaskar")...)
	}},
	{name: "Blended/EventAttendanceIsNotSelfDeclared", run: func(t *testing.T, e *attackEnv) {
		record := `mutation($i: RecordEvidenceInput!) { recordEvidence(input: $i) { evidence { id } } }`
		in := map[string]any{"i": map[string]any{"learnerId": e.f["$asha"], "competencyId": e.f["$emp"], "source": "EVENT_ATTENDANCE", "level": 5}}
		assertAllCodes(t, e.asha.bind(t).ask(record, in), graph.CodeForbidden)
		assertError(t, e.pa.bind(t).ask(record, in), graph.CodeBadUserInput, "input.source", "")
	}},
	{name: "Blended/HugeAndMalformedInput", run: func(t *testing.T, e *attackEnv) {
		many := make([]string, 1001)
		for i := range many {
			many[i] = e.f["$asha"]
		}
		assertError(t, e.pa.bind(t).ask(mAttendance, map[string]any{"i": map[string]any{"sessionId": e.f["$batchSession"], "learnerIds": many}}),
			graph.CodeBadUserInput, "input.learnerIds", "")
		assertError(t, e.pa.bind(t).ask(`mutation($i: RequestSeatInput!) { requestSeat(input: $i) { seatRequest { id } } }`,
			map[string]any{"i": map[string]any{"batchId": e.f["$gfr201"], "learnerId": e.f["$asha"]}}), graph.CodeBadUserInput, "input.batchId", "")
		assertError(t, e.pa.bind(t).ask(qNode, map[string]any{"id": b64("Batch:999999")}), graph.CodeNotFound, "", "")
		assertError(t, e.pa.bind(t).ask(`query($o: ID!) { learnerLeaderboard(organisationId: $o, first: 101) { rank } }`,
			map[string]any{"o": e.f["$mof"]}), graph.CodeBadUserInput, "first", "")
		r := e.pa.bind(t).ask(`{ courses(first: 500) { edges { node { batches(first: 500) { edges { node {
			requests(first: 500) { edges { node { learner { name } } } } } } } } } } }`, nil)
		assertAllCodes(t, r, "COMPLEXITY_LIMIT_EXCEEDED")
	}},

	// Karma: the rules are the platform's, a ledger is its learner's, leaderboards show no contact details.
	{name: "Karma/RulesAreThePlatforms", run: func(t *testing.T, e *attackEnv) {
		in := map[string]any{"i": map[string]any{"reason": "COURSE_COMPLETION", "points": 1000, "monthlyCap": nil}}
		for _, c := range []*client{e.asha, e.doeAdmin, e.provider} {
			assertAllCodes(t, c.bind(t).ask(mRule, in), graph.CodeForbidden)
		}
		assertAllCodes(t, e.anon.bind(t).ask(mRule, in), graph.CodeUnauthenticated)
		assertError(t, e.pa.bind(t).ask(mRule, map[string]any{"i": map[string]any{"reason": "COURSE_COMPLETION", "points": 5, "monthlyCap": -5}}),
			graph.CodeBadUserInput, "input.monthlyCap", "")
	}},
	{name: "Karma/AnotherLearnersLedger", run: func(t *testing.T, e *attackEnv) {
		for _, c := range []*client{e.asha, e.mohfwAdmin, e.provider} {
			r := c.bind(t).ask(`query($id: ID!) { learner(id: $id) { karmaPoints karmaLedger { totalCount } } }`, map[string]any{"id": e.f["$bhaskar"]})
			assertAllCodes(t, r, graph.CodeNotFound)
			assertNoData(t, r)
		}
	}},
	{name: "Karma/LeaderboardsShowNoContactDetails", run: func(t *testing.T, e *attackEnv) {
		board := `query($o: ID!) { learnerLeaderboard(organisationId: $o, first: 100) { rank name designation learnerId
			organisation { code } learner { name email employeeCode } } }`
		r := e.mohfwAdmin.bind(t).ask(board, map[string]any{"o": e.f["$mof"]})
		if len(r.Errors) > 0 || !strings.Contains(r.Body, `"name":"Bhaskar Rao","designation":"Deputy Secretary"`) { // (an earlier attack renames Asha)
			t.Fatalf("MOF's leaderboard for another ministry's admin: %s", r.Body)
		}
		for _, who := range []string{"asha", "bhaskar", "devendra"} {
			assertAbsent(t, r.Body, people[who][1], people[who][2])
		}
		assertAllCodes(t, e.anon.bind(t).ask(board, map[string]any{"o": e.f["$mof"]}), graph.CodeUnauthenticated)
		reg := e.pa.as(models.Caller{Role: models.RoleLearner, Email: "newcomer@gov.in", Registration: true}).bind(t)
		assertAllCodes(t, reg.ask(board, map[string]any{"o": e.f["$mof"]}), graph.CodeForbidden)
	}},
	{name: "Karma/AssessmentForAnother", run: func(t *testing.T, e *attackEnv) {
		assess := `mutation($i: TakeAssessmentInput!) { takeAssessment(input: $i) { attempt { passed } } }`
		for _, tc := range []struct {
			c         *client
			enrolment string
			code      string
		}{
			{e.asha, "$bhaskarEnrolment", graph.CodeNotFound},
			{e.mohfwAdmin, "$ashaEnrolment", graph.CodeNotFound},
			{e.provider, "$ashaEnrolment", graph.CodeNotFound},
			{e.doeAdmin, "$ashaEnrolment", graph.CodeForbidden}, // her admin, but the assessment is hers to sit
		} {
			assertAllCodes(t, tc.c.bind(t).ask(assess, map[string]any{"i": map[string]any{"enrolmentId": e.f[tc.enrolment], "answers": []any{}}}), tc.code)
		}
	}},
	{name: "Karma/LearnerReportsOwnScore", run: func(t *testing.T, e *attackEnv) {
		// A learner who sends a perfect score for her own course gets nothing: the
		// server scores answers; a score is a content provider's word.
		assess := `mutation($i: TakeAssessmentInput!) { takeAssessment(input: $i) { attempt { passed } } }`
		for _, c := range []*client{e.asha, e.doeAdmin, e.pa} {
			assertAllCodes(t, c.bind(t).ask(assess, map[string]any{"i": map[string]any{"enrolmentId": e.f["$ashaEnrolment"], "score": 1}}), graph.CodeForbidden)
		}
	}},

	// Sign-in.
	{name: "OTP/BruteForceBurnsTheCode", run: func(t *testing.T, e *attackEnv) {
		code := signInCode(t, e.pa, "asha.verma@gov.in")
		verify := `mutation($e: String!, $c: String!) { verifyOtp(input: {email: $e, code: $c}) { token } }`
		for k := 1; k <= 5; k++ {
			r := e.anon.bind(t).ask(verify, map[string]any{"e": "asha.verma@gov.in", "c": otherCode(code, k)})
			assertAllCodes(t, r, graph.CodeUnauthenticated)
		}
		r := e.anon.bind(t).ask(verify, map[string]any{"e": "asha.verma@gov.in", "c": code})
		assertAllCodes(t, r, graph.CodeUnauthenticated) // the right code, too late
		assertNoData(t, r)
	}},
	{name: "OTP/SameAnswerWhetherRegisteredOrNot", run: func(t *testing.T, e *attackEnv) {
		shape := func(email string) string {
			r := e.anon.bind(t).ask(`mutation($e: String!) { requestOtp(input: {email: $e}) { expiresAt } }`, map[string]any{"e": email})
			var d struct{ RequestOtp struct{ ExpiresAt time.Time } }
			decode(t, r.Data, &d)
			if len(r.Errors) > 0 || d.RequestOtp.ExpiresAt.IsZero() {
				t.Fatalf("requestOtp %s: %s", email, r.Body)
			}
			return fmt.Sprint(r.Status, len(r.Errors))
		}
		if a, b := shape("asha.verma@gov.in"), shape("nobody.here@gov.in"); a != b {
			t.Errorf("registered %s, unregistered %s", a, b)
		}
		r := e.anon.bind(t).ask(`mutation { requestOtp(input: {email: "attacker@gmail.com"}) { expiresAt } }`, nil)
		assertAllCodes(t, r, graph.CodeBadUserInput)
	}},
	{name: "OTP/WrongEmailsCode", run: func(t *testing.T, e *attackEnv) {
		code := signInCode(t, e.pa, "bhaskar.rao@gov.in")
		r := e.anon.bind(t).ask(`mutation($c: String!) { verifyOtp(input: {email: "asha.verma@gov.in", code: $c}) { token } }`,
			map[string]any{"c": code})
		assertAllCodes(t, r, graph.CodeUnauthenticated)
	}},

	// What a production server shows strangers.
	{name: "Introspection/OffInProduction", run: func(t *testing.T, e *attackEnv) {
		p := e.production(t)
		for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "Learner") { fields { name } } }`} {
			r := p.ask(q, nil)
			if len(r.Errors) == 0 || strings.Contains(r.Body, "employeeCode") {
				t.Errorf("introspection answered: %.300s", r.Body)
			}
		}
	}},
	{name: "Introspection/NoFieldSuggestions", run: func(t *testing.T, e *attackEnv) {
		p := e.production(t)
		for _, q := range []string{`{ learnr(id: "x") { id } }`, `{ competencies { edges { node { nam } } } }`, `{ courses }`} {
			r := p.ask(q, nil)
			if len(r.Errors) == 0 {
				t.Fatalf("%s: no error", q)
			}
			assertAbsent(t, r.Body, "Did you mean", "learner", `"name"`)
		}
	}},

	// Rate limits.
	{name: "RateLimit/PerTokenAndPerAddress", run: func(t *testing.T, e *attackEnv) {
		limit := &countingLimiter{n: 3, seen: map[string]int{}}
		c := serveWith(t, e.db, graph.Options{Introspection: true, RequestLimit: limit}, unlimited{}, unlimited{}).bind(t)
		for i := range 5 {
			r := c.raw(http.MethodPost, c.url, jsonHeader, mustJSON(t, map[string]any{"query": "{ __typename }"}))
			if want := i < 3; (r.Status == http.StatusOK) != want {
				t.Fatalf("request %d: HTTP %d", i+1, r.Status)
			}
			if i >= 3 {
				assertAllCodes(t, r.response, graph.CodeRateLimited)
				if r.Header.Get("Retry-After") == "" {
					t.Error("no Retry-After")
				}
			}
		}
		// Another token is counted on its own; anonymous callers by address.
		other := c.as(models.Caller{Role: models.RolePlatformAdmin, Subject: "operator:other"}).bind(t)
		if r := other.raw(http.MethodPost, c.url, jsonHeader, mustJSON(t, map[string]any{"query": "{ __typename }"})); r.Status != http.StatusOK {
			t.Errorf("another token was throttled: HTTP %d", r.Status)
		}
		c.anonymous().bind(t).raw(http.MethodPost, c.url, jsonHeader, mustJSON(t, map[string]any{"query": "{ __typename }"}))
		if limit.seen["addr:127.0.0.1"] != 1 || limit.seen["sub:operator:test"] != 5 {
			t.Errorf("keys counted: %v", limit.seen)
		}
	}},
	{name: "RateLimit/OTPPerEmailAndAddress", run: func(t *testing.T, e *attackEnv) {
		perEmail, perAddr := &countingLimiter{n: 2, seen: map[string]int{}}, &countingLimiter{n: 4, seen: map[string]int{}}
		c := serveWith(t, e.db, graph.Options{Introspection: true}, perEmail, perAddr).anonymous().bind(t)
		ask := func(email string) response {
			return c.ask(`mutation($e: String!) { requestOtp(input: {email: $e}) { expiresAt } }`, map[string]any{"e": email})
		}
		// Codes sent count per email, not requests: each code is used before the next.
		for range 2 {
			if r := ask("a@gov.in"); len(r.Errors) > 0 {
				t.Fatal(r.Body)
			}
			if r := c.ask(`mutation($c: String!) { verifyOtp(input: {email: "a@gov.in", code: $c}) { token } }`,
				map[string]any{"c": c.mail.code("a@gov.in")}); len(r.Errors) > 0 {
				t.Fatal(r.Body)
			}
		}
		assertAllCodes(t, ask("a@gov.in"), graph.CodeRateLimited) // a third code for one email
		ask("b@gov.in")
		assertAllCodes(t, ask("c@gov.in"), graph.CodeRateLimited) // fifth from one address
	}},
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// production returns a client of a server with introspection off, as in production.
func (e *attackEnv) production(t *testing.T) *client {
	return serveWith(t, e.db, graph.Options{Introspection: false}, unlimited{}, unlimited{}).bind(t)
}

// assertTokenRefused checks that a request with token is refused with 401 and
// UNAUTHENTICATED, on a public field too (a bad token is never read as anonymous).
func assertTokenRefused(t *testing.T, e *attackEnv, token string) {
	t.Helper()
	for _, q := range []string{qLearners, `{ competencies(first: 1) { totalCount } }`} {
		r := e.anon.bind(t).raw(http.MethodPost, e.anon.url, http.Header{"Content-Type": {"application/json"},
			"Authorization": {"Bearer " + token}}, mustJSON(t, map[string]any{"query": q}))
		if r.Status != http.StatusUnauthorized {
			t.Errorf("HTTP %d, want 401: %.300s", r.Status, r.Body)
		}
		assertAllCodes(t, r.response, graph.CodeUnauthenticated)
		assertNoData(t, r.response)
	}
}

// assertRefusedWith checks a refusal whose error message says why.
func assertRefusedWith(t *testing.T, r rawResponse, why string) {
	t.Helper()
	assertRefused(t, r)
	if !strings.Contains(r.Body, why) {
		t.Errorf("refusal does not say %q: %.300s", why, r.Body)
	}
}

// TestAttackSuiteSize keeps the suite at the size the hardening issues ask for (61 before the second round, at least 90 after it).
func TestAttackSuiteSize(t *testing.T) {
	if len(attacks) < 90 {
		t.Fatalf("%d attacks, want at least 90", len(attacks))
	}
	seen := map[string]bool{}
	for _, a := range attacks {
		if seen[a.name] {
			t.Errorf("two attacks named %s", a.name)
		}
		seen[a.name] = true
	}
}

// TestForwardedClientAddress: X-Forwarded-For names the client only when the hop that
// sent it is a trusted proxy; otherwise a client could pick its own rate-limit key.
func TestForwardedClientAddress(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		xff     string
		want    string
	}{
		{"Untrusted", nil, "203.0.113.7", "addr:127.0.0.1"},
		{"TrustedProxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "203.0.113.7", "addr:203.0.113.7"},
		{"ForgedEntryBeforeTheProxys", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "198.51.100.1, 203.0.113.7", "addr:203.0.113.7"},
		{"ChainOfProxies", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}, "203.0.113.7, 10.1.2.3", "addr:203.0.113.7"},
		{"Malformed", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "not-an-address", "addr:127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit := &countingLimiter{n: 100, seen: map[string]int{}}
			c := serveWith(t, db, graph.Options{Introspection: true, RequestLimit: limit, TrustedProxies: tc.trusted}, unlimited{}, unlimited{}).anonymous()
			c.raw(http.MethodPost, c.url, http.Header{"Content-Type": {"application/json"}, "X-Forwarded-For": {tc.xff}},
				mustJSON(t, map[string]any{"query": "{ __typename }"}))
			if limit.seen[tc.want] != 1 || len(limit.seen) != 1 {
				t.Fatalf("keys counted %v, want %s", limit.seen, tc.want)
			}
		})
	}
}
