-- The estimated effect of each course on each competency it claims, from the
-- evidence of its completers before and after completing it against similar learners
-- who did not take it (docs/effectiveness.md). Each fit replaces every row.
-- claimed_from/claimed_to are the claim the estimate was fitted to; efficacy 0 means
-- no estimate (the claim is kept).
CREATE TABLE course_effects (
    course_id      BIGINT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    competency_id  BIGINT NOT NULL REFERENCES competencies (id),
    claimed_from   INTEGER NOT NULL CHECK (claimed_from BETWEEN 0 AND 4),
    claimed_to     INTEGER NOT NULL CHECK (claimed_to BETWEEN 1 AND 5),
    claimed_gain   DOUBLE PRECISION NOT NULL,
    estimated_gain DOUBLE PRECISION NOT NULL,
    low            DOUBLE PRECISION NOT NULL,
    high           DOUBLE PRECISION NOT NULL,
    learners       INTEGER NOT NULL CHECK (learners >= 0),
    controls       INTEGER NOT NULL CHECK (controls >= 0),
    contradicted   BOOLEAN NOT NULL,
    efficacy       DOUBLE PRECISION NOT NULL CHECK (efficacy BETWEEN 0 AND 1),
    fitted_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (course_id, competency_id),
    CHECK (low <= estimated_gain AND estimated_gain <= high)
);
