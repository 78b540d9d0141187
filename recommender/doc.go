// Package recommender estimates proficiency from evidence, measures competency gaps,
// ranks courses, plans budgeted learning paths and suggests courses for cohorts. It is
// pure Go over plain inputs (the standard library, gonum and models): no context,
// database, cache or GraphQL, and the same inputs always give the same result.
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
// # Gaps, ranking and paths
//
// A learner's requirements (MergeRequirements over their roles) are read against the
// stored estimates under each requirement's prior; Gaps gives the expected shortfall
// of each. A course that imparts a competency from f to t moves the mass at levels >= f
// up to t (Project), so the expected gap it closes (GapClosed) prices readiness.
// Catalogue is the immutable snapshot the service holds in memory: the courses x
// competencies matrix column-compressed, the quality signal from the Bayesian-average
// rating (Quality) and the peer signal per (role, course) (PeerSignals). On it,
// Recommend ranks by expected weighted gap closed tempered by quality and peers, with
// one explanatory sentence per course; LearningPath runs a budgeted greedy on gap
// closed per hour against the projected state, with the best-single-course check and
// a plan's assigned courses first; CohortSuggestions covers many learners greedily.
//
// # Evaluation
//
// The offline evaluation (simulated learners, catalogues and examinees with hidden
// truths, scored against baselines) is package recommender/evaluate, which uses only
// this package's public API.
package recommender
