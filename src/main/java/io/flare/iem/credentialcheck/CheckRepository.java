package io.flare.iem.credentialcheck;

import static io.flare.iem.storage.PgTime.instant;
import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.storage.Keyset;
import io.flare.iem.storage.StatementBatcher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
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
 * Credential checks, always within one tenant. Waiting checks form a durable queue taken with
 * {@code FOR UPDATE SKIP LOCKED} under a lease, so every replica drains it and a crashed replica's
 * checks are taken over. Leases run on the database clock; everything the product reasons about
 * (next attempt, local day, lockout window) on the service clock passed in. The identity a leaked
 * username names is found with identity sync's own match query ({@link IdentityRepository#matchQuery}).
 */
final class CheckRepository {

  static final String CHECK_COLUMNS = """
      c.check_id, c.tenant_id, c.identity_id, c.username, c.request_id, c.leak_id, c.leak_source,
      c.leak_source_kind, c.leaked_time, c.outcome, c.skip_reason, c.detail, c.attempts_made,
      c.next_attempt_time, c.create_time, c.decide_time, c.unverified_count""";

  private static final String SELECT = "SELECT " + CHECK_COLUMNS + ", " + MitigationRepository.JOINED_COLUMNS + """

      FROM credential_checks c LEFT JOIN mitigations m ON m.tenant_id = c.tenant_id AND m.check_id = c.check_id
      """;

  private static final String GET = SELECT + "WHERE c.tenant_id = $1 AND c.check_id = $2";

  private static final String BY_REQUEST = SELECT + "WHERE c.tenant_id = $1 AND c.request_id = $2";

  private static final String BY_LEAK = SELECT + """
      WHERE c.tenant_id = $1 AND c.leak_id = $2 AND c.identity_id = $3 AND c.password_fingerprint = $4
        AND c.leak_id <> ''
      """;

  private static final String LIST_ALL = SELECT + """
      WHERE c.tenant_id = $1 AND (c.create_time, c.check_id) < ($2, $3)
      ORDER BY c.create_time DESC, c.check_id DESC
      LIMIT $4
      """;

  private static final String LIST_BY_OUTCOME = SELECT + """
      WHERE c.tenant_id = $1 AND c.outcome = $5 AND (c.create_time, c.check_id) < ($2, $3)
      ORDER BY c.create_time DESC, c.check_id DESC
      LIMIT $4
      """;

  /**
   * The hot path in one round trip: the check this request id already made (a replay), else the
   * matched identity, else a NOT_FOUND check inserted right away. Exactly one of the three comes
   * back, or none when a concurrent request with the same id won the insert.
   */
  private static final String INTAKE = "WITH existing AS (" + SELECT + """
        WHERE c.tenant_id = $1 AND c.request_id = $3
      ), matched AS (
      """ + IdentityRepository.matchQuery("$1", "$2") + """
      ), inserted AS (
        INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, request_id, leak_id, leak_source,
                                       leak_source_kind, leaked_time, outcome, detail, create_time, decide_time,
                                       update_time, submitted_by)
        SELECT $4, $1, NULL, $2, $3, $5, $6, $7, $8, 'NOT_FOUND', $9, $10, $10, now(), $11
        WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS (SELECT 1 FROM matched)
        ON CONFLICT DO NOTHING
        RETURNING check_id
      )
      SELECT (SELECT identity_id FROM matched) AS matched_identity_id,
             (SELECT check_id FROM inserted) AS inserted_check_id, e.*
      FROM (SELECT 1) AS one LEFT JOIN existing e ON true
      """;

  private static final String INSERT = """
      INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, request_id, leak_id, leak_source,
                                     leak_source_kind, leaked_time, password_fingerprint, password_ciphertext,
                                     outcome, detail, next_attempt_time, lease_owner, lease_expire_time,
                                     create_time, decide_time, update_time, submitted_by)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text,
              CASE WHEN $15::text IS NULL THEN NULL ELSE now() + make_interval(secs => $16) END,
              $17, $18, now(), $19)
      ON CONFLICT DO NOTHING
      RETURNING check_id
      """;

  private static final String CLAIM = """
      UPDATE credential_checks c
      SET lease_owner = $1, lease_expire_time = now() + make_interval(secs => $2), update_time = now()
      WHERE (c.tenant_id, c.check_id) IN (
          SELECT tenant_id, check_id FROM credential_checks
          WHERE outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED') AND next_attempt_time <= $3
            AND (lease_expire_time IS NULL OR lease_expire_time < now())
            AND NOT (tenant_id = ANY($5::text[])) AND create_time >= $6
          ORDER BY next_attempt_time
          LIMIT $4
          FOR UPDATE SKIP LOCKED)
      RETURNING\s""" + CHECK_COLUMNS + ", c.password_fingerprint, c.password_ciphertext, c.submitted_by";

  private static final String UNCLAIM = """
      UPDATE credential_checks SET lease_owner = NULL, lease_expire_time = NULL
      WHERE tenant_id = ANY($3::text[]) AND check_id = ANY($1::uuid[]) AND lease_owner = $2
      """;

  /** Hands back checks still being decided, except those an authn call may be in flight for (a RESERVED attempt). */
  private static final String GIVE_BACK = """
      UPDATE credential_checks c SET lease_owner = NULL, lease_expire_time = NULL, update_time = now()
      WHERE c.tenant_id = ANY($3::text[]) AND c.check_id = ANY($1::uuid[]) AND c.lease_owner = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM authn_attempts a
                        WHERE a.tenant_id = c.tenant_id AND a.identity_id = c.identity_id
                          AND a.check_id = c.check_id AND a.result = 'RESERVED')
      """;

  private static final String FINISH = """
      UPDATE credential_checks
      SET outcome = $3, skip_reason = $4, detail = $5, next_attempt_time = $6, decide_time = $7,
          password_ciphertext = CASE WHEN $7::timestamptz IS NULL THEN password_ciphertext ELSE NULL END,
          unverified_count = CASE WHEN $3 = 'UNVERIFIED' THEN unverified_count + 1 ELSE 0 END,
          lease_owner = NULL, lease_expire_time = NULL, update_time = now()
      WHERE tenant_id = $8 AND check_id = $1 AND lease_owner = $2
      """;

  private static final String COUNT_ATTEMPT = """
      UPDATE credential_checks SET attempts_made = attempts_made + 1, update_time = now()
      WHERE tenant_id = $3 AND check_id = $1 AND lease_owner = $2
      """;

  private static final String SIBLING_OPEN = """
      SELECT next_attempt_time FROM credential_checks
      WHERE tenant_id = $5 AND identity_id = $1 AND password_fingerprint = $2 AND decide_time IS NULL
        AND check_id <> $3
        AND (create_time, check_id) < ($4, $3)
      ORDER BY create_time, check_id
      LIMIT 1
      """;

  private static final String DELETE_WAITING = """
      DELETE FROM credential_checks
      WHERE tenant_id = $1 AND outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED')
      """;

  private static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final UUID MAX_UUID = new UUID(-1L, -1L);

  /**
   * A waiting check taken by a worker, with its fingerprint, sealed password and the verified
   * identity of the caller who submitted it (null for a check received before it was recorded).
   */
  record Claimed(StoredCheck check, byte[] fingerprint, byte[] sealedPassword, String submittedBy) {}

  /**
   * A check to insert; {@code leaseOwner} holds it for inline processing (null for none);
   * {@code submittedBy} is the verified identity of the caller who submitted it.
   */
  record NewCheck(UUID id, String tenantId, UUID identityId, String username, String requestId, String leakId,
      String leakSource, String leakSourceKind, Instant leakedTime, byte[] fingerprint, byte[] sealed,
      StoredCheck.Outcome outcome, String detail, Instant nextAttempt, String leaseOwner, int leaseSeconds,
      Instant createTime, Instant decideTime, String submittedBy) {}

  /** What the check's row becomes after a decision step. */
  record Result(StoredCheck.Outcome outcome, StoredCheck.SkipReason skipReason, String detail, Instant nextAttempt,
      Instant decideTime) {}

  Future<Optional<StoredCheck>> get(SqlClient client, String tenantId, UUID checkId) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, checkId)).map(CheckRepository::first);
  }

  Future<Optional<StoredCheck>> byRequest(SqlClient client, String tenantId, String requestId) {
    return client.preparedQuery(BY_REQUEST).execute(Tuple.of(tenantId, requestId)).map(CheckRepository::first);
  }

  Future<Optional<StoredCheck>> byLeak(SqlClient client, String tenantId, String leakId, UUID identityId,
      byte[] fingerprint) {
    return client.preparedQuery(BY_LEAK)
        .execute(Tuple.of(tenantId, leakId, identityId, Buffer.buffer(fingerprint)))
        .map(CheckRepository::first);
  }

  /** Newest first, after the (create time, id) position (null: from the newest); {@code outcome} null for all. */
  Future<List<StoredCheck>> list(SqlClient client, String tenantId, StoredCheck.Outcome outcome,
      Keyset.TimeAndId after, int limit) {
    OffsetDateTime before = after == null ? END_OF_TIME : utc(after.time());
    UUID id = after == null ? MAX_UUID : after.id();
    Future<RowSet<Row>> rows = outcome == null
        ? client.preparedQuery(LIST_ALL).execute(Tuple.of(tenantId, before, id, limit))
        : client.preparedQuery(LIST_BY_OUTCOME).execute(Tuple.of(tenantId, before, id, limit, outcome.name()));
    return rows.map(set -> {
      List<StoredCheck> out = new ArrayList<>(set.size());
      set.forEach(row -> out.add(check(row)));
      return out;
    });
  }

  /** What the hot path found: a replay, a matched identity, or a NOT_FOUND check it inserted. */
  record Intake(Optional<StoredCheck> existing, UUID matchedIdentity, boolean inserted) {}

  /** Batches {@link #intake} statements per event loop: the service's hot path, one per pool. */
  StatementBatcher intakeBatcher(Pool pool) {
    return new StatementBatcher(pool, INTAKE);
  }

  /**
   * Looks for the request id's check, else matches the username, else inserts {@code notFound};
   * one statement, batched with the others of the event loop. {@code notFound} carries the
   * would-be check (its id, the request and leak).
   */
  Future<Intake> intake(StatementBatcher intakes, NewCheck notFound) {
    return intakes.execute(Tuple.from(new Object[] {notFound.tenantId(), notFound.username(), notFound.requestId(),
            notFound.id(), notFound.leakId(), notFound.leakSource(), notFound.leakSourceKind(),
            utc(notFound.leakedTime()), notFound.detail(), utc(notFound.createTime()), notFound.submittedBy()}))
        .map(rows -> {
          Row row = rows.iterator().next();
          Optional<StoredCheck> existing = row.getUUID("check_id") == null ? Optional.empty()
              : Optional.of(check(row));
          return new Intake(existing, row.getUUID("matched_identity_id"), row.getUUID("inserted_check_id") != null);
        });
  }

  /** Inserts unless the request id or the leak key exists already; returns whether it did. */
  Future<Boolean> insert(SqlClient client, NewCheck n) {
    return client.preparedQuery(INSERT)
        .execute(Tuple.from(new Object[] {n.id(), n.tenantId(), n.identityId(), n.username(), n.requestId(),
            n.leakId(), n.leakSource(), n.leakSourceKind(), utc(n.leakedTime()),
            n.fingerprint() == null ? null : Buffer.buffer(n.fingerprint()),
            n.sealed() == null ? null : Buffer.buffer(n.sealed()), n.outcome().name(), n.detail(),
            utc(n.nextAttempt()), n.leaseOwner(), n.leaseSeconds(), utc(n.createTime()), utc(n.decideTime()),
            n.submittedBy()}))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Takes up to {@code limit} due checks (next attempt at or before {@code now}) under a lease,
   * skipping the tenants in {@code skipTenants} and the checks that arrived before {@code
   * expired} (their passwords are being erased).
   */
  Future<List<Claimed>> claim(SqlClient client, String owner, int leaseSeconds, Instant now, int limit,
      String[] skipTenants, Instant expired) {
    return client.preparedQuery(CLAIM)
        .execute(Tuple.of(owner, leaseSeconds, utc(now), limit, skipTenants, utc(expired)))
        .map(rows -> {
          List<Claimed> out = new ArrayList<>(rows.size());
          rows.forEach(row -> out.add(new Claimed(check(row), bytes(row.getBuffer("password_fingerprint")),
              bytes(row.getBuffer("password_ciphertext")), row.getString("submitted_by"))));
          return out;
        });
  }

  /** Gives claimed checks back untouched (still due), for another claim. */
  Future<Void> unclaim(SqlClient client, List<StoredCheck> claimed, String owner) {
    return client.preparedQuery(UNCLAIM)
        .execute(Tuple.of(claimed.stream().map(StoredCheck::id).toArray(UUID[]::new), owner, tenants(claimed)))
        .mapEmpty();
  }

  private static String[] tenants(List<StoredCheck> checks) {
    return checks.stream().map(StoredCheck::tenantId).distinct().toArray(String[]::new);
  }

  /**
   * Releases the leases {@code owners} hold on these checks, unless an authn call may be in flight
   * for one (its lease then expires as after a crash); returns how many were released.
   */
  Future<Integer> giveBack(SqlClient client, List<StoredCheck> held, List<String> owners) {
    return client.preparedQuery(GIVE_BACK)
        .execute(Tuple.of(held.stream().map(StoredCheck::id).toArray(UUID[]::new), owners.toArray(String[]::new),
            tenants(held)))
        .map(RowSet::rowCount);
  }

  /** Records a decision step and releases the lease; false when the lease was lost (or the check deleted). */
  Future<Boolean> finish(SqlClient client, StoredCheck check, String owner, Result r) {
    return client.preparedQuery(FINISH)
        .execute(Tuple.from(new Object[] {check.id(), owner, r.outcome().name(),
            r.skipReason() == null ? null : r.skipReason().name(), r.detail(), utc(r.nextAttempt()),
            utc(r.decideTime()), check.tenantId()}))
        .map(rows -> rows.rowCount() == 1);
  }

  Future<Void> countAttempt(SqlClient client, StoredCheck check, String owner) {
    return client.preparedQuery(COUNT_ATTEMPT).execute(Tuple.of(check.id(), owner, check.tenantId())).mapEmpty();
  }

  /**
   * The oldest undecided check of the same identity with the same password, if this one is not
   * it: its next attempt time (null while it is being decided).
   */
  Future<Optional<Optional<Instant>>> olderOpenSibling(SqlClient client, StoredCheck check, byte[] fingerprint) {
    return client.preparedQuery(SIBLING_OPEN)
        .execute(Tuple.of(check.identityId(), Buffer.buffer(fingerprint), check.id(), utc(check.createTime()),
            check.tenantId()))
        .map(rows -> rows.size() == 0 ? Optional.empty()
            : Optional.of(Optional.ofNullable(instant(rows.iterator().next(), "next_attempt_time"))));
  }

  /** Deletes the tenant's waiting checks, and the sealed passwords they hold; returns how many. */
  Future<Integer> deleteWaiting(SqlClient tx, String tenantId) {
    return tx.preparedQuery(DELETE_WAITING).execute(Tuple.of(tenantId)).map(RowSet::rowCount);
  }

  // ---- mapping ------------------------------------------------------------------------------

  private static byte[] bytes(Buffer buffer) {
    return buffer == null ? null : buffer.getBytes();
  }

  private static Optional<StoredCheck> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(check(rows.iterator().next()));
  }

  static StoredCheck check(Row row) {
    String skip = row.getString("skip_reason");
    StoredMitigation mitigation = hasColumn(row, "m_mitigation_id") ? MitigationRepository.joined(row) : null;
    return new StoredCheck(
        row.getUUID("check_id"),
        row.getString("tenant_id"),
        row.getUUID("identity_id"),
        row.getString("username"),
        row.getString("request_id"),
        row.getString("leak_id"),
        row.getString("leak_source"),
        row.getString("leak_source_kind"),
        instant(row, "leaked_time"),
        StoredCheck.Outcome.valueOf(row.getString("outcome")),
        skip == null ? null : StoredCheck.SkipReason.valueOf(skip),
        row.getString("detail"),
        row.getInteger("attempts_made"),
        instant(row, "next_attempt_time"),
        instant(row, "create_time"),
        instant(row, "decide_time"),
        row.getInteger("unverified_count"),
        mitigation);
  }

  private static boolean hasColumn(Row row, String name) {
    return row.getColumnIndex(name) >= 0;
  }

}
