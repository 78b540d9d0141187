// Package recommender estimates proficiency from evidence and measures competency gaps;
// course ranking, learning paths and cohort suggestions arrive with the recommender
// issue. It is pure Go over plain inputs (the standard library, gonum and models): no
// context, database, cache or GraphQL, and the same inputs always give the same result.
//
// # Proficiency
//
// EstimateProficiency turns the evidence of one learner in one competency into a
// probability distribution over levels 0..5 by a discrete Bayesian update: a prior that
// depends on the required level of the learner's role (Params.Prior), times one
// likelihood per piece of evidence, each source with its own (Params documents every
// formula). Older evidence counts less: its log-likelihood is scaled by
// 0.5^(age/HalfLife), with age measured from the newest evidence of the same learner and
// competency, never from the wall clock, so an estimate is a function of the evidence
// log alone and rebuilding it from the log gives the same numbers, in any order.
// The Estimate reports the median level, the probability of that level, and the
// narrowest run of levels holding 80% (Interval). ExpectedGap prices the uncertainty
// into a shortfall against a required level.
//
// All estimator parameters live in Params; DefaultParams holds the values in use.
//
// # Evaluation
//
// EvaluateProficiency simulates learners with hidden true levels and noisy, biased
// evidence (the simulator's noise is its own, never the estimator's Params) and scores
// the estimator against the baselines "latest", "max" and "latest_self".
package recommender
