package service

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// EffectStore is what the course-effect fit reads and writes.
type EffectStore interface {
	models.CourseEffectStore
	// FindCatalogue gives the claims (what each course imparts).
	FindCatalogue(ctx context.Context) (*models.Catalogue, error)
}

// CourseEffects fits the effect of every course on every competency it claims
// (recommender.EffectAccumulator) from the stored learning record, and stores it.
// The zero value of each setting takes its default.
type CourseEffects struct {
	Store   EffectStore
	Params  recommender.Params        // zero: recommender.DefaultParams()
	Options recommender.EffectOptions // zero: recommender.DefaultEffectOptions()
	Logger  *slog.Logger
	Now     func() time.Time
}

// Limits of the fit's work, whatever the number of learners.
const (
	// effectBatch is how many learners are read at a time.
	effectBatch = 2000
	// effectTimes is how many completion times of a course are kept for the
	// controls' pseudo-times (the first, in learner order).
	effectTimes = 256
	// effectControlTries is how many control learners (with evidence either side of
	// their pseudo-time) are tried per claim, in learner order.
	effectControlTries = 4000
)

// EffectSummary says what a fit did.
type EffectSummary struct {
	Claims       int // (course, competency) claims in the catalogue
	Estimated    int // claims with enough data for an estimate
	Contradicted int // estimated claims the data contradict
	// ContradictedCourses counts the courses with at least one contradicted claim.
	ContradictedCourses int
	Completions         int // completed enrolments read
	Learners            int // learners whose record was read
	// Effects are the contradicted claims, worst first (lowest estimate over claim).
	Effects  []models.CourseEffect
	FittedAt time.Time
	Took     time.Duration
}

// effectClaim is one claim being fitted.
type effectClaim struct {
	recommender.EffectClaim
	acc   *recommender.EffectAccumulator
	tries int
}

// FitCourseEffects fits every claim and replaces the stored effects with the result
// (which bumps the catalogue version, so the recommender's snapshot takes the new
// efficacies). It streams: two passes over the record, the completions (keeping at
// most effectTimes completion times a course) and the learners' evidence and
// completions effectBatch learners at a time.
//
// A completer of course c counts for each competency k that c claims when they have
// evidence in k other than COURSE_COMPLETION both before and after completing c. A
// control for (c, k) is a learner with such evidence either side of a pseudo-time
// (one of c's completion times, recommender.PseudoTime) who never completed c; at most
// effectControlTries are tried per claim, and at most MaxBandControls kept per band.
// Both are matched on the level their roles require of k.
func (s *CourseEffects) FitCourseEffects(ctx context.Context) (EffectSummary, error) {
	start := time.Now()
	p, o := s.Params, s.Options
	if p.Levels == 0 {
		p = recommender.DefaultParams()
	}
	if o == (recommender.EffectOptions{}) {
		o = recommender.DefaultEffectOptions()
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var sum EffectSummary
	cat, err := s.Store.FindCatalogue(ctx)
	if err != nil {
		return sum, err
	}
	var claims []*effectClaim
	byCourse := map[int64][]*effectClaim{}
	byCompetency := map[int64][]*effectClaim{}
	for _, course := range cat.Courses {
		for _, cc := range cat.Imparts[course.ID] {
			c := &effectClaim{EffectClaim: recommender.EffectClaim{CourseID: course.ID, CompetencyID: cc.CompetencyID, From: cc.FromLevel, To: cc.ToLevel}}
			c.acc = recommender.NewEffectAccumulator(p, o, c.EffectClaim)
			claims = append(claims, c)
			byCourse[c.CourseID] = append(byCourse[c.CourseID], c)
			byCompetency[c.CompetencyID] = append(byCompetency[c.CompetencyID], c)
		}
	}
	sum.Claims = len(claims)

	times := map[int64][]time.Time{}
	if err := s.Store.EachCompletion(ctx, func(c models.Completion) error {
		sum.Completions++
		if t := times[c.CourseID]; len(t) < effectTimes {
			times[c.CourseID] = append(t, c.CompletedAt)
		}
		return nil
	}); err != nil {
		return sum, err
	}

	err = s.Store.EachLearnerLearning(ctx, effectBatch, func(ls []models.LearnerLearning) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range ls {
			sum.Learners++
			fitLearner(&ls[i], byCourse, byCompetency, times)
		}
		return nil
	})
	if err != nil {
		return sum, err
	}

	sum.FittedAt = now().UTC().Truncate(time.Microsecond)
	rows := make([]models.CourseEffect, len(claims))
	contradicted := map[int64]bool{}
	for i, c := range claims {
		e := c.acc.Estimate()
		rows[i] = effectRow(e, sum.FittedAt)
		if e.Estimated {
			sum.Estimated++
		}
		if e.Contradicted {
			sum.Contradicted++
			contradicted[e.CourseID] = true
			sum.Effects = append(sum.Effects, rows[i])
		}
	}
	sum.ContradictedCourses = len(contradicted)
	slices.SortFunc(sum.Effects, func(a, b models.CourseEffect) int {
		return cmp.Or(cmp.Compare(a.EstimatedGain/a.ClaimedGain, b.EstimatedGain/b.ClaimedGain),
			cmp.Compare(a.CourseID, b.CourseID), cmp.Compare(a.CompetencyID, b.CompetencyID))
	})
	if err := s.Store.ReplaceCourseEffects(ctx, rows); err != nil {
		return sum, err
	}
	sum.Took = time.Since(start)
	if s.Logger != nil {
		s.Logger.Info("course effects fitted", "claims", sum.Claims, "estimated", sum.Estimated,
			"contradicted", sum.Contradicted, "learners", sum.Learners, "completions", sum.Completions, "took", sum.Took)
	}
	return sum, nil
}

// fitLearner adds one learner to the claims: as a completer of each course they
// completed, and as a control for the other claims on competencies they have evidence in.
func fitLearner(l *models.LearnerLearning, byCourse, byCompetency map[int64][]*effectClaim, times map[int64][]time.Time) {
	// The evidence comes by competency: one run each.
	runs := map[int64][]models.Evidence{}
	var order []int64
	for i := 0; i < len(l.Evidence); {
		j := i
		for j < len(l.Evidence) && l.Evidence[j].CompetencyID == l.Evidence[i].CompetencyID {
			j++
		}
		k := l.Evidence[i].CompetencyID
		runs[k] = l.Evidence[i:j]
		order = append(order, k)
		i = j
	}
	completed := map[int64]bool{}
	for _, c := range l.Completions {
		completed[c.CourseID] = true
		for _, cl := range byCourse[c.CourseID] {
			if ev := runs[cl.CompetencyID]; len(ev) > 0 {
				s := recommender.SplitAt(ev, c.CompletedAt)
				cl.acc.AddCompleter(l.Required[cl.CompetencyID], s.Before, s.After)
			}
		}
	}
	for _, k := range order {
		ev := runs[k]
		if measured(ev) < 2 {
			continue
		}
		for _, cl := range byCompetency[k] {
			t := times[cl.CourseID]
			if completed[cl.CourseID] || len(t) == 0 || cl.tries >= effectControlTries {
				continue
			}
			s := recommender.SplitAt(ev, recommender.PseudoTime(l.LearnerID, cl.CourseID, t))
			if len(s.Before) == 0 || len(s.After) == 0 {
				continue
			}
			cl.tries++
			cl.acc.AddControl(l.Required[k], s.Before, s.After)
		}
	}
}

// measured counts the evidence other than COURSE_COMPLETION.
func measured(ev []models.Evidence) int {
	n := 0
	for _, e := range ev {
		if e.Source != models.CourseCompletion {
			n++
		}
	}
	return n
}

// effectRow is the stored form of an estimate.
func effectRow(e recommender.CourseEffect, at time.Time) models.CourseEffect {
	return models.CourseEffect{CourseID: e.CourseID, CompetencyID: e.CompetencyID, ClaimedFromLevel: e.From, ClaimedToLevel: e.To,
		ClaimedGain: e.Claimed, EstimatedGain: e.Gain, Low: e.Low, High: e.High, Learners: e.Learners, Controls: e.Controls,
		Contradicted: e.Contradicted, Efficacy: e.Efficacy, FittedAt: at}
}

// CourseEffects returns the effect of a course on each competency it claims, from
// the catalogue snapshot: the last fit's estimate, or, for a claim the last fit did
// not see (never fitted, or the course's levels changed since), the claim itself
// (EstimatedGain = Low = High = ToLevel - FromLevel, Learners 0). A course unknown to
// the snapshot has none.
func (s *Recommendations) CourseEffects(ctx context.Context, courseID int64) ([]models.CourseEffect, error) {
	snap, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	return courseEffects(snap.catalog, courseID), nil
}

func courseEffects(c *models.Catalogue, courseID int64) []models.CourseEffect {
	claims := c.Imparts[courseID]
	out := make([]models.CourseEffect, 0, len(claims))
	for _, cc := range claims {
		i := slices.IndexFunc(c.Effects[courseID], func(e models.CourseEffect) bool {
			return e.CompetencyID == cc.CompetencyID && e.ClaimedFromLevel == cc.FromLevel && e.ClaimedToLevel == cc.ToLevel
		})
		if i >= 0 {
			out = append(out, c.Effects[courseID][i])
			continue
		}
		g := float64(cc.ToLevel - cc.FromLevel)
		out = append(out, models.CourseEffect{CourseID: courseID, CompetencyID: cc.CompetencyID, ClaimedFromLevel: cc.FromLevel,
			ClaimedToLevel: cc.ToLevel, ClaimedGain: g, EstimatedGain: g, Low: g, High: g})
	}
	return out
}

// EffectCounts returns, from the catalogue snapshot, how many courses have at least
// one estimated claim and how many at least one contradicted claim.
func (s *Recommendations) EffectCounts(ctx context.Context) (estimated, contradicted int, err error) {
	snap, err := s.catalogue(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, course := range snap.catalog.Courses {
		var est, con bool
		for _, e := range courseEffects(snap.catalog, course.ID) {
			est = est || e.Estimated()
			con = con || e.Contradicted
		}
		if est {
			estimated++
		}
		if con {
			contradicted++
		}
	}
	return estimated, contradicted, nil
}
