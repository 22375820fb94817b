-- iem-okta schema: tenants and their entitlements, the one IdP integration per tenant, synced
-- identities and identifiers, sync runs, credential checks with their attempts, mitigations, and
-- the append-only audit trail. Every row carries tenant_id and every query filters on it.

-- Settings Flare staff control ("available on request"), and the tenant's local calendar.
CREATE TABLE tenants (
    tenant_id                 text        PRIMARY KEY,
    identifier_cap            integer     NOT NULL CHECK (identifier_cap >= 0),
    auto_identifiers_enabled  boolean     NOT NULL DEFAULT false,
    mitigation_enabled        boolean     NOT NULL DEFAULT false,
    time_zone                 text        NOT NULL DEFAULT 'UTC',
    nightly_sync_hour         smallint    NOT NULL DEFAULT 2 CHECK (nightly_sync_hour BETWEEN 0 AND 23),
    full_sync_interval_days   smallint    NOT NULL DEFAULT 7 CHECK (full_sync_interval_days BETWEEN 1 AND 31),
    create_time               timestamptz NOT NULL DEFAULT now(),
    update_time               timestamptz NOT NULL DEFAULT now()
);

-- One identity-provider integration per tenant, whatever its kind (the UNIQUE on tenant_id holds
-- the rule across replicas).
CREATE TABLE integrations (
    integration_id              uuid        PRIMARY KEY,
    tenant_id                   text        NOT NULL UNIQUE REFERENCES tenants (tenant_id),
    kind                        text        NOT NULL CHECK (kind IN ('OKTA', 'ENTRA_ID')),
    display_name                text        NOT NULL,
    okta_domain                 text        NOT NULL DEFAULT '',
    client_id                   text        NOT NULL,
    max_daily_password_attempts smallint    NOT NULL CHECK (max_daily_password_attempts BETWEEN 1 AND 50),
    auto_create_identifiers     boolean     NOT NULL DEFAULT false,
    mitigation_mode             text        NOT NULL CHECK (mitigation_mode IN ('VALIDATE_ONLY', 'AUTOMATED', 'MANUAL')),
    -- lockout threshold of the org's password policy, when readable (okta.policies.read)
    okta_lockout_threshold      smallint,
    okta_lockout_read_time      timestamptz,
    version                     bigint      NOT NULL DEFAULT 1,
    create_request_id           text,
    create_time                 timestamptz NOT NULL DEFAULT now(),
    update_time                 timestamptz NOT NULL DEFAULT now()
);

-- Okta users of a tenant's org, as last synced.
CREATE TABLE identities (
    identity_id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            text        NOT NULL REFERENCES tenants (tenant_id),
    okta_user_id         text        NOT NULL,
    login                text        NOT NULL,
    email                text        NOT NULL DEFAULT '',
    second_email         text        NOT NULL DEFAULT '',
    first_name           text        NOT NULL DEFAULT '',
    last_name            text        NOT NULL DEFAULT '',
    status               text        NOT NULL,
    last_login           timestamptz,
    password_changed     timestamptz,
    okta_last_updated    timestamptz,
    monitored            boolean     NOT NULL DEFAULT false,
    -- the sync run that last saw this user: a full sync sweeps rows it did not mark
    seen_run_id          uuid,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, okta_user_id)
);
CREATE INDEX identities_login ON identities (tenant_id, lower(login) text_pattern_ops);
CREATE INDEX identities_email ON identities (tenant_id, lower(email)) WHERE email <> '';

-- Identity identifiers: normalised values Flare watches leaks for, deduplicated per tenant.
CREATE TABLE identifiers (
    tenant_id    text        NOT NULL,
    value        text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('LOGIN', 'EMAIL', 'SECOND_EMAIL')),
    identity_id  uuid        NOT NULL REFERENCES identities (identity_id) ON DELETE CASCADE,
    create_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, value)
);
CREATE INDEX identifiers_identity ON identifiers (identity_id);

-- Sync runs: queued by CreateIntegration, the nightly schedule or StartSync; taken by one replica
-- under a lease; checkpointed after every committed batch.
CREATE TABLE sync_runs (
    sync_run_id          uuid        PRIMARY KEY,
    tenant_id            text        NOT NULL REFERENCES tenants (tenant_id),
    mode                 text        NOT NULL CHECK (mode IN ('FULL', 'INCREMENTAL')),
    trigger              text        NOT NULL CHECK (trigger IN ('INITIAL', 'SCHEDULED', 'MANUAL')),
    state                text        NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    request_id           text,
    create_time          timestamptz NOT NULL DEFAULT now(),
    start_time           timestamptz,
    end_time             timestamptz,
    -- incremental syncs list users updated after this instant
    since_time           timestamptz,
    -- the next page to fetch (Okta's rel="next" link) after the last committed batch
    cursor               text,
    -- the newest Okta lastUpdated seen, the watermark of the next incremental sync
    max_last_updated     timestamptz,
    lease_owner          text,
    lease_expire_time    timestamptz,
    cancel_requested     boolean     NOT NULL DEFAULT false,
    users_seen           bigint      NOT NULL DEFAULT 0,
    identities_created   bigint      NOT NULL DEFAULT 0,
    identities_updated   bigint      NOT NULL DEFAULT 0,
    identities_removed   bigint      NOT NULL DEFAULT 0,
    identifiers_created  bigint      NOT NULL DEFAULT 0,
    identifiers_over_cap bigint      NOT NULL DEFAULT 0,
    pages_fetched        bigint      NOT NULL DEFAULT 0,
    okta_requests        bigint      NOT NULL DEFAULT 0,
    rate_limit_waits     bigint      NOT NULL DEFAULT 0,
    error_message        text        NOT NULL DEFAULT '',
    update_time          timestamptz NOT NULL DEFAULT now()
);
-- at most one queued or running sync per tenant, across every replica
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (tenant_id) WHERE state IN ('QUEUED', 'RUNNING');
CREATE UNIQUE INDEX sync_runs_request ON sync_runs (tenant_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX sync_runs_tenant_time ON sync_runs (tenant_id, create_time DESC);

-- Per-tenant sync bookkeeping: the watermark of the last successful sync and the last night the
-- schedule fired (claimed with a conditional UPDATE, so it fires once whatever the replica count).
CREATE TABLE sync_schedules (
    tenant_id               text        PRIMARY KEY REFERENCES tenants (tenant_id),
    last_success_watermark  timestamptz,
    last_full_success_time  timestamptz,
    last_fired_local_date   date
);

-- Leaked credentials received, and what was decided. A password waiting for an attempt is kept
-- AES-GCM encrypted in password_ciphertext and erased once the check is decided.
CREATE TABLE credential_checks (
    check_id              uuid        PRIMARY KEY,
    tenant_id             text        NOT NULL REFERENCES tenants (tenant_id),
    identity_id           uuid        REFERENCES identities (identity_id) ON DELETE SET NULL,
    username              text        NOT NULL,
    request_id            text,
    leak_id               text        NOT NULL DEFAULT '',
    leak_source           text        NOT NULL DEFAULT '',
    leak_source_kind      text        NOT NULL DEFAULT '',
    leaked_time           timestamptz,
    -- keyed HMAC of the password for this identity: dedupe without keeping the password
    password_fingerprint  bytea,
    password_ciphertext   bytea,
    outcome               text        NOT NULL CHECK (outcome IN ('VALID', 'INVALID', 'NOT_FOUND', 'THROTTLED',
                                                              'PENDING', 'SKIPPED', 'UNVERIFIED', 'LOCKED_OUT')),
    skip_reason           text        CHECK (skip_reason IN ('STALE', 'ALREADY_TESTED', 'INACTIVE')),
    detail                text        NOT NULL DEFAULT '',
    attempts_made         integer     NOT NULL DEFAULT 0,
    next_attempt_time     timestamptz,
    -- a worker holding the check until this instant (FOR UPDATE SKIP LOCKED claims)
    lease_owner           text,
    lease_expire_time     timestamptz,
    create_time           timestamptz NOT NULL DEFAULT now(),
    decide_time           timestamptz,
    update_time           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX credential_checks_request ON credential_checks (tenant_id, request_id) WHERE request_id IS NOT NULL;
CREATE UNIQUE INDEX credential_checks_leak ON credential_checks (tenant_id, leak_id, identity_id, password_fingerprint)
    WHERE leak_id <> '' AND identity_id IS NOT NULL;
CREATE INDEX credential_checks_tenant_time ON credential_checks (tenant_id, create_time DESC);
CREATE INDEX credential_checks_queue ON credential_checks (next_attempt_time)
    WHERE outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED');

-- Every authn call made, with its local calendar day: the source of truth that rebuilds the daily
-- counters if Redis loses them, and of the lockout budget (failures since the last sign-in).
CREATE TABLE authn_attempts (
    attempt_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        text        NOT NULL,
    identity_id      uuid        NOT NULL,
    check_id         uuid        NOT NULL,
    local_date       date        NOT NULL,
    attempt_time     timestamptz NOT NULL DEFAULT now(),
    result           text        NOT NULL CHECK (result IN ('RESERVED', 'VALID', 'INVALID', 'LOCKED_OUT', 'RATE_LIMITED', 'UNKNOWN')),
    okta_request_id  text        NOT NULL DEFAULT ''
);
CREATE INDEX authn_attempts_identity_day ON authn_attempts (tenant_id, identity_id, local_date);
CREATE INDEX authn_attempts_identity_time ON authn_attempts (identity_id, attempt_time);

-- Passwords already tried per identity (fingerprints only), valid until the password changes.
CREATE TABLE tested_passwords (
    tenant_id             text        NOT NULL,
    identity_id           uuid        NOT NULL REFERENCES identities (identity_id) ON DELETE CASCADE,
    password_fingerprint  bytea       NOT NULL,
    tested_time           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (identity_id, password_fingerprint)
);

-- What is done, or to be done, about a compromised account.
CREATE TABLE mitigations (
    mitigation_id     uuid        PRIMARY KEY,
    tenant_id         text        NOT NULL REFERENCES tenants (tenant_id),
    identity_id       uuid        REFERENCES identities (identity_id) ON DELETE SET NULL,
    okta_user_id      text        NOT NULL,
    check_id          uuid        NOT NULL UNIQUE REFERENCES credential_checks (check_id) ON DELETE CASCADE,
    actions           text[]      NOT NULL,
    mode              text        NOT NULL CHECK (mode IN ('VALIDATE_ONLY', 'AUTOMATED', 'MANUAL')),
    state             text        NOT NULL CHECK (state IN ('PENDING_APPROVAL', 'APPLIED', 'FAILED', 'REJECTED')),
    actor             text        NOT NULL DEFAULT '',
    rejection_reason  text        NOT NULL DEFAULT '',
    error_message     text        NOT NULL DEFAULT '',
    create_time       timestamptz NOT NULL DEFAULT now(),
    apply_time        timestamptz,
    update_time       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mitigations_tenant_time ON mitigations (tenant_id, create_time DESC);

-- Append-only audit trail. Never holds a password, token or key.
CREATE TABLE audit_events (
    audit_event_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        text        NOT NULL,
    action           text        NOT NULL,
    actor            text        NOT NULL,
    identity_id      uuid,
    okta_request_id  text        NOT NULL DEFAULT '',
    outcome          text        NOT NULL DEFAULT '',
    detail           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    event_time       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, audit_event_id DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
