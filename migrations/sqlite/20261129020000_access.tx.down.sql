DROP TABLE IF EXISTS audit_entries;
--bun:split
DROP TABLE IF EXISTS otp_codes;
--bun:split
DROP TABLE IF EXISTS settings;
