package evaluate

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// World is one set of generative assumptions for the offline evaluation: how true
// levels are spread and change, and how each source reports them. The worlds differ
// on purpose, so that an estimator is judged on data it was not shaped for; the
// estimator is never told which world it is in, and Fit sees only the evidence.
type World struct {
	Name        string `json:"name"`
	Description string `json:"description"`

	// A self rating is round(level + SelfBias + N(0, SelfSD²)), a supervisor's alike.
	SelfBias       float64 `json:"selfBias"`
	SelfSD         float64 `json:"selfSD"`
	SupervisorBias float64 `json:"supervisorBias"`
	SupervisorSD   float64 `json:"supervisorSD"`
	// AssessmentNear: the level a learner is assessed at is within one of their true
	// level; otherwise it is drawn uniformly from 1..5.
	AssessmentNear bool `json:"assessmentNear"`
	// Unrequired is the share of cases on a competency the learner's roles do not
	// require, and UnrequiredMean the mean true level there (sd 1.2).
	Unrequired     float64 `json:"unrequired"`
	UnrequiredMean float64 `json:"unrequiredMean"`
	// CourseWorks is the chance a completed course really takes a ready learner to its
	// level (COURSE_COMPLETION evidence claims it either way); it is also the mean
	// hidden efficacy of the recommendation world's courses.
	CourseWorks float64 `json:"courseWorks"`
	// Drift is the expected number of level changes per year (learning or
	// forgetting, 60:40) besides courses: 0 is a world without ageing.
	Drift float64 `json:"drift"`
	// Fading is the expected number of steps per year by which a level that courses
	// or drift moved away from the learner's starting level falls back towards it:
	// what is not practised is forgotten. 0: nothing fades.
	Fading float64 `json:"fading"`
}

// DefaultWorld is the world `karmayogi eval` reports by default.
func DefaultWorld() World { return Worlds()[0] }

// Worlds returns the evaluation worlds, the default first. Each departs from the
// default in one assumption.
func Worlds() []World {
	d := World{
		Name: "default", Description: "self ratings run high, assessments near the learner's level, courses mostly work, some change over time",
		SelfBias: 0.8, SelfSD: 1.0, SupervisorBias: 0.1, SupervisorSD: 0.9,
		AssessmentNear: true, Unrequired: 0.15, UnrequiredMean: 2.5, CourseWorks: 0.7, Drift: 0.3,
	}
	with := func(name, desc string, f func(*World)) World {
		w := d
		w.Name, w.Description = name, desc
		f(&w)
		return w
	}
	return []World{
		d,
		with("optimistic-self", "self ratings 1.5 levels high", func(w *World) { w.SelfBias, w.SelfSD = 1.5, 0.8 }),
		with("pessimistic-self", "self ratings a level low", func(w *World) { w.SelfBias, w.SelfSD = -1.0, 0.8 }),
		with("random-assessments", "assessments taken at a random level", func(w *World) { w.AssessmentNear = false }),
		with("low-unrequired", "many unrequired competencies, held at low levels", func(w *World) { w.Unrequired, w.UnrequiredMean = 0.4, 0.8 }),
		with("high-unrequired", "many unrequired competencies, held at high levels", func(w *World) { w.Unrequired, w.UnrequiredMean = 0.4, 3.6 }),
		with("courses-work", "courses nearly always do what they claim", func(w *World) { w.CourseWorks = 0.95 }),
		with("courses-often-fail", "courses often do not", func(w *World) { w.CourseWorks = 0.3 }),
		with("strong-ageing", "what courses and drift add fades back within about a year", func(w *World) { w.Drift, w.Fading = 0.6, 1.5 }),
		with("drifting", "levels wander up and down about once a year", func(w *World) { w.Drift = 1.2 }),
		with("no-ageing", "levels never change besides courses", func(w *World) { w.Drift = 0 }),
	}
}

// worldCompetencies is the number of competencies of a world, worldPerArea to an
// area (as in the recommendation world), areas alternating between two types; each
// has its own offset of the population's level.
const (
	worldCompetencies = 48
	worldPerArea      = 6
)

// worldCase is one simulated (learner, competency) with the truth at evaluation time.
type worldCase struct {
	recommender.Case
	now       time.Time // when the estimate is read
	trueLevel int       // at now
}

// competencyGroup places a simulated competency in its area and type.
func competencyGroup(id int64) recommender.CompetencyGroup {
	area := int((id - 1) / worldPerArea)
	t := "BEHAVIOURAL"
	if area%2 == 1 {
		t = "FUNCTIONAL"
	}
	return recommender.CompetencyGroup{Type: t, Area: string(rune('A' + area))}
}

// worldGroups returns the groups of competencies 1..n.
func worldGroups(n int) map[int64]recommender.CompetencyGroup {
	g := make(map[int64]recommender.CompetencyGroup, n)
	for id := int64(1); id <= int64(n); id++ {
		g[id] = competencyGroup(id)
	}
	return g
}

// offsets returns each competency's offset of the population level, from the
// world's seed: some competencies are commonly stronger than their requirement.
func competencyOffsets(seed int64, n int) []float64 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6f666673657473)) // "offsets"
	out := make([]float64, n+1)
	for c := 1; c <= n; c++ {
		out[c] = -0.8 + 1.6*rng.Float64()
	}
	return out
}

// simulateWorldCases returns the cases of n learners of world w, each holding one to
// four of the world's competencies, deterministically in seed. firstLearner numbers
// them.
func simulateWorldCases(w World, n int, seed int64, firstLearner int64) []worldCase {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x776f726c64636173)) // "worldcas"
	offsets := competencyOffsets(seed, worldCompetencies)
	var out []worldCase
	for u := range n {
		for _, c := range rng.Perm(worldCompetencies)[:1+rng.IntN(4)] {
			required := 0
			if rng.Float64() >= w.Unrequired {
				required = 1 + rng.IntN(5)
			}
			out = append(out, simulateWorldCase(w, rng, firstLearner+int64(u), int64(c+1), required, offsets[c+1]))
		}
	}
	return out
}

// simulateWorldCase draws one case of world w: a starting level around the
// requirement (or the world's unrequired mean), a timeline of evidence over up to
// three years during which the level drifts and courses may raise it, and the truth at
// a reading time up to six months after the newest evidence.
func simulateWorldCase(w World, rng *rand.Rand, learnerID, competencyID int64, required int, offset float64) worldCase {
	const top = 5
	s := &simNoise
	var level int
	if required > 0 {
		level = clampInt(required+s.deltaFromReq[pick(rng, s.deltaWeights)]+int(math.Round(offset*rng.Float64())), 0, top)
	} else {
		level = clampInt(int(math.Round(w.UnrequiredMean+offset+1.2*rng.NormFloat64())), 0, top)
	}
	n := 1 + rng.IntN(s.maxEvidence)
	span := s.minSpan + time.Duration(rng.Int64N(int64(s.maxSpan-s.minSpan)))
	start := simBase.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
	times := make([]time.Time, n)
	for i := range times {
		times[i] = start.Add(time.Duration(rng.Int64N(int64(span))))
	}
	slices.SortFunc(times, time.Time.Compare)
	now := times[n-1].Add(time.Duration(rng.Int64N(int64(180 * 24 * time.Hour))))

	// drift moves the level over an interval: a Poisson number of changes, each up
	// (learning) with probability 0.6, else down (forgetting), then a Poisson number of
	// steps back towards the starting level (fading).
	base := level
	drift := func(from, to time.Time) {
		years := to.Sub(from).Hours() / (365 * 24)
		for range poisson(rng, w.Drift*years) {
			if rng.Float64() < 0.6 {
				level = min(level+1, top)
			} else {
				level = max(level-1, 0)
			}
		}
		for range poisson(rng, w.Fading*years) {
			switch {
			case level > base:
				level--
			case level < base:
				level++
			}
		}
	}
	c := worldCase{Case: recommender.Case{LearnerID: learnerID, CompetencyID: competencyID, Required: required}, now: now}
	sources := []models.EvidenceSource{models.SelfRating, models.SupervisorRating,
		models.Assessment, models.CourseCompletion, models.Certification, models.EventAttendance}
	weights := []float64{0.28, 0.20, 0.24, 0.14, 0.08, 0.06}
	prev := times[0]
	for i, at := range times {
		drift(prev, at)
		prev = at
		e := models.Evidence{ID: learnerID*1000 + competencyID*10 + int64(i), LearnerID: learnerID,
			CompetencyID: competencyID, Source: sources[pick(rng, weights)], ObservedAt: at, CreatedAt: at}
		switch e.Source {
		case models.SelfRating:
			e.Level = noisyLevel(rng, level, w.SelfBias, w.SelfSD, top)
		case models.SupervisorRating:
			e.Level = noisyLevel(rng, level, w.SupervisorBias, w.SupervisorSD, top)
		case models.CourseCompletion:
			// A course one or two levels above where the learner is; it claims its level
			// whether or not it worked.
			e.Level = clampInt(level+1+rng.IntN(2), 1, top)
			if rng.Float64() < w.CourseWorks {
				level = max(level, e.Level)
			}
		case models.Certification:
			e.Level = simulateCertification(rng, level, top)
		case models.EventAttendance:
			e.Level = clampInt(level+rng.IntN(3), 1, top)
		case models.Assessment:
			if w.AssessmentNear {
				e.Level = clampInt(level+rng.IntN(3)-1, 1, top)
			} else {
				e.Level = 1 + rng.IntN(top)
			}
			e.Score = simulateScore(rng, level, e.Level)
		}
		c.Evidence = append(c.Evidence, e)
	}
	drift(prev, now)
	c.trueLevel = level
	return c
}

// poisson draws a Poisson variate of mean lambda (Knuth; lambda is small here).
func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	limit, k, prod := math.Exp(-lambda), 0, rng.Float64()
	for prod > limit {
		k++
		prod *= rng.Float64()
	}
	return k
}
