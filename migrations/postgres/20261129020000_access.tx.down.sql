DROP TABLE IF EXISTS audit_entries, otp_codes, settings;
