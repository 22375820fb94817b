package io.flare.iem.identitysync;

import static io.flare.iem.storage.PgTime.instant;
import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.storage.Keyset;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Sync runs in Postgres. A replica takes a run under a lease it renews at every checkpoint; a run
 * whose holder stops renewing is taken over by another replica, which resumes from the last
 * committed cursor. Every write that matters checks the lease, so a replica that lost its run
 * cannot write for it any more.
 */
final class SyncRunRepository {

  private static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final UUID MAX_UUID = new UUID(-1L, -1L);

  private static final String COLUMNS = """
      sync_run_id, tenant_id, mode, trigger, state, create_time, start_time, end_time, since_time, cursor,
      max_last_updated, cancel_requested, users_seen, identities_created, identities_updated, identities_removed,
      identifiers_created, identifiers_over_cap, pages_fetched, okta_requests, rate_limit_waits, error_message,
      submitted_by
      """;

  private static final String CLAIM = """
      UPDATE sync_runs
      SET state = 'RUNNING', lease_owner = $1, lease_expire_time = now() + make_interval(secs => $2),
          start_time = coalesce(start_time, now()), attempts = attempts + 1, update_time = now()
      WHERE (tenant_id, sync_run_id) = (
          SELECT tenant_id, sync_run_id FROM sync_runs
          WHERE (state = 'QUEUED' OR (state = 'RUNNING' AND lease_expire_time < now()))
            AND NOT (sync_run_id = ANY($3::uuid[]))
          ORDER BY create_time
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
      RETURNING\s""" + COLUMNS;

  private static final String LOCK = """
      SELECT cancel_requested FROM sync_runs
      WHERE tenant_id = $3 AND sync_run_id = $1 AND lease_owner = $2 AND state = 'RUNNING'
      FOR UPDATE
      """;

  private static final String CHECKPOINT = """
      UPDATE sync_runs
      SET cursor = $3, max_last_updated = greatest(max_last_updated, $4),
          okta_start_time = coalesce(okta_start_time, $15),
          users_seen = users_seen + $5, identities_created = identities_created + $6,
          identities_updated = identities_updated + $7, identities_removed = identities_removed + $8,
          identifiers_created = identifiers_created + $9, identifiers_over_cap = identifiers_over_cap + $10,
          pages_fetched = pages_fetched + $11, okta_requests = okta_requests + $12,
          rate_limit_waits = rate_limit_waits + $13,
          lease_expire_time = now() + make_interval(secs => $14), update_time = now()
      WHERE tenant_id = $16 AND sync_run_id = $1 AND lease_owner = $2 AND state = 'RUNNING'
      RETURNING cancel_requested
      """;

  private static final String RENEW = """
      UPDATE sync_runs
      SET lease_expire_time = now() + make_interval(secs => $3), update_time = now()
      WHERE tenant_id = $4 AND sync_run_id = $1 AND lease_owner = $2 AND state = 'RUNNING'
      RETURNING cancel_requested
      """;

  private static final String NOTE_ERROR = """
      UPDATE sync_runs
      SET error_message = $3, last_error_time = now(), update_time = now()
      WHERE tenant_id = $4 AND sync_run_id = $1 AND lease_owner = $2 AND state = 'RUNNING'
      """;

  private static final String FINISH = """
      UPDATE sync_runs
      SET state = $3, end_time = now(), error_message = $4, identifiers_over_cap = $5,
          identities_removed = identities_removed + $6, identifiers_created = identifiers_created + $7,
          lease_owner = NULL, lease_expire_time = NULL, update_time = now()
      WHERE tenant_id = $8 AND sync_run_id = $1 AND lease_owner = $2 AND state = 'RUNNING'
      RETURNING\s""" + COLUMNS;

  private static final String RELEASE = """
      UPDATE sync_runs
      SET lease_expire_time = now(), update_time = now()
      WHERE tenant_id = $3 AND sync_run_id = $1 AND lease_owner = $2 AND state = 'RUNNING'
      """;

  private static final String SET_SINCE = """
      UPDATE sync_runs SET since_time = $3
      WHERE tenant_id = $4 AND sync_run_id = $1 AND lease_owner = $2 AND since_time IS NULL
      RETURNING since_time
      """;

  private static final String GET = "SELECT " + COLUMNS + " FROM sync_runs WHERE tenant_id = $1 AND sync_run_id = $2";

  private static final String ACTIVE = "SELECT " + COLUMNS
      + " FROM sync_runs WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING')";

  private static final String BY_REQUEST = "SELECT " + COLUMNS
      + " FROM sync_runs WHERE tenant_id = $1 AND request_id = $2";

  private static final String LIST = "SELECT " + COLUMNS + """
       FROM sync_runs
      WHERE tenant_id = $1 AND (create_time, sync_run_id) < ($2, $3)
      ORDER BY create_time DESC, sync_run_id DESC
      LIMIT $4
      """;

  private static final String CANCEL = """
      UPDATE sync_runs
      SET cancel_requested = true,
          state = CASE WHEN state = 'QUEUED' THEN 'CANCELLED' ELSE state END,
          end_time = CASE WHEN state = 'QUEUED' THEN now() ELSE end_time END,
          update_time = now()
      WHERE tenant_id = $1 AND sync_run_id = $2 AND state IN ('QUEUED', 'RUNNING')
      RETURNING\s""" + COLUMNS;

  /** Takes the oldest queued run, or one whose holder died (lease expired). Times are Postgres's. */
  Future<Optional<SyncRun>> claim(SqlClient client, String owner, int leaseSeconds) {
    return claim(client, owner, leaseSeconds, java.util.Set.of());
  }

  /**
   * As {@link #claim(SqlClient, String, int)}, never one of {@code executing}: runs this replica is
   * still executing, whose lease expired while Postgres did not answer. The same owner taking such a
   * run again would run it twice at once; its execution renews the lease once Postgres answers.
   */
  Future<Optional<SyncRun>> claim(SqlClient client, String owner, int leaseSeconds, java.util.Set<UUID> executing) {
    return client.preparedQuery(CLAIM)
        .execute(Tuple.of(owner, leaseSeconds, executing.toArray(UUID[]::new)))
        .map(SyncRunRepository::first);
  }

  /**
   * Locks the run for a batch's transaction: empty when the lease is lost (another replica took
   * the run, or the integration was deleted), otherwise whether a cancellation was asked for.
   * Taken first in every batch, so batches and DeleteIntegration lock in the same order.
   */
  Future<Optional<Boolean>> lock(SqlClient tx, SyncRun run, String owner) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(run.id(), owner, run.tenantId())).map(SyncRunRepository::cancelFlag);
  }

  /**
   * Records a batch (cursor, counters) and renews the lease, inside the batch's transaction. The
   * first batch of a run also records when Okta answered its first page ({@code oktaTime}): the
   * run's start by Okta's clock, from which the next incremental sync lists.
   */
  Future<Optional<Boolean>> checkpoint(SqlClient tx, SyncRun run, String owner, String cursor, Instant maxLastUpdated,
      Instant oktaTime, SyncRun.Counters delta, int leaseSeconds) {
    return tx.preparedQuery(CHECKPOINT)
        .execute(Tuple.from(new Object[] {run.id(), owner, cursor, utc(maxLastUpdated), delta.usersSeen(),
            delta.identitiesCreated(), delta.identitiesUpdated(), delta.identitiesRemoved(), delta.identifiersCreated(),
            delta.identifiersOverCap(), delta.pagesFetched(), delta.oktaRequests(), delta.rateLimitWaits(),
            leaseSeconds, utc(oktaTime), run.tenantId()}))
        .map(SyncRunRepository::cancelFlag);
  }

  /** Extends the lease while a page takes long; same answer as {@link #checkpoint}. */
  Future<Optional<Boolean>> renew(SqlClient client, SyncRun run, String owner, int leaseSeconds) {
    return client.preparedQuery(RENEW).execute(Tuple.of(run.id(), owner, leaseSeconds, run.tenantId())).map(SyncRunRepository::cancelFlag);
  }

  /** Shows why the run is waiting (Okta or Postgres unavailable) without ending it. */
  Future<Void> noteError(SqlClient client, SyncRun run, String owner, String message) {
    return client.preparedQuery(NOTE_ERROR).execute(Tuple.of(run.id(), owner, message, run.tenantId())).mapEmpty();
  }

  Future<Optional<SyncRun>> finish(SqlClient tx, SyncRun run, String owner, SyncRun.State state, String error,
      long identifiersOverCap, long identitiesRemoved, long identifiersCreated) {
    return tx.preparedQuery(FINISH)
        .execute(Tuple.from(new Object[] {run.id(), owner, state.name(), error == null ? "" : error, identifiersOverCap,
            identitiesRemoved, identifiersCreated, run.tenantId()}))
        .map(SyncRunRepository::first);
  }

  /** Fixes where an incremental run starts listing, once, so that a resumed run keeps it. */
  Future<Void> setSince(SqlClient client, SyncRun run, String owner, Instant since) {
    return client.preparedQuery(SET_SINCE).execute(Tuple.of(run.id(), owner, utc(since), run.tenantId())).mapEmpty();
  }

  /** Lets another replica take the run at once (graceful shutdown). */
  Future<Void> release(SqlClient client, SyncRun run, String owner) {
    return client.preparedQuery(RELEASE).execute(Tuple.of(run.id(), owner, run.tenantId())).mapEmpty();
  }

  Future<Optional<SyncRun>> get(SqlClient client, String tenantId, UUID runId) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, runId)).map(SyncRunRepository::first);
  }

  Future<Optional<SyncRun>> active(SqlClient client, String tenantId) {
    return client.preparedQuery(ACTIVE).execute(Tuple.of(tenantId)).map(SyncRunRepository::first);
  }

  Future<Optional<SyncRun>> byRequest(SqlClient client, String tenantId, String requestId) {
    return client.preparedQuery(BY_REQUEST).execute(Tuple.of(tenantId, requestId)).map(SyncRunRepository::first);
  }

  /** Runs created before the given position (null: from the newest), newest first. */
  Future<List<SyncRun>> list(SqlClient client, String tenantId, Keyset.TimeAndId after, int limit) {
    return client.preparedQuery(LIST)
        .execute(Tuple.of(tenantId, after == null ? END_OF_TIME : utc(after.time()),
            after == null ? MAX_UUID : after.id(), limit))
        .map(rows -> {
          List<SyncRun> out = new ArrayList<>();
          rows.forEach(row -> out.add(run(row)));
          return out;
        });
  }

  /** Cancels a queued run at once, or asks a running one to stop; empty if the run has ended. */
  Future<Optional<SyncRun>> cancel(SqlClient client, String tenantId, UUID runId) {
    return client.preparedQuery(CANCEL).execute(Tuple.of(tenantId, runId)).map(SyncRunRepository::first);
  }

  private static Optional<Boolean> cancelFlag(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getBoolean(0));
  }

  private static Optional<SyncRun> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(run(rows.iterator().next()));
  }


  static SyncRun run(Row row) {
    return new SyncRun(
        row.getUUID("sync_run_id"),
        row.getString("tenant_id"),
        SyncQueue.Mode.valueOf(row.getString("mode")),
        SyncQueue.Trigger.valueOf(row.getString("trigger")),
        SyncRun.State.valueOf(row.getString("state")),
        instant(row, "create_time"),
        instant(row, "start_time"),
        instant(row, "end_time"),
        instant(row, "since_time"),
        row.getString("cursor"),
        instant(row, "max_last_updated"),
        row.getBoolean("cancel_requested"),
        new SyncRun.Counters(row.getLong("users_seen"), row.getLong("identities_created"),
            row.getLong("identities_updated"), row.getLong("identities_removed"), row.getLong("identifiers_created"),
            row.getLong("identifiers_over_cap"), row.getLong("pages_fetched"), row.getLong("okta_requests"),
            row.getLong("rate_limit_waits")),
        row.getString("error_message"),
        row.getString("submitted_by"));
  }
}
