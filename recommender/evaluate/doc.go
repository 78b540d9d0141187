// Package evaluate is the offline evaluation of package recommender (`karmayogi
// eval`): simulated worlds with hidden truths on which the estimator, the rankings,
// the learning paths and the adaptive tests are scored against baselines. It uses
// only the recommender's public API, and the recommender never imports it.
//
// EvaluateProficiency simulates learners with hidden true levels and noisy, biased
// evidence (the simulator's noise is its own, never the estimator's Params) and scores
// the estimator against the baselines "latest", "max" and "latest_self"; Worlds gives
// the generative assumptions it is run in (EvaluateWorld).
// EvaluateRecommendation simulates a catalogue with hidden course efficacies, peers
// whose outcomes follow the true gain, and learners whose evidence goes through the
// estimator, and scores ranking (NDCG@10) and learning paths (true gap closed per hour)
// against "ours_no_peer", "popular", "random" and "igot_rule". EvaluateAssessments
// simulates examinees taking adaptive tests, random-order tests and fixed forms.
package evaluate
