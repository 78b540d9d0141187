package seed

import (
	"cmp"
	"hash/fnv"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// What courses do to the people who complete them, so that course effectiveness
// (docs/effectiveness.md) has something to find: a completer ready for a course
// (its fromLevel <= their level < its toLevel) in a competency their roles require
// reaches its toLevel with the course's efficacy, from the moment they complete it;
// evidence observed from then on observes the new level. Most courses work; about
// one in sixteen does not (CourseEfficacy). Around a completion, the learner is often
// assessed or reviewed: before enrolling and some weeks after completing.
//
// All of it is drawn from its own random stream, after the rest of a learner's
// record, so the evidence rows and enrolments are drawn exactly as before; only the
// levels of evidence observed after a completion that worked, and the reviews
// around completions, are new.

// Efficacies of seeded courses.
const (
	workingEfficacy = 0.85
	// reviewShare is the chance of a review before a completion, and again after it.
	reviewShare = 0.5
)

// CourseEfficacy returns the share of ready completers a seeded course really takes
// to its toLevel: 0 for a course that does not work (one whose code's FNV-1a hash is
// 0 modulo 16), else 0.85.
func CourseEfficacy(code string) float64 {
	h := fnv.New32a()
	h.Write([]byte(code))
	if h.Sum32()%16 == 0 {
		return 0
	}
	return workingEfficacy
}

// levelChange is a learner's new level in a need from a time on.
type levelChange struct {
	at    time.Time
	level int
}

// learn applies the completions in enrolments to the learner's levels, redraws the
// evidence observed after a change (about[r] is the need row r observes) and adds the
// reviews around completions (motive[k] is the need enrolment k was made for). It
// returns the evidence.
func (m *learningMaker) learn(employee string, needs []requirement, truth []int, evidence []models.EvidenceRecord, about []int,
	enrolments []models.EnrolmentRecord, motive []int) []models.EvidenceRecord {
	rng := m.effects
	var done []int
	for k, e := range enrolments {
		if e.CompletedAt != nil {
			done = append(done, k)
		}
	}
	slices.SortStableFunc(done, func(a, b int) int { return enrolments[a].CompletedAt.Compare(*enrolments[b].CompletedAt) })

	changes := make([][]levelChange, len(needs))
	level := slices.Clone(truth)
	for _, k := range done {
		e := enrolments[k]
		works := CourseEfficacy(e.CourseCode)
		for _, link := range m.imparts[e.CourseCode] {
			i := slices.IndexFunc(needs, func(n requirement) bool { return n.comp == link.CompetencyCode })
			if i < 0 || link.FromLevel > level[i] || level[i] >= link.ToLevel {
				continue
			}
			if rng.Float64() < works {
				level[i] = link.ToLevel
				changes[i] = append(changes[i], levelChange{*e.CompletedAt, level[i]})
			}
		}
	}
	levelAt := func(i int, at time.Time) int {
		l := truth[i]
		for _, c := range changes[i] {
			if !at.Before(c.at) {
				l = c.level
			}
		}
		return l
	}

	type key struct {
		comp   string
		source models.EvidenceSource
		at     int64
	}
	keys := map[key]bool{}
	for r := range evidence {
		e := &evidence[r]
		if l := levelAt(about[r], e.ObservedAt); l != truth[about[r]] {
			source := slices.Index(sourceOrder, e.Source)
			e.Source, e.Level, e.Score = "", 0, nil
			observe(rng, e, source, l)
		}
		keys[key{e.CompetencyCode, e.Source, e.ObservedAt.UnixMicro()}] = true
	}

	start := m.end.Add(-history)
	review := func(i int, day time.Time) {
		at := day.UTC().Truncate(24 * time.Hour).Add(4*time.Hour + time.Duration(rng.IntN(8*3600))*time.Second)
		source := 0 // an assessment, or a supervisor's review
		if rng.Float64() < 0.5 {
			source = 2
		}
		if at.Before(start) || at.After(m.end) {
			return
		}
		e := models.EvidenceRecord{EmployeeCode: employee, CompetencyCode: needs[i].comp, ObservedAt: at}
		observe(rng, &e, source, levelAt(i, at))
		if k := (key{e.CompetencyCode, e.Source, at.UnixMicro()}); !keys[k] {
			keys[k] = true
			evidence = append(evidence, e)
		}
	}
	slices.SortStableFunc(done, func(a, b int) int { return cmp.Compare(a, b) }) // enrolment order
	for _, k := range done {
		e, i := enrolments[k], motive[k]
		if rng.Float64() < reviewShare {
			review(i, e.EnrolledAt.AddDate(0, 0, -1-rng.IntN(120)))
		}
		if rng.Float64() < reviewShare {
			review(i, e.CompletedAt.AddDate(0, 0, 7+rng.IntN(150)))
		}
	}
	return evidence
}

// sourceOrder is the source of each index of sourceShare.
var sourceOrder = []models.EvidenceSource{models.Assessment, models.SelfRating, models.SupervisorRating, models.Certification}
