package load

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/openkarmayogi/karmayogi/models"
)

// The operations of the mixed workload. Each is sent with an operationName of
// its own, so the server's metrics (karmayogi_graphql_operation_duration_seconds)
// tell them apart too.
const (
	OpRecsWarm     = "recommendations_warm" // a learner whose ranking is cached
	OpRecsCold     = "recommendations_cold" // a learner whose version just changed, or who never asked
	OpPassbook     = "passbook"             // learner { proficiencies, evidence(first:20), enrolments, certificates }
	OpEvidence     = "evidence_write"       // recordEvidence, SELF as the learner or by an admin
	OpGapReport    = "gap_report"           // gapReport for an organisation, as its ORG_ADMIN
	OpCourses      = "courses_page"         // courses(first: 20, after) following endCursor
	OpCompetencies = "competencies"         // the competency dictionary, by type

	// OpCoursesFirst is the first page only, for the overhead ratio against SQL.
	OpCoursesFirst = "courses_first_page"
)

// Weight is one operation's share of a mix.
type Weight struct {
	Op     string
	Weight int
}

// Mix is a workload: operations drawn at random in proportion to their weights.
type Mix []Weight

// DefaultMix is a portal's day: mostly reading (recommendations, the passbook,
// the catalogue), one request in ten a write, a few administrators' reports. Most
// recommendation requests are repeats (cached); the cold ones follow writes.
var DefaultMix = Mix{
	{OpRecsWarm, 30}, {OpRecsCold, 5}, {OpPassbook, 20}, {OpEvidence, 10},
	{OpGapReport, 5}, {OpCourses, 25}, {OpCompetencies, 5},
}

// ParseMix reads "op=weight,op=weight"; an empty string is DefaultMix.
func ParseMix(s string) (Mix, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultMix, nil
	}
	known := map[string]bool{}
	for _, w := range DefaultMix {
		known[w.Op] = true
	}
	var m Mix
	for part := range strings.SplitSeq(s, ",") {
		op, n, ok := strings.Cut(strings.TrimSpace(part), "=")
		w, err := strconv.Atoi(n)
		if !ok || err != nil || w < 0 || !known[op] {
			return nil, fmt.Errorf("load: mix %q: want op=weight with op one of %v", part, opNames(DefaultMix))
		}
		m = append(m, Weight{op, w})
	}
	if m.total() == 0 {
		return nil, fmt.Errorf("load: mix %q has no weight", s)
	}
	return m, nil
}

func (m Mix) total() int {
	n := 0
	for _, w := range m {
		n += w.Weight
	}
	return n
}

func opNames(m Mix) []string {
	out := make([]string, len(m))
	for i, w := range m {
		out[i] = w.Op
	}
	return out
}

// The documents, one per operation. Recommendations select `cached`, gap reports
// too, so the report can tell warm from cold by what the server says.
const (
	recsQuery = `query %s($id: ID!) { recommendations(learnerId: $id, first: 10) { cached generatedAt
  items { rank score explanation course { id title durationHours } gapsAddressed { competency { name } fromLevel toLevel gapClosed } } } }`
	passbookQuery = `query Passbook($id: ID!) { learner(id: $id) { name
  proficiencies { competency { name } level confidence intervalLow intervalHigh updatedAt }
  evidence(first: 20) { edges { node { id source level score observedAt competency { name } } } }
  enrolments(first: 20) { edges { node { id status progress course { title } } } }
  certificates(first: 20) { edges { node { issuedAt verificationCode course { title } } } } } }`
	evidenceQuery = `mutation RecordEvidence($input: RecordEvidenceInput!) { recordEvidence(input: $input) {
  evidence { id observedAt } proficiency { level confidence } } }`
	gapReportQuery = `query GapReport($org: ID!) { gapReport(organisationId: $org) { learnerCount cached generatedAt
  competencies { competency { name } learners learnersWithGap meanGap } heatmap { organisation { name } meanGap learners }
  suggestedCourses(first: 5) { course { title } learnersHelped totalGapClosed } } }`
	coursesQuery = `query Courses($after: String) { courses(first: 20, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { node { id code title provider format durationHours } } } }`
	competenciesQuery = `query Competencies($type: CompetencyType) { competencies(first: 50, filter: { type: $type }) {
  totalCount edges { node { id code name area type } } } }`
)

// browseDepth is how many pages of courses a browsing visitor reads.
const browseDepth = 5

// Minter signs an access token for a caller, as the server's own code does.
type Minter func(c models.Caller, ttl time.Duration) (string, error)

// Targets generates the requests of a mix. It is safe for vegeta's concurrent
// workers. Learners are split in two: the first Warm are the warm pool (asked for
// recommendations in Warmup, never written to, so their rankings stay cached);
// the rest receive evidence writes and cold recommendation requests, and each
// acknowledged write queues its learner for a cold request (their version just
// changed). With no such learner queued, a cold request goes to the next learner
// never asked. Observe feeds those queues and the courses cursors from responses.
type Targets struct {
	URL string // the /graphql endpoint
	Mix Mix
	fx  *Fixtures

	warm         int
	learnerToken []string // by learner index
	adminToken   string
	orgToken     []string // by organisation index

	mu       sync.Mutex
	rng      *rand.Rand
	nextCold int
	changed  []int        // learners whose version a write just moved, oldest first
	queued   map[int]bool // the learners in changed, each queued once
	cursors  []browse
}

type browse struct {
	after string
	depth int
}

// NewTargets mints the tokens (one per learner, one per organisation's ORG_ADMIN,
// one PLATFORM_ADMIN) valid for ttl and returns the generator. seed makes the
// sequence of requests repeatable.
func NewTargets(url string, fx *Fixtures, mix Mix, mint Minter, ttl time.Duration, seed uint64) (*Targets, error) {
	t := &Targets{URL: url, Mix: mix, fx: fx, rng: rand.New(rand.NewPCG(seed, 0x10ad)), queued: map[int]bool{}}
	t.warm = min(200, len(fx.Learners)/10)
	var err error
	if t.adminToken, err = mint(models.Caller{Role: models.RolePlatformAdmin}, ttl); err != nil {
		return nil, err
	}
	t.learnerToken = make([]string, len(fx.Learners))
	for i, l := range fx.Learners {
		if t.learnerToken[i], err = mint(models.Caller{Role: models.RoleLearner, LearnerID: l.ID, OrganisationID: l.OrganisationID}, ttl); err != nil {
			return nil, err
		}
	}
	t.orgToken = make([]string, len(fx.Organisations))
	for i, o := range fx.Organisations {
		if t.orgToken[i], err = mint(models.Caller{Role: models.RoleOrgAdmin, OrganisationID: o}, ttl); err != nil {
			return nil, err
		}
	}
	t.nextCold = t.warm
	return t, nil
}

// WarmPool is how many learners are in the warm pool.
func (t *Targets) WarmPool() int { return t.warm }

// Targeter draws operations from the mix.
func (t *Targets) Targeter() vegeta.Targeter {
	return func(tgt *vegeta.Target) error {
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.build(t.pick(), tgt)
	}
}

// Only is a targeter of one operation, for the overhead ratios.
func (t *Targets) Only(op string) vegeta.Targeter {
	return func(tgt *vegeta.Target) error {
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.build(op, tgt)
	}
}

// Warmup returns one recommendations request for each learner of the warm pool,
// to send before a measured run so their rankings are cached.
func (t *Targets) Warmup() []vegeta.Target {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]vegeta.Target, t.warm)
	for i := range out {
		t.request(&out[i], OpRecsWarm, i, 0, "RecommendationsWarm", fmt.Sprintf(recsQuery, "RecommendationsWarm"),
			map[string]any{"id": GlobalID("Learner", t.fx.Learners[i].ID)}, t.learnerToken[i])
	}
	return out
}

func (t *Targets) pick() string {
	n := t.rng.IntN(t.Mix.total())
	for _, w := range t.Mix {
		if n < w.Weight {
			return w.Op
		}
		n -= w.Weight
	}
	return t.Mix[len(t.Mix)-1].Op
}

// written picks a learner outside the warm pool.
func (t *Targets) written() int {
	return t.warm + t.rng.IntN(len(t.fx.Learners)-t.warm)
}

func (t *Targets) build(op string, tgt *vegeta.Target) error {
	fx := t.fx
	switch op {
	case OpRecsWarm:
		i := t.rng.IntN(max(t.warm, 1))
		t.request(tgt, op, i, 0, "RecommendationsWarm", fmt.Sprintf(recsQuery, "RecommendationsWarm"),
			map[string]any{"id": GlobalID("Learner", fx.Learners[i].ID)}, t.learnerToken[i])
	case OpRecsCold:
		var i int
		if len(t.changed) > 0 {
			i, t.changed = t.changed[0], t.changed[1:]
			delete(t.queued, i)
		} else {
			i = t.nextCold
			if t.nextCold++; t.nextCold >= len(fx.Learners) {
				t.nextCold = t.warm // every learner asked once: from here on, some "cold" ones are cached
			}
		}
		t.request(tgt, op, i, 0, "RecommendationsCold", fmt.Sprintf(recsQuery, "RecommendationsCold"),
			map[string]any{"id": GlobalID("Learner", fx.Learners[i].ID)}, t.learnerToken[i])
	case OpPassbook:
		i := t.rng.IntN(len(fx.Learners))
		t.request(tgt, op, i, 0, "Passbook", passbookQuery, map[string]any{"id": GlobalID("Learner", fx.Learners[i].ID)}, t.learnerToken[i])
	case OpEvidence:
		i := t.written()
		input := map[string]any{"learnerId": GlobalID("Learner", fx.Learners[i].ID),
			"competencyId": GlobalID("Competency", fx.Competencies[t.rng.IntN(len(fx.Competencies))]),
			"level":        1 + t.rng.IntN(5)}
		token := t.learnerToken[i]
		switch r := t.rng.IntN(4); {
		case r < 2: // the learner rates themselves
			input["source"] = "SELF"
		case r == 2:
			input["source"], token = "SUPERVISOR", t.adminToken
		default:
			input["source"], input["score"], token = "ASSESSMENT", float64(t.rng.IntN(101))/100, t.adminToken
		}
		t.request(tgt, op, i, 0, "RecordEvidence", evidenceQuery, map[string]any{"input": input}, token)
	case OpGapReport:
		o := t.rng.IntN(len(fx.Organisations))
		t.request(tgt, op, -1, 0, "GapReport", gapReportQuery, map[string]any{"org": GlobalID("Organisation", fx.Organisations[o])}, t.orgToken[o])
	case OpCourses:
		b := browse{}
		if n := len(t.cursors); n > 0 && t.rng.IntN(4) > 0 { // most visitors go on to the next page
			j := t.rng.IntN(n)
			b = t.cursors[j]
			t.cursors[j] = t.cursors[n-1]
			t.cursors = t.cursors[:n-1]
		}
		vars := map[string]any{}
		if b.after != "" {
			vars["after"] = b.after
		}
		t.request(tgt, op, -1, b.depth, "Courses", coursesQuery, vars, "") // the catalogue is public
	case OpCoursesFirst:
		t.request(tgt, op, -1, browseDepth, "Courses", coursesQuery, map[string]any{}, "")
	case OpCompetencies:
		types := []string{"BEHAVIOURAL", "FUNCTIONAL", "DOMAIN"}
		t.request(tgt, op, -1, 0, "Competencies", competenciesQuery, map[string]any{"type": types[t.rng.IntN(3)]}, "")
	default:
		return fmt.Errorf("load: unknown operation %q", op)
	}
	return nil
}

// request fills tgt. The URL's fragment names the operation, the learner and the
// page depth: vegeta hands the target URL back in its result, and a fragment is
// never sent, so the server sees a plain /graphql.
func (t *Targets) request(tgt *vegeta.Target, op string, learner, depth int, name, query string, vars map[string]any, token string) {
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": name, "variables": vars})
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/graphql-response+json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	*tgt = vegeta.Target{Method: http.MethodPost, URL: fmt.Sprintf("%s#%s/%d/%d", t.URL, op, learner, depth), Body: body, Header: h}
}

// Observe feeds the queues from an outcome: an acknowledged write queues its
// learner for a cold recommendation, a courses page its next page.
func (t *Targets) Observe(o Outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case o.Op == OpEvidence && o.EvidenceID != 0 && o.Learner >= 0 && !t.queued[o.Learner] && len(t.changed) < 10000:
		// Once: a second cold request for the same version would find it cached.
		t.changed = append(t.changed, o.Learner)
		t.queued[o.Learner] = true
	case o.Op == OpCourses && o.NextCursor != "" && o.Depth+1 < browseDepth && len(t.cursors) < 1000:
		t.cursors = append(t.cursors, browse{after: o.NextCursor, depth: o.Depth + 1})
	}
}
