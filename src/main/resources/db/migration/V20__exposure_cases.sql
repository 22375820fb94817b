-- Issue 16: exposure cases, risk signals to Okta ITP, restore after reset.

ALTER TABLE integrations
    ADD COLUMN risk_signals_enabled boolean NOT NULL DEFAULT false,
    ADD COLUMN restore_after_reset  boolean NOT NULL DEFAULT false;

-- One case per exposed identity at a time; no foreign key to checks, attempts or audit rows (they
-- are becoming time-partitioned with retention): ids are kept as plain values.
CREATE TABLE exposure_cases (
    tenant_id              text        NOT NULL,
    exposure_id            uuid        NOT NULL,
    identity_id            uuid        NOT NULL,
    okta_user_id           text        NOT NULL,
    login                  text        NOT NULL,
    email                  text        NOT NULL DEFAULT '',
    state                  text        NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'RESOLVED')),
    open_time              timestamptz NOT NULL,
    -- the latest decision of a valid check in the case: a password change after it resolves the case
    valid_decide_time      timestamptz NOT NULL,
    resolve_time           timestamptz,
    password_changed_time  timestamptz,
    -- when our mitigation suspended the user (null: it did not); restore only undoes that suspension
    suspended_by_us_time   timestamptz,
    restored               boolean     NOT NULL DEFAULT false,
    -- the next scheduled re-read of the user in Okta while open
    next_check_time        timestamptz NOT NULL,
    update_time            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, exposure_id)
);

CREATE UNIQUE INDEX exposure_cases_one_open ON exposure_cases (tenant_id, identity_id) WHERE state = 'OPEN';
CREATE INDEX exposure_cases_open_user ON exposure_cases (tenant_id, okta_user_id) WHERE state = 'OPEN';
CREATE INDEX exposure_cases_due ON exposure_cases (next_check_time) WHERE state = 'OPEN';
CREATE INDEX exposure_cases_list ON exposure_cases (tenant_id, open_time DESC, exposure_id DESC);

-- What a case holds, in order: leaks with their checks, mitigations, and its timeline.
CREATE TABLE exposure_events (
    tenant_id     text        NOT NULL,
    exposure_id   uuid        NOT NULL,
    event_id      bigint      GENERATED ALWAYS AS IDENTITY,
    kind          text        NOT NULL,
    detail        jsonb       NOT NULL DEFAULT '{}',
    event_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, exposure_id, event_id),
    FOREIGN KEY (tenant_id, exposure_id) REFERENCES exposure_cases (tenant_id, exposure_id) ON DELETE CASCADE
);

-- The outbox of security events to Okta: one row per event, its jti kept across retries.
CREATE TABLE risk_signal_outbox (
    tenant_id        text        NOT NULL,
    jti              text        NOT NULL,
    exposure_id      uuid        NOT NULL,
    okta_user_id     text        NOT NULL,
    level            text        NOT NULL CHECK (level IN ('high', 'low')),
    previous_level   text        NOT NULL,
    subject_email    text        NOT NULL,
    reason           text        NOT NULL,
    event_time       timestamptz NOT NULL,
    state            text        NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'SENT', 'REJECTED')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_try_time    timestamptz NOT NULL,
    lease_until      timestamptz,
    create_time      timestamptz NOT NULL DEFAULT now(),
    sent_time        timestamptz,
    error_message    text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, jti),
    FOREIGN KEY (tenant_id, exposure_id) REFERENCES exposure_cases (tenant_id, exposure_id) ON DELETE CASCADE
);

CREATE INDEX risk_signal_outbox_due ON risk_signal_outbox (next_try_time) WHERE state = 'PENDING';
