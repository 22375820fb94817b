-- Identity sync: every full sync rewrites seen_run_id of each identity (mark and sweep), so leave
-- room on each page for HOT updates; status_change_time tells a new deprovisioning from an old one.
ALTER TABLE identities SET (fillfactor = 80);
ALTER TABLE identities ADD COLUMN status_change_time timestamptz;

-- identities not monitored although they could be: a sync recomputes identifiers when there are any
CREATE INDEX identities_unmonitored ON identities (tenant_id) WHERE NOT monitored AND status <> 'DEPROVISIONED';

-- one login index serves ListIdentities (ordered by login, keyset paging, prefix filter) and the
-- credential check's case-insensitive match; byte order ("C") lets LIKE 'prefix%' use it
DROP INDEX identities_login;
CREATE INDEX identities_login ON identities (tenant_id, (lower(login) COLLATE "C"), identity_id);

-- runs waiting for a replica, or whose holder stopped renewing its lease
CREATE INDEX sync_runs_claimable ON sync_runs (create_time) WHERE state IN ('QUEUED', 'RUNNING');

-- how many times a run was taken over after its holder died, for operators
ALTER TABLE sync_runs ADD COLUMN attempts integer NOT NULL DEFAULT 0;
-- when the run last had to wait for Okta or Postgres (error_message says why)
ALTER TABLE sync_runs ADD COLUMN last_error_time timestamptz;

-- Work table of an identifier recompute (when the cap binds): the priority-ordered plan of one
-- run, applied and deleted in the same transaction. Unlogged: it is never needed after a crash.
CREATE UNLOGGED TABLE identifier_plans (
    sync_run_id  uuid    NOT NULL,
    value        text    NOT NULL,
    kind         text    NOT NULL,
    identity_id  uuid    NOT NULL,
    within_cap   boolean NOT NULL
);
CREATE INDEX identifier_plans_value ON identifier_plans (sync_run_id, value);
CREATE INDEX identifier_plans_identity ON identifier_plans (sync_run_id, identity_id) WHERE NOT within_cap;
