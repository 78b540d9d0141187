package recommender_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

var zeroTime time.Time

// randomCourses returns n courses over competencies 1..competencies, each imparting
// 1..maxImparts of them at random levels, with random hours, ratings and enrolments.
func randomCourses(rng *rand.Rand, n, competencies, maxImparts int) []recommender.Course {
	out := make([]recommender.Course, n)
	for i := range out {
		c := recommender.Course{
			ID:         int64(1000 + 3*i), // IDs are not positions
			Title:      fmt.Sprintf("Course %d", i),
			Hours:      float64(1+rng.IntN(30)) / 2,
			Enrolments: rng.IntN(1000),
		}
		if rng.IntN(3) > 0 {
			c.RatingCount = rng.IntN(200)
			for range c.RatingCount {
				c.RatingSum += 1 + rng.IntN(5)
			}
		}
		for _, comp := range rng.Perm(competencies)[:min(competencies, 1+rng.IntN(maxImparts))] {
			from := rng.IntN(5)
			c.Imparts = append(c.Imparts, recommender.Impart{CompetencyID: int64(comp + 1), From: from, To: from + 1 + rng.IntN(5-from)})
		}
		out[i] = c
	}
	return out
}

// randomDist returns a random distribution over 6 levels, peaked at a random level.
func randomDist(rng *rand.Rand) []float64 {
	d := make([]float64, 6)
	peak := rng.IntN(6)
	var z float64
	for l := range d {
		d[l] = rng.Float64() * math.Exp(-math.Abs(float64(l-peak))*(0.5+2*rng.Float64()))
		z += d[l]
	}
	for l := range d {
		d[l] /= z
	}
	return d
}

// randomLearner returns a learner with nReqs requirements over competencies
// 1..competencies, stored estimates for most of them, a role among 1..4 and a few
// excluded courses.
func randomLearner(rng *rand.Rand, courses []recommender.Course, competencies, nReqs int) recommender.Learner {
	l := recommender.Learner{
		RoleIDs: []int64{int64(1 + rng.IntN(4))},
		Stored:  map[int64][]float64{},
		Exclude: map[int64]bool{},
	}
	for _, comp := range rng.Perm(competencies)[:min(nReqs, competencies)] {
		id := int64(comp + 1)
		l.Requirements = append(l.Requirements, recommender.Requirement{
			CompetencyID: id, Level: 1 + rng.IntN(5), Weight: float64(1+rng.IntN(6)) / 2, RoleName: "Role",
		})
		if rng.IntN(5) > 0 {
			l.Stored[id] = randomDist(rng)
		}
	}
	l.Requirements = recommender.MergeRequirements(l.Requirements)
	for range rng.IntN(4) {
		l.Exclude[courses[rng.IntN(len(courses))].ID] = true
	}
	return l
}

// randomPeer returns a peer signal for a random half of (role 1..4, course) pairs.
func randomPeer(rng *rand.Rand, courses []recommender.Course) map[recommender.PeerKey]float64 {
	out := map[recommender.PeerKey]float64{}
	for _, c := range courses {
		for role := int64(1); role <= 4; role++ {
			if rng.IntN(2) == 0 {
				out[recommender.PeerKey{RoleID: role, CourseID: c.ID}] = rng.Float64()
			}
		}
	}
	return out
}

// refState is a reference implementation of the projected state, written from the
// formulas and independent of the package's own.
type refState struct {
	reqs  []recommender.Requirement
	dists map[int64][]float64
}

func newRefState(p recommender.Params, l recommender.Learner) refState {
	s := refState{reqs: l.Requirements, dists: map[int64][]float64{}}
	for _, r := range l.Requirements {
		s.dists[r.CompetencyID] = recommender.WithRequirement(p, r.CompetencyID, l.Stored[r.CompetencyID], r.Level, zeroTime).Distribution
	}
	return s
}

// refProject is P'(l') = Σ_l P(l)·[(l >= f && l' == max(l, t)) || (l < f && l' == l)].
func refProject(dist []float64, f, t int) []float64 {
	out := make([]float64, len(dist))
	for lp := range out {
		for l, q := range dist {
			if (l >= f && lp == max(l, t)) || (l < f && lp == l) {
				out[lp] += q
			}
		}
	}
	return out
}

func (s refState) gap() float64 {
	var g float64
	for _, r := range s.reqs {
		var e float64
		for l, q := range s.dists[r.CompetencyID] {
			e += q * float64(max(0, r.Level-l))
		}
		g += r.Weight * e
	}
	return g
}

func (s refState) apply(c recommender.Course) refState {
	out := refState{reqs: s.reqs, dists: map[int64][]float64{}}
	for id, d := range s.dists {
		out.dists[id] = d
	}
	for _, im := range c.Imparts {
		if d, ok := out.dists[im.CompetencyID]; ok {
			out.dists[im.CompetencyID] = refProject(d, im.From, im.To)
		}
	}
	return out
}

func (s refState) gain(c recommender.Course) float64 { return s.gap() - s.apply(c).gap() }

func TestRecommendExplained(t *testing.T) {
	p := recommender.DefaultParams()
	names := map[int64]string{10: "Public Procurement", 11: "Noting and Drafting", 12: "Financial Management"}
	courses := []recommender.Course{
		{ID: 1, Title: "Procurement Essentials", Hours: 6, RatingSum: 516, RatingCount: 120,
			Imparts: []recommender.Impart{{CompetencyID: 10, From: 1, To: 3}, {CompetencyID: 11, From: 0, To: 2}}},
		{ID: 2, Title: "Advanced Procurement", Hours: 10, Imparts: []recommender.Impart{{CompetencyID: 10, From: 3, To: 5}}},
		{ID: 3, Title: "Budgeting", Hours: 4, RatingSum: 4, RatingCount: 1, Imparts: []recommender.Impart{{CompetencyID: 12, From: 0, To: 1}}},
		{ID: 4, Title: "Unrelated", Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 99, From: 0, To: 5}}},
		{ID: 5, Title: "Dismissed", Hours: 1, Imparts: []recommender.Impart{{CompetencyID: 10, From: 0, To: 3}}},
	}
	cat := recommender.NewCatalogue(courses, names, nil)
	atOne := []float64{0.02, 0.9, 0.06, 0.02, 0, 0}
	l := recommender.Learner{
		Requirements: []recommender.Requirement{
			{CompetencyID: 10, Level: 3, Weight: 2, RoleName: "Section Officer"},
			{CompetencyID: 11, Level: 2, Weight: 1, RoleName: "Section Officer"},
			{CompetencyID: 12, Level: 1, Weight: 1, RoleName: "Section Officer"},
		},
		Stored:  map[int64][]float64{10: atOne, 11: {0.1, 0.9, 0, 0, 0, 0}, 12: {0.5, 0.5, 0, 0, 0, 0}},
		Exclude: map[int64]bool{5: true},
	}
	recs := cat.Recommend(p, l, 10, recommender.ScoreOptions{})
	var ids []int64
	for _, r := range recs {
		ids = append(ids, r.CourseID)
	}
	if want := []int64{1, 3}; !slices.Equal(ids, want) {
		t.Fatalf("recommended %v, want %v (2 needs level 3 first, 4 is unrelated, 5 dismissed)", ids, want)
	}
	top := recs[0]
	if want := "Raises Public Procurement from level 1 to 3, required 3 for Section Officer; also Noting and Drafting; rated 4.3 by 120 learners."; english(top.Explanation) != want {
		t.Errorf("explanation\n%q, want\n%q", english(top.Explanation), want)
	}
	if len(top.Gaps) != 2 || top.Gaps[0].CompetencyID != 10 || top.Gaps[0].From != 1 || top.Gaps[0].To != 3 ||
		top.Gaps[1].CompetencyID != 11 || top.Gaps[1].GapClosed > top.Gaps[0].GapClosed {
		t.Errorf("contributions %+v, want Public Procurement 1->3 first, then Noting and Drafting", top.Gaps)
	}
	if want := "Raises Financial Management from level 0 to 1, required 1 for Section Officer; rated 3.6 by 1 learner."; english(recs[1].Explanation) != want {
		t.Errorf("explanation\n%q, want\n%q", english(recs[1].Explanation), want)
	}
	q, _ := recommender.Quality(516, 120)
	if top.Signals.Quality != q || top.Signals.Peer != 0 || top.Rank != 1 || recs[1].Rank != 2 {
		t.Errorf("signals %+v ranks %d %d", top.Signals, top.Rank, recs[1].Rank)
	}

	// After the first course the second one becomes useful: Recommend itself scores
	// against the current estimate only.
	ready := []float64{0, 0, 0.05, 0.9, 0.05, 0}
	l.Stored[10] = ready
	l.Requirements[0].Level = 5
	recs = cat.Recommend(p, l, 1, recommender.ScoreOptions{})
	if len(recs) != 1 || recs[0].CourseID != 2 {
		t.Fatalf("with level 3 and 5 required, got %+v, want course 2 only (first = 1)", recs)
	}
	if !strings.HasPrefix(english(recs[0].Explanation), "Raises Public Procurement from level 3 to 5, required 5 for Section Officer") ||
		strings.Contains(english(recs[0].Explanation), "rated") {
		t.Errorf("explanation %q", english(recs[0].Explanation))
	}
}

func TestRecommendPeerSignal(t *testing.T) {
	p := recommender.DefaultParams()
	same := []recommender.Impart{{CompetencyID: 1, From: 0, To: 2}}
	courses := []recommender.Course{{ID: 1, Hours: 2, Imparts: same}, {ID: 2, Hours: 2, Imparts: same}}
	peer := map[recommender.PeerKey]float64{{RoleID: 7, CourseID: 2}: 0.6}
	cat := recommender.NewCatalogue(courses, nil, peer)
	l := recommender.Learner{RoleIDs: []int64{7, 8}, Requirements: []recommender.Requirement{{CompetencyID: 1, Level: 2, Weight: 1}}}
	recs := cat.Recommend(p, l, 0, recommender.ScoreOptions{})
	if len(recs) != 2 || recs[0].CourseID != 2 || recs[0].Signals.Peer != 0.3 || recs[1].Signals.Peer != 0 {
		t.Fatalf("with peers: %+v, want course 2 first with peer 0.3 (0.6 averaged over two roles)", recs)
	}
	// The courses are interchangeable: the second adds nothing once the first is
	// taken, and is listed as its alternative.
	if recs[1].Score != 0 || !slices.Equal(recs[0].Alternatives, []int64{1}) {
		t.Errorf("second course score %v, alternatives of the first %v; want 0 and [1]", recs[1].Score, recs[0].Alternatives)
	}
	noPeer := cat.Recommend(p, l, 0, recommender.ScoreOptions{NoPeer: true})
	if len(noPeer) != 2 || noPeer[0].CourseID != 1 || noPeer[0].Signals.Peer != 0 {
		t.Fatalf("without peers: %+v, want a tie broken by course ID", noPeer)
	}
	if want := noPeer[0].Score * 1.3; math.Abs(recs[0].Score-want) > 1e-12 {
		t.Errorf("score %v, want %v", recs[0].Score, want)
	}
}

// TestRecommendProperties: over random catalogues and learners, the list holds
// every course that helps on its own (up to first) and no excluded one, ranked 1..n;
// each item's coverage is its marginal gain on a reference state projected through
// the items above it (and equals its contributions); each item is, from that state, a
// near-equal of the best remaining candidate; and an item listed as another's
// alternative is one that item took at least half the value of.
func TestRecommendProperties(t *testing.T) {
	p := recommender.DefaultParams()
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		competencies := 3 + rng.IntN(15)
		courses := randomCourses(rng, 5+rng.IntN(60), competencies, 3)
		peer := randomPeer(rng, courses)
		cat := recommender.NewCatalogue(courses, nil, peer)
		l := randomLearner(rng, courses, competencies, 1+rng.IntN(8))
		first := rng.IntN(12)
		for _, o := range []recommender.ScoreOptions{{}, {NoPeer: true}} {
			ref := newRefState(p, l)
			recs := cat.Recommend(p, l, first, o)
			remaining := map[int64]recommender.Course{}
			for _, c := range courses {
				if !l.Exclude[c.ID] && ref.gain(c) > 1e-9 {
					remaining[c.ID] = c
				}
			}
			want := len(remaining)
			if first > 0 {
				want = min(want, first)
			}
			if len(recs) != want {
				t.Fatalf("trial %d: %d recommendations, want %d", trial, len(recs), want)
			}
			score := func(c recommender.Course, gain float64) float64 {
				q, _ := recommender.Quality(c.RatingSum, c.RatingCount)
				s := 0.0
				if !o.NoPeer {
					s = (peer[recommender.PeerKey{RoleID: l.RoleIDs[0], CourseID: c.ID}])
				}
				q0, _ := recommender.Quality(0, 0)
				return gain * (1 + recommender.QualityWeight*(q-q0)) * (1 + recommender.PeerWeight*s)
			}
			for k, r := range recs {
				c, ok := remaining[r.CourseID]
				if !ok {
					t.Fatalf("trial %d: course %d recommended: excluded, repeated or of no help", trial, r.CourseID)
				}
				if r.Rank != k+1 {
					t.Fatalf("trial %d: rank %d at position %d", trial, r.Rank, k)
				}
				g := ref.gain(c)
				if math.Abs(g-r.Signals.GapCoverage) > 1e-9 || math.Abs(score(c, g)-r.Score) > 1e-9 {
					t.Fatalf("trial %d: course %d marginal coverage %v score %v, reference %v %v", trial, r.CourseID, r.Signals.GapCoverage, r.Score, g, score(c, g))
				}
				var best float64
				for _, other := range remaining {
					best = max(best, score(other, ref.gain(other)))
				}
				if r.Score < (1-recommender.NearEqual)*best-1e-9 {
					t.Fatalf("trial %d: item %d scores %v, the best remaining %v", trial, k+1, r.Score, best)
				}
				var sum float64
				for _, g := range r.Gaps {
					req := l.Requirements[slices.IndexFunc(l.Requirements, func(q recommender.Requirement) bool { return q.CompetencyID == g.CompetencyID })]
					sum += req.Weight * g.GapClosed
				}
				if math.Abs(sum-r.Signals.GapCoverage) > 1e-9 {
					t.Fatalf("trial %d: contributions sum to %v, coverage %v", trial, sum, r.Signals.GapCoverage)
				}
				if !strings.HasSuffix(english(r.Explanation), ".") || strings.Count(english(r.Explanation), ".") > 2 {
					t.Fatalf("trial %d: explanation %q is not one sentence", trial, english(r.Explanation))
				}
				if o.NoPeer && r.Signals.Peer != 0 {
					t.Fatalf("trial %d: peer %v with NoPeer", trial, r.Signals.Peer)
				}
				after := ref.apply(c)
				for _, alt := range r.Alternatives {
					a, ok := remaining[alt]
					if !ok || alt == r.CourseID {
						t.Fatalf("trial %d: alternative %d of %d is not a candidate", trial, alt, r.CourseID)
					}
					if before, now := ref.gain(a), after.gain(a); before-now < recommender.AlternativeOverlap*before-1e-9 {
						t.Fatalf("trial %d: alternative %d of %d keeps %v of %v", trial, alt, r.CourseID, now, before)
					}
					shared := 0
					for _, im := range a.Imparts {
						if slices.ContainsFunc(c.Imparts, func(x recommender.Impart) bool { return x.CompetencyID == im.CompetencyID }) {
							shared++
						}
					}
					if 2*shared <= len(a.Imparts) {
						t.Fatalf("trial %d: alternative %d of %d shares %d of its %d competencies", trial, alt, r.CourseID, shared, len(a.Imparts))
					}
				}
				if len(r.Alternatives) > recommender.MaxAlternatives {
					t.Fatalf("trial %d: %d alternatives", trial, len(r.Alternatives))
				}
				delete(remaining, r.CourseID)
				ref = after
			}
		}
	}
}

func TestQuality(t *testing.T) {
	for _, tc := range []struct {
		sum, count int
		q, rating  float64
	}{
		{0, 0, 0.625, 0},
		{5, 1, (3.75 - 1) / 4, 3.75},
		{500, 100, ((17.5+500)/105 - 1) / 4, (17.5 + 500) / 105},
		{1000, 1000, ((17.5+1000)/1005 - 1) / 4, (17.5 + 1000) / 1005},
	} {
		q, r := recommender.Quality(tc.sum, tc.count)
		if math.Abs(q-tc.q) > 1e-15 || math.Abs(r-tc.rating) > 1e-12 {
			t.Errorf("Quality(%d, %d) = %v, %v; want %v, %v", tc.sum, tc.count, q, r, tc.q, tc.rating)
		}
		if tc.count > 0 {
			c := models.Course{RatingSum: tc.sum, RatingCount: tc.count}
			if want := *c.Rating(); math.Abs(r-want) > 1e-12 {
				t.Errorf("Quality(%d, %d) rating %v, models says %v", tc.sum, tc.count, r, want)
			}
		}
	}
}

func TestNewCatalogue(t *testing.T) {
	courses := []recommender.Course{
		{ID: 5, Title: "B", Imparts: []recommender.Impart{
			{CompetencyID: 2, From: 0, To: 2}, {CompetencyID: 2, From: 1, To: 4}, // duplicate: the higher To wins
			{CompetencyID: 3, From: 3, To: 3}, {CompetencyID: 4, From: -1, To: 2}, {CompetencyID: 4, From: 4, To: 6}, // invalid
		}},
		{ID: 1, Title: "A"},
		{ID: 5, Title: "repeated"},
	}
	cat := recommender.NewCatalogue(courses, nil, nil)
	if cat.Len() != 2 {
		t.Fatalf("Len = %d, want 2", cat.Len())
	}
	c, ok := cat.Course(5)
	if !ok || c.Title != "B" || !slices.Equal(c.Imparts, []recommender.Impart{{CompetencyID: 2, From: 1, To: 4}}) {
		t.Fatalf("Course(5) = %+v, %v", c, ok)
	}
	c.Imparts[0].To = 5
	courses[0].Imparts[1].To = 5
	if again, _ := cat.Course(5); again.Imparts[0].To != 4 {
		t.Error("the catalogue shares its imparts with a caller")
	}
	if _, ok := cat.Course(2); ok {
		t.Error("Course(2) found")
	}
}

func ExampleCatalogue_Recommend() {
	p := recommender.DefaultParams()
	cat := recommender.NewCatalogue([]recommender.Course{
		{ID: 1, Title: "GeM Procurement", Hours: 6, RatingSum: 430, RatingCount: 100,
			Imparts: []recommender.Impart{{CompetencyID: 1, From: 1, To: 3}}},
		{ID: 2, Title: "e-Office", Hours: 3, Imparts: []recommender.Impart{{CompetencyID: 2, From: 0, To: 2}}},
	}, map[int64]string{1: "Public Procurement", 2: "e-Office"}, nil)
	learner := recommender.Learner{
		Requirements: []recommender.Requirement{
			{CompetencyID: 1, Level: 3, Weight: 2, RoleName: "Section Officer"},
			{CompetencyID: 2, Level: 2, Weight: 1, RoleName: "Section Officer"},
		},
		// Stored estimates (under the uniform prior): level 1 and level 0.
		Stored: map[int64][]float64{1: {0.05, 0.85, 0.08, 0.02, 0, 0}, 2: {0.7, 0.2, 0.1, 0, 0, 0}},
	}
	for _, r := range cat.Recommend(p, learner, 10, recommender.ScoreOptions{}) {
		fmt.Printf("%d. course %d, score %.2f: %s\n", r.Rank, r.CourseID, r.Score, english(r.Explanation))
	}
	// Output:
	// 1. course 1, score 4.23: Raises Public Procurement from level 1 to 3, required 3 for Section Officer; rated 4.3 by 100 learners.
	// 2. course 2, score 1.49: Raises e-Office from level 0 to 2, required 2 for Section Officer.
}

// benchCatalogue is the benchmarks' catalogue: 1,400 courses over 120 competencies,
// about 2.5 imparts each, and a learner with 8 requirements.
func benchCatalogue(b *testing.B) (*recommender.Catalogue, recommender.Learner) {
	b.Helper()
	rng := rand.New(rand.NewPCG(11, 12))
	courses := randomCourses(rng, 1400, 120, 4) // 1..4 imparts, mean 2.5
	var imparts int
	for _, c := range courses {
		imparts += len(c.Imparts)
	}
	if mean := float64(imparts) / float64(len(courses)); mean < 2.3 || mean > 2.7 {
		b.Fatalf("%.2f imparts per course, want about 2.5", mean)
	}
	cat := recommender.NewCatalogue(courses, nil, randomPeer(rng, courses))
	l := randomLearner(rng, courses, 120, 8)
	if len(l.Requirements) != 8 {
		b.Fatalf("%d requirements", len(l.Requirements))
	}
	return cat, l
}

func BenchmarkRecommend(b *testing.B) {
	cat, l := benchCatalogue(b)
	p := recommender.DefaultParams()
	b.ReportAllocs()
	for b.Loop() {
		if recs := cat.Recommend(p, l, 10, recommender.ScoreOptions{}); len(recs) != 10 {
			b.Fatalf("%d recommendations", len(recs))
		}
	}
}

// BenchmarkRecommendIndependent is BenchmarkRecommend's same-run baseline: the
// independent ranking the marginal list replaced, on the same catalogue and learner.
func BenchmarkRecommendIndependent(b *testing.B) {
	cat, l := benchCatalogue(b)
	p := recommender.DefaultParams()
	b.ReportAllocs()
	for b.Loop() {
		if recs := cat.RecommendIndependent(p, l, 10, recommender.ScoreOptions{}); len(recs) != 10 {
			b.Fatalf("%d recommendations", len(recs))
		}
	}
}
