-- Versions of the learned proficiency estimator (karmayogi calibrate). params is
-- the JSON of recommender.Params, opaque to SQL; diagnostics the held-out scores of
-- the fit, of the model active when it was fitted, of the hand-set defaults and of
-- the latest-evidence rule; notes what the fit kept at default or clamped, and why.
-- At most one version is active; none: the hand-set defaults (version 0).
-- reestimated_through is the cursor of the background re-estimation after the
-- version was last activated (the highest learner ID done), reestimated_at when it
-- finished (NULL: not yet).
CREATE TABLE estimator_models (
    version             SERIAL PRIMARY KEY,
    fitted_at           TIMESTAMPTZ NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT FALSE,
    activated_at        TIMESTAMPTZ,
    learners            INTEGER NOT NULL CHECK (learners >= 0),
    cases               INTEGER NOT NULL CHECK (cases >= 0),
    evidence            INTEGER NOT NULL CHECK (evidence >= 0),
    converged           BOOLEAN NOT NULL,
    params              TEXT NOT NULL,
    diagnostics         TEXT NOT NULL,
    notes               TEXT NOT NULL,
    reestimated_through BIGINT NOT NULL DEFAULT 0,
    reestimated_at      TIMESTAMPTZ
);
--bun:split
CREATE UNIQUE INDEX estimator_models_one_active_idx ON estimator_models (active) WHERE active;
