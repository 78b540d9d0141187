package recommender

// RecommendIndependent exposes the ranking lists replaced (every course scored on its
// own) to the external benchmarks, as the same-run baseline of BenchmarkRecommend.
func (c *Catalogue) RecommendIndependent(p Params, l Learner, first int, o ScoreOptions) []int32 {
	return c.recommendIndependent(p, l, first, o)
}
