CREATE TABLE evidence_old (
    id            INTEGER PRIMARY KEY,
    learner_id    BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    competency_id BIGINT NOT NULL REFERENCES competencies (id),
    source        TEXT NOT NULL CHECK (source IN ('ASSESSMENT', 'SELF', 'SUPERVISOR', 'COURSE_COMPLETION', 'CERTIFICATION')),
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    score         REAL CHECK (score BETWEEN 0 AND 1),
    observed_at   TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (learner_id, competency_id, source, observed_at)
);
--bun:split
INSERT INTO evidence_old (id, learner_id, competency_id, source, level, score, observed_at, created_at)
    SELECT id, learner_id, competency_id, source, level, score, observed_at, created_at FROM evidence
    WHERE source <> 'EVENT_ATTENDANCE';
--bun:split
DROP TABLE evidence;
--bun:split
ALTER TABLE evidence_old RENAME TO evidence;
--bun:split
CREATE INDEX evidence_learner_observed_idx ON evidence (learner_id, observed_at DESC, id DESC);
--bun:split
DROP TABLE IF EXISTS karma_totals;
--bun:split
DROP TABLE IF EXISTS karma_ledger;
--bun:split
DROP TABLE IF EXISTS karma_rules;
--bun:split
DROP TABLE IF EXISTS assessment_attempts;
--bun:split
DROP TABLE IF EXISTS attendance;
--bun:split
DROP TABLE IF EXISTS session_registrations;
--bun:split
DROP TABLE IF EXISTS session_competencies;
--bun:split
DROP TABLE IF EXISTS sessions;
--bun:split
DROP TABLE IF EXISTS learning_events;
--bun:split
DROP TABLE IF EXISTS seat_decisions;
--bun:split
DROP TABLE IF EXISTS seat_requests;
--bun:split
DROP TABLE IF EXISTS batches;
--bun:split
ALTER TABLE courses DROP COLUMN pass_mark;
