-- Organisations form a tree; path is the materialised path of IDs ("/1/7/42/") in
-- the "C" collation, so a subtree is one B-tree range scan.
CREATE TABLE organisations (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL CHECK (name <> ''),
    type        TEXT NOT NULL CHECK (type IN ('MINISTRY', 'DEPARTMENT', 'ORGANISATION')),
    parent_id   BIGINT REFERENCES organisations (id),
    path        TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((type = 'MINISTRY') = (parent_id IS NULL))
);
--bun:split
CREATE INDEX organisations_parent_code_idx ON organisations (parent_id, code);
--bun:split
CREATE TABLE competencies (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL CHECK (name <> ''),
    description TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL CHECK (type IN ('BEHAVIOURAL', 'FUNCTIONAL', 'DOMAIN')),
    area        TEXT NOT NULL CHECK (area <> ''),
    sub_theme   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
--bun:split
CREATE TABLE competency_levels (
    competency_id BIGINT NOT NULL REFERENCES competencies (id) ON DELETE CASCADE,
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    PRIMARY KEY (competency_id, level)
);
--bun:split
CREATE TABLE roles (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL CHECK (name <> ''),
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
--bun:split
CREATE TABLE role_requirements (
    role_id        BIGINT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    competency_id  BIGINT NOT NULL REFERENCES competencies (id),
    required_level INTEGER NOT NULL CHECK (required_level BETWEEN 1 AND 5),
    weight         DOUBLE PRECISION NOT NULL DEFAULT 1 CHECK (weight > 0),
    PRIMARY KEY (role_id, competency_id)
);
--bun:split
CREATE INDEX role_requirements_competency_idx ON role_requirements (competency_id);
--bun:split
CREATE TABLE courses (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL CHECK (title <> ''),
    description     TEXT NOT NULL DEFAULT '',
    provider        TEXT NOT NULL CHECK (provider <> ''),
    format          TEXT NOT NULL CHECK (format IN ('ONLINE', 'FACE_TO_FACE', 'BLENDED')),
    duration_hours  DOUBLE PRECISION NOT NULL CHECK (duration_hours > 0),
    rating_sum      BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating_count    BIGINT NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    enrolment_count BIGINT NOT NULL DEFAULT 0 CHECK (enrolment_count >= 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
--bun:split
CREATE INDEX courses_provider_idx ON courses (provider, code);
--bun:split
CREATE TABLE course_competencies (
    course_id     BIGINT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    from_level    INTEGER NOT NULL CHECK (from_level BETWEEN 0 AND 4),
    to_level      INTEGER NOT NULL CHECK (to_level BETWEEN 1 AND 5),
    PRIMARY KEY (course_id, competency_id),
    CHECK (to_level > from_level)
);
--bun:split
CREATE INDEX course_competencies_competency_idx ON course_competencies (competency_id, to_level);
--bun:split
-- version is bumped by every change that can alter the learner's recommendations.
CREATE TABLE learners (
    id              BIGSERIAL PRIMARY KEY,
    employee_code   TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL CHECK (name <> ''),
    email           TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    designation     TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
--bun:split
CREATE INDEX learners_organisation_idx ON learners (organisation_id, employee_code);
--bun:split
CREATE TABLE learner_roles (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    role_id    BIGINT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (learner_id, role_id)
);
--bun:split
CREATE INDEX learner_roles_role_idx ON learner_roles (role_id, learner_id);
--bun:split
CREATE TABLE evidence (
    id            BIGSERIAL PRIMARY KEY,
    learner_id    BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    source        TEXT NOT NULL CHECK (source IN ('ASSESSMENT', 'SELF', 'SUPERVISOR', 'COURSE_COMPLETION', 'CERTIFICATION')),
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    score         DOUBLE PRECISION CHECK (score BETWEEN 0 AND 1),
    observed_at   TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (learner_id, competency_id, source, observed_at)
);
--bun:split
CREATE INDEX evidence_learner_observed_idx ON evidence (learner_id, observed_at DESC, id DESC);
--bun:split
CREATE TABLE proficiencies (
    learner_id    BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    level         INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    confidence    DOUBLE PRECISION NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    distribution  TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, competency_id)
);
--bun:split
CREATE TABLE enrolments (
    id           BIGSERIAL PRIMARY KEY,
    learner_id   BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    course_id    BIGINT NOT NULL REFERENCES courses (id),
    status       TEXT NOT NULL CHECK (status IN ('ENROLLED', 'IN_PROGRESS', 'COMPLETED', 'DROPPED')),
    progress     DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    enrolled_at  TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    UNIQUE (learner_id, course_id)
);
--bun:split
CREATE INDEX enrolments_course_idx ON enrolments (course_id);
--bun:split
CREATE TABLE certificates (
    id                BIGSERIAL PRIMARY KEY,
    learner_id        BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    course_id         BIGINT NOT NULL REFERENCES courses (id),
    enrolment_id      BIGINT NOT NULL REFERENCES enrolments (id),
    verification_code TEXT NOT NULL UNIQUE,
    issued_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (learner_id, course_id)
);
--bun:split
CREATE TABLE course_ratings (
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    course_id  BIGINT NOT NULL REFERENCES courses (id),
    stars      INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    rated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner_id, course_id)
);
--bun:split
-- Named counters; 'catalogue' is bumped by every competency, role or course change.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
--bun:split
INSERT INTO counters (name, value) VALUES ('catalogue', 1);
