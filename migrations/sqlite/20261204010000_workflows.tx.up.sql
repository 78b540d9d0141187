-- Verified completion: how each certificate's completion was verified. Certificates
-- from before this migration were completed by whoever set progress to 1, so they
-- are SELF_REPORTED unless a passed final assessment or a batch's attendance shows more.
ALTER TABLE certificates ADD COLUMN verification TEXT NOT NULL DEFAULT 'SELF_REPORTED'
    CHECK (verification IN ('PROVIDER', 'ASSESSMENT', 'ATTENDANCE', 'SELF_REPORTED'));
--bun:split
UPDATE certificates SET verification = 'ATTENDANCE' WHERE EXISTS (SELECT 1 FROM seat_requests s
    WHERE s.enrolment_id = certificates.enrolment_id AND s.status = 'COMPLETED');
--bun:split
UPDATE certificates SET verification = 'ASSESSMENT' WHERE EXISTS (SELECT 1 FROM assessment_attempts a
    WHERE a.enrolment_id = certificates.enrolment_id AND a.passed = 1);
--bun:split
-- COURSE_COMPLETION evidence carries its certificate's verification, so the estimator
-- can weigh a self-reported completion less; null for other sources and older rows.
ALTER TABLE evidence ADD COLUMN verification TEXT
    CHECK (verification IN ('PROVIDER', 'ASSESSMENT', 'ATTENDANCE', 'SELF_REPORTED'));
--bun:split
-- A course whose provider confirms every completion (confirmCompletion).
ALTER TABLE courses ADD COLUMN provider_verified BOOLEAN NOT NULL DEFAULT 0;
--bun:split
-- Self-registration is a request: PENDING until an admin approves it or an HR import
-- confirms it. A pending learner's employee_code is a placeholder unique to the
-- request ('pending:' and the email); the code they asked for waits in
-- requested_employee_code, so a request never learns whether a code is in use.
ALTER TABLE learners ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('PENDING', 'ACTIVE'));
--bun:split
ALTER TABLE learners ADD COLUMN requested_employee_code TEXT;
--bun:split
-- Revocation: tokens of a subject issued before not_before are refused.
CREATE TABLE token_revocations (
    subject    TEXT PRIMARY KEY,
    not_before TIMESTAMP NOT NULL
);
--bun:split
-- A plan's audience as asked for (JSON), resolved again when the plan goes LIVE.
ALTER TABLE plans ADD COLUMN audience TEXT;
