package evaluate

import (
	"testing"

	"github.com/openkarmayogi/karmayogi/recommender"
)

// BenchmarkFit fits the default world's evidence of 2,000 learners (about 5,000
// cases, 20,000 pieces of evidence): every half-life, every read half-life.
func BenchmarkFit(b *testing.B) {
	cases := worldCases(simulateWorldCases(DefaultWorld(), 2000, 1, 1))
	o := recommender.FitOptions{Groups: worldGroups(worldCompetencies)}
	b.ResetTimer()
	for range b.N {
		recommender.Fit(recommender.DefaultParams(), cases, o)
	}
	b.ReportMetric(float64(len(cases)), "cases")
}
