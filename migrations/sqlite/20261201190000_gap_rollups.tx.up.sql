-- Each learner's gap in each requirement of their roles (the highest level and weight
-- any of them requires), with the distribution under the requirement's prior: kept in
-- step with proficiencies, roles, requirements and organisation by the store.
CREATE TABLE learner_gaps (
    learner_id      BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id   BIGINT NOT NULL REFERENCES competencies (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    required        INTEGER NOT NULL CHECK (required BETWEEN 1 AND 5),
    weight          DOUBLE PRECISION NOT NULL CHECK (weight > 0),
    gap             DOUBLE PRECISION NOT NULL CHECK (gap >= 0),
    level           INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    d0 DOUBLE PRECISION NOT NULL, d1 DOUBLE PRECISION NOT NULL, d2 DOUBLE PRECISION NOT NULL,
    d3 DOUBLE PRECISION NOT NULL, d4 DOUBLE PRECISION NOT NULL, d5 DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (learner_id, competency_id)
);
--bun:split
-- The sums of learner_gaps by organisation and requirement, maintained incrementally
-- (a change subtracts a learner's old rows and adds the new), so a gap report over a
-- ministry reads a few thousand rows whatever the number of learners.
CREATE TABLE gap_rollups (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    competency_id   BIGINT NOT NULL REFERENCES competencies (id),
    required        INTEGER NOT NULL CHECK (required BETWEEN 1 AND 5),
    learners        BIGINT NOT NULL,
    with_gap        BIGINT NOT NULL,
    sum_gap         DOUBLE PRECISION NOT NULL,
    sum_weighted    DOUBLE PRECISION NOT NULL,
    h0 BIGINT NOT NULL, h1 BIGINT NOT NULL, h2 BIGINT NOT NULL, h3 BIGINT NOT NULL, h4 BIGINT NOT NULL, h5 BIGINT NOT NULL,
    wm0 DOUBLE PRECISION NOT NULL, wm1 DOUBLE PRECISION NOT NULL, wm2 DOUBLE PRECISION NOT NULL,
    wm3 DOUBLE PRECISION NOT NULL, wm4 DOUBLE PRECISION NOT NULL, wm5 DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (organisation_id, competency_id, required)
);
