package io.flare.iem.identitysync;

import io.flare.iem.callerauth.Caller;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.integrationconfig.TenantSettings;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Per-tenant sync bookkeeping: the watermark incremental syncs start from, when the last full sync
 * succeeded, and the nightly schedule. The schedule fires once per tenant per local night however
 * many replicas tick: each night is claimed by a conditional upsert of {@code last_fired_local_date}.
 * Which tenants have an Okta integration, and their calendars, come from integration config.
 */
final class SyncSchedule {

  private static final String REGISTER = """
      INSERT INTO sync_schedules (tenant_id, last_fired_local_date)
      VALUES ($1, $2)
      ON CONFLICT (tenant_id) DO UPDATE SET last_fired_local_date = EXCLUDED.last_fired_local_date
      """;

  private static final String STATE = """
      SELECT last_success_watermark, last_full_success_time FROM sync_schedules WHERE tenant_id = $1
      """;

  private static final String RECORD_SUCCESS = """
      INSERT INTO sync_schedules (tenant_id, last_success_watermark, last_full_success_time)
      SELECT $1, coalesce(okta_start_time, max_last_updated), CASE WHEN $3 = 'FULL' THEN now() END
      FROM sync_runs WHERE tenant_id = $1 AND sync_run_id = $2
      ON CONFLICT (tenant_id) DO UPDATE SET
        last_success_watermark = greatest(sync_schedules.last_success_watermark, EXCLUDED.last_success_watermark),
        last_full_success_time = coalesce(EXCLUDED.last_full_success_time, sync_schedules.last_full_success_time)
      """;

  /**
   * Claims tonight for every due tenant ($1 tenants, $2 their local dates, $3 their full-sync
   * intervals, $4 now) and queues its run: FULL when the last full sync is older than the interval.
   */
  private static final String TICK = """
      WITH due AS (
        SELECT d.tenant_id, d.local_date, d.full_sync_interval_days, s.last_full_success_time
        FROM unnest($1::text[], $2::date[], $3::int[]) AS d(tenant_id, local_date, full_sync_interval_days)
        LEFT JOIN sync_schedules s ON s.tenant_id = d.tenant_id
        WHERE s.last_fired_local_date IS NULL OR s.last_fired_local_date < d.local_date
      ), fired AS (
        INSERT INTO sync_schedules (tenant_id, last_fired_local_date)
        SELECT tenant_id, local_date FROM due
        ON CONFLICT (tenant_id) DO UPDATE SET last_fired_local_date = EXCLUDED.last_fired_local_date
        WHERE sync_schedules.last_fired_local_date IS NULL
           OR sync_schedules.last_fired_local_date < EXCLUDED.last_fired_local_date
        RETURNING tenant_id
      )
      INSERT INTO sync_runs (sync_run_id, tenant_id, mode, trigger, state, submitted_by)
      SELECT gen_random_uuid(), d.tenant_id,
             CASE WHEN d.last_full_success_time IS NULL
                    OR d.last_full_success_time
                       < $4::timestamptz - make_interval(days => d.full_sync_interval_days) + interval '2 hours'
                  THEN 'FULL' ELSE 'INCREMENTAL' END,
             'SCHEDULED', 'QUEUED', $5::text
      FROM due d JOIN fired f USING (tenant_id)
      ON CONFLICT DO NOTHING
      RETURNING tenant_id, mode
      """;

  /** The watermark of the last successful sync and when the last full sync succeeded. */
  record State(Instant watermark, Instant lastFullSuccess) {}

  private final TenantRepository tenants;

  SyncSchedule(TenantRepository tenants) {
    this.tenants = tenants;
  }

  /** An integration was created at {@code now}: tonight counts as fired, the first nightly sync is the next night. */
  static Future<Void> register(SqlClient tx, String tenantId, ZoneId zone, Instant now) {
    return tx.preparedQuery(REGISTER).execute(Tuple.of(tenantId, now.atZone(zone).toLocalDate())).mapEmpty();
  }

  static Future<Optional<State>> state(SqlClient client, String tenantId) {
    return client.preparedQuery(STATE).execute(Tuple.of(tenantId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new State(PgTime.instant(row, "last_success_watermark"),
          PgTime.instant(row, "last_full_success_time")));
    });
  }

  /**
   * A run succeeded: its start by Okta's clock (when Okta answered its first page) becomes the
   * watermark, never moving back. A user changed during the run, behind its cursor or ahead of it,
   * changed after that start, so the next incremental sync lists it. (A run whose pages carried no
   * {@code Date} falls back to the newest {@code lastUpdated} it saw.)
   */
  static Future<Void> recordSuccess(SqlClient tx, String tenantId, UUID runId, SyncQueue.Mode mode) {
    return tx.preparedQuery(RECORD_SUCCESS).execute(Tuple.of(tenantId, runId, mode.name())).mapEmpty();
  }

  /**
   * Queues tonight's run of every tenant with an Okta integration whose local sync hour has come;
   * returns the tenants queued.
   */
  Future<List<String>> tick(SqlClient client, Instant now) {
    return tenants.withOktaIntegration(client).compose(all -> {
      List<TenantSettings> due = all.stream()
          .filter(t -> now.atZone(t.timeZone()).getHour() >= t.nightlySyncHour())
          .toList();
      if (due.isEmpty()) {
        return Future.succeededFuture(List.<String>of());
      }
      Tuple params = Tuple.tuple()
          .addArrayOfString(due.stream().map(TenantSettings::tenantId).toArray(String[]::new))
          .addArrayOfLocalDate(due.stream().map(t -> now.atZone(t.timeZone()).toLocalDate()).toArray(LocalDate[]::new))
          .addArrayOfInteger(due.stream().map(TenantSettings::fullSyncIntervalDays).toArray(Integer[]::new))
          .addOffsetDateTime(PgTime.utc(now))
          .addString(Caller.SERVICE_SUBJECT); // no caller asked for tonight's run: the service queues it
      return client.preparedQuery(TICK).execute(params).map(rows -> {
        List<String> queued = new ArrayList<>();
        rows.forEach(row -> queued.add(row.getString("tenant_id")));
        return queued;
      });
    });
  }
}
