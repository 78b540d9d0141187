DELETE FROM evidence WHERE source = 'EVENT_ATTENDANCE';
--bun:split
ALTER TABLE evidence DROP CONSTRAINT evidence_source_check;
--bun:split
ALTER TABLE evidence ADD CONSTRAINT evidence_source_check
    CHECK (source IN ('ASSESSMENT', 'SELF', 'SUPERVISOR', 'COURSE_COMPLETION', 'CERTIFICATION'));
--bun:split
ALTER TABLE evidence DROP COLUMN course_id;
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
