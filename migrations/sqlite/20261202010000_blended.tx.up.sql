-- Face-to-face and blended learning, learning events, final assessments and karma.
-- A course's final assessment: the score (0..1) that passes it; NULL when it has none.
ALTER TABLE courses ADD COLUMN pass_mark REAL CHECK (pass_mark > 0 AND pass_mark <= 1);
--bun:split
-- Batches of FACE_TO_FACE and BLENDED courses. Completing a batch means attending
-- at least required_attendance (a share) of its sessions.
CREATE TABLE batches (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE CHECK (code <> ''),
    course_id           BIGINT NOT NULL REFERENCES courses (id),
    name                TEXT NOT NULL CHECK (name <> ''),
    venue               TEXT NOT NULL DEFAULT '',
    link                TEXT NOT NULL DEFAULT '',
    starts_at           TIMESTAMP NOT NULL,
    ends_at             TIMESTAMP NOT NULL CHECK (ends_at > starts_at),
    seats               INTEGER NOT NULL CHECK (seats > 0),
    policy              TEXT NOT NULL CHECK (policy IN ('OPEN', 'ONE_STEP_APPROVAL', 'TWO_STEP_APPROVAL')),
    required_attendance REAL NOT NULL CHECK (required_attendance > 0 AND required_attendance <= 1),
    created_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (venue <> '' OR link <> '')
);
--bun:split
CREATE INDEX batches_course_starts_idx ON batches (course_id, starts_at, id);
--bun:split
CREATE INDEX batches_starts_idx ON batches (starts_at, id);
--bun:split
-- A learner's request for a seat: one row per learner and batch. A confirmed
-- request holds seat_number, unique in its batch, so no seat is ever given twice
-- even if two transactions raced past the batch's row lock.
CREATE TABLE seat_requests (
    id           INTEGER PRIMARY KEY,
    batch_id     BIGINT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    learner_id   BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('PENDING_APPROVAL', 'WAITLISTED', 'CONFIRMED', 'COMPLETED', 'REJECTED', 'WITHDRAWN')),
    approvals    INTEGER NOT NULL DEFAULT 0 CHECK (approvals BETWEEN 0 AND 2),
    seat_number  INTEGER CHECK (seat_number > 0),
    enrolment_id BIGINT REFERENCES enrolments (id),
    requested_at TIMESTAMP NOT NULL,
    queued_at    TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (batch_id, learner_id),
    UNIQUE (batch_id, seat_number),
    CHECK ((status IN ('CONFIRMED', 'COMPLETED')) = (seat_number IS NOT NULL))
);
--bun:split
-- The waiting list of a batch, in order.
CREATE INDEX seat_requests_batch_status_idx ON seat_requests (batch_id, status, queued_at, id);
--bun:split
CREATE INDEX seat_requests_learner_idx ON seat_requests (learner_id, batch_id);
--bun:split
-- Each approver's decision, one per step of a request.
CREATE TABLE seat_decisions (
    request_id       BIGINT NOT NULL REFERENCES seat_requests (id) ON DELETE CASCADE,
    step             INTEGER NOT NULL CHECK (step BETWEEN 1 AND 2),
    approver_subject TEXT NOT NULL,
    approved         BOOLEAN NOT NULL,
    comment          TEXT NOT NULL DEFAULT '',
    decided_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, step)
);
--bun:split
-- Learning events: Karmayogi Saptah and the like. organisation_id is the host
-- (NULL: national).
CREATE TABLE learning_events (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE CHECK (code <> ''),
    name            TEXT NOT NULL CHECK (name <> ''),
    description     TEXT NOT NULL DEFAULT '',
    organisation_id BIGINT REFERENCES organisations (id),
    starts_at       TIMESTAMP NOT NULL,
    ends_at         TIMESTAMP NOT NULL CHECK (ends_at > starts_at),
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
--bun:split
CREATE INDEX learning_events_starts_idx ON learning_events (starts_at DESC, id DESC);
--bun:split
-- Sessions of a batch or of an event, never both.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    batch_id   BIGINT REFERENCES batches (id) ON DELETE CASCADE,
    event_id   BIGINT REFERENCES learning_events (id) ON DELETE CASCADE,
    title      TEXT NOT NULL CHECK (title <> ''),
    kind       TEXT NOT NULL CHECK (kind IN ('CLASS', 'TALK', 'WORKSHOP', 'SEMINAR')),
    venue      TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL CHECK (ends_at > starts_at),
    capacity   INTEGER CHECK (capacity > 0),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((batch_id IS NULL) <> (event_id IS NULL)),
    CHECK (batch_id IS NULL OR capacity IS NULL)
);
--bun:split
CREATE INDEX sessions_batch_idx ON sessions (batch_id, starts_at, id);
--bun:split
CREATE INDEX sessions_event_idx ON sessions (event_id, starts_at, id);
--bun:split
-- The competencies an event session touches, at a level.
CREATE TABLE session_competencies (
    session_id    BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (session_id, competency_id)
);
--bun:split
-- Registrations for event sessions; past capacity they wait in queued_at order.
CREATE TABLE session_registrations (
    session_id    BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    learner_id    BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('REGISTERED', 'WAITLISTED', 'CANCELLED')),
    registered_at TIMESTAMP NOT NULL,
    queued_at     TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, learner_id)
);
--bun:split
CREATE INDEX session_registrations_queue_idx ON session_registrations (session_id, status, queued_at, learner_id);
--bun:split
CREATE INDEX session_registrations_learner_idx ON session_registrations (learner_id, session_id);
--bun:split
-- Who attended which session.
CREATE TABLE attendance (
    session_id  BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    learner_id  BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, learner_id)
);
--bun:split
CREATE INDEX attendance_learner_idx ON attendance (learner_id, session_id);
--bun:split
-- Attempts at courses' final assessments.
CREATE TABLE assessment_attempts (
    id           INTEGER PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    learner_id   BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    course_id    BIGINT NOT NULL REFERENCES courses (id),
    score        REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
    passed       BOOLEAN NOT NULL,
    taken_at     TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX assessment_attempts_enrolment_idx ON assessment_attempts (enrolment_id, taken_at, id);
--bun:split
-- Karma rules, one per reason: data, so they change without a release.
CREATE TABLE karma_rules (
    reason                 TEXT PRIMARY KEY,
    points                 INTEGER NOT NULL CHECK (points >= 0),
    monthly_cap            INTEGER CHECK (monthly_cap >= 0),
    late_penalty_per_month INTEGER NOT NULL DEFAULT 0 CHECK (late_penalty_per_month >= 0),
    updated_at             TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
--bun:split
-- The rules iGOT publishes.
INSERT INTO karma_rules (reason, points, monthly_cap, late_penalty_per_month) VALUES
    ('COURSE_COMPLETION', 5, 4, 0),
    ('ASSESSMENT_PASSED', 5, NULL, 0),
    ('PLAN_COURSE_ON_TIME', 5, NULL, 1),
    ('COURSE_RATING', 2, NULL, 0),
    ('FIRST_ENROLMENT', 5, NULL, 0),
    ('EVENT_ATTENDANCE', 5, NULL, 0);
--bun:split
-- The append-only ledger; subject names what earned the entry, so nothing earns
-- the same reason twice.
CREATE TABLE karma_ledger (
    id         INTEGER PRIMARY KEY,
    learner_id BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL REFERENCES karma_rules (reason),
    subject    TEXT NOT NULL DEFAULT '',
    points     INTEGER NOT NULL CHECK (points >= 0),
    course_id  BIGINT REFERENCES courses (id),
    event_id   BIGINT REFERENCES learning_events (id),
    note       TEXT NOT NULL DEFAULT '',
    awarded_at TIMESTAMP NOT NULL,
    UNIQUE (learner_id, reason, subject)
);
--bun:split
CREATE INDEX karma_ledger_learner_idx ON karma_ledger (learner_id, awarded_at DESC, id DESC);
--bun:split
CREATE INDEX karma_ledger_awarded_idx ON karma_ledger (awarded_at, learner_id);
--bun:split
-- Each learner's total, kept with the ledger in the same transaction, for leaderboards.
CREATE TABLE karma_totals (
    learner_id BIGINT PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    points     INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0)
);
--bun:split
CREATE INDEX karma_totals_points_idx ON karma_totals (points DESC, learner_id);
--bun:split
-- Evidence from a course's final assessment names the course; attending an event
-- session is a source of its own. SQLite cannot change a CHECK, so the table is rebuilt.
CREATE TABLE evidence_new (
    id            INTEGER PRIMARY KEY,
    learner_id    BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    source        TEXT NOT NULL CHECK (source IN ('ASSESSMENT', 'SELF', 'SUPERVISOR', 'COURSE_COMPLETION', 'CERTIFICATION', 'EVENT_ATTENDANCE')),
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    score         REAL CHECK (score BETWEEN 0 AND 1),
    observed_at   TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    course_id     BIGINT REFERENCES courses (id),
    UNIQUE (learner_id, competency_id, source, observed_at)
);
--bun:split
INSERT INTO evidence_new (id, learner_id, competency_id, source, level, score, observed_at, created_at)
    SELECT id, learner_id, competency_id, source, level, score, observed_at, created_at FROM evidence;
--bun:split
DROP TABLE evidence;
--bun:split
ALTER TABLE evidence_new RENAME TO evidence;
--bun:split
CREATE INDEX evidence_learner_observed_idx ON evidence (learner_id, observed_at DESC, id DESC);
