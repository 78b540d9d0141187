package service

import (
	"context"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// Adaptive assessment defaults (each configurable: see AdaptiveFromEnv).
const (
	DefaultAssessmentCooloff = 7 * 24 * time.Hour // KARMAYOGI_ASSESSMENT_COOLOFF
	DefaultItemTimeLimit     = 5 * time.Minute    // KARMAYOGI_ASSESSMENT_ITEM_TIME
	DefaultAttemptTimeLimit  = 60 * time.Minute   // KARMAYOGI_ASSESSMENT_TIME
	exposureWindow           = 30 * 24 * time.Hour
	// exposureTTL is how long a competency's exposure shares are reused: they move
	// slowly (a 30-day window), and counting them reads every response of the
	// window, which on every answer would grow with the bank's use.
	exposureTTL    = 30 * time.Second
	adaptiveLevels = 6
)

// Adaptive runs adaptive competency assessments: it picks items with the
// recommender's engine, scores answers on the server and keeps the integrity rules
// (one open attempt per learner and competency, a cool-off between attempts, time
// limits per item and per attempt, only the item being asked can be answered).
// The store records each step in one transaction.
type Adaptive struct {
	Store models.AdaptiveStore
	// Finals scores courses' final assessments (FinalForm, TakeFinal); nil: none.
	Finals  CourseFinals
	Options recommender.AdaptiveOptions // zero: recommender.DefaultAdaptiveOptions()
	// Cooloff is the wait after an attempt ends before the next; ItemTime and
	// AttemptTime are the time limits. Zero: the defaults above.
	Cooloff, ItemTime, AttemptTime time.Duration
	// FinalRetake is the wait between attempts at a course's final assessment
	// (zero: DefaultFinalRetake).
	FinalRetake time.Duration
	Now         func() time.Time // nil: time.Now
	// Seed seeds item selection's randomness (0: from the clock).
	Seed uint64

	mu        sync.Mutex
	rng       *rand.Rand
	exposures sync.Map // competency ID → exposureShares
}

// exposureShares are a competency's item exposure shares as counted at an instant.
type exposureShares struct {
	at     time.Time
	shares map[int64]float64
}

// exposure returns a competency's item exposure shares over the window before
// now, counted at most exposureTTL ago.
func (a *Adaptive) exposure(ctx context.Context, competencyID int64, now time.Time) (map[int64]float64, error) {
	if e, ok := a.exposures.Load(competencyID); ok && now.Sub(e.(exposureShares).at) < exposureTTL {
		return e.(exposureShares).shares, nil
	}
	shares, err := a.Store.ItemExposure(ctx, competencyID, now.Add(-exposureWindow))
	if err != nil {
		return nil, err
	}
	a.exposures.Store(competencyID, exposureShares{at: now, shares: shares})
	return shares, nil
}

// AdaptiveFromEnv reads KARMAYOGI_ASSESSMENT_COOLOFF, KARMAYOGI_ASSESSMENT_ITEM_TIME,
// KARMAYOGI_ASSESSMENT_TIME and KARMAYOGI_FINAL_RETAKE (Go durations, e.g. 168h) into a; a bad value is an
// error naming the variable.
func AdaptiveFromEnv(a *Adaptive) error {
	for _, v := range []struct {
		name string
		d    *time.Duration
	}{{"KARMAYOGI_ASSESSMENT_COOLOFF", &a.Cooloff}, {"KARMAYOGI_ASSESSMENT_ITEM_TIME", &a.ItemTime}, {"KARMAYOGI_ASSESSMENT_TIME", &a.AttemptTime}, {"KARMAYOGI_FINAL_RETAKE", &a.FinalRetake}} {
		s := os.Getenv(v.name)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return models.Errorf(models.EINVALID, "%s: not a duration (like 168h): %q", v.name, s)
		}
		*v.d = d
	}
	return nil
}

func (a *Adaptive) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (a *Adaptive) options() recommender.AdaptiveOptions {
	if a.Options.MaxItems == 0 {
		return recommender.DefaultAdaptiveOptions()
	}
	return a.Options
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (a *Adaptive) cooloff() time.Duration  { return orDefault(a.Cooloff, DefaultAssessmentCooloff) }
func (a *Adaptive) itemTime() time.Duration { return orDefault(a.ItemTime, DefaultItemTimeLimit) }
func (a *Adaptive) attemptTime() time.Duration {
	return orDefault(a.AttemptTime, DefaultAttemptTimeLimit)
}

// next picks the next item under the lock that guards the shared random source.
func (a *Adaptive) next(post []float64, bank []recommender.Item, asked map[int64]bool, exposure map[int64]float64) (recommender.Item, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rng == nil {
		seed := a.Seed
		if seed == 0 {
			seed = uint64(time.Now().UnixNano())
		}
		a.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	return recommender.NextItem(post, bank, asked, exposure, a.rng, a.options())
}

// engineItem is an item as the engine sees it (no stem, no answer).
func engineItem(it *models.AssessmentItem) recommender.Item {
	e := recommender.Item{ID: it.ID, Level: it.Level, Options: len(it.Options)}
	if it.Discrimination != nil && it.Difficulty != nil {
		e.Discrimination, e.Difficulty = *it.Discrimination, *it.Difficulty
	}
	return e
}

// expired reports whether an IN_PROGRESS attempt has run out of time at now.
func expired(at *models.AdaptiveAttempt, now time.Time) bool {
	return !now.Before(at.ExpiresAt) || (at.ItemExpiresAt != nil && !now.Before(*at.ItemExpiresAt))
}

// Start begins an adaptive test of a competency for a learner, from prior (their
// passbook distribution over levels 0..5). A learner with an attempt of the
// competency still in progress gets that attempt back (a second start resumes it);
// an expired one is abandoned first. After an attempt ends, the next may start
// only after the cool-off: EFORBIDDEN naming the instant it ends. EINVALID
// (competencyId) when the competency has no items.
func (a *Adaptive) Start(ctx context.Context, learnerID, competencyID int64, prior []float64) (*models.AdaptiveAttempt, error) {
	now := a.now()
	open, err := a.Store.FindOpenAdaptiveAttempt(ctx, learnerID, competencyID)
	if err != nil {
		return nil, err
	}
	if open != nil {
		if !expired(open, now) {
			return open, nil
		}
		if _, err := a.Store.AbandonAdaptiveAttempt(ctx, open.ID, now); err != nil {
			return nil, err
		}
	}
	if end, err := a.Store.LastAdaptiveAttemptEnd(ctx, learnerID, competencyID); err != nil {
		return nil, err
	} else if end != nil && now.Before(end.Add(a.cooloff())) {
		until := end.Add(a.cooloff()).UTC()
		e := models.Errorf(models.EFORBIDDEN, "a new attempt may start only after the cool-off, at %s", until.Format(time.RFC3339))
		e.Field = "competencyId"
		return nil, e
	}
	items, err := a.Store.FindAssessmentItems(ctx, competencyID, false)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, models.Invalid("competencyId", "the competency has no assessment items")
	}
	exposure, err := a.exposure(ctx, competencyID, now)
	if err != nil {
		return nil, err
	}
	if len(prior) != adaptiveLevels {
		prior = uniform(adaptiveLevels)
	}
	bank := make([]recommender.Item, len(items))
	for i, it := range items {
		bank[i] = engineItem(it)
	}
	first, ok := a.next(prior, bank, map[int64]bool{}, exposure)
	if !ok {
		return nil, models.Invalid("competencyId", "the competency has no assessment items")
	}
	itemExpires := now.Add(a.itemTime())
	at, err := a.Store.CreateAdaptiveAttempt(ctx, &models.AdaptiveAttempt{LearnerID: learnerID, CompetencyID: competencyID,
		CurrentItemID: &first.ID, ItemExpiresAt: &itemExpires, StartedAt: now, ExpiresAt: now.Add(a.attemptTime()),
		Prior: append([]float64(nil), prior...)})
	if models.ErrorCode(err) == models.ECONFLICT {
		// Another start won the race: resume its attempt.
		if open, ferr := a.Store.FindOpenAdaptiveAttempt(ctx, learnerID, competencyID); ferr == nil && open != nil {
			return open, nil
		}
	}
	return at, err
}

func uniform(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1 / float64(n)
	}
	return out
}

// Attempt returns an attempt, abandoning it first if it has run out of time.
// ENOTFOUND for an unknown attempt.
func (a *Adaptive) Attempt(ctx context.Context, id int64) (*models.AdaptiveAttempt, error) {
	return a.attempt(ctx, id, nil)
}

// attempt is Attempt for a caller that admit checks first (nil: anyone).
func (a *Adaptive) attempt(ctx context.Context, id int64, admit func(*models.AdaptiveAttempt) error) (*models.AdaptiveAttempt, error) {
	m, err := a.Store.FindAdaptiveAttemptsByIDs(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	at := m[id]
	if at == nil {
		return nil, models.WithField(models.NotFound("attempt"), "attemptId")
	}
	if admit != nil {
		if err := admit(at); err != nil {
			return nil, err
		}
	}
	if now := a.now(); at.Status == models.AttemptInProgress && expired(at, now) {
		return a.Store.AbandonAdaptiveAttempt(ctx, id, now)
	}
	return at, nil
}

// Answer scores a choice (1-based) for the item being asked and moves the attempt
// on: to the next item, or to its result, recorded as ASSESSMENT evidence whose
// likelihood is that of the responses. The same answer to an item already answered
// is returned as it was (idempotent); a different one is ECONFLICT, as is an answer
// after the attempt ended. An attempt out of time is abandoned and returned as
// such. ENOTFOUND for an unknown attempt or item; EINVALID (itemId) for an item that
// is not being asked, (choice) for a choice out of range.
func (a *Adaptive) Answer(ctx context.Context, attemptID, itemID int64, choice int) (*models.AdaptiveAttempt, error) {
	return a.AnswerAs(ctx, attemptID, itemID, choice, nil)
}

// AnswerAs is Answer for a caller that admit, when not nil, checks against the
// attempt as it is read, before anything else: its error is returned as it is.
func (a *Adaptive) AnswerAs(ctx context.Context, attemptID, itemID int64, choice int, admit func(*models.AdaptiveAttempt) error) (*models.AdaptiveAttempt, error) {
	at, err := a.answer(ctx, attemptID, itemID, choice, admit)
	if models.ErrorCode(err) == models.ECONFLICT && at == nil {
		// A concurrent answer may have moved the attempt on: judge again on what is stored.
		at, err = a.answer(ctx, attemptID, itemID, choice, admit)
	}
	return at, err
}

func (a *Adaptive) answer(ctx context.Context, attemptID, itemID int64, choice int, admit func(*models.AdaptiveAttempt) error) (*models.AdaptiveAttempt, error) {
	at, err := a.attempt(ctx, attemptID, admit)
	if err != nil {
		return nil, err
	}
	responses, err := a.Store.FindAttemptResponses(ctx, attemptID)
	if err != nil {
		return nil, err
	}
	// This item and every item answered so far, in one read.
	ids := make([]int64, 0, len(responses)+1)
	for _, r := range responses {
		ids = append(ids, r.ItemID)
	}
	answered, err := a.Store.FindAssessmentItemsByIDs(ctx, append(ids, itemID))
	if err != nil {
		return nil, err
	}
	item := answered[itemID]
	if item == nil || item.CompetencyID != at.CompetencyID {
		e := models.NotFound("item")
		e.Field = "itemId"
		return nil, e
	}
	for _, r := range responses {
		if r.ItemID == itemID {
			if r.Choice == choice {
				return at, nil
			}
			e := models.Errorf(models.ECONFLICT, "the item was answered already; an answer cannot be changed")
			e.Field = "choice"
			return at, e
		}
	}
	if at.Status != models.AttemptInProgress {
		e := models.Errorf(models.ECONFLICT, "the attempt has ended (%s)", at.Status)
		e.Field = "attemptId"
		return at, e
	}
	if at.CurrentItemID == nil || *at.CurrentItemID != itemID {
		return at, models.Invalid("itemId", "is not the item being asked")
	}
	if choice < 1 || choice > len(item.Options) {
		return at, models.Invalid("choice", "must be between 1 and %d", len(item.Options))
	}
	now := a.now()
	step := models.AdaptiveStep{Response: models.AttemptResponse{ItemID: itemID, Position: len(responses) + 1, Choice: choice,
		Correct: choice == item.Correct, AnsweredAt: now}}

	// The engine's view: every item answered so far and this one, then the bank.
	known := make(map[int64]recommender.Item, len(answered))
	for id, it := range answered {
		known[id] = engineItem(it)
	}
	rs := make([]recommender.Response, 0, len(responses)+1)
	asked := map[int64]bool{}
	for _, r := range responses {
		rs = append(rs, recommender.Response{ItemID: r.ItemID, Correct: r.Correct})
		asked[r.ItemID] = true
	}
	rs = append(rs, recommender.Response{ItemID: itemID, Correct: step.Response.Correct})
	asked[itemID] = true
	prior := at.Prior
	if len(prior) != adaptiveLevels {
		prior = uniform(adaptiveLevels)
	}
	post := recommender.Posterior(prior, known, rs)
	o := a.options()
	done := recommender.Done(post, len(rs), o)
	var asking *models.AssessmentItem // the next item, when there is one
	if !done {
		bank, err := a.Store.FindAssessmentItems(ctx, at.CompetencyID, false)
		if err != nil {
			return nil, err
		}
		eng := make([]recommender.Item, len(bank))
		byID := make(map[int64]*models.AssessmentItem, len(bank))
		for i, it := range bank {
			eng[i], byID[it.ID] = engineItem(it), it
		}
		exposure, err := a.exposure(ctx, at.CompetencyID, now)
		if err != nil {
			return nil, err
		}
		if next, ok := a.next(post, eng, asked, exposure); ok {
			deadline := now.Add(a.itemTime())
			if deadline.After(at.ExpiresAt) {
				deadline = at.ExpiresAt
			}
			step.NextItemID, step.ItemExpiresAt = &next.ID, &deadline
			asking = byID[next.ID]
		} else {
			done = true // the bank is exhausted
		}
	}
	if done {
		res := recommender.ResultOf(post)
		step.Result = &models.AdaptiveResult{Level: res.Level, Distribution: res.Distribution, StandardError: res.StandardError, ItemsUsed: len(rs)}
		step.Evidence = &models.Evidence{LearnerID: at.LearnerID, CompetencyID: at.CompetencyID, Source: models.Assessment,
			Level: max(1, res.Level), ObservedAt: now, CreatedAt: now,
			Likelihood: recommender.ResponseLikelihood(known, rs, adaptiveLevels)}
	}
	out, err := a.Store.ApplyAdaptiveStep(ctx, attemptID, step)
	if err == nil && asking != nil && out.CurrentItemID != nil && *out.CurrentItemID == asking.ID {
		out.Asking = asking
	}
	return out, err
}

// ItemCalibration is what CalibrateItems found for one competency's bank.
type ItemCalibration struct {
	CompetencyID int64
	Attempts     int
	Reports      []recommender.ItemReport
}

// CalibrateItems refits the item parameters of every bank from the responses of
// completed attempts (recommender.CalibrateItems: a new item starts from the level
// it was written for and is shrunk towards it until it has enough responses) and,
// unless dryRun, stores them. It returns each bank's report.
func CalibrateItems(ctx context.Context, st models.AdaptiveStore, dryRun bool) ([]ItemCalibration, error) {
	comps, err := st.FindItemBankCompetencies(ctx)
	if err != nil {
		return nil, err
	}
	var out []ItemCalibration
	for _, c := range comps {
		items, err := st.FindAssessmentItems(ctx, c, true)
		if err != nil {
			return nil, err
		}
		bank := make([]recommender.Item, len(items))
		for i, it := range items {
			bank[i] = engineItem(it)
		}
		rs, err := st.FindItemResponses(ctx, c)
		if err != nil {
			return nil, err
		}
		var attempts []recommender.ItemResponses
		for _, r := range rs {
			if n := len(attempts); n == 0 || attempts[n-1].Examinee != r.AttemptID {
				attempts = append(attempts, recommender.ItemResponses{Examinee: r.AttemptID, Prior: r.Prior})
			}
			last := &attempts[len(attempts)-1]
			last.Responses = append(last.Responses, recommender.Response{ItemID: r.ItemID, Correct: r.Correct})
		}
		fitted, reports := recommender.CalibrateItems(bank, attempts)
		out = append(out, ItemCalibration{CompetencyID: c, Attempts: len(attempts), Reports: reports})
		if dryRun || len(attempts) == 0 {
			continue
		}
		params := map[int64][2]float64{}
		for _, it := range fitted {
			if it.Discrimination > 0 {
				params[it.ID] = [2]float64{it.Discrimination, it.Difficulty}
			}
		}
		if err := st.SetItemParameters(ctx, params); err != nil {
			return nil, err
		}
	}
	return out, nil
}
