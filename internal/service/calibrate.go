package service

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/telemetry"
	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

// CalibrateOptions tune a calibration.
type CalibrateOptions struct {
	// Holdout is the share of learners held out to score the models (0.2 if 0).
	Holdout float64
	// Sample is the most learners whose evidence is read (DefaultSample if 0): those
	// with the smallest hash of their ID, so the same learners are chosen every time
	// and memory stays bounded however many learners there are.
	Sample int
	// DryRun fits and scores but stores nothing.
	DryRun bool
	// MaxIterations bounds the fit's iterations (0: Fit's default).
	MaxIterations int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Seen, when set, is the newest fit the caller knew of: if a newer one is
	// stored by the time the calibration lock is held, Calibrate does nothing and
	// returns ErrFittedMeanwhile (a scheduled refit another process just ran).
	Seen *time.Time
}

// DefaultSample is how many learners a calibration reads at most by default.
const DefaultSample = 200000

// holdoutSeed fixes which learners are held out, so successive calibrations (and
// the model each is compared with) are scored on the same learners.
const holdoutSeed = 1

// Calibration is what a calibration did.
type Calibration struct {
	// LearnersWithEvidence is how many learners have evidence; Sampled how many of
	// them were read (at most Sample).
	LearnersWithEvidence, Sampled, Sample int
	// Train and HeldOut count learners, cases and evidence on each side of the split.
	Train, HeldOut DataSize
	Holdout        float64

	Report      recommender.FitReport
	Diagnostics models.EstimatorDiagnostics
	DryRun      bool
	// Model is the stored version (nil on a dry run).
	Model *models.EstimatorModel
	// Activated says whether the fit became (or, on a dry run, would become) the
	// active model, and Reason why or why not.
	Activated bool
	Reason    string
	// Effects is the course-effect refit that followed (nil: none, on a dry run or
	// without Estimator.Effects).
	Effects *EffectSummary

	ReadTime, FitTime time.Duration
}

// DataSize counts learners, (learner, competency) cases and pieces of evidence.
type DataSize struct{ Learners, Cases, Evidence int }

// ErrFittedMeanwhile is returned by Calibrate when CalibrateOptions.Seen is older
// than the newest stored fit.
var ErrFittedMeanwhile = models.Errorf(models.ECONFLICT, "another process has just calibrated")

// ErrCalibrationRunning is returned by Calibrate while another calibration runs.
var ErrCalibrationRunning = models.Errorf(models.ECONFLICT,
	"another calibration is running (in this or another process); this one did nothing")

// Calibrate fits the estimator to the stored evidence and scores it on held-out
// learners against the active model, the hand-set defaults and the
// latest-evidence rule (see recommender.Fit, Diagnose, DiagnoseLatest). Unless
// o.DryRun, the fit is stored as a new version, and it is activated if it
// converged and beats the active model on the holdout: a lower mean log loss of
// the next assessment outcome or, when no held-out learner has an assessment to
// predict, a lower supervisor-rating error. Servers pick an activated version up
// at their next poll (Watch). ECONFLICT (ErrCalibrationRunning) while another
// calibration runs; EINVALID when there is no evidence to fit on.
func (e *Estimator) Calibrate(ctx context.Context, o CalibrateOptions) (*Calibration, error) {
	unlock, ok, err := e.Store.TryLock(ctx, "calibrate")
	if err != nil {
		e.Metrics.Calibrated(telemetry.CalibrationFailed)
		return nil, err
	}
	if !ok {
		e.Metrics.Calibrated(telemetry.CalibrationBusy)
		return nil, ErrCalibrationRunning
	}
	defer unlock()
	if o.Seen != nil {
		latest, err := e.Store.LatestEstimatorFit(ctx)
		if err != nil {
			return nil, err
		}
		if latest.After(*o.Seen) {
			return nil, ErrFittedMeanwhile
		}
	}
	c, err := e.calibrate(ctx, o)
	if err == nil && !c.DryRun && e.Effects != nil {
		fx := *e.Effects
		fx.Params = e.Params()
		sum, ferr := fx.FitCourseEffects(ctx)
		if ferr != nil {
			return c, fmt.Errorf("course effects: %w", ferr)
		}
		c.Effects = &sum
	}
	switch {
	case err != nil:
		e.Metrics.Calibrated(telemetry.CalibrationFailed)
	case c.DryRun:
		e.Metrics.Calibrated(telemetry.CalibrationDryRun)
	case c.Activated:
		e.Metrics.Calibrated(telemetry.CalibrationActivated)
	default:
		e.Metrics.Calibrated(telemetry.CalibrationStored)
	}
	return c, err
}

func (e *Estimator) calibrate(ctx context.Context, o CalibrateOptions) (*Calibration, error) {
	if o.Holdout <= 0 {
		o.Holdout = 0.2
	}
	if o.Sample <= 0 {
		o.Sample = DefaultSample
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	c := &Calibration{Sample: o.Sample, Holdout: o.Holdout, DryRun: o.DryRun}
	start := time.Now()
	cases, groups, err := e.readCases(ctx, o.Sample, c)
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, models.Errorf(models.EINVALID, "no evidence to calibrate on")
	}
	train, test := recommender.SplitHoldout(cases, o.Holdout, holdoutSeed)
	cases = nil
	c.Train, c.HeldOut = sizeOf(train), sizeOf(test)
	c.ReadTime = time.Since(start)

	start = time.Now()
	fitted, report := recommender.Fit(recommender.DefaultParams(), train, recommender.FitOptions{Groups: groups, MaxIterations: o.MaxIterations})
	c.FitTime, c.Report = time.Since(start), report
	fitted.Version = 0 // the store numbers it

	active := e.Params()
	c.Diagnostics = models.EstimatorDiagnostics{
		HeldOutLearners: c.HeldOut.Learners,
		ActiveVersion:   active.Version,
		Fitted:          models.HoldoutScore(recommender.Diagnose(fitted, test)),
		Active:          models.HoldoutScore(recommender.Diagnose(active, test)),
		Defaults:        models.HoldoutScore(recommender.Diagnose(recommender.DefaultParams(), test)),
		Latest:          models.HoldoutScore(recommender.DiagnoseLatest(train, test)),
	}
	c.Activated, c.Reason = decide(report, c.Diagnostics)
	if o.DryRun {
		return c, nil
	}
	params, err := json.Marshal(fitted)
	if err != nil {
		return nil, err
	}
	c.Model = &models.EstimatorModel{FittedAt: now(), Learners: c.Train.Learners, Cases: c.Train.Cases, Evidence: c.Train.Evidence,
		Converged: report.Converged, Params: params, Diagnostics: c.Diagnostics, Notes: report.Notes}
	if err := e.Store.CreateEstimatorModel(ctx, c.Model); err != nil {
		return nil, err
	}
	if c.Activated {
		if c.Model, err = e.Store.ActivateEstimatorModel(ctx, c.Model.Version); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// decide says whether a fit should replace the active model, and why.
func decide(r recommender.FitReport, d models.EstimatorDiagnostics) (bool, string) {
	active := "the hand-set defaults (version 0)"
	if d.ActiveVersion != 0 {
		active = fmt.Sprintf("the active model (version %d)", d.ActiveVersion)
	}
	switch {
	case !r.Converged:
		return false, fmt.Sprintf("the fit did not converge (%d iterations)", r.Iterations)
	case d.Fitted.Assessments > 0:
		if d.Fitted.AssessmentLogLoss < d.Active.AssessmentLogLoss {
			return true, fmt.Sprintf("its held-out assessment log loss %.4f is below %.4f of %s", d.Fitted.AssessmentLogLoss, d.Active.AssessmentLogLoss, active)
		}
		return false, fmt.Sprintf("its held-out assessment log loss %.4f is not below %.4f of %s", d.Fitted.AssessmentLogLoss, d.Active.AssessmentLogLoss, active)
	case d.Fitted.SupervisorRatings > 0:
		if d.Fitted.SupervisorMAE < d.Active.SupervisorMAE {
			return true, fmt.Sprintf("no held-out assessments; its held-out supervisor-rating error %.4f is below %.4f of %s", d.Fitted.SupervisorMAE, d.Active.SupervisorMAE, active)
		}
		return false, fmt.Sprintf("no held-out assessments; its held-out supervisor-rating error %.4f is not below %.4f of %s", d.Fitted.SupervisorMAE, d.Active.SupervisorMAE, active)
	default:
		return false, "the held-out learners have no assessment or supervisor rating to compare the models on"
	}
}

func sizeOf(cases []recommender.Case) DataSize {
	var s DataSize
	last := int64(-1)
	for _, c := range cases {
		if c.LearnerID != last {
			s.Learners++
			last = c.LearnerID
		}
		s.Cases++
		s.Evidence += len(c.Evidence)
	}
	return s
}

// readCases reads the evidence of at most sample learners, chosen by a hash of
// their ID, as cases ordered by learner and competency, each with the level the
// learner's own roles require; and every competency's group. It pages through the
// learner IDs once to choose, then reads the chosen learners' evidence a chunk at
// a time: memory holds the sample's evidence, never everyone's.
func (e *Estimator) readCases(ctx context.Context, sample int, c *Calibration) ([]recommender.Case, map[int64]recommender.CompetencyGroup, error) {
	comps, err := e.Store.FindAllCompetencies(ctx)
	if err != nil {
		return nil, nil, err
	}
	groups := make(map[int64]recommender.CompetencyGroup, len(comps))
	for _, comp := range comps {
		groups[comp.ID] = recommender.CompetencyGroup{Type: string(comp.Type), Area: comp.Area}
	}
	chosen := &smallestHashes{}
	var after int64
	for {
		ids, err := e.Store.FindLearnerIDsWithEvidence(ctx, after, 10000)
		if err != nil {
			return nil, nil, err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			c.LearnersWithEvidence++
			h := learnerHash(id)
			if chosen.Len() < sample {
				heap.Push(chosen, hashed{h, id})
			} else if h < (*chosen)[0].hash {
				(*chosen)[0] = hashed{h, id}
				heap.Fix(chosen, 0)
			}
		}
		after = ids[len(ids)-1]
	}
	ids := make([]int64, len(*chosen))
	for i, h := range *chosen {
		ids[i] = h.id
	}
	*chosen = nil
	slices.Sort(ids)
	c.Sampled = len(ids)

	var cases []recommender.Case
	const chunk = 1000
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		rows, err := e.Store.FindEvidenceByLearnerIDs(ctx, part)
		if err != nil {
			return nil, nil, err
		}
		required, err := e.Store.FindRequiredLevelsByLearnerIDs(ctx, part)
		if err != nil {
			return nil, nil, err
		}
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && rows[j].LearnerID == rows[i].LearnerID && rows[j].CompetencyID == rows[i].CompetencyID {
				j++
			}
			l, comp := rows[i].LearnerID, rows[i].CompetencyID
			cases = append(cases, recommender.Case{LearnerID: l, CompetencyID: comp, Required: required[l][comp], Evidence: rows[i:j:j]})
			i = j
		}
	}
	return cases, groups, nil
}

// learnerHash mixes a learner ID (splitmix64's finaliser, with a constant of its
// own so the sample is independent of the holdout split).
func learnerHash(id int64) uint64 {
	x := uint64(id) + 0x632be59bd9b4e019
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

type hashed struct {
	hash uint64
	id   int64
}

// smallestHashes is a max-heap on hash: it keeps the learners with the smallest.
type smallestHashes []hashed

func (h smallestHashes) Len() int           { return len(h) }
func (h smallestHashes) Less(i, j int) bool { return h[i].hash > h[j].hash }
func (h smallestHashes) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *smallestHashes) Push(x any)        { *h = append(*h, x.(hashed)) }
func (h *smallestHashes) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// WriteReport writes what a calibration did for people: the data it read, the
// fit, the held-out diagnostics of each model as a table, the fit's notes, and
// what became of the fit.
func (c *Calibration) WriteReport(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "data: %d learners with evidence; read %d", c.LearnersWithEvidence, c.Sampled)
	if c.Sampled < c.LearnersWithEvidence {
		fmt.Fprintf(&b, " of them, chosen by a hash of the learner ID (--sample %d)", c.Sample)
	} else {
		fmt.Fprintf(&b, " (all; --sample %d)", c.Sample)
	}
	fmt.Fprintf(&b, " in %s\n", c.ReadTime.Round(time.Millisecond))
	fmt.Fprintf(&b, "  train:    %d learners, %d cases, %d pieces of evidence\n", c.Train.Learners, c.Train.Cases, c.Train.Evidence)
	fmt.Fprintf(&b, "  held out: %d learners, %d cases, %d pieces of evidence (--holdout %g, by learner)\n",
		c.HeldOut.Learners, c.HeldOut.Cases, c.HeldOut.Evidence, c.Holdout)
	state := "converged"
	if !c.Report.Converged {
		state = "did not converge"
	}
	fmt.Fprintf(&b, "fit: %d iterations, %s, log-likelihood %.4f per case, in %s\n\n",
		c.Report.Iterations, state, c.Report.LogLikelihood, c.FitTime.Round(time.Millisecond))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}

	d := c.Diagnostics
	fmt.Fprintf(w, "held-out diagnostics (%d learners): each next assessment outcome and supervisor rating, predicted from the evidence before it\n", d.HeldOutLearners)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tassessments\tlog loss\tsupervisor ratings\tMAE (levels)\t")
	active := "active (defaults, version 0)"
	if d.ActiveVersion != 0 {
		active = fmt.Sprintf("active (version %d)", d.ActiveVersion)
	}
	for _, row := range []struct {
		name string
		s    models.HoldoutScore
	}{{"fitted", d.Fitted}, {active, d.Active}, {"hand-set defaults", d.Defaults}, {"latest evidence", d.Latest}} {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t\n", row.name, row.s.Assessments, score(row.s.Assessments, row.s.AssessmentLogLoss),
			row.s.SupervisorRatings, score(row.s.SupervisorRatings, row.s.SupervisorMAE))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	b.Reset()
	if len(c.Report.Notes) > 0 {
		b.WriteString("\nnotes (parameters kept at their default or clamped, and why):\n")
		for _, n := range c.Report.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	b.WriteString("\n")
	switch {
	case c.DryRun && c.Activated:
		fmt.Fprintf(&b, "dry run: nothing stored; the fit would be activated: %s\n", c.Reason)
	case c.DryRun:
		fmt.Fprintf(&b, "dry run: nothing stored; the fit would not be activated: %s\n", c.Reason)
	case c.Activated:
		fmt.Fprintf(&b, "stored as version %d and activated: %s; servers switch to it at their next poll and re-estimate stored proficiencies in the background\n", c.Model.Version, c.Reason)
	default:
		fmt.Fprintf(&b, "stored as version %d, not activated: %s (activate it anyway with: karmayogi calibrate --activate %d)\n", c.Model.Version, c.Reason, c.Model.Version)
	}
	if e := c.Effects; e != nil {
		fmt.Fprintf(&b, "course effects refitted: %d of %d claims estimated from %d completions, %d contradicted (in %d courses); karmayogi effects lists them\n",
			e.Estimated, e.Claims, e.Completions, e.Contradicted, e.ContradictedCourses)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// score formats a mean, or "-" when nothing was predicted.
func score(n int, v float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}

// Schedule refits the estimator every `every` until ctx ends, across all the
// processes sharing the database: each looks every min(every, 1h), and under the
// calibration lock (so one at a time) refits only if the newest stored fit is
// older than every. A fit it activates is installed here at once (Refresh); the
// other processes pick it up at their next poll. The first look is after
// min(every, 5m), so a process that starts does not refit at once.
func (e *Estimator) Schedule(ctx context.Context, every time.Duration, o CalibrateOptions) {
	if every <= 0 {
		return
	}
	tick := min(every, time.Hour)
	wait := min(every, 5*time.Minute)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = tick
		latest, err := e.Store.LatestEstimatorFit(ctx)
		if err != nil {
			e.logger().Warn("estimator: scheduled calibration: reading the latest fit failed", "error", err)
			continue
		}
		if !latest.IsZero() && time.Since(latest)+tick/2 < every {
			continue
		}
		e.scheduled(ctx, o, latest)
	}
}

// scheduled runs one scheduled calibration, unless another process has just run it.
func (e *Estimator) scheduled(ctx context.Context, o CalibrateOptions, seen time.Time) {
	start := time.Now()
	o.DryRun, o.Seen = false, &seen
	c, err := e.Calibrate(ctx, o)
	switch {
	case models.ErrorCode(err) == models.ECONFLICT:
		e.logger().Info("estimator: scheduled calibration skipped", "reason", models.ErrorMessage(err))
		return
	case models.ErrorCode(err) == models.EINVALID:
		e.logger().Info("estimator: scheduled calibration: nothing to fit", "reason", models.ErrorMessage(err))
		return
	case err != nil:
		e.logger().Warn("estimator: scheduled calibration failed", "error", err)
		return
	}
	e.logger().Info("estimator: scheduled calibration", "version", c.Model.Version, "activated", c.Activated, "reason", c.Reason,
		"learners", c.Train.Learners, "evidence", c.Train.Evidence, "converged", c.Report.Converged,
		"held_out_log_loss", c.Diagnostics.Fitted.AssessmentLogLoss, "active_held_out_log_loss", c.Diagnostics.Active.AssessmentLogLoss,
		"notes", len(c.Report.Notes), "elapsed", time.Since(start).Round(time.Millisecond))
	if c.Activated {
		if _, err := e.Refresh(ctx); err != nil {
			e.logger().Warn("estimator: installing the new model failed; the next poll retries", "error", err)
		}
	}
}

// WriteItemReport prints the item calibration: per bank, the attempts it rests on,
// and every item with a problem (negative discrimination, never or always answered
// correctly, very high exposure).
func WriteItemReport(w io.Writer, banks []ItemCalibration, dryRun bool) error {
	verb := "stored"
	if dryRun {
		verb = "not stored (dry run)"
	}
	fmt.Fprintf(w, "\nitem calibration: %d banks; parameters %s\n", len(banks), verb)
	for _, b := range banks {
		flagged := 0
		for _, r := range b.Reports {
			if len(r.Problems) > 0 {
				flagged++
			}
		}
		fmt.Fprintf(w, "  competency %d: %d completed attempts, %d items flagged\n", b.CompetencyID, b.Attempts, flagged)
		for _, r := range b.Reports {
			if len(r.Problems) > 0 {
				fmt.Fprintf(w, "    item %d (%d responses, a=%.2f b=%.2f): %s\n", r.ItemID, r.Responses, r.Discrimination, r.Difficulty, strings.Join(r.Problems, "; "))
			}
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}
