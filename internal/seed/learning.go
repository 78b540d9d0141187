package seed

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// ReferenceDate is the day the demo's learning record runs up to: evidence and
// enrolments fall in the two years before it. It is fixed, so a seed gives the same
// records whenever it runs; should the clock read earlier, the record ends at today
// instead, since nothing may be dated in the future.
var ReferenceDate = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// history is how far back the learning record reaches from the reference date.
const history = 2 * 365 * 24 * time.Hour

// The learning record of a learner: a hidden true level in each competency their
// roles require, close to the required level, and noisy observations of it. The
// noise is the simulator's, not the estimator's: assessments test a level near the
// true one and are passed with a score of at least 0.6 when the learner is at or
// above it (with a slip or a guess one time in ten); self ratings run high;
// supervisors are off by a level now and then; certifications attest the true level.
var (
	// trueShift weighs the true level minus the required level, -3..+1.
	trueShift = []float64{0.05, 0.15, 0.30, 0.30, 0.20}
	// sourceShare weighs assessment, self rating, supervisor rating and certification.
	sourceShare = []float64{0.35, 0.27, 0.32, 0.06}
	// testedShift weighs the level an assessment tests minus the true level, -1..+1.
	testedShift = []float64{0.3, 0.4, 0.3}
	// selfShift weighs a self rating minus the true level, -1..+2.
	selfShift = []float64{0.05, 0.40, 0.45, 0.10}
	// supervisorShift weighs a supervisor's rating minus the true level, -1..+1.
	supervisorShift = []float64{0.2, 0.6, 0.2}
	// statusShare weighs COMPLETED, IN_PROGRESS, ENROLLED and DROPPED enrolments.
	statusShare = []float64{0.45, 0.25, 0.15, 0.15}
)

// requirement is one competency a learner's roles require of them.
type requirement struct {
	comp  string
	level int
}

// teaching is a course imparting a competency from one level to another.
type teaching struct {
	course   string
	from, to int
}

// learningMaker generates each learner's evidence and enrolments in turn, from its
// own random stream, so the catalogue and the learners do not depend on it.
type learningMaker struct {
	rng      *rand.Rand
	end      time.Time                // the reference date, or today if earlier
	reqs     map[string][]requirement // by role code
	teaching map[string][]teaching    // by competency code, in course order
	// effects is the stream of what courses do to their completers (effects.go),
	// apart from rng so that the rest of the record is drawn as before.
	effects *rand.Rand
	imparts map[string][]models.CourseCompetencyRecord // by course code
}

func newLearningMaker(rng, effects *rand.Rand, reqs []models.RoleRequirementRecord, links []models.CourseCompetencyRecord, now time.Time) *learningMaker {
	m := &learningMaker{rng: rng, end: ReferenceDate, reqs: map[string][]requirement{}, teaching: map[string][]teaching{},
		effects: effects, imparts: map[string][]models.CourseCompetencyRecord{}}
	if today := now.UTC().Truncate(24 * time.Hour); today.Before(m.end) {
		m.end = today
	}
	for _, r := range reqs {
		m.reqs[r.RoleCode] = append(m.reqs[r.RoleCode], requirement{r.CompetencyCode, r.RequiredLevel})
	}
	for _, l := range links {
		m.teaching[l.CompetencyCode] = append(m.teaching[l.CompetencyCode], teaching{l.CourseCode, l.FromLevel, l.ToLevel})
		m.imparts[l.CourseCode] = append(m.imparts[l.CourseCode], l)
	}
	return m
}

// record returns a learner's evidence (about 10 rows) and enrolments (about 3).
func (m *learningMaker) record(l models.LearnerRecord) ([]models.EvidenceRecord, []models.EnrolmentRecord) {
	rng := m.rng
	// The requirements of the learner's roles; of two on one competency, the higher.
	var needs []requirement
	for _, role := range l.RoleCodes {
		for _, r := range m.reqs[role] {
			if i := slices.IndexFunc(needs, func(n requirement) bool { return n.comp == r.comp }); i >= 0 {
				needs[i].level = max(needs[i].level, r.level)
			} else {
				needs = append(needs, r)
			}
		}
	}
	if len(needs) == 0 {
		return nil, nil
	}
	truth := make([]int, len(needs))
	for i, n := range needs {
		truth[i] = clamp(n.level+pick(rng, trueShift)-3, 0, models.MaxLevel)
	}

	evidence := make([]models.EvidenceRecord, 0, 16)
	about := make([]int, 0, 16) // the need each row observes
	for range 5 + rng.IntN(11) {
		i := rng.IntN(len(needs))
		e := models.EvidenceRecord{EmployeeCode: l.EmployeeCode, CompetencyCode: needs[i].comp, ObservedAt: m.when(rng, 0)}
		observe(rng, &e, pick(rng, sourceShare), truth[i])
		evidence = append(evidence, e)
		about = append(about, i)
	}

	// Enrolments in courses on the learner's needs, mostly where they fall short,
	// preferring courses they are ready for that take them higher.
	var short []int
	for i, n := range needs {
		if truth[i] < n.level {
			short = append(short, i)
		}
	}
	var enrolments []models.EnrolmentRecord
	var motive []int // the need each enrolment is for
	taken := map[string]bool{}
	want := 1 + rng.IntN(5)
	for try := 0; len(enrolments) < want && try < 3*want; try++ {
		i := rng.IntN(len(needs))
		if len(short) > 0 && rng.Float64() < 0.8 {
			i = short[rng.IntN(len(short))]
		}
		courses := m.teaching[needs[i].comp]
		if len(courses) == 0 {
			continue
		}
		var fit []teaching
		for _, c := range courses {
			if c.from <= truth[i] && truth[i] < c.to && !taken[c.course] {
				fit = append(fit, c)
			}
		}
		c := courses[rng.IntN(len(courses))]
		if len(fit) > 0 && rng.Float64() < 0.7 {
			c = fit[rng.IntN(len(fit))]
		}
		if taken[c.course] {
			continue
		}
		taken[c.course] = true
		enrolments = append(enrolments, m.enrolment(rng, l.EmployeeCode, c, truth[i]))
		motive = append(motive, i)
	}
	evidence = m.learn(l.EmployeeCode, needs, truth, evidence, about, enrolments, motive)
	return evidence, enrolments
}

// observe fills in the source, level and score of evidence e of a learner at level
// truth, as source (an index into sourceShare) says.
func observe(rng *rand.Rand, e *models.EvidenceRecord, source, truth int) {
	switch source {
	case 0:
		e.Source, e.Level = models.Assessment, clamp(truth+pick(rng, testedShift)-1, 1, models.MaxLevel)
		pass := truth >= e.Level
		if rng.Float64() < 0.1 {
			pass = !pass
		}
		s := 0.15 + 0.44*rng.Float64()
		if pass {
			s = 0.6 + 0.4*rng.Float64()
		}
		s = math.Round(s*100) / 100
		e.Score = &s
	case 3:
		if truth > 0 {
			e.Source, e.Level = models.Certification, truth
			break
		}
		fallthrough // nothing to certify: the learner rates themselves instead
	case 1:
		e.Source, e.Level = models.SelfRating, clamp(truth+pick(rng, selfShift)-1, 1, models.MaxLevel)
	case 2:
		e.Source, e.Level = models.SupervisorRating, clamp(truth+pick(rng, supervisorShift)-1, 1, models.MaxLevel)
	}
}

// enrolment returns an enrolment in course c of a learner at level truth in its
// competency. Ratings follow what the course gave: a course the learner was ready
// for and that took them above their level rates higher.
func (m *learningMaker) enrolment(rng *rand.Rand, employee string, c teaching, truth int) models.EnrolmentRecord {
	e := models.EnrolmentRecord{EmployeeCode: employee, CourseCode: c.course}
	rated := 0.1
	switch pick(rng, statusShare) {
	case 0:
		e.Status, e.Progress, rated = models.Completed, 1, 0.6
		e.EnrolledAt = m.when(rng, 61*24*time.Hour)
		done := e.EnrolledAt.Add(time.Duration(1+rng.IntN(60))*24*time.Hour + time.Duration(rng.IntN(8*3600))*time.Second)
		e.CompletedAt = &done
	case 1:
		e.Status, e.Progress = models.InProgress, float64(1+rng.IntN(19))/20
		e.EnrolledAt = m.when(rng, 0)
	case 2:
		e.Status, rated = models.Enrolled, 0
		e.EnrolledAt = m.when(rng, 0)
	case 3:
		e.Status, e.Progress = models.Dropped, float64(1+rng.IntN(12))/20
		e.EnrolledAt = m.when(rng, 0)
	}
	if rng.Float64() < rated {
		mean := 2.6
		if c.from <= truth && truth < c.to {
			mean = 4.2
		}
		if e.Status == models.Dropped {
			mean--
		}
		stars := clamp(int(math.Round(mean+0.8*rng.NormFloat64())), 1, 5)
		e.Rating = &stars
	}
	return e
}

// when returns a moment in office hours (IST) at least margin before the end of
// the record and within its two years, to the second.
func (m *learningMaker) when(rng *rand.Rand, margin time.Duration) time.Time {
	days := int((history - margin) / (24 * time.Hour))
	day := m.end.Add(-margin - time.Duration(1+rng.IntN(days))*24*time.Hour)
	// 09:30 to 17:30 IST is 04:00 to 12:00 UTC.
	return day.Add(4*time.Hour + time.Duration(rng.IntN(8*3600))*time.Second)
}

func clamp(x, lo, hi int) int { return min(max(x, lo), hi) }
