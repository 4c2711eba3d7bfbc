-- The 30-second step of the last second-factor code accepted for each account, so a code is
-- accepted only once (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN totp_last_step bigint;
