package io.flare.iem.identitysync;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Writes synced users into identities and identity identifiers with set-based statements: one
 * array upsert per batch (no per-row round trips), identifiers maintained only for identities whose
 * data changed, a sweep of what a full listing did not see, and a priority-ordered recompute of
 * identifiers when the tenant's cap binds.
 *
 * <p>Identifiers are the trimmed, lower-cased login, email and second email of identities that are
 * not deprovisioned, deduplicated per tenant. When the cap binds, identities are taken in a
 * deterministic priority order (ACTIVE first, then most recent sign-in, then Okta id) and an
 * identity is monitored only if all its identifiers fit: the cap is never exceeded.
 */
final class IdentityWriter {

  /** What one batch changed. */
  record BatchResult(long created, long updated, long removed, long identifiersCreated, long identifiersDeleted,
      OffsetDateTime maxLastUpdated) {}

  /** What an identifier recompute did. */
  record Reconciled(long identifiersCreated, long identifiersDeleted, long overCap) {}

  private static final String UPSERT = """
      WITH up AS (
        INSERT INTO identities AS i (tenant_id, okta_user_id, status, login, email, second_email, first_name,
                                     last_name, last_login, password_changed, okta_last_updated, seen_run_id,
                                     status_change_time, monitored)
        SELECT $1, u.okta_user_id, u.status, u.login, u.email, u.second_email, u.first_name, u.last_name,
               u.last_login, u.password_changed, u.okta_last_updated, $2, now(), ($13 AND u.status <> 'DEPROVISIONED')
        FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                    $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
             AS u(okta_user_id, status, login, email, second_email, first_name, last_name, last_login,
                  password_changed, okta_last_updated)
        ON CONFLICT (tenant_id, okta_user_id) DO UPDATE SET
          status = EXCLUDED.status, login = EXCLUDED.login, email = EXCLUDED.email,
          second_email = EXCLUDED.second_email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
          last_login = EXCLUDED.last_login, password_changed = EXCLUDED.password_changed,
          okta_last_updated = EXCLUDED.okta_last_updated, seen_run_id = EXCLUDED.seen_run_id,
          status_change_time = CASE WHEN i.status <> EXCLUDED.status THEN now() ELSE i.status_change_time END,
          monitored = CASE WHEN EXCLUDED.status = 'DEPROVISIONED' THEN false
                           WHEN $13 AND (i.login, i.email, i.second_email, i.status)
                                IS DISTINCT FROM (EXCLUDED.login, EXCLUDED.email, EXCLUDED.second_email, EXCLUDED.status)
                           THEN true
                           ELSE i.monitored END,
          update_time = CASE WHEN (i.status, i.login, i.email, i.second_email, i.first_name, i.last_name,
                                   i.last_login, i.password_changed, i.okta_last_updated)
                                  IS DISTINCT FROM
                                  (EXCLUDED.status, EXCLUDED.login, EXCLUDED.email, EXCLUDED.second_email,
                                   EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.last_login,
                                   EXCLUDED.password_changed, EXCLUDED.okta_last_updated)
                             THEN now() ELSE i.update_time END
        RETURNING identity_id, (xmax = 0) AS inserted, (update_time = now()) AS changed,
                  (status_change_time = now() AND status = 'DEPROVISIONED') AS deprovisioned,
                  okta_last_updated, status, monitored, login, email, second_email
      ), new_identifiers AS (
        -- identifiers of identities created by this batch (nothing stale can exist for them)
        INSERT INTO identifiers (tenant_id, value, kind, identity_id)
        SELECT $1, v.value, v.kind, up.identity_id
        FROM up
        CROSS JOIN LATERAL (SELECT lower(btrim(up.login)) AS l, lower(btrim(up.email)) AS e,
                                   lower(btrim(up.second_email)) AS s) AS n
        CROSS JOIN LATERAL (VALUES (n.l, 'LOGIN', true),
                                   (n.e, 'EMAIL', n.e <> n.l),
                                   (n.s, 'SECOND_EMAIL', n.s <> n.l AND n.s <> n.e)) AS v(value, kind, distinct_value)
        WHERE up.inserted AND up.monitored AND v.distinct_value AND v.value <> ''
        ON CONFLICT (tenant_id, value) DO NOTHING
        RETURNING 1
      )
      SELECT count(*) FILTER (WHERE inserted) AS created,
             count(*) FILTER (WHERE changed AND NOT inserted) AS updated,
             count(*) FILTER (WHERE deprovisioned AND NOT inserted) AS removed,
             coalesce(array_agg(identity_id) FILTER (WHERE changed AND NOT inserted), '{}') AS changed_ids,
             max(okta_last_updated) AS max_last_updated,
             (SELECT count(*) FROM new_identifiers) AS identifiers_created
      FROM up
      """;

  /** Identifiers of updated identities that no longer match them (or whose identity left). */
  private static final String DELETE_STALE_IDENTIFIERS = """
      DELETE FROM identifiers d
      USING identities i
      WHERE i.tenant_id = $2 AND i.identity_id = ANY($1::uuid[]) AND d.tenant_id = i.tenant_id
        AND d.identity_id = i.identity_id
        AND (i.status = 'DEPROVISIONED' OR NOT i.monitored
             OR d.value NOT IN (lower(btrim(i.login)), lower(btrim(i.email)), lower(btrim(i.second_email))))
      """;

  /** Identifiers of updated, monitored identities; a value another identity owns stays with it. */
  private static final String INSERT_IDENTIFIERS = """
      INSERT INTO identifiers (tenant_id, value, kind, identity_id)
      SELECT i.tenant_id, v.value, v.kind, i.identity_id
      FROM identities i
      CROSS JOIN LATERAL (SELECT lower(btrim(i.login)) AS l, lower(btrim(i.email)) AS e,
                                 lower(btrim(i.second_email)) AS s) AS n
      CROSS JOIN LATERAL (VALUES (n.l, 'LOGIN', true),
                                 (n.e, 'EMAIL', n.e <> n.l),
                                 (n.s, 'SECOND_EMAIL', n.s <> n.l AND n.s <> n.e)) AS v(value, kind, distinct_value)
      WHERE i.tenant_id = $2 AND i.identity_id = ANY($1::uuid[]) AND i.monitored AND i.status <> 'DEPROVISIONED'
        AND v.distinct_value AND v.value <> ''
      ON CONFLICT (tenant_id, value) DO NOTHING
      """;

  private static final String COUNT_IDENTIFIERS = "SELECT count(*) FROM identifiers WHERE tenant_id = $1";

  private static final String SWEEP = """
      WITH gone AS (
        DELETE FROM identities
        WHERE tenant_id = $1 AND seen_run_id IS DISTINCT FROM $2
        RETURNING status)
      SELECT count(*) FILTER (WHERE status <> 'DEPROVISIONED') FROM gone
      """;

  private static final String SOMEONE_UNMONITORED = """
      SELECT EXISTS (SELECT 1 FROM identities WHERE tenant_id = $1 AND NOT monitored AND status <> 'DEPROVISIONED')
      """;

  private static final String ANY_IDENTITY = "SELECT EXISTS (SELECT 1 FROM identities WHERE tenant_id = $1)";

  private static final String CLEAR_IDENTIFIERS = """
      WITH gone AS (DELETE FROM identifiers WHERE tenant_id = $1 RETURNING 1),
           unmonitor AS (UPDATE identities SET monitored = false WHERE tenant_id = $1 AND monitored RETURNING 1)
      SELECT (SELECT count(*) FROM gone)
      """;

  /**
   * The identifiers the tenant should have, in priority order, each marked with whether it fits the
   * cap ($3). Stored per run in an unlogged work table, then applied.
   */
  private static final String PLAN = """
      INSERT INTO identifier_plans (tenant_id, sync_run_id, value, kind, identity_id, within_cap)
      WITH ranked AS (
        SELECT identity_id, login, email, second_email,
               row_number() OVER (ORDER BY (status = 'ACTIVE') DESC, last_login DESC NULLS LAST, okta_user_id) AS rnk
        FROM identities
        WHERE tenant_id = $1 AND status <> 'DEPROVISIONED'
      ), vals AS (
        SELECT r.rnk, r.identity_id, v.value, v.kind, v.ord
        FROM ranked r
        CROSS JOIN LATERAL (VALUES (lower(btrim(r.login)), 'LOGIN', 1),
                                   (lower(btrim(r.email)), 'EMAIL', 2),
                                   (lower(btrim(r.second_email)), 'SECOND_EMAIL', 3)) AS v(value, kind, ord)
        WHERE v.value <> ''
      ), owned AS (
        SELECT DISTINCT ON (value) value, kind, identity_id, rnk FROM vals ORDER BY value, rnk, ord
      ), per_identity AS (
        SELECT identity_id, rnk, count(*) AS n FROM owned GROUP BY identity_id, rnk
      ), running AS (
        SELECT identity_id, sum(n) OVER (ORDER BY rnk) AS total FROM per_identity
      )
      SELECT $1, $2, o.value, o.kind, o.identity_id, r.total <= $3
      FROM owned o JOIN running r USING (identity_id)
      """;

  private static final String APPLY_DELETE = """
      DELETE FROM identifiers d
      WHERE d.tenant_id = $1
        AND NOT EXISTS (SELECT 1 FROM identifier_plans p
                        WHERE p.tenant_id = $1 AND p.sync_run_id = $2 AND p.within_cap AND p.value = d.value
                          AND p.identity_id = d.identity_id)
      """;

  private static final String APPLY_INSERT = """
      INSERT INTO identifiers (tenant_id, value, kind, identity_id)
      SELECT $1, p.value, p.kind, p.identity_id FROM identifier_plans p
      WHERE p.tenant_id = $1 AND p.sync_run_id = $2 AND p.within_cap
      ON CONFLICT (tenant_id, value) DO NOTHING
      """;

  private static final String APPLY_MONITORED = """
      UPDATE identities i
      SET monitored = m.monitored
      FROM (SELECT i2.identity_id,
                   i2.status <> 'DEPROVISIONED'
                   AND NOT EXISTS (SELECT 1 FROM identifier_plans p
                                   WHERE p.tenant_id = $1 AND p.sync_run_id = $2 AND p.identity_id = i2.identity_id
                                     AND NOT p.within_cap)
                   AS monitored
            FROM identities i2 WHERE i2.tenant_id = $1) m
      WHERE i.tenant_id = $1 AND i.identity_id = m.identity_id AND i.monitored IS DISTINCT FROM m.monitored
      """;

  private static final String OVER_CAP = """
      SELECT count(*) FROM identifier_plans WHERE tenant_id = $1 AND sync_run_id = $2 AND NOT within_cap
      """;

  private static final String DROP_PLAN = "DELETE FROM identifier_plans WHERE tenant_id = $1 AND sync_run_id = $2";

  /** How a batch writes identity identifiers. */
  enum Identifiers {
    /** None: automatic identifiers are off (or not entitled). */
    OFF,
    /** With the identities, in the batch's transaction: the cap has room. */
    INLINE,
    /** Stale ones are deleted, new ones wait for the recompute at the end of the run: the cap may bind. */
    DEFERRED
  }

  /** A batch upserted: its counts, and the identities that existed and changed (their identifiers wait). */
  record Upserted(BatchResult counts, UUID[] updated) {}

  /**
   * Upserts a batch of users, marking them seen by {@code runId}. {@link Identifiers#INLINE}: the new
   * identities get their identifiers in the same statement (the caller has checked the cap has
   * room); identities that existed and changed are returned for {@link #refreshIdentifiers}.
   */
  Future<Upserted> upsert(SqlClient tx, String tenantId, UUID runId, List<SyncedUser> users,
      Identifiers identifiers) {
    int n = users.size();
    String[] ids = new String[n];
    String[] status = new String[n];
    String[] login = new String[n];
    String[] email = new String[n];
    String[] secondEmail = new String[n];
    String[] firstName = new String[n];
    String[] lastName = new String[n];
    OffsetDateTime[] lastLogin = new OffsetDateTime[n];
    OffsetDateTime[] passwordChanged = new OffsetDateTime[n];
    OffsetDateTime[] lastUpdated = new OffsetDateTime[n];
    for (int k = 0; k < n; k++) {
      SyncedUser u = users.get(k);
      ids[k] = u.oktaUserId();
      status[k] = u.status();
      login[k] = nonNull(u.login());
      email[k] = nonNull(u.email());
      secondEmail[k] = nonNull(u.secondEmail());
      firstName[k] = nonNull(u.firstName());
      lastName[k] = nonNull(u.lastName());
      lastLogin[k] = u.lastLogin();
      passwordChanged[k] = u.passwordChanged();
      lastUpdated[k] = u.lastUpdated();
    }
    Tuple params = Tuple.tuple()
        .addString(tenantId).addUUID(runId)
        .addArrayOfString(ids).addArrayOfString(status).addArrayOfString(login).addArrayOfString(email)
        .addArrayOfString(secondEmail).addArrayOfString(firstName).addArrayOfString(lastName)
        .addArrayOfOffsetDateTime(lastLogin).addArrayOfOffsetDateTime(passwordChanged)
        .addArrayOfOffsetDateTime(lastUpdated)
        .addBoolean(identifiers == Identifiers.INLINE);
    return tx.preparedQuery(UPSERT).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      return new Upserted(new BatchResult(row.getLong("created"), row.getLong("updated"), row.getLong("removed"),
          row.getLong("identifiers_created"), 0, row.getOffsetDateTime("max_last_updated")),
          row.getArrayOfUUIDs("changed_ids"));
    });
  }

  /**
   * Deletes the stale identifiers of identities that changed and ({@link Identifiers#INLINE}) inserts
   * their new ones; returns {created, deleted}. Callers run it in batch order, so a value moving from
   * one identity to another moves in the order Okta listed the change.
   */
  Future<long[]> refreshIdentifiers(SqlClient tx, String tenantId, UUID[] updated, Identifiers identifiers) {
    if (identifiers == Identifiers.OFF || updated.length == 0) {
      return Future.succeededFuture(new long[] {0, 0});
    }
    Tuple ids = Tuple.of(updated, tenantId);
    return tx.preparedQuery(DELETE_STALE_IDENTIFIERS).execute(ids).compose(deleted -> {
      if (identifiers != Identifiers.INLINE) {
        return Future.succeededFuture(new long[] {0, deleted.rowCount()});
      }
      return tx.preparedQuery(INSERT_IDENTIFIERS).execute(ids)
          .map(inserted -> new long[] {inserted.rowCount(), deleted.rowCount()});
    });
  }

  Future<Long> countIdentifiers(SqlClient client, String tenantId) {
    return client.preparedQuery(COUNT_IDENTIFIERS).execute(Tuple.of(tenantId))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** After a complete full listing: removes identities the run did not see; returns how many were monitored-able. */
  Future<Long> sweep(SqlClient tx, String tenantId, UUID runId) {
    return tx.preparedQuery(SWEEP).execute(Tuple.of(tenantId, runId)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** True when an identity that could be monitored is not (over the cap, or identifiers just turned on). */
  Future<Boolean> someoneUnmonitored(SqlClient client, String tenantId) {
    return client.preparedQuery(SOMEONE_UNMONITORED).execute(Tuple.of(tenantId))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** True when the tenant has any identity (an initial sync of an empty tenant has nothing to sweep). */
  Future<Boolean> anyIdentity(SqlClient client, String tenantId) {
    return client.preparedQuery(ANY_IDENTITY).execute(Tuple.of(tenantId))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** Automatic identifiers are off (or not entitled): the tenant has none, and nobody is monitored. */
  Future<Long> clear(SqlClient tx, String tenantId) {
    return tx.preparedQuery(CLEAR_IDENTIFIERS).execute(Tuple.of(tenantId)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Recomputes every identifier of the tenant in priority order under {@code cap}. */
  Future<Reconciled> recompute(SqlClient tx, String tenantId, UUID runId, int cap) {
    Tuple tenantRun = Tuple.of(tenantId, runId);
    return tx.preparedQuery(DROP_PLAN).execute(tenantRun)
        .compose(x -> tx.preparedQuery(PLAN).execute(Tuple.of(tenantId, runId, cap)))
        .compose(x -> tx.preparedQuery(APPLY_DELETE).execute(tenantRun))
        .compose(deleted -> tx.preparedQuery(APPLY_INSERT).execute(tenantRun)
            .compose(inserted -> tx.preparedQuery(APPLY_MONITORED).execute(tenantRun)
                .compose(x -> tx.preparedQuery(OVER_CAP).execute(tenantRun))
                .map(over -> new Reconciled(inserted.rowCount(), deleted.rowCount(),
                    over.iterator().next().getLong(0)))))
        .compose(result -> tx.preparedQuery(DROP_PLAN).execute(tenantRun).map(result));
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
