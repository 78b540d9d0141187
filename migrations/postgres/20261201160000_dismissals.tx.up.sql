-- Courses a learner dismissed from their recommendations: never recommended to them
-- again, and a signal (with completions and ratings) for their role's peers.
CREATE TABLE dismissals (
    learner_id   BIGINT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    course_id    BIGINT NOT NULL REFERENCES courses (id),
    reason       TEXT NOT NULL DEFAULT '',
    dismissed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner_id, course_id)
);
