-- Growth: decided checks, authn attempts and audit rows are kept for a bounded time
-- (IEM_RETENTION_CHECK_DAYS, IEM_RETENTION_ATTEMPT_DAYS, IEM_RETENTION_AUDIT_DAYS), and the
-- service removes what is older without long locks.
--
-- audit_events becomes partitioned by month of event_time: retention detaches (CONCURRENTLY) and
-- drops whole months, so the append-only trigger never has to let a DELETE through. The service
-- creates the months ahead (AuditPartitions); this creates the months of every existing row and
-- the next three.
--
-- credential_checks and authn_attempts stay plain tables, cleared by short batched deletes:
-- a check's request id (idempotency) and leak key (dedupe) must be unique however old the check,
-- and Postgres enforces uniqueness across partitions only for keys that contain the partition
-- column; a deleted batch locks only its own decided rows, which nothing updates any more.

ALTER TABLE audit_events RENAME TO audit_events_unpartitioned;
DROP TRIGGER audit_events_no_change ON audit_events_unpartitioned;
ALTER INDEX audit_events_tenant RENAME TO audit_events_unpartitioned_tenant;

CREATE TABLE audit_events (
    audit_event_id   bigint      GENERATED ALWAYS AS IDENTITY,
    tenant_id        text        NOT NULL,
    action           text        NOT NULL,
    actor            text        NOT NULL,
    identity_id      uuid,
    okta_request_id  text        NOT NULL DEFAULT '',
    outcome          text        NOT NULL DEFAULT '',
    detail           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    event_time       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, audit_event_id, event_time)
) PARTITION BY RANGE (event_time);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, audit_event_id DESC);

DO $$
DECLARE
    month date := date_trunc('month', least(coalesce((SELECT min(event_time) FROM audit_events_unpartitioned), now()),
                                            now()) AT TIME ZONE 'UTC')::date;
    last  date := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months')::date;
BEGIN
    WHILE month <= last LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                       'audit_events_' || to_char(month, 'YYYY_MM'),
                       month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        month := (month + interval '1 month')::date;
    END LOOP;
END;
$$;

INSERT INTO audit_events (audit_event_id, tenant_id, action, actor, identity_id, okta_request_id, outcome, detail,
                          event_time)
OVERRIDING SYSTEM VALUE
SELECT audit_event_id, tenant_id, action, actor, identity_id, okta_request_id, outcome, detail, event_time
FROM audit_events_unpartitioned;
SELECT setval(pg_get_serial_sequence('audit_events', 'audit_event_id'),
              coalesce((SELECT max(audit_event_id) FROM audit_events_unpartitioned), 0) + 1, false);
DROP TABLE audit_events_unpartitioned;

-- Row triggers on a partitioned table apply to every partition; retention drops partitions, which
-- fires no row trigger: the rows no statement may change or delete.
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- The batched deletes find the oldest decided checks and attempts without reading the others.
CREATE INDEX credential_checks_decided ON credential_checks (decide_time) WHERE decide_time IS NOT NULL;
CREATE INDEX authn_attempts_time ON authn_attempts (attempt_time);
