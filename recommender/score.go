package recommender

import (
	"cmp"
	"slices"

	"github.com/openkarmayogi/karmayogi/models"
)

// Learner is everything about one learner the recommender needs. Nothing of it is kept
// after a call.
type Learner struct {
	// RoleIDs are the learner's roles, for the peer signal (averaged over them).
	RoleIDs []int64
	// Requirements are the learner's requirements, already merged (MergeRequirements).
	// One with Level < 1 or Weight <= 0 is ignored; a Level above the top is clamped.
	Requirements []Requirement
	// Stored holds the stored (uniform-prior) distributions by competency, aged to the
	// time of reading (Aged); a missing or nil one means no evidence.
	Stored map[int64][]float64
	// Held is the level the learner's own roles require of each competency (absent:
	// none), which their estimates are read under (PriorFor). nil means the
	// Requirements are the learner's own (their levels are Held). When Requirements are
	// another role's (a role transition), Held keeps the estimate the learner's own.
	Held map[int64]int
	// Exclude holds the courses never to suggest: completed, enrolled and dismissed.
	Exclude map[int64]bool
	// Focus holds the learner's domains, interests and cold-start basis (see Recommend).
	Focus Focus
}

// Contribution is what a course does for one requirement of a learner.
type Contribution struct {
	CompetencyID int64
	// From is the learner's current level (the median), To the median level after the
	// course (of the projected distribution, see Project).
	From, To int
	// GapClosed is the expected unweighted gap closed (see GapClosed).
	GapClosed float64
}

// Signals are the parts of a recommendation's score.
type Signals struct {
	// GapCoverage is the expected weighted gap the course closes: Σ_c w_c·closed_c.
	GapCoverage float64
	// Quality is the rating signal q in [0, 1] (see Quality).
	Quality float64
	// Peer is the peer signal s in [0, 1], averaged over the learner's roles (see
	// PeerSignals); 0 when ScoreOptions.NoPeer.
	Peer float64
}

// Recommendation is one ranked course suggestion.
type Recommendation struct {
	CourseID int64
	Rank     int // 1..n
	Score    float64
	// Gaps are the requirements the course addresses, largest GapClosed first (then by
	// competency ID).
	Gaps []Contribution
	// Explanation is one sentence saying why (see Recommend), as phrases that
	// internal/i18n renders in the reader's language.
	Explanation Explanation
	Signals     Signals
	// Alternatives are the courses this one stands for: candidates that taking it
	// would leave with at most half their marginal value (AlternativeOverlap) and
	// more than half of whose imparts are of competencies it imparts too, best first,
	// at most MaxAlternatives. They may still appear further down the list.
	Alternatives []int64 `json:",omitempty"`
}

// Explanation is why a course is on a learner's list: phrases (message keys and
// their arguments), each with its own leading punctuation, that make one sentence
// once rendered in a language and closed with its full stop. Kept as phrases, a
// list is cached once for readers of every language.
type Explanation []models.Phrase

// ScoreOptions change how Recommend scores.
type ScoreOptions struct {
	// NoPeer leaves the peer signal out (the "ours_no_peer" ablation).
	NoPeer bool
}

// The weights of the quality and peer signals in a course's score (see Recommend).
const (
	QualityWeight = 1.0
	PeerWeight    = 1.0
)

// gainTol is the expected gap closed below which a course is taken not to help: it
// keeps rounding dust from counting as help.
const gainTol = 1e-9

// Recommend builds a learner's list of courses, first of them (first <= 0: every
// candidate), each chosen for what it adds after the courses above it.
//
// For requirement j (competency c_j, level r_j, weight w_j) let P_j be the learner's
// distribution under r_j's prior (WithRequirement). A course imparting c_j from f to t
// with efficacy e closes closed_j = e·GapClosed(P_j, r_j, f, t) (readiness priced in),
// and from a state P
//
//	gain(P)  = Σ_j w_j·closed_j
//	score(P) = gain(P) · (1 + QualityWeight·(q - q0)) · (1 + PeerWeight·s)
//
// where q is the course's quality (Quality; q0 = 0.625, an unrated course's) and s the
// mean peer signal of the course over the learner's distinct roles (0 with
// o.NoPeer). Both factors are positive, so quality and peers only reorder courses of
// similar gain.
//
// Candidates are the courses with gain > 1e-9 from the learner's own state, not in
// l.Exclude and not outside the learner's domains (a course with Domains, none of
// them in l.Focus.Domains). The list is greedy: item k is the candidate of the largest
// score from the state projected through items 1..k-1 (P' = (1-e)·P + e·Project(P)),
// so a course interchangeable with one above sinks below courses that close other
// gaps. Candidates within NearEqual (5%) of the best score are near-equals, ordered by
// evidence of quality: estimated effectiveness (the mean Impart efficacy), then
// rating, then fewer hours, then course ID. Once no candidate adds anything, the rest
// follow in that order. Score, Gaps and Signals.GapCoverage are the marginal values,
// so scores need not fall monotonically (a course can become more useful once one
// above makes the learner ready for it). The greedy is the standard one for a
// monotone submodular objective over a cardinality constraint (1 - 1/e of the best
// top-k set's expected gap closed, where readiness does not make gains
// complementary); it costs one pass over the columns of the learner's requirements
// per item.
//
// A candidate that the item taken just before it leaves with at most half its
// marginal value (AlternativeOverlap), and that teaches mostly what the item teaches
// (more than half of its imparts are of competencies the item imparts), is one of
// that item's Alternatives. Learning interests (l.Focus.Interests) enter as
// requirements weighted below the role's (see interestRequirements) and are owed a
// share of the slots (InterestShare).
//
// Each recommendation carries its contributions and one explanatory sentence built
// from the largest two, such as
//
//	Raises Public Procurement from level 1 to 3, required 3 for Section Officer; also
//	Noting and Drafting; rated 4.3 by 120 learners.
//
// ("Strengthens X at level F" when the median does not move; "and N more" after the
// second competency when there are more; "one of your learning interests" for an
// interest; "(no evidence yet: estimated from people in your role)", or "from people whose roles do not require it", after a level the learner has
// no evidence for; "also covers X, like T above" when an earlier item took most of
// its value; "An alternative to T above: also covers X" when it adds nothing; the
// rating clause only for a rated course; l.Focus.Basis last).
func (c *Catalogue) Recommend(p Params, l Learner, first int, o ScoreOptions) []Recommendation {
	return c.recommendList(p, l, first, o)
}

// qualityPrior is q0, the quality of an unrated course.
var qualityPrior, _ = Quality(0, 0)

// scoreOf is the score formula of Recommend.
func scoreOf(gapCoverage, quality, peer float64) float64 {
	return gapCoverage * (1 + QualityWeight*(quality-qualityPrior)) * (1 + PeerWeight*peer)
}

// peerVectors returns the per-course peer vectors of the learner's distinct roles
// (nil for a role without any signal), or nil when o.NoPeer.
func (c *Catalogue) peerVectors(roles []int64, o ScoreOptions) [][]float64 {
	if o.NoPeer || len(roles) == 0 {
		return nil
	}
	out := make([][]float64, 0, len(roles))
	for k, r := range roles {
		if slices.Contains(roles[:k], r) {
			continue
		}
		out = append(out, c.peer[r])
	}
	return out
}

// meanAt returns the mean of v[i] over the vectors (a nil vector counts as 0).
func meanAt(vectors [][]float64, i int32) float64 {
	if len(vectors) == 0 {
		return 0
	}
	var s float64
	for _, v := range vectors {
		if v != nil {
			s += v[i]
		}
	}
	return s / float64(len(vectors))
}

// learnerState is a learner's requirements with their (possibly projected)
// distributions.
type learnerState struct {
	k     int           // levels
	reqs  []Requirement // valid, one per competency, Level clamped to the top
	dists [][]float64   // dists[j]: distribution for reqs[j]
	table []float64     // scratch: len(reqs)·k·k
}

// newLearnerState reads a learner's stored estimates under their requirements' priors.
// Requirements with Level < 1 or Weight <= 0 (or NaN) are dropped; repeated
// competencies are merged (MergeRequirements).
func newLearnerState(p Params, l Learner) learnerState {
	reqs, stored := l.Requirements, l.Stored
	s := learnerState{k: p.Levels}
	dup := false
	for i, r := range reqs {
		if r.Level < 1 || !(r.Weight > 0) {
			continue
		}
		for _, q := range s.reqs {
			if q.CompetencyID == reqs[i].CompetencyID {
				dup = true
			}
		}
		r.Level = min(r.Level, p.Levels-1)
		s.reqs = append(s.reqs, r)
	}
	if dup {
		s.reqs = MergeRequirements(s.reqs)
	}
	s.dists = make([][]float64, len(s.reqs))
	for j, r := range s.reqs {
		s.dists[j] = requirementDist(p, r, l.heldLevel(r), stored[r.CompetencyID])
	}
	return s
}

// heldLevel is the level the learner's own roles require of r's competency: from
// Held, or r's own level when Held is nil.
func (l Learner) heldLevel(r Requirement) int {
	if l.Held == nil {
		return r.Level
	}
	return l.Held[r.CompetencyID]
}

// clone returns a deep copy of s (distributions included).
func (s *learnerState) clone() learnerState {
	out := learnerState{k: s.k, reqs: s.reqs, dists: make([][]float64, len(s.dists))}
	for j, d := range s.dists {
		out.dists[j] = slices.Clone(d)
	}
	return out
}

// find returns the index of the requirement on a competency, or -1.
func (s *learnerState) find(competencyID int64) int {
	for j := range s.reqs {
		if s.reqs[j].CompetencyID == competencyID {
			return j
		}
	}
	return -1
}

// weightedGap returns Σ_j w_j·E_{P_j}[max(0, r_j - L)].
func (s *learnerState) weightedGap() float64 {
	var g float64
	for j, r := range s.reqs {
		g += r.Weight * ExpectedGap(s.dists[j], r.Level)
	}
	return g
}

// gain returns the expected weighted gap a course closes from the current state.
func (s *learnerState) gain(course *Course) float64 {
	var g float64
	for _, im := range course.Imparts {
		if j := s.find(im.CompetencyID); j >= 0 {
			g += s.reqs[j].Weight * im.efficacy() * GapClosed(s.dists[j], s.reqs[j].Level, im.From, im.To)
		}
	}
	return g
}

// apply projects the state through a course on each required competency it imparts:
// P' = (1-e)·P + e·Project(P), e the impart's efficacy.
func (s *learnerState) apply(course *Course) {
	for _, im := range course.Imparts {
		if j := s.find(im.CompetencyID); j >= 0 {
			ProjectWith(s.dists[j], im.From, im.To, im.efficacy())
		}
	}
}

// contributions returns what a course does for each requirement it helps (GapClosed
// > 1e-9) from the current state, largest GapClosed first, then by competency.
func (s *learnerState) contributions(course *Course) []Contribution {
	var out []Contribution
	after := make([]float64, s.k)
	for _, im := range course.Imparts {
		j := s.find(im.CompetencyID)
		if j < 0 {
			continue
		}
		closed := im.efficacy() * GapClosed(s.dists[j], s.reqs[j].Level, im.From, im.To)
		if closed <= gainTol {
			continue
		}
		copy(after, s.dists[j])
		ProjectWith(after, im.From, im.To, im.efficacy())
		out = append(out, Contribution{CompetencyID: im.CompetencyID, From: Median(s.dists[j]), To: Median(after), GapClosed: closed})
	}
	slices.SortFunc(out, func(a, b Contribution) int {
		if c := cmp.Compare(b.GapClosed, a.GapClosed); c != 0 {
			return c
		}
		return cmp.Compare(a.CompetencyID, b.CompetencyID)
	})
	return out
}

// accumulate adds to gain[i] the expected weighted gap closed by course i from state
// s, for every course imparting a required competency, in one pass over those
// competencies' columns, and returns touched with the indices of the courses it
// touched appended (each once). gain must be zero on entry for untouched courses.
//
// For each requirement it first tabulates w·GapClosed(P, r, f, t) for the k(k-1)/2
// pairs f < t, so a posting costs one lookup and one addition.
func (c *Catalogue) accumulate(s *learnerState, gain []float64, touched []int32) []int32 {
	k := s.k
	if cap(s.table) < k*k {
		s.table = make([]float64, k*k)
	}
	table := s.table[:k*k]
	for j, r := range s.reqs {
		dist := s.dists[j]
		if ExpectedGap(dist, r.Level) <= gainTol {
			continue
		}
		for f := range k - 1 {
			for t := f + 1; t < k; t++ {
				table[f*k+t] = r.Weight * GapClosed(dist, r.Level, f, t)
			}
		}
		for _, ps := range c.column(r.CompetencyID) {
			if int(ps.to) >= k {
				continue // a level the parameters do not have
			}
			v := ps.efficacy * table[int(ps.from)*k+int(ps.to)]
			if v <= 0 {
				continue
			}
			if gain[ps.course] == 0 {
				touched = append(touched, ps.course)
			}
			gain[ps.course] += v
		}
	}
	return touched
}
