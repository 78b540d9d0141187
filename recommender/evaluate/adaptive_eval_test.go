package evaluate_test

import (
	"fmt"
	"testing"

	"github.com/openkarmayogi/karmayogi/recommender/evaluate"
)

func TestEvaluateAssessments(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	e := evaluate.EvaluateAssessments(1000, 1)
	t.Logf("adaptive %+v\nrandom %+v\nfixed %+v\nequal-accuracy fixed form %d items (ratio %.2f)\ncalibration %+v",
		e.Adaptive, e.RandomOrder, e.FixedForm, e.EqualAccuracyFixedItems, e.AdaptiveToFixedRatio, e.Calibration)
	t.Run("TargetHalfItems", func(t *testing.T) {
		if !e.TargetHalfItems || e.Adaptive.MeanItems > float64(e.EqualAccuracyFixedItems)/2 {
			t.Errorf("adaptive %.1f items; equal-accuracy fixed form %d items", e.Adaptive.MeanItems, e.EqualAccuracyFixedItems)
		}
	})
	t.Run("TargetWithin15Items", func(t *testing.T) {
		if !e.TargetExact70 || !e.TargetWithin97 || e.Adaptive.ExactRate < 0.7 || e.Adaptive.WithinOneRate < 0.97 {
			t.Errorf("adaptive exact %.3f, within one %.3f", e.Adaptive.ExactRate, e.Adaptive.WithinOneRate)
		}
	})
	t.Run("AdaptiveBeatsRandomOrder", func(t *testing.T) {
		if e.Adaptive.ExactRate <= e.RandomOrder.ExactRate || e.Adaptive.MeanItems >= e.RandomOrder.MeanItems {
			t.Errorf("adaptive %+v, random order %+v", e.Adaptive, e.RandomOrder)
		}
	})
	t.Run("ExposureControlled", func(t *testing.T) {
		// The cap holds over the last 100 attempts, counted from the 20th: allow for the
		// uncontrolled first attempts.
		if e.Adaptive.MaxExposure > 0.3 || e.FixedForm.MaxExposure != 1 {
			t.Errorf("an item was shown to %.3f of a bank's examinees (fixed form %.3f)", e.Adaptive.MaxExposure, e.FixedForm.MaxExposure)
		}
	})
	t.Run("CalibrationRecovers", func(t *testing.T) {
		c := e.Calibration
		if c.CorrDifficulty < 0.9 || c.Reported != 0 {
			t.Errorf("calibration %+v", c)
		}
	})
}

func TestEvaluateAssessmentsDeterministic(t *testing.T) {
	a, b := evaluate.EvaluateAssessments(120, 9), evaluate.EvaluateAssessments(120, 9)
	if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) {
		t.Errorf("same seed, different reports")
	}
}
