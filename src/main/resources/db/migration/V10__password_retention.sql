-- A leaked password waits, sealed, at most IEM_CHECK_PASSWORD_RETENTION_DAYS (14 by default) for its
-- check to be decided; then it is erased and the check ends PASSWORD_ERASED.
ALTER TABLE credential_checks DROP CONSTRAINT credential_checks_outcome_check;
ALTER TABLE credential_checks ADD CONSTRAINT credential_checks_outcome_check
    CHECK (outcome IN ('VALID', 'INVALID', 'NOT_FOUND', 'THROTTLED', 'PENDING', 'SKIPPED', 'UNVERIFIED',
                       'LOCKED_OUT', 'DENIED', 'PASSWORD_ERASED'));
-- the sweep finds the oldest sealed passwords without reading the decided checks
CREATE INDEX credential_checks_sealed_time ON credential_checks (create_time)
    WHERE password_ciphertext IS NOT NULL AND decide_time IS NULL;
