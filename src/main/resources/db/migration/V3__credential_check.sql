-- Credential checks: the work queue, the lockout fence and mitigation bookkeeping.

-- A reservation that never led to an authn call (Redis confirmed the counter was lost, or the
-- call was abandoned before it was sent) is marked RELEASED: it no longer counts for the cap.
ALTER TABLE authn_attempts DROP CONSTRAINT authn_attempts_result_check;
ALTER TABLE authn_attempts ADD CONSTRAINT authn_attempts_result_check
    CHECK (result IN ('RESERVED', 'VALID', 'INVALID', 'LOCKED_OUT', 'RATE_LIMITED', 'UNKNOWN', 'RELEASED'));
-- the lockout budget counts an identity's failures since its last sign-in
DROP INDEX authn_attempts_identity_time;
CREATE INDEX authn_attempts_identity_time ON authn_attempts (tenant_id, identity_id, attempt_time);

-- When Okta last said the user was locked out: a later status change away from LOCKED_OUT is an
-- unlock, which resets Okta's failed-attempt counter (and so our lockout budget).
ALTER TABLE identities ADD COLUMN lockout_seen_time timestamptz;
-- a leaked username may be a user's second email
CREATE INDEX identities_second_email ON identities (tenant_id, lower(second_email)) WHERE second_email <> '';

-- How many times in a row a check waited because Okta was unreachable or ambiguous (backoff).
ALTER TABLE credential_checks ADD COLUMN unverified_count integer NOT NULL DEFAULT 0;
-- newest-first listing, all outcomes or one
DROP INDEX credential_checks_tenant_time;
CREATE INDEX credential_checks_tenant_time ON credential_checks (tenant_id, create_time DESC, check_id DESC);
CREATE INDEX credential_checks_tenant_outcome_time
    ON credential_checks (tenant_id, outcome, create_time DESC, check_id DESC);
-- undecided checks of an identity with the same password: a younger one waits for the older
CREATE INDEX credential_checks_open_password ON credential_checks (identity_id, password_fingerprint)
    WHERE decide_time IS NULL;

-- An approval being applied holds the mitigation until this instant, so two approvals never
-- apply it twice.
ALTER TABLE mitigations ADD COLUMN applying_until timestamptz;
CREATE INDEX mitigations_tenant_state_time ON mitigations (tenant_id, state, create_time DESC, mitigation_id DESC);
DROP INDEX mitigations_tenant_time;
CREATE INDEX mitigations_tenant_time ON mitigations (tenant_id, create_time DESC, mitigation_id DESC);
