package load

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
)

// The operations of the assessments scenario.
const (
	OpAdaptiveStart  = "adaptive_start"  // startAdaptiveAssessment
	OpAdaptiveAnswer = "adaptive_answer" // answerItem
)

const (
	qStartAdaptive = `mutation Start($i: StartAdaptiveAssessmentInput!) { startAdaptiveAssessment(input: $i) {
		attempt { id status nextItem { id } } } }`
	qAnswerItem = `mutation Answer($i: AnswerItemInput!) { answerItem(input: $i) {
		attempt { id status nextItem { id } result { level } } } }`
)

// bankItem is what the simulated examinees know of an item: they answer from
// their true level, so they need the right option (read from the database, as no
// client can).
type bankItem struct {
	level, correct, options int
}

// AssessmentOptions shape the assessments scenario.
type AssessmentOptions struct {
	Workers  int           // attempts in progress at once
	Think    time.Duration // each examinee's pause before an answer
	Duration time.Duration
	Seed     uint64 // 0: from the clock, so a rerun meets other (learner, competency) pairs
}

// AssessmentRun is what the assessments scenario did.
type AssessmentRun struct {
	Report    Report `json:"report"`
	Workers   int    `json:"workers"`
	ThinkMs   int64  `json:"think_ms"`
	Completed int    `json:"completed"`       // attempts that reached a result
	Exact     int    `json:"exact_level"`     // of those, results at the examinee's true level
	Cooloff   int    `json:"cooloff_skipped"` // pairs skipped: that learner tested that competency lately
}

// Assessments keeps o.Workers adaptive attempts in progress at once for
// o.Duration: each worker is an examinee of a known level (drawn 0..5) who arrives
// within the first o.Think, starts an attempt on a competency with a bank, answers
// each item after a pause of 0.5..1.5 times o.Think (right
// with the probability of a logistic curve in level minus the item's level, or by
// guessing), and, when the attempt ends, becomes another learner. Every start and
// answer is an Outcome; the report has each operation's percentiles.
func Assessments(ctx context.Context, url string, db *sql.DB, fx *Fixtures, mint Minter, o AssessmentOptions) (*AssessmentRun, error) {
	banks, err := loadBanks(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(banks) == 0 {
		return nil, fmt.Errorf("load: no competency has an item bank: seed one (karmayogi seed loads the demo banks)")
	}
	comps := make([]int64, 0, len(banks))
	for c := range banks {
		comps = append(comps, c)
	}
	seed := o.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	var (
		next     atomic.Int64 // the next (learner, competency) pair
		offset   = int64(seed % uint64(len(fx.Learners)))
		pairs    = int64(len(fx.Learners) * len(comps))
		deadline = time.Now().Add(o.Duration)
		client   = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Workers}}
		run      = &AssessmentRun{Workers: o.Workers, ThinkMs: o.Think.Milliseconds()}
		mu       sync.Mutex // guards outs and run's counts
		outs     []Outcome
		stopErr  error // why a worker stopped early
		wg       sync.WaitGroup
	)
	record := func(out Outcome) { mu.Lock(); outs = append(outs, out); mu.Unlock() }
	stop := func(err error) { mu.Lock(); stopErr = cmp.Or(stopErr, err); mu.Unlock() }
	ctxRun, cancelRun := context.WithDeadline(ctx, deadline.Add(30*time.Second))
	defer cancelRun()
	for w := range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			// Examinees arrive spread over the first think time, and each pause is
			// drawn from 0.5..1.5 of it: people do not answer in step, and a harness
			// whose workers do measures its own bursts.
			sleep(ctxRun, time.Duration(rng.Float64()*float64(o.Think)))
			for time.Now().Before(deadline) && ctxRun.Err() == nil {
				k := next.Add(1) - 1
				if k >= pairs {
					stop(fmt.Errorf("load: every (learner, competency) pair is in its cool-off"))
					return
				}
				li := int((k + offset) % int64(len(fx.Learners)))
				comp := comps[int(k/int64(len(fx.Learners)))%len(comps)]
				l := fx.Learners[li]
				tok, err := mint(models.Caller{Role: models.RoleLearner, LearnerID: l.ID, OrganisationID: l.OrganisationID}, 2*time.Hour+o.Duration)
				if err != nil {
					stop(err)
					return
				}
				level := rng.IntN(6) // 0..5
				got, out := call(ctxRun, client, url, tok, OpAdaptiveStart, qStartAdaptive, map[string]any{
					"learnerId": GlobalID("Learner", l.ID), "competencyId": GlobalID("Competency", comp)})
				if out.Err == "200 FORBIDDEN" || out.Err == "403 FORBIDDEN" {
					mu.Lock()
					run.Cooloff++
					mu.Unlock()
					continue
				}
				record(out)
				for out.OK() && got.Status == "IN_PROGRESS" && got.NextItem != nil && time.Now().Before(deadline) {
					sleep(ctxRun, time.Duration((0.5+rng.Float64())*float64(o.Think)))
					id, _ := ParseGlobalID("AssessmentItem", got.NextItem.ID)
					it := banks[comp][id]
					choice := answerOf(rng, it, level)
					got, out = call(ctxRun, client, url, tok, OpAdaptiveAnswer, qAnswerItem, map[string]any{
						"attemptId": got.ID, "itemId": got.NextItem.ID, "choice": choice})
					record(out)
				}
				if out.OK() && got.Status == "COMPLETED" && got.Result != nil {
					mu.Lock()
					run.Completed++
					if got.Result.Level == level {
						run.Exact++
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if stopErr != nil && len(outs) == 0 {
		return nil, stopErr
	}
	run.Report = Summarize(fmt.Sprintf("assessments: %d attempts in progress, %s think time", o.Workers, o.Think), 0, Elapsed(outs), outs)
	return run, nil
}

// answerOf is an examinee's choice: right with probability
// g + (1-g)·σ(1.7·(level − itemLevel + 0.5)), g = 1/options, else a wrong option.
func answerOf(rng *rand.Rand, it bankItem, level int) int {
	g := 1 / float64(max(it.options, 2))
	p := g + (1-g)/(1+math.Exp(-1.7*(float64(level-it.level)+0.5)))
	if it.correct == 0 || rng.Float64() < p {
		return max(it.correct, 1)
	}
	wrong := rng.IntN(max(it.options-1, 1)) + 1
	if wrong >= it.correct {
		wrong++
	}
	return min(wrong, it.options)
}

// attemptReply is the part of an attempt the examinee reads.
type attemptReply struct {
	ID       string
	Status   string
	NextItem *struct{ ID string }
	Result   *struct{ Level int }
}

// call posts one operation as a learner and returns the attempt it answered with.
func call(ctx context.Context, c *http.Client, url, token, op, query string, input map[string]any) (attemptReply, Outcome) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"i": input}})
	out := Outcome{Op: op, Start: time.Now(), Learner: -1}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		out.Latency = time.Since(out.Start)
		out.Err, out.Message = "transport: "+transportError(err.Error()), err.Error()
		return attemptReply{}, out
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out.Latency, out.Status = time.Since(out.Start), resp.StatusCode
	var r struct {
		Data   map[string]struct{ Attempt attemptReply } `json:"data"`
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		out.Err, out.Message = fmt.Sprintf("%d BAD_JSON", resp.StatusCode), err.Error()
		return attemptReply{}, out
	}
	if resp.StatusCode != 200 || len(r.Errors) > 0 {
		code := "-"
		if len(r.Errors) > 0 {
			code, out.Message = r.Errors[0].Extensions.Code, r.Errors[0].Message
		}
		out.Err = fmt.Sprintf("%d %s", resp.StatusCode, code)
		return attemptReply{}, out
	}
	for _, v := range r.Data {
		return v.Attempt, out
	}
	return attemptReply{}, out
}

// loadBanks reads every competency's bank (not courses' own items) with the right
// options, by competency and item ID.
func loadBanks(ctx context.Context, db *sql.DB) (map[int64]map[int64]bankItem, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, competency_id, level, correct, options FROM assessment_items
		WHERE course_id IS NULL AND NOT retired`)
	if err != nil {
		return nil, fmt.Errorf("load: item banks: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[int64]bankItem{}
	for rows.Next() {
		var id, comp int64
		var it bankItem
		var options string
		if err := rows.Scan(&id, &comp, &it.level, &it.correct, &options); err != nil {
			return nil, err
		}
		var opts []string
		if err := json.Unmarshal([]byte(options), &opts); err != nil {
			return nil, fmt.Errorf("load: item %d: options: %w", id, err)
		}
		it.options = len(opts)
		if out[comp] == nil {
			out[comp] = map[int64]bankItem{}
		}
		out[comp][id] = it
	}
	return out, rows.Err()
}
