package recommender

import (
	"github.com/openkarmayogi/karmayogi/models"
)

// Fitted holds the parts of the proficiency model learnt from a deployment's evidence
// (Fit). A nil *Fitted, or a nil table in it, means the hand-set parametric form of
// Params. Levels are 0..K-1 (K = Params.Levels), observed levels 1..K-1.
//
// In the fitted model every piece of evidence is a proper observation with a
// likelihood normalised over what the source could have reported:
//
//	rating, completion, certification, event:  P(L | l) = Observe[s][l][L-1]
//	assessment at L with outcome y and margin m: P(L, y, m | l) =
//	    Chosen[l][L-1] · q(L,l)^y · (1-q(L,l))^(1-y) · M[y][d]^m · (1-M[y][d])^(1-m)
//
// where q is Params.Assessment.Prob (slip, guess and discrimination are fitted too),
// d = clamp(l-L, -2, 2) and m says whether the score cleared (or missed) the pass mark
// by at least half the way to 1 (or to 0). Chosen carries what the level a learner was
// assessed at says about them; the threshold q anchors what "level L" means, so the
// other sources' biases are learnt relative to it.
type Fitted struct {
	// Observe[s][l][L-1] for SELF, SUPERVISOR, COURSE_COMPLETION, CERTIFICATION and
	// EVENT_ATTENDANCE; a missing source keeps its parametric likelihood.
	Observe map[models.EvidenceSource][][]float64 `json:"observe,omitempty"`
	// Chosen[l][L-1] is the chance that an assessment is taken at level L by someone
	// at true level l; nil: every level equally likely (no information).
	Chosen [][]float64 `json:"chosen,omitempty"`
	// Margin[y][d+2] is the chance of a clear margin given the outcome y (0 fail, 1
	// pass) and d = clamp(l-L, -2, 2).
	Margin [2][5]float64 `json:"margin"`
	// Priors[c][r][l] is the population prior of competency c for learners whose own
	// roles require level r (0: none); Pooled[r][l] is used for a competency with no
	// fitted prior. Both are pooled towards their parents (see Fit).
	Priors map[int64][][]float64 `json:"priors,omitempty"`
	Pooled [][]float64           `json:"pooled,omitempty"`
}

// PriorFor returns the prior of competency c for a learner whose own roles require
// level required of it (0: none): the fitted population prior when there is one, else
// Prior(required). The result is a fresh slice.
func (p Params) PriorFor(competencyID int64, required int) []float64 {
	pi := make([]float64, p.Levels)
	p.priorFor(pi, competencyID, required)
	return pi
}

// priorFor fills pi with PriorFor.
func (p Params) priorFor(pi []float64, competencyID int64, required int) {
	required = clampInt(required, 0, p.Levels-1)
	if f := p.Fitted; f != nil {
		if t := f.Priors[competencyID]; len(t) == p.Levels && len(t[required]) == p.Levels {
			copy(pi, t[required])
			return
		}
		if len(f.Pooled) == p.Levels && len(f.Pooled[required]) == p.Levels {
			copy(pi, f.Pooled[required])
			return
		}
	}
	p.prior(pi, required)
}

// marginClear reports whether an assessment score cleared (pass) or missed (fail)
// the pass mark by at least half of the way to 1 (or to 0).
func (p Params) marginClear(score float64) bool {
	_, margin := p.scoreMargin(score)
	return margin >= 0.5
}

// fittedLikelihood returns P(e | l) under the fitted tables, and false when e's
// source has none (the parametric form applies).
func (p Params) fittedLikelihood(e models.Evidence, l int) (float64, bool) {
	f := p.Fitted
	if f == nil {
		return 0, false
	}
	if e.Source == models.Assessment {
		if f.Chosen == nil {
			return 0, false
		}
		q := p.Assessment.Prob(e.Level, l)
		lik := f.Chosen[l][e.Level-1]
		pass := e.Score == nil || *e.Score >= p.PassMark
		if !pass {
			q = 1 - q
		}
		lik *= q
		if e.Score != nil {
			y := 0
			if pass {
				y = 1
			}
			m := f.Margin[y][clampInt(l-e.Level, -2, 2)+2]
			if !p.marginClear(*e.Score) {
				m = 1 - m
			}
			lik *= m
		}
		return lik, true
	}
	t := f.Observe[sourceOf(e)]
	if t == nil {
		return 0, false
	}
	return t[l][e.Level-1], true
}

// observeDefault returns the parametric likelihood of source s as a table normalised
// over the observed level: T[l][L-1] ∝ P(L | l). It is what a fitted table is pooled
// towards, and the starting point of Fit.
func (p Params) observeDefault(s models.EvidenceSource) [][]float64 {
	k, top := p.Levels, p.Levels-1
	t := make([][]float64, k)
	for l := range t {
		t[l] = make([]float64, top)
		var z float64
		for o := 1; o <= top; o++ {
			var q float64
			switch s {
			case models.SelfRating:
				q = p.Self.Prob(o, l, top)
			case models.SupervisorRating:
				q = p.Supervisor.Prob(o, l, top)
			case models.CourseCompletion:
				q = p.Course.Prob(o, l)
			case models.Certification:
				q = p.Certification.Prob(o, l)
			case models.EventAttendance:
				q = p.Event.Prob(o, l)
			case SelfReportedCompletion:
				q = p.SelfReportedCourse.Prob(o, l)
			}
			t[l][o-1] = q
			z += q
		}
		for o := range t[l] {
			t[l][o] /= z
		}
	}
	return t
}

// SelfReportedCompletion is the source the estimator treats a COURSE_COMPLETION
// nobody verified as: it has its own likelihood (Params.SelfReportedCourse, and its
// own table when fitted).
const SelfReportedCompletion models.EvidenceSource = "COURSE_COMPLETION_SELF_REPORTED"

// sourceOf is the source whose likelihood applies to e.
func sourceOf(e models.Evidence) models.EvidenceSource {
	if e.Source == models.CourseCompletion && e.SelfReported() {
		return SelfReportedCompletion
	}
	return e.Source
}

// observedSources are the sources with a table in Fitted.Observe.
var observedSources = []models.EvidenceSource{models.SelfRating, models.SupervisorRating,
	models.CourseCompletion, models.Certification, models.EventAttendance, SelfReportedCompletion}

// uniformRows returns k rows of n equal probabilities.
func uniformRows(k, n int) [][]float64 {
	t := make([][]float64, k)
	for l := range t {
		t[l] = make([]float64, n)
		for o := range t[l] {
			t[l][o] = 1 / float64(n)
		}
	}
	return t
}
