package evaluate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// The simulated world behind EvaluateRecommendation: competencies in areas, roles that
// require some of them, a catalogue of courses, and a population of peers (other
// learners holding the roles) whose completions, ratings and dismissals feed the peer
// signal and the course ratings. Like simNoise, its numbers are the simulator's own.
//
// Courses do not all teach what they claim. Each has a hidden efficacy e (the chance
// that completing it really moves a ready learner to its to-level), and for a fifth of
// the (role, course) pairs the course fits the role's context badly, which scales e
// down. Neither is in the catalogue; peers reveal them, because a peer's completion and
// rating follow the true gain the course gave them.

// simWorldNoise is how the simulated world is drawn.
var simWorldNoise = struct {
	areas, perArea int // competencies: areas × perArea, area 0 shared by every role
	roles          int
	roleReqs       [2]int    // requirements per role: min, max
	commonReqs     int       // of them, from area 0
	levelWeights   []float64 // required level 1..5
	weights        []float64 // requirement weight choices ...
	weightWeights  []float64 // ... drawn with these weights

	courses       int
	impartWeights []float64 // 1..4 imparts per course
	fromWeights   []float64 // from level 0..4
	spanWeights   []float64 // to - from: 1..3
	hoursPerLevel [2]float64
	longCourse    float64 // chance a course is a long programme (hours × 3)

	efficacyMean, efficacySD, efficacyMin float64
	misfit                                float64    // chance a (role, course) fits badly
	misfitScale                           [2]float64 // efficacy scale when it does

	peersPerRole     int
	peerEnrolments   [2]int
	peerRelevant     float64 // chance an enrolment is a course touching the role
	completeGain     float64 // P(completed | the course gave a gain)
	completeNoGain   float64 // P(completed | it gave none)
	dismissNoGain    float64 // P(dismissed | not completed, no gain)
	dismissGain      float64 // P(dismissed | not completed, a gain)
	rateCompleted    float64 // P(rated | completed)
	rateNoGain       float64 // mean stars without a gain ...
	rateGain         float64 // ... and the extra stars with one
	rateSD           float64
	outsideRatings   float64 // ratings from outside the roles, per unit popularity
	popularityMedian float64

	excludeMax int // courses already taken or dismissed by an evaluated learner
}{
	areas: 8, perArea: 6,
	roles:         16,
	roleReqs:      [2]int{5, 8},
	commonReqs:    2,
	levelWeights:  []float64{0.10, 0.25, 0.35, 0.20, 0.10},
	weights:       []float64{1, 1.5, 2, 3},
	weightWeights: []float64{0.45, 0.25, 0.20, 0.10},

	courses:       420,
	impartWeights: []float64{0.25, 0.35, 0.25, 0.15},
	fromWeights:   []float64{0.30, 0.25, 0.20, 0.15, 0.10},
	spanWeights:   []float64{0.50, 0.35, 0.15},
	hoursPerLevel: [2]float64{1, 4},
	longCourse:    0.10,

	efficacyMean: 0.65, efficacySD: 0.25, efficacyMin: 0.1,
	misfit:      0.2,
	misfitScale: [2]float64{0.1, 0.5},

	peersPerRole:     80,
	peerEnrolments:   [2]int{4, 10},
	peerRelevant:     0.75,
	completeGain:     0.85,
	completeNoGain:   0.35,
	dismissNoGain:    0.5,
	dismissGain:      0.1,
	rateCompleted:    0.7,
	rateNoGain:       2.2,
	rateGain:         2.3,
	rateSD:           0.7,
	outsideRatings:   0.1,
	popularityMedian: 50,

	excludeMax: 3,
}

// simRole is a simulated role.
type simRole struct {
	id   int64
	name string
	reqs []recommender.Requirement // sorted by competency
}

// simWorld is the simulated catalogue with its hidden truths.
type simWorld struct {
	names     map[int64]string
	roles     []simRole
	courses   []recommender.Course // course i has ID i+1
	efficacy  [][]float64          // efficacy[role index][course index]: the true chance it works
	byRole    [][]int32            // the courses imparting some competency the role requires
	catalogue *recommender.Catalogue
	columns   map[int64][]posting // the catalogue's courses by competency, for the true relevance
}

// position returns the index of a course in w.courses, which is also its position
// in the catalogue (courses in ID order, course i with ID i+1).
func (w *simWorld) position(courseID int64) int32 { return int32(courseID - 1) }

// simulateWorld draws the catalogue world, deterministically in seed; its courses'
// mean hidden efficacy is the proficiency world's CourseWorks.
func simulateWorld(seed int64, pw World) *simWorld {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x636174616c6f6775)) // "catalogu"
	s := &simWorldNoise
	w := &simWorld{names: make(map[int64]string)}
	nComp := s.areas * s.perArea
	for c := 1; c <= nComp; c++ {
		w.names[int64(c)] = fmt.Sprintf("Competency %d.%d", (c-1)/s.perArea+1, (c-1)%s.perArea+1)
	}
	compOf := func(area, k int) int64 { return int64(area*s.perArea + k + 1) }

	for r := range s.roles {
		role := simRole{id: int64(r + 1), name: fmt.Sprintf("Role %d", r+1)}
		n := s.roleReqs[0] + rng.IntN(s.roleReqs[1]-s.roleReqs[0]+1)
		home := []int{1 + rng.IntN(s.areas-1), 1 + rng.IntN(s.areas-1)}
		chosen := map[int64]bool{}
		for len(role.reqs) < n {
			var c int64
			if len(role.reqs) < s.commonReqs {
				c = compOf(0, rng.IntN(s.perArea))
			} else {
				c = compOf(home[rng.IntN(2)], rng.IntN(s.perArea))
			}
			if chosen[c] {
				continue
			}
			chosen[c] = true
			role.reqs = append(role.reqs, recommender.Requirement{
				CompetencyID: c,
				Level:        1 + pick(rng, s.levelWeights),
				Weight:       s.weights[pick(rng, s.weightWeights)],
				RoleName:     role.name,
			})
		}
		role.reqs = recommender.MergeRequirements(role.reqs)
		w.roles = append(w.roles, role)
	}

	base := make([]float64, s.courses) // hidden efficacy of each course
	pop := make([]float64, s.courses)  // base popularity
	for i := range s.courses {
		area := rng.IntN(s.areas)
		n := 1 + pick(rng, s.impartWeights)
		from := pick(rng, s.fromWeights)
		span := 1 + pick(rng, s.spanWeights)
		course := recommender.Course{ID: int64(i + 1), Title: fmt.Sprintf("Course %d", i+1)}
		var hours float64
		for _, k := range rng.Perm(s.perArea)[:n] {
			f := clampInt(from+rng.IntN(3)-1, 0, 4)
			t := min(f+span, 5)
			course.Imparts = append(course.Imparts, recommender.Impart{CompetencyID: compOf(area, k), From: f, To: t})
			hours += float64(t-f) * (s.hoursPerLevel[0] + (s.hoursPerLevel[1]-s.hoursPerLevel[0])*rng.Float64())
		}
		if rng.Float64() < s.longCourse {
			hours *= 3
		}
		course.Hours = math.Round(max(hours, 1)*2) / 2
		base[i] = math.Max(s.efficacyMin, math.Min(1, pw.CourseWorks+s.efficacySD*rng.NormFloat64()))
		pop[i] = s.popularityMedian * math.Exp(rng.NormFloat64())
		w.courses = append(w.courses, course)
	}

	w.efficacy = make([][]float64, len(w.roles))
	w.byRole = make([][]int32, len(w.roles))
	for r, role := range w.roles {
		w.efficacy[r] = make([]float64, s.courses)
		for i := range s.courses {
			e := base[i]
			if rng.Float64() < s.misfit {
				e *= s.misfitScale[0] + (s.misfitScale[1]-s.misfitScale[0])*rng.Float64()
			}
			w.efficacy[r][i] = e
			for _, im := range w.courses[i].Imparts {
				if _, ok := slices.BinarySearchFunc(role.reqs, im.CompetencyID, byCompetency); ok {
					w.byRole[r] = append(w.byRole[r], int32(i))
					break
				}
			}
		}
	}

	// Peers: other learners of each role take courses; how it went follows the true
	// gain, and feeds the peer signal, the ratings, the enrolment counts and the
	// estimated course effects.
	var events []recommender.PeerEvent
	completers, gainers := make([]float64, s.courses), make([]float64, s.courses)
	for r, role := range w.roles {
		for range s.peersPerRole {
			levels := make([]int, len(role.reqs))
			for j, q := range role.reqs {
				levels[j] = clampInt(q.Level+simNoise.deltaFromReq[pick(rng, simNoise.deltaWeights)], 0, 5)
			}
			n := s.peerEnrolments[0] + rng.IntN(s.peerEnrolments[1]-s.peerEnrolments[0]+1)
			seen := map[int32]bool{}
			for range n {
				var i int32
				if rng.Float64() < s.peerRelevant && len(w.byRole[r]) > 0 {
					i = w.byRole[r][rng.IntN(len(w.byRole[r]))]
				} else {
					i = int32(pick(rng, pop))
				}
				if seen[i] {
					continue
				}
				seen[i] = true
				closed, hadGap := trueGain(role.reqs, levels, &w.courses[i])
				gained := closed > 0 && rng.Float64() < w.efficacy[r][i]
				e := recommender.PeerEvent{RoleID: role.id, CourseID: w.courses[i].ID, HadGap: hadGap}
				pComplete, pDismiss := s.completeNoGain, s.dismissNoGain
				if gained {
					pComplete, pDismiss = s.completeGain, s.dismissGain
				}
				if rng.Float64() < pComplete {
					e.Completed = true
					if closed > 0 { // a ready completer with a gap: what the effect fit sees
						completers[i]++
						if gained {
							gainers[i]++
						}
					}
					if rng.Float64() < s.rateCompleted {
						stars := s.rateNoGain + s.rateSD*rng.NormFloat64()
						if gained {
							stars += s.rateGain
						}
						e.Rating = clampInt(int(math.Round(stars)), 1, 5)
					}
				} else if rng.Float64() < pDismiss {
					e.Dismissed = true
				}
				events = append(events, e)
				course := &w.courses[i]
				course.Enrolments++
				if e.Rating > 0 {
					course.RatingSum += e.Rating
					course.RatingCount++
				}
			}
		}
	}
	// Enrolments and ratings from outside the simulated roles: popularity, and stars
	// that follow the course's own efficacy.
	for i := range w.courses {
		course := &w.courses[i]
		course.Enrolments += int(pop[i])
		for range int(s.outsideRatings * pop[i]) {
			stars := s.rateNoGain + s.rateGain*base[i] + s.rateSD*rng.NormFloat64()
			course.RatingSum += clampInt(int(math.Round(stars)), 1, 5)
			course.RatingCount++
		}
	}
	// The course effects the product would estimate from the peers' evidence before
	// and after completing (docs/effectiveness.md), simulated as the share of ready
	// completers who gained, shrunk towards the claim with simEffectPrior
	// pseudo-completers, and the claim kept below simEffectMin completers.
	for i := range w.courses {
		if completers[i] < simEffectMin {
			continue
		}
		e := min(max((gainers[i]+simEffectPrior)/(completers[i]+simEffectPrior), 0.05), 1)
		for j := range w.courses[i].Imparts {
			w.courses[i].Imparts[j].Efficacy = e
		}
	}
	w.catalogue = recommender.NewCatalogue(w.courses, w.names, recommender.PeerSignals(events))
	w.columns = columns(w.courses)
	return w
}

// The course-effect fit's prior strength and minimum completers, as in
// DefaultEffectOptions.
const (
	simEffectPrior = 10
	simEffectMin   = 5
)

// trueGain returns, for someone at the given true levels of a role's requirements, the
// weighted gap a course would close if it works (readiness included), and their
// weighted gap on the course's competencies.
func trueGain(reqs []recommender.Requirement, levels []int, course *recommender.Course) (closed, hadGap float64) {
	for _, im := range course.Imparts {
		j, ok := slices.BinarySearchFunc(reqs, im.CompetencyID, byCompetency)
		if !ok {
			continue
		}
		r, l := reqs[j].Level, levels[j]
		hadGap += reqs[j].Weight * float64(max(0, r-l))
		if l >= im.From && l < im.To {
			closed += reqs[j].Weight * float64(max(0, r-l)-max(0, r-im.To))
		}
	}
	return closed, hadGap
}

func byCompetency(r recommender.Requirement, id int64) int {
	switch {
	case r.CompetencyID < id:
		return -1
	case r.CompetencyID > id:
		return 1
	}
	return 0
}

// simLearner is one evaluated learner: a role, hidden true levels for its
// requirements, their evidence through the real estimator, and courses to exclude.
type simLearner struct {
	role      int   // index into simWorld.roles
	levels    []int // true level per requirement of the role
	selfLevel []int // latest self-declared level per requirement, 0 without one
	learner   recommender.Learner
}

// simulateRecommendLearner draws the u-th (from 0) evaluated learner of the world's
// roles from rng. Each requirement's true level and evidence come from
// simulateWorldCase in the proficiency world pw, so the evidence has that world's
// noise; the stored estimate is the estimator's (p), under the uniform prior, aged to
// the reading time. Learners are drawn one at a time so that memory does not grow
// with their number.
func simulateRecommendLearner(w *simWorld, pw World, offsets []float64, p recommender.Params, rng *rand.Rand, u int) simLearner {
	r := rng.IntN(len(w.roles))
	role := w.roles[r]
	sl := simLearner{role: r, levels: make([]int, len(role.reqs)), selfLevel: make([]int, len(role.reqs))}
	l := recommender.Learner{
		RoleIDs:      []int64{role.id},
		Requirements: role.reqs,
		Stored:       make(map[int64][]float64, len(role.reqs)),
		Exclude:      map[int64]bool{},
	}
	for j, q := range role.reqs {
		c := simulateWorldCase(pw, rng, int64(u+1), q.CompetencyID, q.Level, offsets[q.CompetencyID])
		sl.levels[j] = c.trueLevel
		sl.selfLevel[j] = latestSelfLevel(c.Evidence)
		est := recommender.EstimateProficiency(p, 0, c.Evidence)
		l.Stored[q.CompetencyID] = recommender.Aged(p, est.Distribution, est.UpdatedAt, c.now)
	}
	if courses := w.byRole[r]; len(courses) > 0 {
		for range rng.IntN(simWorldNoise.excludeMax + 1) {
			l.Exclude[w.courses[courses[rng.IntN(len(courses))]].ID] = true
		}
	}
	sl.learner = l
	return sl
}
