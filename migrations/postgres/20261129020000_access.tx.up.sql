-- Settings the service generates once and every process shares (the token secret).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
--bun:split
-- One-time sign-in codes, hashed; one live code per email.
CREATE TABLE otp_codes (
    email      TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
-- Every change an administrator makes: who, what, when, on which object.
CREATE TABLE audit_entries (
    id               BIGSERIAL PRIMARY KEY,
    at               TIMESTAMPTZ NOT NULL,
    actor_subject    TEXT NOT NULL,
    actor_learner_id BIGINT,
    actor_role       TEXT NOT NULL CHECK (actor_role IN ('LEARNER', 'ORG_ADMIN', 'CONTENT_PROVIDER', 'PLATFORM_ADMIN')),
    action           TEXT NOT NULL,
    object_id        TEXT
);
