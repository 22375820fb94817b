-- Feeds for Flare's other services (issue 16.5): ListIdentityChanges and ListCheckDecisions.
--
-- Each feed is a log written by triggers in the transaction that makes the change, one INSERT per
-- statement for a whole batch (statement triggers with transition tables): no write path, present
-- or future (sync batches, sweeps, identifier recomputes, cascades, a tenant's teardown, the
-- password-retention sweep), can change the data without its log row.
--
-- Order and the cursor. A row's position is (txid, seq): the writing transaction's id and a
-- sequence. Positions are assigned before commit, so a transaction with a lower position may
-- commit after a reader passed it. A reader therefore only returns rows whose txid is below the
-- xmin of its own statement's snapshot (pg_snapshot_xmin(pg_current_snapshot())): every
-- transaction below it has ended, so no row can ever appear behind a position a reader returned.
-- A long transaction anywhere delays the feed; it never makes it skip.
--
-- Retention: rows older than IEM_FEED_RETENTION_DAYS are deleted; the tenant's horizon keeps the
-- newest deleted position, and a cursor behind it is answered FAILED_PRECONDITION (re-list).

-- Identities and identifiers added, changed and removed (identity sync owns it).
CREATE TABLE identity_changes (
    tenant_id         text        NOT NULL,
    txid              bigint      NOT NULL,
    seq               bigint      GENERATED ALWAYS AS IDENTITY,
    change_time       timestamptz NOT NULL DEFAULT now(),
    subject           text        NOT NULL CHECK (subject IN ('IDENTITY', 'IDENTIFIER')),
    change            text        NOT NULL CHECK (change IN ('ADDED', 'CHANGED', 'REMOVED')),
    identity_id       uuid        NOT NULL,
    -- IDENTITY rows: the identity after the change (before it, for REMOVED)
    okta_user_id      text        NOT NULL DEFAULT '',
    login             text        NOT NULL DEFAULT '',
    status            text        NOT NULL DEFAULT '',
    -- IDENTIFIER rows
    identifier_value  text        NOT NULL DEFAULT '',
    identifier_kind   text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, txid, seq)
);
-- retention deletes by age; a BRIN index costs the sync's batched inserts next to nothing
CREATE INDEX identity_changes_time ON identity_changes USING brin (change_time);

-- Per tenant, the newest position retention deleted: cursors behind it are too old.
CREATE TABLE identity_change_horizons (
    tenant_id  text    NOT NULL,
    txid       bigint  NOT NULL,
    seq        bigint  NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE FUNCTION identity_changes_identities_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO identity_changes (tenant_id, txid, subject, change, identity_id, okta_user_id, login, status)
    SELECT n.tenant_id, x.txid, 'IDENTITY', 'ADDED', n.identity_id, n.okta_user_id, n.login, n.status
    FROM added n, (SELECT pg_current_xact_id()::text::bigint AS txid) x;
    RETURN NULL;
END;
$$;

-- Changed: what a consumer of identities sees (not sign-in times, nor sync bookkeeping).
CREATE FUNCTION identity_changes_identities_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO identity_changes (tenant_id, txid, subject, change, identity_id, okta_user_id, login, status)
    SELECT n.tenant_id, x.txid, 'IDENTITY', 'CHANGED', n.identity_id, n.okta_user_id, n.login, n.status
    FROM after_rows n JOIN before_rows o ON o.identity_id = n.identity_id,
         (SELECT pg_current_xact_id()::text::bigint AS txid) x
    WHERE (n.okta_user_id, n.login, n.email, n.second_email, n.first_name, n.last_name, n.status, n.monitored)
          IS DISTINCT FROM
          (o.okta_user_id, o.login, o.email, o.second_email, o.first_name, o.last_name, o.status, o.monitored);
    RETURN NULL;
END;
$$;

CREATE FUNCTION identity_changes_identities_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO identity_changes (tenant_id, txid, subject, change, identity_id, okta_user_id, login, status)
    SELECT o.tenant_id, x.txid, 'IDENTITY', 'REMOVED', o.identity_id, o.okta_user_id, o.login, o.status
    FROM removed o, (SELECT pg_current_xact_id()::text::bigint AS txid) x;
    RETURN NULL;
END;
$$;

CREATE FUNCTION identity_changes_identifiers_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO identity_changes (tenant_id, txid, subject, change, identity_id, identifier_value, identifier_kind)
    SELECT n.tenant_id, x.txid, 'IDENTIFIER', 'ADDED', n.identity_id, n.value, n.kind
    FROM added n, (SELECT pg_current_xact_id()::text::bigint AS txid) x;
    RETURN NULL;
END;
$$;

CREATE FUNCTION identity_changes_identifiers_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO identity_changes (tenant_id, txid, subject, change, identity_id, identifier_value, identifier_kind)
    SELECT o.tenant_id, x.txid, 'IDENTIFIER', 'REMOVED', o.identity_id, o.value, o.kind
    FROM removed o, (SELECT pg_current_xact_id()::text::bigint AS txid) x;
    RETURN NULL;
END;
$$;

CREATE TRIGGER identities_log_added AFTER INSERT ON identities REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION identity_changes_identities_added();
CREATE TRIGGER identities_log_changed AFTER UPDATE ON identities
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION identity_changes_identities_changed();
CREATE TRIGGER identities_log_removed AFTER DELETE ON identities REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION identity_changes_identities_removed();
CREATE TRIGGER identifiers_log_added AFTER INSERT ON identifiers REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION identity_changes_identifiers_added();
CREATE TRIGGER identifiers_log_removed AFTER DELETE ON identifiers REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION identity_changes_identifiers_removed();

-- Checks decided after they were recorded undecided (PENDING, THROTTLED, UNVERIFIED, or held while
-- their attempt ran): each exactly once, when decide_time is first set (credential checks own it).
-- No foreign key to credential_checks: that table is time-partitioned with a retention of its own.
CREATE TABLE check_decisions (
    tenant_id    text        NOT NULL,
    txid         bigint      NOT NULL,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    check_id     uuid        NOT NULL,
    outcome      text        NOT NULL,
    skip_reason  text,
    decide_time  timestamptz NOT NULL,
    log_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, txid, seq)
);
CREATE INDEX check_decisions_time ON check_decisions USING brin (log_time);

CREATE TABLE check_decision_horizons (
    tenant_id  text    NOT NULL,
    txid       bigint  NOT NULL,
    seq        bigint  NOT NULL,
    PRIMARY KEY (tenant_id)
);

-- A row trigger whose WHEN skips every other update (claims, leases, attempt counts) without
-- calling the function: the queue's hot updates pay nothing.
CREATE FUNCTION check_decisions_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO check_decisions (tenant_id, txid, check_id, outcome, skip_reason, decide_time)
    VALUES (NEW.tenant_id, pg_current_xact_id()::text::bigint, NEW.check_id, NEW.outcome, NEW.skip_reason,
            NEW.decide_time);
    RETURN NULL;
END;
$$;

CREATE TRIGGER credential_checks_log_decided AFTER UPDATE ON credential_checks
    FOR EACH ROW WHEN (OLD.decide_time IS NULL AND NEW.decide_time IS NOT NULL)
    EXECUTE FUNCTION check_decisions_log();
