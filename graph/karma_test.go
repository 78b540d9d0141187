package graph_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const (
	qKarmaRules = `{ karmaRules { reason points monthlyCap latePenaltyPerMonth } }`
	mSetRule    = `mutation($input: SetKarmaRuleInput!) { setKarmaRule(input: $input) { rule { reason points monthlyCap latePenaltyPerMonth } } }`
	qKarma      = `query($id: ID!) { learner(id: $id) { karmaPoints
		karmaLedger(first: 50) { totalCount edges { node { reason points note awardedAt course { code } event { code } } } } } }`
	mAssess = `mutation($input: TakeAssessmentInput!) { takeAssessment(input: $input) { attempt {
		score passed takenAt course { code passMark } } } }`
	qLearnerBoard = `query($o: ID!, $n: Int, $s: Time) { learnerLeaderboard(organisationId: $o, first: $n, since: $s) {
		rank points learnerId name designation organisation { code } learner { id email } } }`
	qOrgBoard = `query($p: ID, $n: Int) { organisationLeaderboard(parentId: $p, first: $n) {
		rank learners points averagePoints organisation { code } } }`
)

type ruleJSON struct {
	Reason              string
	Points              int
	MonthlyCap          *int
	LatePenaltyPerMonth int
}

type ledgerJSON struct {
	Learner struct {
		KarmaPoints int
		KarmaLedger struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Reason    string
					Points    int
					Note      string
					AwardedAt time.Time
					Course    *struct{ Code string }
					Event     *struct{ Code string }
				}
			}
		}
	}
}

// entries returns the ledger's entries of a reason.
func (l ledgerJSON) entries(reason string) (points []int, courses []string) {
	for _, e := range l.Learner.KarmaLedger.Edges {
		if e.Node.Reason == reason {
			points = append(points, e.Node.Points)
			if e.Node.Course != nil {
				courses = append(courses, e.Node.Course.Code)
			}
		}
	}
	return points, courses
}

func rules(t *testing.T, c *client) map[string]ruleJSON {
	t.Helper()
	out := map[string]ruleJSON{}
	for _, r := range query[struct{ KarmaRules []ruleJSON }](t, c, qKarmaRules, nil).KarmaRules {
		out[r.Reason] = r
	}
	return out
}

// TestKarma: rules are data the platform changes; completing a course and passing
// its final assessment write the ledger; leaderboards rank learners and
// organisations without revealing anyone's contact details.
func TestKarma(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		f, pa, asha := e.f, e.pa.bind(t), e.asha.bind(t)

		// Every reason has a rule, in the order of KarmaReason.
		var listed []string
		for _, r := range query[struct{ KarmaRules []ruleJSON }](t, asha, qKarmaRules, nil).KarmaRules {
			listed = append(listed, r.Reason)
		}
		if got := strings.Join(listed, ","); got != "COURSE_COMPLETION,ASSESSMENT_PASSED,PLAN_COURSE_ON_TIME,COURSE_RATING,FIRST_ENROLMENT,EVENT_ATTENDANCE" {
			t.Fatalf("rules = %s", got)
		}
		assertError(t, e.anon.bind(t).ask(qKarmaRules, nil), graph.CodeUnauthenticated, "", "")

		// The platform sets a rule; a bad value is refused and the rule stays as it was.
		assertJSON(t, pa.data(mSetRule, map[string]any{"input": map[string]any{"reason": "COURSE_COMPLETION", "points": 7, "monthlyCap": 10}}),
			`{"setKarmaRule": {"rule": {"reason": "COURSE_COMPLETION", "points": 7, "monthlyCap": 10, "latePenaltyPerMonth": 0}}}`)
		before := snapshot(t, db)
		for _, tc := range []struct {
			name, field string
			input       map[string]any
		}{
			{"ErrNegativeCap", "input.monthlyCap", map[string]any{"reason": "COURSE_COMPLETION", "points": 9, "monthlyCap": -1}},
			{"ErrPoints", "input.points", map[string]any{"reason": "COURSE_COMPLETION", "points": 1001}},
			{"ErrPenalty", "input.latePenaltyPerMonth", map[string]any{"reason": "PLAN_COURSE_ON_TIME", "points": 5, "latePenaltyPerMonth": -2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				assertError(t, pa.bind(t).ask(mSetRule, map[string]any{"input": tc.input}), graph.CodeBadUserInput, tc.field, "")
			})
		}
		for _, c := range []*client{asha, e.doeAdmin.bind(t), e.provider.bind(t)} {
			assertError(t, c.ask(mSetRule, map[string]any{"input": map[string]any{"reason": "COURSE_COMPLETION", "points": 1000}}),
				graph.CodeForbidden, "", "")
		}
		assertUnchanged(t, db, before)
		if r := rules(t, asha)["COURSE_COMPLETION"]; r.Points != 7 || r.MonthlyCap == nil || *r.MonthlyCap != 10 {
			t.Fatalf("COURSE_COMPLETION after refused changes = %+v", r)
		}

		// A course with a final assessment: pass mark through createCourse/updateCourse.
		assertError(t, pa.ask(`mutation { createCourse(input: {code: "PM-BAD", title: "t", description: "d", provider: "p",
			format: ONLINE, durationHours: 1, passMark: 1.5}) { course { id } } }`, nil), graph.CodeBadUserInput, "input.passMark", "")

		// Asha completes it: a first enrolment and a completion, at the rules of the day.
		// (It gets its final assessment after: a course with a pass mark completes only
		// after a passed assessment, which the attack suite checks.)
		var en struct {
			Enrol struct{ Enrolment struct{ ID string } }
		}
		decode(t, asha.data(mEnrol, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr101"]}}), &en)
		enrolment := en.Enrol.Enrolment.ID
		if r := asha.ask(mProgress, map[string]any{"input": map[string]any{"enrolmentId": enrolment, "progress": 1}}); len(r.Errors) > 0 {
			t.Fatal(r.Body)
		}
		assertJSON(t, pa.data(`mutation($id: ID!) { updateCourse(input: {id: $id, passMark: 0.7}) { course { code passMark } } }`,
			map[string]any{"id": f["$gfr101"]}), `{"updateCourse": {"course": {"code": "GFR-101", "passMark": 0.7}}}`)
		ledger := query[ledgerJSON](t, asha, qKarma, map[string]any{"id": f["$asha"]})
		if pts, courses := ledger.entries("COURSE_COMPLETION"); len(pts) != 1 || pts[0] != 7 || courses[0] != "GFR-101" {
			t.Fatalf("completion entries %v %v in %+v", pts, courses, ledger)
		}
		if pts, _ := ledger.entries("FIRST_ENROLMENT"); len(pts) != 1 {
			t.Fatalf("first-enrolment entries %v in %+v", pts, ledger)
		}
		sum := 0
		for _, e := range ledger.Learner.KarmaLedger.Edges {
			sum += e.Node.Points
		}
		if ledger.Learner.KarmaPoints != sum || sum < 7 || ledger.Learner.KarmaLedger.TotalCount != len(ledger.Learner.KarmaLedger.Edges) {
			t.Fatalf("karmaPoints %d, ledger sums to %d: %+v", ledger.Learner.KarmaPoints, sum, ledger)
		}

		// Her final assessment: a fail, then a pass; the pass earns points once.
		assess := func(c *client, enrolment string, score float64) response {
			return c.ask(mAssess, map[string]any{"input": map[string]any{"enrolmentId": enrolment, "score": score}})
		}
		provider := e.provider.bind(t) // reports the scores of an assessment run elsewhere
		if r := assess(provider, enrolment, 0.5); !strings.Contains(r.Body, `"passed":false`) || len(r.Errors) > 0 {
			t.Fatalf("a score under the pass mark: %s", r.Body)
		}
		var passed struct {
			TakeAssessment struct {
				Attempt struct {
					Score  float64
					Passed bool
					Course struct{ Code string }
				}
			}
		}
		decode(t, assess(provider, enrolment, 0.8).Data, &passed)
		a := passed.TakeAssessment.Attempt
		var mine struct {
			Node struct {
				AssessmentAttempts []struct {
					Score  float64
					Passed bool
				}
			}
		}
		decode(t, asha.data(`query($id: ID!) { node(id: $id) { ... on Enrolment { assessmentAttempts { score passed } } } }`,
			map[string]any{"id": enrolment}), &mine)
		if got := mine.Node.AssessmentAttempts; !a.Passed || a.Score != 0.8 || a.Course.Code != "GFR-101" || len(got) != 2 ||
			got[0].Passed || !got[1].Passed {
			t.Fatalf("a passing attempt = %+v, her attempts %+v", a, got)
		}
		assess(provider, enrolment, 0.9) // passing again earns nothing more
		after := query[ledgerJSON](t, asha, qKarma, map[string]any{"id": f["$asha"]})
		if pts, courses := after.entries("ASSESSMENT_PASSED"); len(pts) != 1 || courses[0] != "GFR-101" ||
			after.Learner.KarmaPoints != ledger.Learner.KarmaPoints+pts[0] {
			t.Fatalf("assessment entries %v %v, points %d then %d", pts, courses, ledger.Learner.KarmaPoints, after.Learner.KarmaPoints)
		}
		// The evidence's score is rescaled so that the course's pass mark (0.7) reads as every assessment's (0.6).
		rescaled := 0.6 + (0.9-0.7)*(1-0.6)/(1-0.7)
		if ev := evidenceOf(t, asha, f["$asha"], 1); len(ev) != 1 || ev[0].Source != "ASSESSMENT" || ev[0].Course == nil ||
			ev[0].Course.Code != "GFR-101" || ev[0].Score == nil || math.Abs(*ev[0].Score-rescaled) > 1e-9 {
			t.Fatalf("the newest evidence after the assessment = %+v", ev)
		}

		before = snapshot(t, db)
		assertError(t, assess(provider, enrolment, 1.5), graph.CodeBadUserInput, "input.score", "")
		assertError(t, assess(provider, f["$bhaskarEnrolment"], 0.9), graph.CodeBadUserInput, "input.enrolmentId", "") // TAX-301 has none
		for _, c := range []*client{asha, pa, e.doeAdmin.bind(t), e.mohfwAdmin.bind(t)} {
			assertError(t, assess(c, enrolment, 1), graph.CodeForbidden, "", "") // a score is the provider's word
		}
		assertUnchanged(t, db, before)

		// Learner leaderboards: name, designation and organisation for anyone signed in; contact details for nobody.
		chitra := e.learnerClient(t, "$chitra", "$mohfw")
		type standing struct {
			Rank, Points    int
			LearnerID, Name string
			Designation     string
			Organisation    struct{ Code string }
			Learner         *struct{ ID string }
		}
		board := func(c *client, vars map[string]any) []standing {
			return query[struct{ LearnerLeaderboard []standing }](t, c, qLearnerBoard, vars).LearnerLeaderboard
		}
		r := chitra.ask(qLearnerBoard, map[string]any{"o": f["$mof"]})
		assertAbsent(t, r.Body, "asha.verma@gov.in", "E001", "bhaskar.rao@gov.in", "devendra.singh@gov.in")
		top := board(chitra, map[string]any{"o": f["$mof"]})
		// Asha (her course, assessment and first enrolment) above Bhaskar (a first enrolment); Devendra has none.
		if len(top) < 2 || top[0].Rank != 1 || top[0].LearnerID != f["$asha"] || top[0].Name != "Asha Verma" ||
			top[0].Designation != "Section Officer" || top[0].Organisation.Code != "DGACR" || top[0].Points != after.Learner.KarmaPoints ||
			top[0].Learner != nil || top[1].Name != "Bhaskar Rao" || top[1].Rank != 2 || top[1].Points >= top[0].Points {
			t.Fatalf("MOF's leaderboard as Chitra = %+v", top)
		}
		if own := board(asha, map[string]any{"o": f["$mof"], "n": 1}); len(own) != 1 || own[0].Learner == nil || own[0].Learner.ID != f["$asha"] {
			t.Fatalf("MOF's leaderboard as Asha = %+v", own)
		}
		if later := board(asha, map[string]any{"o": f["$mof"], "s": soon(day)}); len(later) > 0 && later[0].Points != 0 {
			t.Fatalf("points since tomorrow = %+v", later)
		}
		assertError(t, asha.ask(qLearnerBoard, map[string]any{"o": f["$mof"], "n": 0}), graph.CodeBadUserInput, "first", "")
		assertError(t, asha.ask(qLearnerBoard, map[string]any{"o": f["$asha"]}), graph.CodeBadUserInput, "organisationId", "")
		assertError(t, asha.ask(qLearnerBoard, map[string]any{"o": b64("Organisation:999999")}), graph.CodeNotFound, "", "")
		assertError(t, e.anon.bind(t).ask(qLearnerBoard, map[string]any{"o": f["$mof"]}), graph.CodeUnauthenticated, "", "")

		// Organisations by average points per learner: MOF (Asha's points over three learners) above MOHFW.
		var orgs struct {
			OrganisationLeaderboard []struct {
				Rank, Learners, Points int
				AveragePoints          float64
				Organisation           struct{ Code string }
			}
		}
		decode(t, chitra.data(qOrgBoard, nil), &orgs)
		o := orgs.OrganisationLeaderboard
		if len(o) == 0 || o[0].Organisation.Code != "MOF" || o[0].Rank != 1 || o[0].Learners != 3 ||
			o[0].Points < after.Learner.KarmaPoints || o[0].AveragePoints != float64(o[0].Points)/3 ||
			(len(o) > 1 && (o[1].Organisation.Code != "MOHFW" || o[1].AveragePoints >= o[0].AveragePoints)) {
			t.Fatalf("ministries' leaderboard = %+v", o)
		}
		decode(t, chitra.data(qOrgBoard, map[string]any{"p": f["$mof"]}), &orgs)
		if o := orgs.OrganisationLeaderboard; len(o) != 1 || o[0].Organisation.Code != "DOE" || o[0].Learners != 2 {
			t.Fatalf("MOF's children = %+v", o)
		}
	})
}
