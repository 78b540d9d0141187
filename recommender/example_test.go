package recommender_test

import (
	"fmt"
	"time"

	"github.com/openkarmayogi/karmayogi/models"
	"github.com/openkarmayogi/karmayogi/recommender"
)

func ExampleEstimateProficiency() {
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	passed := 0.75
	evidence := []models.Evidence{
		{Source: models.SelfRating, Level: 4, ObservedAt: day(2)},
		{Source: models.SupervisorRating, Level: 3, ObservedAt: day(10)},
		{Source: models.Assessment, Level: 3, Score: &passed, ObservedAt: day(20)},
	}
	// The learner's role requires level 3.
	e := recommender.EstimateProficiency(recommender.DefaultParams(), 3, evidence)
	fmt.Printf("level %d (confidence %.2f), 80%% interval [%d, %d], as of %s\n",
		e.Level, e.Confidence, e.Low, e.High, e.UpdatedAt.Format(time.DateOnly))
	for l, q := range e.Distribution {
		fmt.Printf("P(level %d) = %.3f\n", l, q)
	}
	fmt.Printf("expected gap to level 4: %.3f\n", recommender.ExpectedGap(e.Distribution, 4))
	// Output:
	// level 3 (confidence 0.65), 80% interval [3, 4], as of 2025-01-20
	// P(level 0) = 0.000
	// P(level 1) = 0.001
	// P(level 2) = 0.032
	// P(level 3) = 0.654
	// P(level 4) = 0.293
	// P(level 5) = 0.021
	// expected gap to level 4: 0.720
}
