package telemetry

import "github.com/prometheus/client_golang/prometheus"

// EstimatorMetrics are the learned estimator's metrics. Register them with a
// registry (server.Config.Collectors) and give them to service.Estimator. A nil
// *EstimatorMetrics records nothing.
type EstimatorMetrics struct {
	version      prometheus.Gauge
	reestimated  prometheus.Counter
	cursor       prometheus.Gauge
	running      prometheus.Gauge
	calibrations *prometheus.CounterVec
}

// Calibration outcomes for EstimatorMetrics.Calibrated.
const (
	CalibrationActivated = "activated" // stored and made active
	CalibrationStored    = "stored"    // stored, not activated (not better, or not converged)
	CalibrationDryRun    = "dry_run"   // fitted and scored, nothing stored
	CalibrationBusy      = "busy"      // another process was calibrating
	CalibrationFailed    = "failed"    // an error
)

// NewEstimatorMetrics returns unregistered estimator metrics:
//
//	karmayogi_estimator_model_version                 the estimator model version in use (0: the hand-set defaults)
//	karmayogi_estimator_reestimated_learners_total    learners whose stored proficiencies were re-estimated in the background
//	karmayogi_estimator_reestimation_cursor           the highest learner ID re-estimated under the model in use
//	karmayogi_estimator_reestimation_running          1 while this process re-estimates
//	karmayogi_estimator_calibrations_total{outcome}   calibrations run by this process, by outcome
func NewEstimatorMetrics() *EstimatorMetrics {
	m := &EstimatorMetrics{
		version: prometheus.NewGauge(prometheus.GaugeOpts{Name: "karmayogi_estimator_model_version",
			Help: "The estimator model version this process estimates proficiency with (0: the hand-set defaults)."}),
		reestimated: prometheus.NewCounter(prometheus.CounterOpts{Name: "karmayogi_estimator_reestimated_learners_total",
			Help: "Learners whose stored proficiencies this process re-estimated after a model change."}),
		cursor: prometheus.NewGauge(prometheus.GaugeOpts{Name: "karmayogi_estimator_reestimation_cursor",
			Help: "The highest learner ID whose proficiencies are re-estimated under the model in use (the resumable cursor)."}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "karmayogi_estimator_reestimation_running",
			Help: "1 while this process re-estimates stored proficiencies in the background, else 0."}),
		calibrations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "karmayogi_estimator_calibrations_total",
			Help: "Calibrations (estimator fits) this process ran, by outcome: activated, stored, dry_run, busy, failed."}, []string{"outcome"}),
	}
	for _, o := range []string{CalibrationActivated, CalibrationStored, CalibrationDryRun, CalibrationBusy, CalibrationFailed} {
		m.calibrations.WithLabelValues(o)
	}
	return m
}

// Describe implements prometheus.Collector.
func (m *EstimatorMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *EstimatorMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *EstimatorMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.version, m.reestimated, m.cursor, m.running, m.calibrations}
}

// ModelVersion records the model version in use.
func (m *EstimatorMetrics) ModelVersion(v int) {
	if m != nil {
		m.version.Set(float64(v))
	}
}

// Reestimated records a batch of n learners re-estimated, through learner ID through.
func (m *EstimatorMetrics) Reestimated(n int, through int64) {
	if m != nil {
		m.reestimated.Add(float64(n))
		m.cursor.Set(float64(through))
	}
}

// Reestimating records whether a background re-estimation is running.
func (m *EstimatorMetrics) Reestimating(on bool) {
	if m != nil {
		v := 0.0
		if on {
			v = 1
		}
		m.running.Set(v)
	}
}

// Calibrated counts one calibration with its outcome (a Calibration* constant).
func (m *EstimatorMetrics) Calibrated(outcome string) {
	if m != nil {
		m.calibrations.WithLabelValues(outcome).Inc()
	}
}
