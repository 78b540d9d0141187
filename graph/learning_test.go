package graph_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/graph"
	"github.com/openkarmayogi/karmayogi/internal/store"
	"github.com/openkarmayogi/karmayogi/internal/store/storetest"
)

const (
	mRecord = `mutation($input: RecordEvidenceInput!) { recordEvidence(input: $input) {
		evidence { id source level score observedAt competency { code } }
		proficiency { level confidence distribution intervalLow intervalHigh updatedAt competency { code } } } }`
	mEnrol    = `mutation($input: EnrolInput!) { enrol(input: $input) { enrolment { id status progress course { code } } } }`
	mProgress = `mutation($input: UpdateProgressInput!) { updateProgress(input: $input) { enrolment {
		id status progress completedAt certificate { id verificationCode issuedAt course { code } learner { name } } } } }`
	mRate     = `mutation($input: RateCourseInput!) { rateCourse(input: $input) { course { rating ratingCount } } }`
	qPassbook = `query($id: ID!) { learner(id: $id) {
		proficiencies { competency { code } level confidence distribution intervalLow intervalHigh updatedAt }
		evidence(first: 10) { totalCount edges { node { id source level competency { code } } } }
		enrolments(first: 10) { totalCount edges { node { status course { code } } } }
		certificates(first: 10) { totalCount edges { node { verificationCode course { code } } } } } }`
)

type proficiencyJSON struct {
	Competency   struct{ Code string }
	Level        int
	Confidence   float64
	Distribution []float64
	IntervalLow  int
	IntervalHigh int
	UpdatedAt    *time.Time
}

type passbookJSON struct {
	Learner struct {
		Proficiencies []proficiencyJSON
		Evidence      struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID, Source string } }
		}
		Enrolments, Certificates struct{ TotalCount int }
	}
}

func passbook(t *testing.T, c *client, id string) passbookJSON {
	t.Helper()
	var p passbookJSON
	decode(t, c.data(qPassbook, map[string]any{"id": id}), &p)
	for _, pr := range p.Learner.Proficiencies {
		var sum float64
		for _, x := range pr.Distribution {
			sum += x
		}
		if len(pr.Distribution) != 6 || math.Abs(sum-1) > 1e-9 || pr.IntervalLow > pr.Level || pr.Level > pr.IntervalHigh ||
			math.Abs(pr.Confidence-pr.Distribution[pr.Level]) > 1e-12 {
			t.Fatalf("incoherent proficiency %+v", pr)
		}
	}
	return p
}

func proficiencyOf(p passbookJSON, code string) *proficiencyJSON {
	for i := range p.Learner.Proficiencies {
		if p.Learner.Proficiencies[i].Competency.Code == code {
			return &p.Learner.Proficiencies[i]
		}
	}
	return nil
}

// TestLearningRecord walks a learner's passbook through the API: evidence, an
// enrolment to completion, its certificate checked in public, and a rating.
func TestLearningRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAttackEnv(t, db)
		asha, f := e.asha.bind(t), e.f

		// Before any evidence: the competencies her role requires, at the role's prior.
		before := passbook(t, asha, f["$asha"])
		if len(before.Learner.Proficiencies) != 2 || proficiencyOf(before, "PROC") == nil || proficiencyOf(before, "PROC").UpdatedAt != nil {
			t.Fatalf("initial passbook = %+v", before.Learner.Proficiencies)
		}

		// A learner may declare her own level, and only that.
		r := asha.ask(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$emp"], "source": "SELF", "level": 3}})
		if len(r.Errors) > 0 || !strings.Contains(r.Body, `"source":"SELF"`) || strings.Contains(r.Body, `"updatedAt":null`) {
			t.Fatalf("self rating: %s", r.Body)
		}
		assertError(t, asha.ask(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$proc"],
			"source": "ASSESSMENT", "level": 3, "score": 1}}), graph.CodeForbidden, "", "")
		assertError(t, e.mohfwAdmin.bind(t).ask(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$proc"],
			"source": "SUPERVISOR", "level": 3}}), graph.CodeNotFound, "", "")

		// A PLATFORM_ADMIN's write is authorised without reading the learner, so
		// the write itself answers for one who does not exist; a learner writing
		// of another is not told whether they exist.
		unknown := b64("Learner:999999")
		assertError(t, e.pa.bind(t).ask(mRecord, map[string]any{"input": map[string]any{"learnerId": unknown, "competencyId": f["$proc"],
			"source": "SUPERVISOR", "level": 3}}), graph.CodeNotFound, "", "")
		for _, id := range []string{unknown, f["$bhaskar"]} {
			assertError(t, asha.ask(mRecord, map[string]any{"input": map[string]any{"learnerId": id, "competencyId": f["$proc"],
				"source": "SELF", "level": 3}}), graph.CodeNotFound, "", "")
		}

		// Her department's admin records an assessment she passed well.
		admin := e.doeAdmin.bind(t)
		observed := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
		var rec struct {
			RecordEvidence struct {
				Evidence    struct{ ID string }
				Proficiency proficiencyJSON
			}
		}
		decode(t, admin.data(mRecord, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "competencyId": f["$proc"],
			"source": "ASSESSMENT", "level": 2, "score": 0.9, "observedAt": observed}}), &rec)
		if p := rec.RecordEvidence.Proficiency; p.Level < 2 || p.UpdatedAt == nil || !p.UpdatedAt.Equal(observed) {
			t.Fatalf("after a passed level-2 assessment: %+v", p)
		}
		assessed := passbook(t, asha, f["$asha"])
		if got := proficiencyOf(assessed, "PROC"); got.Level != rec.RecordEvidence.Proficiency.Level {
			t.Fatalf("passbook %+v disagrees with the payload %+v", got, rec.RecordEvidence.Proficiency)
		}

		for _, tc := range []struct {
			name, field string
			edit        map[string]any
		}{
			{"ErrLevel", "input.level", map[string]any{"level": 6}},
			{"ErrScore", "input.score", map[string]any{"score": 1.5}},
			{"ErrScoreMissing", "input.score", map[string]any{"score": nil}},
			{"ErrFuture", "input.observedAt", map[string]any{"observedAt": time.Now().Add(24 * time.Hour)}},
			{"ErrUnknownCompetency", "input.competencyId", map[string]any{"competencyId": b64("Competency:999999")}},
			{"ErrWrongType", "input.competencyId", map[string]any{"competencyId": f["$gfr101"]}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{"learnerId": f["$asha"], "competencyId": f["$proc"], "source": "ASSESSMENT", "level": 2, "score": 0.5}
				for k, v := range tc.edit {
					in[k] = v
				}
				assertError(t, admin.bind(t).ask(mRecord, map[string]any{"input": in}), graph.CodeBadUserInput, tc.field, "")
			})
		}

		// Enrol once; a repeat is a conflict, not a second enrolment.
		var en struct {
			Enrol struct{ Enrolment struct{ ID, Status string } }
		}
		decode(t, asha.data(mEnrol, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr201"]}}), &en)
		if en.Enrol.Enrolment.Status != "ENROLLED" {
			t.Fatalf("enrolment = %+v", en)
		}
		assertError(t, asha.ask(mEnrol, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr201"]}}),
			graph.CodeConflict, "input.courseId", "")
		progress := func(p float64) response {
			return asha.ask(mProgress, map[string]any{"input": map[string]any{"enrolmentId": en.Enrol.Enrolment.ID, "progress": p}})
		}
		if r := progress(0.5); !strings.Contains(r.Body, `"status":"IN_PROGRESS"`) || !strings.Contains(r.Body, `"certificate":null`) {
			t.Fatalf("progress 0.5: %s", r.Body)
		}
		assertError(t, progress(0.3), graph.CodeBadUserInput, "input.progress", "")
		assertError(t, progress(1.2), graph.CodeBadUserInput, "input.progress", "")

		var done struct {
			UpdateProgress struct {
				Enrolment struct {
					Status      string
					Certificate struct {
						VerificationCode string
						Course           struct{ Code string }
					}
				}
			}
		}
		decode(t, progress(1).Data, &done)
		cert := done.UpdateProgress.Enrolment.Certificate
		if done.UpdateProgress.Enrolment.Status != "COMPLETED" || cert.VerificationCode == "" || cert.Course.Code != "GFR-201" {
			t.Fatalf("completion = %+v", done)
		}

		// Completion is evidence: the passbook visibly changes.
		after := passbook(t, asha, f["$asha"])
		if after.Learner.Evidence.TotalCount != 3 || after.Learner.Evidence.Edges[0].Node.Source != "COURSE_COMPLETION" ||
			after.Learner.Enrolments.TotalCount != 1 || after.Learner.Certificates.TotalCount != 1 {
			t.Fatalf("after completion: %+v", after.Learner)
		}
		if a, b := proficiencyOf(after, "PROC"), proficiencyOf(assessed, "PROC"); a.Level <= b.Level && a.Distribution[4] <= b.Distribution[4] {
			t.Fatalf("completing a 2->4 course left PROC at %+v (was %+v)", a, b)
		}

		// Anyone can check the certificate; it reveals a name and a course, no contact details.
		v := e.anon.bind(t).ask(`query($c: String!) { verifyCertificate(code: $c) { learnerName issuedAt course { code title } } }`,
			map[string]any{"c": cert.VerificationCode})
		if !strings.Contains(v.Body, `"learnerName":"Asha Verma"`) || !strings.Contains(v.Body, `"code":"GFR-201"`) {
			t.Fatalf("verifyCertificate: %s", v.Body)
		}
		assertAbsent(t, v.Body, pii("asha")[1:]...)
		assertError(t, e.anon.bind(t).ask(`{ verifyCertificate(code: "KY-0000-0000-0000-0000") { learnerName } }`, nil), graph.CodeNotFound, "", "")

		// Ratings: the learner's own; one 5-star rating reads as the Bayesian average.
		rate := func(c *client, stars int) response {
			return c.ask(mRate, map[string]any{"input": map[string]any{"learnerId": f["$asha"], "courseId": f["$gfr201"], "stars": stars}})
		}
		assertJSON(t, rate(asha, 5).Data, `{"rateCourse": {"course": {"rating": 3.75, "ratingCount": 1}}}`)
		assertJSON(t, rate(asha, 1).Data, `{"rateCourse": {"course": {"rating": 3.0833333333333335, "ratingCount": 1}}}`)
		assertError(t, rate(asha, 6), graph.CodeBadUserInput, "input.stars", "")
		assertError(t, rate(admin, 5), graph.CodeForbidden, "", "")

		// The record is the learner's: a foreign admin cannot reach it by ID.
		evID := after.Learner.Evidence.Edges[0].Node.ID
		assertError(t, e.mohfwAdmin.bind(t).ask(qNode, map[string]any{"id": evID}), graph.CodeNotFound, "", "")
		if r := asha.ask(`query($id: ID!) { node(id: $id) { ... on Evidence { source } } }`, map[string]any{"id": evID}); !strings.Contains(r.Body, "COURSE_COMPLETION") {
			t.Fatalf("her own evidence by ID: %s", r.Body)
		}
		var raw json.RawMessage = asha.data(`query($id: ID!) { learner(id: $id) { enrolments(status: COMPLETED) { totalCount } } }`, map[string]any{"id": f["$asha"]})
		assertJSON(t, raw, `{"learner": {"enrolments": {"totalCount": 1}}}`)
	})
}
