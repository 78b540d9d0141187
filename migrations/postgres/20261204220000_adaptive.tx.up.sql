-- Adaptive competency assessments: item banks, attempts and their responses.
-- An item tests a competency at the level it was written for; options is a JSON array
-- of 2 to 6 strings and correct the 1-based position of the right one, which no
-- learner ever reads. discrimination and difficulty are the fitted item parameters on
-- the level scale, null until calibrated.
CREATE TABLE assessment_items (
    id             BIGSERIAL PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    competency_id  BIGINT NOT NULL REFERENCES competencies (id),
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    stem           TEXT NOT NULL CHECK (stem <> ''),
    options        TEXT NOT NULL,
    correct        INTEGER NOT NULL CHECK (correct BETWEEN 1 AND 6),
    discrimination DOUBLE PRECISION,
    difficulty     DOUBLE PRECISION,
    retired        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX assessment_items_competency_idx ON assessment_items (competency_id, retired);
--bun:split
-- An attempt at an adaptive test; current_item_id is the item being asked while
-- IN_PROGRESS, item_expires_at its deadline and expires_at the attempt's. prior and
-- result are JSON (the distribution it started from; the result it ended with).
CREATE TABLE adaptive_attempts (
    id              BIGSERIAL PRIMARY KEY,
    learner_id      BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id   BIGINT NOT NULL REFERENCES competencies (id),
    status          TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'ABANDONED')),
    current_item_id BIGINT REFERENCES assessment_items (id),
    item_expires_at TIMESTAMPTZ,
    started_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    completed_at    TIMESTAMPTZ,
    prior           TEXT NOT NULL,
    result          TEXT,
    evidence_id     BIGINT REFERENCES evidence (id) ON DELETE SET NULL
);
--bun:split
-- One open attempt per learner and competency.
CREATE UNIQUE INDEX adaptive_attempts_open_idx ON adaptive_attempts (learner_id, competency_id) WHERE status = 'IN_PROGRESS';
--bun:split
CREATE INDEX adaptive_attempts_learner_idx ON adaptive_attempts (learner_id, competency_id, started_at);
--bun:split
CREATE INDEX adaptive_attempts_competency_idx ON adaptive_attempts (competency_id, started_at);
--bun:split
CREATE TABLE attempt_responses (
    attempt_id  BIGINT NOT NULL REFERENCES adaptive_attempts (id) ON DELETE CASCADE,
    item_id     BIGINT NOT NULL REFERENCES assessment_items (id),
    position    INTEGER NOT NULL,
    choice      INTEGER NOT NULL,
    correct     BOOLEAN NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (attempt_id, item_id),
    UNIQUE (attempt_id, position)
);
--bun:split
CREATE INDEX attempt_responses_item_idx ON attempt_responses (item_id);
