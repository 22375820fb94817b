-- An authn call Okta refused before evaluating the password is recorded with what Okta said but
-- counts against neither the daily cap nor the lockout budget: RATE_LIMITED (429, the org's bucket
-- or the per-username throttle) and the new BLOCKED (403, Okta refuses our address: ThreatInsight
-- or a blocked network zone), like RELEASED (never sent).
ALTER TABLE authn_attempts DROP CONSTRAINT authn_attempts_result_check;
ALTER TABLE authn_attempts ADD CONSTRAINT authn_attempts_result_check
    CHECK (result IN ('RESERVED', 'VALID', 'INVALID', 'LOCKED_OUT', 'RATE_LIMITED', 'BLOCKED', 'UNKNOWN', 'RELEASED'));
