ALTER TABLE plans DROP COLUMN audience;
--bun:split
DROP TABLE IF EXISTS token_revocations;
--bun:split
-- Pending requests cannot be represented without the status: they go.
DELETE FROM learners WHERE status = 'PENDING';
--bun:split
ALTER TABLE learners DROP COLUMN requested_employee_code;
--bun:split
ALTER TABLE learners DROP COLUMN status;
--bun:split
ALTER TABLE courses DROP COLUMN provider_verified;
--bun:split
ALTER TABLE evidence DROP COLUMN verification;
--bun:split
ALTER TABLE certificates DROP COLUMN verification;
