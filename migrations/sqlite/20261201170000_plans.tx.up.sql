-- Capacity-building plans: courses an organisation assigns to an audience of its
-- learners, due by due_date. Only a LIVE plan assigns anything.
CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('DRAFT', 'LIVE', 'RETIRED')),
    due_date        TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
--bun:split
-- plans(organisationId:) pages a subtree's plans by due date, latest first.
CREATE INDEX plans_organisation_due_idx ON plans (organisation_id, due_date DESC, id DESC);
--bun:split
CREATE INDEX plans_due_idx ON plans (due_date DESC, id DESC);
--bun:split
-- A plan's courses, in the order the plan lists them (ordinal 0, 1, ...).
CREATE TABLE plan_courses (
    plan_id   BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    ordinal   INTEGER NOT NULL CHECK (ordinal >= 0),
    PRIMARY KEY (plan_id, course_id),
    UNIQUE (plan_id, ordinal)
);
--bun:split
-- The audience, resolved when the plan is created: one row per learner assigned.
CREATE TABLE plan_learners (
    plan_id    BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    PRIMARY KEY (plan_id, learner_id)
);
--bun:split
-- A learner's assigned courses and the LIVE plans they may see.
CREATE INDEX plan_learners_learner_idx ON plan_learners (learner_id, plan_id);
