-- A 401 from /api/v1/authn is not always a wrong password (okta-api.md §4).

-- DENIED: Okta's System Log says a sign-on policy, network zone or device rule refused the sign-in;
-- the password was not judged. A decided outcome of a check, and an attempt's result (it counts
-- against the lockout budget like a failure: whether Okta counted the password first is not
-- documented).
ALTER TABLE credential_checks DROP CONSTRAINT credential_checks_outcome_check;
ALTER TABLE credential_checks ADD CONSTRAINT credential_checks_outcome_check
    CHECK (outcome IN ('VALID', 'INVALID', 'NOT_FOUND', 'THROTTLED', 'PENDING', 'SKIPPED', 'UNVERIFIED',
                       'LOCKED_OUT', 'DENIED'));
ALTER TABLE authn_attempts DROP CONSTRAINT authn_attempts_result_check;
ALTER TABLE authn_attempts ADD CONSTRAINT authn_attempts_result_check
    CHECK (result IN ('RESERVED', 'VALID', 'INVALID', 'LOCKED_OUT', 'RATE_LIMITED', 'UNKNOWN', 'RELEASED',
                      'DENIED'));

-- Whether Okta confirmed the answer that made the password tested: VALID always is; a 401 only when
-- the System Log said INVALID_CREDENTIALS. An unconfirmed one may be tried again after
-- IEM_CHECK_UNCONFIRMED_RETRY_DAYS. No earlier 401 was confirmed; earlier VALID answers were.
ALTER TABLE tested_passwords ADD COLUMN confirmed boolean NOT NULL DEFAULT false;
UPDATE tested_passwords t SET confirmed = true
WHERE EXISTS (SELECT 1 FROM authn_attempts a JOIN credential_checks c ON c.check_id = a.check_id
              WHERE a.identity_id = t.identity_id AND a.result = 'VALID'
                AND c.password_fingerprint = t.password_fingerprint);
