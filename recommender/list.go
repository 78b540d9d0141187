package recommender

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/openkarmayogi/karmayogi/models"
)

// Focus is what a learner's list is built around besides their requirements: the
// domains they work in, the competencies they chose to grow, and where the
// requirements come from when the learner holds no role.
type Focus struct {
	// Domains are the domains the learner works in: the domain of their organisation
	// and the areas of the functional and domain competencies their requirements and
	// interests name (see Course.Domains for the rule they serve). A course with
	// domains, none of them here, is never suggested.
	Domains []string
	// Interests are competencies the learner wants to grow beyond their requirements
	// (at most MaxInterests; more are ignored). See Recommend for how they enter.
	Interests []int64
	// Basis, when its Key is set, says where the requirements come from for a learner
	// who holds no role (a cold start), as a phrase each explanation ends with, such as
	// "; you hold no role yet, so this is measured against the most common needs of
	// the Department of Expenditure" (internal/i18n's rec.basis_*).
	Basis models.Phrase
}

// The constants of list building (see Recommend).
const (
	// NearEqual is the relative score difference within which two candidates are
	// near-equals, ordered by evidence of quality rather than by score.
	NearEqual = 0.05
	// AlternativeOverlap is the share of a course's marginal value that the course
	// taken before it must remove for it to count as one of that course's
	// alternatives (which must also teach mostly what that course teaches).
	AlternativeOverlap = 0.5
	// MaxAlternatives is the most alternatives listed on one recommendation.
	MaxAlternatives = 5
	// MaxInterests is the most learning interests a learner may declare.
	MaxInterests = 10
	// InterestWeight scales the weight of an interest below the role's requirements:
	// an interest weighs InterestWeight × the smallest weight among them (1 without).
	InterestWeight = 0.5
	// InterestFloor is the lowest level an interest aims at: working proficiency.
	InterestFloor = 3
	// InterestShare is the share of the list's slots kept for courses that serve an
	// interest: by position k, at least ⌊k·InterestShare⌋ of the items do, while
	// such courses remain.
	InterestShare = 0.2
)

// listCandidate is a course that may go on a learner's list.
type listCandidate struct {
	i          int32
	standalone float64 // gap it closes from the learner's state before any course
	gain       float64 // its marginal gap closed, this round
	prev       float64 // the same, the round before
	score      float64 // scoreOf(gain, ...)
	peer       float64
	altOf      int // the position of the item it is an alternative of, or -1
	taken      bool
}

// recommendList is Recommend: the greedy list on marginal value.
func (c *Catalogue) recommendList(p Params, l Learner, first int, o ScoreOptions) []Recommendation {
	reqs, interest := interestRequirements(l)
	s := newLearnerState(p, l.measuredAgainst(reqs))
	base := s.clone()
	peers := c.peerVectors(l.RoleIDs, o)
	blocked := c.offDomain(l.Focus.Domains)

	gain := make([]float64, len(c.courses))
	touched := c.accumulate(&s, gain, nil)
	cands := make([]listCandidate, 0, len(touched))
	for _, i := range touched {
		g := gain[i]
		gain[i] = 0
		if g <= gainTol || l.Exclude[c.courses[i].ID] || (blocked != nil && blocked[i]) {
			continue
		}
		peer := meanAt(peers, i)
		cands = append(cands, listCandidate{i: i, standalone: g, gain: g, prev: g, score: scoreOf(g, c.quality[i], peer), peer: peer, altOf: -1})
	}
	slices.SortFunc(cands, func(a, b listCandidate) int { return cmp.Compare(a.i, b.i) })
	limit := len(cands)
	if first > 0 {
		limit = min(first, limit)
	}
	hasInterest := len(interest) > 0

	out := make([]Recommendation, 0, limit)
	var picks []int32 // course index of each item
	interestItems := 0
	exhausted := false // no candidate adds anything any more
	for len(out) < limit {
		if len(out) > 0 && !exhausted {
			touched = c.accumulate(&s, gain, touched[:0])
			exhausted = true
			for k := range cands {
				cd := &cands[k]
				if cd.taken {
					continue
				}
				cd.prev, cd.gain = cd.gain, gain[cd.i]
				cd.score = scoreOf(cd.gain, c.quality[cd.i], cd.peer)
				if cd.gain > gainTol {
					exhausted = false
				}
			}
			for _, i := range touched {
				gain[i] = 0
			}
			c.markAlternatives(cands, len(out)-1, picks[len(picks)-1])
		}
		// An interest slot is owed when fewer than ⌊k·InterestShare⌋ of the first k
		// items serve an interest.
		owed := hasInterest && interestItems < int(math.Floor(float64(len(out)+1)*InterestShare+1e-9))
		k := c.pickNext(&s, cands, interest, owed)
		if k < 0 {
			break
		}
		cd := &cands[k]
		cd.taken = true
		course := &c.courses[cd.i]
		contribs := s.contributions(course)
		if servesInterest(contribs, interest) {
			interestItems++
		}
		rec := Recommendation{
			CourseID: course.ID,
			Rank:     len(out) + 1,
			Score:    cd.score,
			Gaps:     contribs,
			Signals:  Signals{GapCoverage: cd.gain, Quality: c.quality[cd.i], Peer: cd.peer},
		}
		rec.Explanation = c.explainItem(&s, &base, course, contribs, cd, picks, interest, l)
		s.apply(course)
		out = append(out, rec)
		picks = append(picks, cd.i)
	}
	// The alternatives of the last item are those the courses after it would show.
	if len(out) > 0 && !exhausted {
		touched = c.accumulate(&s, gain, touched[:0])
		for k := range cands {
			cd := &cands[k]
			if !cd.taken {
				cd.prev, cd.gain = cd.gain, gain[cd.i]
			}
		}
		for _, i := range touched {
			gain[i] = 0
		}
		c.markAlternatives(cands, len(out)-1, picks[len(picks)-1])
	}
	c.listAlternatives(out, cands)
	return out
}

// markAlternatives marks as alternatives of the course taken at position pos (course
// index item) the untaken candidates it took at least AlternativeOverlap of the
// marginal value from (prev → gain) and that teach mostly what it teaches (more than
// half of their imparts are of competencies it imparts too), unless an earlier item
// already claimed them.
func (c *Catalogue) markAlternatives(cands []listCandidate, pos int, item int32) {
	for k := range cands {
		cd := &cands[k]
		if cd.taken || cd.altOf >= 0 || cd.prev <= gainTol {
			continue
		}
		if cd.prev-cd.gain >= AlternativeOverlap*cd.prev && c.teachesMostly(cd.i, item) {
			cd.altOf = pos
		}
	}
}

// teachesMostly reports whether more than half of course a's imparts are of
// competencies course b imparts.
func (c *Catalogue) teachesMostly(a, b int32) bool {
	shared := 0
	ims := c.courses[a].Imparts
	for _, im := range ims {
		if slices.ContainsFunc(c.courses[b].Imparts, func(x Impart) bool { return x.CompetencyID == im.CompetencyID }) {
			shared++
		}
	}
	return 2*shared > len(ims)
}

// listAlternatives fills each item's Alternatives: the candidates marked as its
// alternatives, best standalone score first (then by course ID), at most
// MaxAlternatives.
func (c *Catalogue) listAlternatives(out []Recommendation, cands []listCandidate) {
	byItem := make([][]*listCandidate, len(out))
	for k := range cands {
		if a := cands[k].altOf; a >= 0 && a < len(out) {
			byItem[a] = append(byItem[a], &cands[k])
		}
	}
	for pos, alts := range byItem {
		slices.SortFunc(alts, func(a, b *listCandidate) int {
			sa := scoreOf(a.standalone, c.quality[a.i], a.peer)
			sb := scoreOf(b.standalone, c.quality[b.i], b.peer)
			if r := cmp.Compare(sb, sa); r != 0 {
				return r
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, a := range alts[:min(len(alts), MaxAlternatives)] {
			out[pos].Alternatives = append(out[pos].Alternatives, c.courses[a.i].ID)
		}
	}
}

// pickNext returns the index in cands of the next item: among the untaken
// candidates (those serving an interest, when an interest slot is owed and one
// does), the near-equals of the best score, ordered by preferBetter; -1 when none
// is left.
func (c *Catalogue) pickNext(s *learnerState, cands []listCandidate, interest map[int64]bool, owed bool) int {
	eligible := func(cd *listCandidate) bool { return !cd.taken }
	if owed {
		serving := func(cd *listCandidate) bool {
			return !cd.taken && cd.gain > gainTol && s.interestGain(&c.courses[cd.i], interest) > gainTol
		}
		for k := range cands {
			if serving(&cands[k]) {
				eligible = serving
				break
			}
		}
	}
	bestScore := math.Inf(-1)
	for k := range cands {
		if eligible(&cands[k]) {
			bestScore = max(bestScore, cands[k].score)
		}
	}
	best := -1
	for k := range cands {
		cd := &cands[k]
		if !eligible(cd) || cd.score < bestScore-NearEqual*bestScore-gainTol {
			continue
		}
		if best < 0 || c.preferBetter(cd, &cands[best]) {
			best = k
		}
	}
	return best
}

// preferBetter orders near-equals by evidence of quality: the higher estimated
// effectiveness (the mean efficacy of the course's imparts), then the higher
// Bayesian-average rating, then fewer hours, then the lower course ID.
func (c *Catalogue) preferBetter(a, b *listCandidate) bool {
	if ea, eb := c.courseEfficacy(a.i), c.courseEfficacy(b.i); ea != eb {
		return ea > eb
	}
	if qa, qb := c.quality[a.i], c.quality[b.i]; qa != qb {
		return qa > qb
	}
	if ha, hb := c.hours(a.i), c.hours(b.i); ha != hb {
		return ha < hb
	}
	return a.i < b.i
}

// courseEfficacy returns the mean efficacy of course i's imparts (1 without any).
func (c *Catalogue) courseEfficacy(i int32) float64 {
	ims := c.courses[i].Imparts
	if len(ims) == 0 {
		return 1
	}
	var e float64
	for _, im := range ims {
		e += im.efficacy()
	}
	return e / float64(len(ims))
}

// interestGain returns the expected weighted gap a course closes on the interest
// requirements of s.
func (s *learnerState) interestGain(course *Course, interest map[int64]bool) float64 {
	var g float64
	for _, im := range course.Imparts {
		if !interest[im.CompetencyID] {
			continue
		}
		if j := s.find(im.CompetencyID); j >= 0 {
			g += s.reqs[j].Weight * im.efficacy() * GapClosed(s.dists[j], s.reqs[j].Level, im.From, im.To)
		}
	}
	return g
}

// servesInterest reports whether a contribution is to an interest.
func servesInterest(contribs []Contribution, interest map[int64]bool) bool {
	for _, ct := range contribs {
		if interest[ct.CompetencyID] {
			return true
		}
	}
	return false
}

// interestRequirements returns the learner's requirements with one for each of
// their interests (the first MaxInterests) that no requirement names, and the set of
// those interests. An interest in competency c aims at
//
//	level  = min(top, max(InterestFloor, median(stored_c) + 1))   (median 0 without evidence)
//	weight = InterestWeight · min_j w_j                           (1 in place of min_j w_j without requirements)
//
// so it always weighs less than any of the role's requirements.
func interestRequirements(l Learner) ([]Requirement, map[int64]bool) {
	if len(l.Focus.Interests) == 0 {
		return l.Requirements, nil
	}
	minWeight := 0.0
	required := make(map[int64]bool, len(l.Requirements))
	for _, r := range l.Requirements {
		if r.Level < 1 || !(r.Weight > 0) {
			continue
		}
		required[r.CompetencyID] = true
		if minWeight == 0 || r.Weight < minWeight {
			minWeight = r.Weight
		}
	}
	if minWeight == 0 {
		minWeight = 1
	}
	reqs := slices.Clone(l.Requirements)
	interest := make(map[int64]bool)
	for _, id := range l.Focus.Interests[:min(len(l.Focus.Interests), MaxInterests)] {
		if required[id] || interest[id] {
			continue
		}
		interest[id] = true
		level := InterestFloor
		if d := l.Stored[id]; len(d) > 0 {
			level = max(level, Median(d)+1)
		}
		reqs = append(reqs, Requirement{CompetencyID: id, Level: min(level, models.MaxLevel), Weight: InterestWeight * minWeight})
	}
	return reqs, interest
}

// offDomain returns, per course, whether it lies outside the domains given (nil when
// no course has domains).
func (c *Catalogue) offDomain(domains []string) []bool {
	if !c.hasDomains {
		return nil
	}
	out := make([]bool, len(c.courses))
	for i, course := range c.courses {
		if len(course.Domains) == 0 {
			continue
		}
		out[i] = true
		for _, d := range course.Domains {
			if slices.Contains(domains, d) {
				out[i] = false
				break
			}
		}
	}
	return out
}

// explainItem returns the explanation of a list item: the sentence of explain from
// the state before it (so it speaks of the marginal value), with the interest it
// serves named, a note when an earlier item covers the same gap, and the learner's
// basis when they hold no role. Its phrases are internal/i18n's rec.* messages.
func (c *Catalogue) explainItem(s, base *learnerState, course *Course, contribs []Contribution, cd *listCandidate,
	picks []int32, interest map[int64]bool, l Learner) Explanation {
	var out Explanation
	say := func(key string, args ...models.PhraseArg) { out = append(out, models.Phrase{Key: key, Args: args}) }
	covered := cd.gain < (1-AlternativeOverlap)*cd.standalone || len(contribs) == 0
	comp, like, ok := int64(0), int32(-1), false
	if covered {
		comp, like, ok = c.coveredBy(base, course, picks)
	}
	switch {
	case len(contribs) == 0 && ok:
		say("rec.alternative", c.courseArg(like), c.competencyArg(comp))
		ok = false
	case len(contribs) == 0:
		say("rec.nothing_more")
	default:
		top := contribs[0]
		name := c.competencyArg(top.CompetencyID)
		var assumed models.PhraseArg
		if len(l.Stored[top.CompetencyID]) == 0 {
			assumed.Key = noEvidence(l, top.CompetencyID)
		}
		if top.To > top.From {
			say("rec.raises", name, number(top.From), assumed, number(top.To))
		} else {
			say("rec.strengthens", name, number(top.From), assumed)
		}
		if interest[top.CompetencyID] {
			say("rec.interest")
		} else if j := s.find(top.CompetencyID); j >= 0 {
			r := s.reqs[j]
			if r.RoleName != "" {
				say("rec.required_for", number(r.Level), models.PhraseArg{Text: r.RoleName})
			} else {
				say("rec.required", number(r.Level))
			}
		}
		if len(contribs) >= 2 {
			if more := len(contribs) - 2; more > 0 {
				say("rec.also_more", c.competencyArg(contribs[1].CompetencyID), number(more))
			} else {
				say("rec.also", c.competencyArg(contribs[1].CompetencyID))
			}
			for _, ct := range contribs[1:] {
				if interest[ct.CompetencyID] && !interest[top.CompetencyID] {
					say("rec.also_interest", c.competencyArg(ct.CompetencyID))
					break
				}
			}
		}
	}
	if ok {
		say("rec.covered_like", c.competencyArg(comp), c.courseArg(like))
	}
	if course.RatingCount > 0 {
		key := "rec.rated_many"
		if course.RatingCount == 1 {
			key = "rec.rated_one"
		}
		say(key, models.PhraseArg{Text: fmt.Sprintf("%.1f", c.rating[cd.i])}, number(course.RatingCount))
	}
	if l.Focus.Basis.Key != "" {
		out = append(out, l.Focus.Basis)
	}
	return out
}

// number is an integer argument of a phrase.
func number(n int) models.PhraseArg { return models.PhraseArg{Text: strconv.Itoa(n)} }

// coveredBy returns the competency (of the requirements) on which an earlier pick
// covers most of what course would have closed on its own from base, and that pick;
// false when no earlier pick imparts any competency the course helps with.
func (c *Catalogue) coveredBy(base *learnerState, course *Course, picks []int32) (int64, int32, bool) {
	var comp int64
	like, best := int32(-1), 0.0
	for _, im := range course.Imparts {
		j := base.find(im.CompetencyID)
		if j < 0 {
			continue
		}
		alone := base.reqs[j].Weight * im.efficacy() * GapClosed(base.dists[j], base.reqs[j].Level, im.From, im.To)
		if alone <= gainTol || alone <= best {
			continue
		}
		for _, p := range picks {
			if slices.ContainsFunc(c.courses[p].Imparts, func(x Impart) bool { return x.CompetencyID == im.CompetencyID }) {
				comp, like, best = im.CompetencyID, p, alone
				break
			}
		}
	}
	return comp, like, like >= 0
}

// RecommendIndependent is the ranking Recommend made before lists were built on
// marginal value, kept as a baseline for the evaluation and the benchmarks: every
// course scored on its own from the learner's state,
//
//	score = gapCoverage · (1 + QualityWeight·(q - q0)) · (1 + PeerWeight·s)
//
// ordered by score (then course ID), without explanations. It returns the courses'
// positions in the catalogue, which holds them in ID order.
func (c *Catalogue) RecommendIndependent(p Params, l Learner, first int, o ScoreOptions) []int32 {
	s := newLearnerState(p, l)
	gain := make([]float64, len(c.courses))
	touched := c.accumulate(&s, gain, nil)
	peers := c.peerVectors(l.RoleIDs, o)
	type candidate struct {
		i     int32
		score float64
	}
	cands := make([]candidate, 0, len(touched))
	for _, i := range touched {
		if gain[i] <= gainTol || l.Exclude[c.courses[i].ID] {
			continue
		}
		cands = append(cands, candidate{i, scoreOf(gain[i], c.quality[i], meanAt(peers, i))})
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if r := cmp.Compare(b.score, a.score); r != 0 {
			return r
		}
		return cmp.Compare(a.i, b.i)
	})
	if first > 0 && len(cands) > first {
		cands = cands[:first]
	}
	out := make([]int32, len(cands))
	for k, cd := range cands {
		out[k] = cd.i
	}
	return out
}
