package io.flare.iem.identitysync;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Per-tenant sync bookkeeping: the watermark incremental syncs start from, when the last full sync
 * succeeded, and the nightly schedule. The schedule fires once per tenant per local night however
 * many replicas tick: each night is claimed by a conditional upsert of {@code last_fired_local_date}.
 */
public final class SyncSchedule {

  private static final String REGISTER = """
      INSERT INTO sync_schedules (tenant_id, last_fired_local_date)
      SELECT tenant_id, ($2::timestamptz AT TIME ZONE time_zone)::date FROM tenants WHERE tenant_id = $1
      ON CONFLICT (tenant_id) DO UPDATE SET last_fired_local_date = EXCLUDED.last_fired_local_date
      """;

  private static final String STATE = """
      SELECT last_success_watermark, last_full_success_time FROM sync_schedules WHERE tenant_id = $1
      """;

  private static final String RECORD_SUCCESS = """
      INSERT INTO sync_schedules (tenant_id, last_success_watermark, last_full_success_time)
      SELECT $1, max_last_updated, CASE WHEN $3 THEN now() END FROM sync_runs WHERE sync_run_id = $2
      ON CONFLICT (tenant_id) DO UPDATE SET
        last_success_watermark = greatest(sync_schedules.last_success_watermark, EXCLUDED.last_success_watermark),
        last_full_success_time = coalesce(EXCLUDED.last_full_success_time, sync_schedules.last_full_success_time)
      """;

  /** Claims tonight for every due tenant and queues its run: FULL when the last full sync is older than the interval. */
  private static final String TICK = """
      WITH due AS (
        SELECT t.tenant_id, ($1::timestamptz AT TIME ZONE t.time_zone)::date AS local_date,
               s.last_full_success_time, t.full_sync_interval_days
        FROM tenants t
        JOIN integrations i ON i.tenant_id = t.tenant_id AND i.kind = 'OKTA'
        LEFT JOIN sync_schedules s ON s.tenant_id = t.tenant_id
        WHERE extract(hour FROM ($1::timestamptz AT TIME ZONE t.time_zone)) >= t.nightly_sync_hour
          AND (s.last_fired_local_date IS NULL
               OR s.last_fired_local_date < ($1::timestamptz AT TIME ZONE t.time_zone)::date)
      ), fired AS (
        INSERT INTO sync_schedules (tenant_id, last_fired_local_date)
        SELECT tenant_id, local_date FROM due
        ON CONFLICT (tenant_id) DO UPDATE SET last_fired_local_date = EXCLUDED.last_fired_local_date
        WHERE sync_schedules.last_fired_local_date IS NULL
           OR sync_schedules.last_fired_local_date < EXCLUDED.last_fired_local_date
        RETURNING tenant_id
      )
      INSERT INTO sync_runs (sync_run_id, tenant_id, mode, trigger, state)
      SELECT gen_random_uuid(), d.tenant_id,
             CASE WHEN d.last_full_success_time IS NULL
                    OR d.last_full_success_time
                       < $1::timestamptz - make_interval(days => d.full_sync_interval_days) + interval '2 hours'
                  THEN 'FULL' ELSE 'INCREMENTAL' END,
             'SCHEDULED', 'QUEUED'
      FROM due d JOIN fired f USING (tenant_id)
      ON CONFLICT DO NOTHING
      RETURNING tenant_id, mode
      """;

  /** The watermark of the last successful sync and when the last full sync succeeded. */
  record State(Instant watermark, Instant lastFullSuccess) {}

  private SyncSchedule() {}

  /** Called when an integration is created: its first nightly sync is the next local night. */
  public static Future<Void> register(SqlClient tx, String tenantId, Instant now) {
    return tx.preparedQuery(REGISTER).execute(Tuple.of(tenantId, now.atOffset(ZoneOffset.UTC))).mapEmpty();
  }

  static Future<Optional<State>> state(SqlClient client, String tenantId) {
    return client.preparedQuery(STATE).execute(Tuple.of(tenantId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new State(instant(row.getOffsetDateTime(0)), instant(row.getOffsetDateTime(1))));
    });
  }

  /** A run succeeded: its newest Okta {@code lastUpdated} becomes the watermark (never moving back). */
  static Future<Void> recordSuccess(SqlClient tx, String tenantId, java.util.UUID runId, boolean full) {
    return tx.preparedQuery(RECORD_SUCCESS).execute(Tuple.of(tenantId, runId, full)).mapEmpty();
  }

  /** Queues tonight's run of every tenant whose local sync hour has come; returns the tenants queued. */
  static Future<List<String>> tick(SqlClient client, Instant now) {
    return client.preparedQuery(TICK).execute(Tuple.of(now.atOffset(ZoneOffset.UTC))).map(rows -> {
      List<String> queued = new ArrayList<>();
      rows.forEach(row -> queued.add(row.getString("tenant_id")));
      return queued;
    });
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }
}
