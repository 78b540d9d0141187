package models

import (
	"encoding/json"
	"time"
)

// EstimatorModel is one version of the learned proficiency estimator, as
// `karmayogi calibrate` stored it: its parameters, the data it was fitted on and
// how it scored on held-out learners. At most one version is active; with none,
// the hand-set defaults are (version 0).
type EstimatorModel struct {
	Version     int        `bun:"version,pk,autoincrement"`
	FittedAt    time.Time  `bun:"fitted_at"`
	Active      bool       `bun:"active"`
	ActivatedAt *time.Time `bun:"activated_at"`
	// Learners, Cases and Evidence count the training data: learners, (learner,
	// competency) pairs and pieces of evidence.
	Learners  int  `bun:"learners"`
	Cases     int  `bun:"cases"`
	Evidence  int  `bun:"evidence"`
	Converged bool `bun:"converged"`
	// Params is the JSON of the estimator's parameters (recommender.Params),
	// opaque to everything but the recommender.
	Params json.RawMessage `bun:"params"`
	// Diagnostics are the held-out scores at the time of the fit.
	Diagnostics EstimatorDiagnostics `bun:"diagnostics"`
	// Notes are the fit's notes: each parameter kept at its default or clamped, and why.
	Notes []string `bun:"notes"`
	// ReestimatedThrough is the cursor of the background re-estimation of stored
	// proficiencies since the version was last activated: every learner with an ID
	// up to it is done. ReestimatedAt is when it finished (nil: not yet).
	ReestimatedThrough int64      `bun:"reestimated_through"`
	ReestimatedAt      *time.Time `bun:"reestimated_at"`
}

// HoldoutScore is how well a model predicted held-out learners' evidence: each next
// assessment outcome (mean log loss, in nats) and each next supervisor rating (mean
// absolute error, in levels), from the evidence before it. Its JSON is that of
// recommender.Diagnostics.
type HoldoutScore struct {
	Assessments       int     `json:"assessments"`
	AssessmentLogLoss float64 `json:"assessmentLogLoss"`
	SupervisorRatings int     `json:"supervisorRatings"`
	SupervisorMAE     float64 `json:"supervisorMAE"`
}

// EstimatorDiagnostics are the held-out scores of a calibration: of the fitted
// model, of the model active when it ran (ActiveVersion; 0: the defaults), of the
// hand-set defaults and of the latest-evidence rule, on HeldOutLearners learners.
type EstimatorDiagnostics struct {
	HeldOutLearners int          `json:"heldOutLearners"`
	ActiveVersion   int          `json:"activeVersion"`
	Fitted          HoldoutScore `json:"fitted"`
	Active          HoldoutScore `json:"active"`
	Defaults        HoldoutScore `json:"defaults"`
	Latest          HoldoutScore `json:"latest"`
}

// HeldOutLogLoss is the fitted model's mean log loss of the next assessment
// outcome on held-out learners; nil when they had no assessments to predict.
func (m *EstimatorModel) HeldOutLogLoss() *float64 { return m.Diagnostics.Fitted.logLoss() }

// DefaultsHeldOutLogLoss is the same for the hand-set defaults.
func (m *EstimatorModel) DefaultsHeldOutLogLoss() *float64 { return m.Diagnostics.Defaults.logLoss() }

func (s HoldoutScore) logLoss() *float64 {
	if s.Assessments == 0 {
		return nil
	}
	v := s.AssessmentLogLoss
	return &v
}
