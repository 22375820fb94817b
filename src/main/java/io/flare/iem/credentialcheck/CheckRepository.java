package io.flare.iem.credentialcheck;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.storage.StatementBatcher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Credential checks, the authn attempts made for them and the passwords already tried, always
 * within one tenant. Waiting checks form a durable queue taken with {@code FOR UPDATE SKIP LOCKED}
 * under a lease, so every replica drains it and a crashed replica's checks are taken over.
 * Leases run on the database clock; everything the product reasons about (next attempt, local
 * day, lockout window) on the service clock passed in.
 */
final class CheckRepository {

  static final String CHECK_COLUMNS = """
      c.check_id, c.tenant_id, c.identity_id, c.username, c.request_id, c.leak_id, c.leak_source,
      c.leak_source_kind, c.leaked_time, c.outcome, c.skip_reason, c.detail, c.attempts_made,
      c.next_attempt_time, c.create_time, c.decide_time, c.unverified_count""";

  private static final String SELECT = "SELECT " + CHECK_COLUMNS + ", " + MitigationRepository.JOINED_COLUMNS + """

      FROM credential_checks c LEFT JOIN mitigations m ON m.check_id = c.check_id
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

  /** The matched identity: login first, then emails, then identifiers; deprovisioned users last. */
  private static final String MATCH_CANDIDATES = """
      SELECT identity_id FROM (
          SELECT identity_id, 1 AS rank, status FROM identities
          WHERE tenant_id = $1 AND lower(login) COLLATE "C" = lower($2)
        UNION ALL
          SELECT identity_id, 2, status FROM identities
          WHERE tenant_id = $1 AND lower(email) = lower($2) AND email <> ''
        UNION ALL
          SELECT identity_id, 3, status FROM identities
          WHERE tenant_id = $1 AND lower(second_email) = lower($2) AND second_email <> ''
        UNION ALL
          SELECT f.identity_id, 4, i.status FROM identifiers f JOIN identities i ON i.identity_id = f.identity_id
          WHERE f.tenant_id = $1 AND f.value = lower($2)
      ) candidates
      ORDER BY (status = 'DEPROVISIONED'), rank, identity_id
      LIMIT 1
      """;

  /**
   * The hot path in one round trip: the check this request id already made (a replay), else the
   * matched identity, else a NOT_FOUND check inserted right away. Exactly one of the three comes
   * back, or none when a concurrent request with the same id won the insert.
   */
  private static final String INTAKE = "WITH existing AS (" + SELECT + """
        WHERE c.tenant_id = $1 AND c.request_id = $3
      ), matched AS (
      """ + MATCH_CANDIDATES + """
      ), inserted AS (
        INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, request_id, leak_id, leak_source,
                                       leak_source_kind, leaked_time, outcome, detail, create_time, decide_time,
                                       update_time)
        SELECT $4, $1, NULL, $2, $3, $5, $6, $7, $8, 'NOT_FOUND', $9, $10, $10, now()
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
                                     create_time, decide_time, update_time)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text,
              CASE WHEN $15::text IS NULL THEN NULL ELSE now() + make_interval(secs => $16) END,
              $17, $18, now())
      ON CONFLICT DO NOTHING
      RETURNING check_id
      """;

  private static final String CLAIM = """
      UPDATE credential_checks c
      SET lease_owner = $1, lease_expire_time = now() + make_interval(secs => $2), update_time = now()
      WHERE c.check_id IN (
          SELECT check_id FROM credential_checks
          WHERE outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED') AND next_attempt_time <= $3
            AND (lease_expire_time IS NULL OR lease_expire_time < now())
            AND NOT (tenant_id = ANY($5::text[]))
          ORDER BY next_attempt_time
          LIMIT $4
          FOR UPDATE SKIP LOCKED)
      RETURNING\s""" + CHECK_COLUMNS + ", c.password_fingerprint, c.password_ciphertext";

  private static final String UNCLAIM = """
      UPDATE credential_checks SET lease_owner = NULL, lease_expire_time = NULL
      WHERE check_id = ANY($1::uuid[]) AND lease_owner = $2
      """;

  /** Hands back checks still being decided, except those an authn call may be in flight for (a RESERVED attempt). */
  private static final String GIVE_BACK = """
      UPDATE credential_checks c SET lease_owner = NULL, lease_expire_time = NULL, update_time = now()
      WHERE c.check_id = ANY($1::uuid[]) AND c.lease_owner = ANY($2::text[])
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
      WHERE check_id = $1 AND lease_owner = $2
      """;

  private static final String COUNT_ATTEMPT = """
      UPDATE credential_checks SET attempts_made = attempts_made + 1, update_time = now()
      WHERE check_id = $1 AND lease_owner = $2
      """;

  private static final String SIBLING_OPEN = """
      SELECT next_attempt_time FROM credential_checks
      WHERE identity_id = $1 AND password_fingerprint = $2 AND decide_time IS NULL AND check_id <> $3
        AND (create_time, check_id) < ($4, $3)
      ORDER BY create_time, check_id
      LIMIT 1
      """;

  /**
   * Under the identity's row lock: this password was tried for the identity after its last change,
   * or another check's authn call with it is in flight (a RESERVED attempt younger than a lease:
   * one a crashed replica left behind stops counting once its check could be taken over).
   */
  private static final String SAME_PASSWORD_TAKEN = """
      SELECT EXISTS (SELECT 1 FROM tested_passwords
                     WHERE identity_id = $2 AND password_fingerprint = $3
                       AND ($5::timestamptz IS NULL OR tested_time > $5))
          OR EXISTS (SELECT 1 FROM authn_attempts a JOIN credential_checks c ON c.check_id = a.check_id
                     WHERE a.tenant_id = $1 AND a.identity_id = $2 AND a.result = 'RESERVED' AND a.check_id <> $4
                       AND a.attempt_time > $6 AND c.password_fingerprint = $3)
      """;

  private static final String TESTED = """
      SELECT tested_time FROM tested_passwords WHERE identity_id = $1 AND password_fingerprint = $2
      """;

  private static final String MARK_TESTED = """
      INSERT INTO tested_passwords (tenant_id, identity_id, password_fingerprint, tested_time)
      VALUES ($1, $2, $3, $4)
      ON CONFLICT (identity_id, password_fingerprint) DO UPDATE SET tested_time = EXCLUDED.tested_time
      """;

  private static final String IDENTITY = """
      SELECT identity_id, okta_user_id, login, status, last_login, password_changed, lockout_seen_time
      FROM identities WHERE tenant_id = $1 AND identity_id = $2
      """;

  private static final String LOCK_IDENTITY = IDENTITY + " FOR UPDATE";

  private static final String REFRESH_IDENTITY = """
      UPDATE identities
      SET status = $3, last_login = $4, password_changed = $5, update_time = now()
      WHERE tenant_id = $1 AND identity_id = $2
        AND (status, last_login, password_changed) IS DISTINCT FROM ($3, $4, $5)
      """;

  private static final String LOCKOUT_SEEN = """
      UPDATE identities SET lockout_seen_time = $3, update_time = now() WHERE tenant_id = $1 AND identity_id = $2
      """;

  private static final String ATTEMPT_COUNTS = """
      SELECT count(*) FILTER (WHERE local_date = $3 AND result <> 'RELEASED') AS today,
             count(*) FILTER (WHERE ($4::timestamptz IS NULL OR attempt_time > $4)
                              AND result IN ('RESERVED', 'INVALID', 'UNKNOWN', 'LOCKED_OUT')) AS failures
      FROM authn_attempts
      WHERE tenant_id = $1 AND identity_id = $2 AND (local_date = $3 OR $4::timestamptz IS NULL OR attempt_time > $4)
      """;

  private static final String DAY_COUNT = """
      SELECT count(*) FROM authn_attempts
      WHERE tenant_id = $1 AND identity_id = $2 AND local_date = $3 AND result <> 'RELEASED'
      """;

  private static final String INSERT_ATTEMPT = """
      INSERT INTO authn_attempts (tenant_id, identity_id, check_id, local_date, attempt_time, result)
      VALUES ($1, $2, $3, $4, $5, 'RESERVED')
      RETURNING attempt_id
      """;

  private static final String SET_ATTEMPT_RESULT = """
      UPDATE authn_attempts SET result = $2, okta_request_id = $3 WHERE attempt_id = $1
      """;

  /** A reservation whose call was never sent: RELEASED, and no longer counted on its check. */
  private static final String RELEASE_UNSENT = """
      WITH released AS (
        UPDATE authn_attempts SET result = 'RELEASED' WHERE attempt_id = $1 AND result = 'RESERVED'
        RETURNING check_id
      )
      UPDATE credential_checks SET attempts_made = attempts_made - 1, update_time = now()
      WHERE check_id = (SELECT check_id FROM released) AND lease_owner = $2
      """;

  private static final String LIMITS = """
      SELECT max_daily_password_attempts, okta_lockout_threshold FROM integrations WHERE tenant_id = $1
      """;

  private static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final UUID MAX_UUID = new UUID(-1L, -1L);

  /** A waiting check taken by a worker, with its fingerprint and sealed password. */
  record Claimed(StoredCheck check, byte[] fingerprint, byte[] sealedPassword) {}

  /** An identity as the checker needs it. */
  record IdentityRow(UUID id, String oktaUserId, String login, String status, Instant lastLogin,
      Instant passwordChanged, Instant lockoutSeenTime) {}

  /** Authn attempts of an identity: today's (cap) and failures in the lockout window (budget). */
  record AttemptCounts(long today, long failures) {}

  /** The integration's limits, read inside the fence. */
  record Limits(int maxDaily, Integer lockoutThreshold) {}

  /** A check to insert; {@code leaseOwner} holds it for inline processing (null for none). */
  record NewCheck(UUID id, String tenantId, UUID identityId, String username, String requestId, String leakId,
      String leakSource, String leakSourceKind, Instant leakedTime, byte[] fingerprint, byte[] sealed,
      StoredCheck.Outcome outcome, String detail, Instant nextAttempt, String leaseOwner, int leaseSeconds,
      Instant createTime, Instant decideTime) {}

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

  /** Newest first, after the (create time, id) position; {@code outcome} null for all. */
  Future<List<StoredCheck>> list(SqlClient client, String tenantId, StoredCheck.Outcome outcome, Instant beforeTime,
      UUID beforeId, int limit) {
    OffsetDateTime before = beforeTime == null ? END_OF_TIME : utc(beforeTime);
    UUID id = beforeId == null ? MAX_UUID : beforeId;
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
            utc(notFound.leakedTime()), notFound.detail(), utc(notFound.createTime())}))
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
            utc(n.nextAttempt()), n.leaseOwner(), n.leaseSeconds(), utc(n.createTime()), utc(n.decideTime())}))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Takes up to {@code limit} due checks (next attempt at or before {@code now}) under a lease,
   * skipping the tenants in {@code skipTenants}.
   */
  Future<List<Claimed>> claim(SqlClient client, String owner, int leaseSeconds, Instant now, int limit,
      String[] skipTenants) {
    return client.preparedQuery(CLAIM).execute(Tuple.of(owner, leaseSeconds, utc(now), limit, skipTenants))
        .map(rows -> {
          List<Claimed> out = new ArrayList<>(rows.size());
          rows.forEach(row -> out.add(new Claimed(check(row), bytes(row.getBuffer("password_fingerprint")),
              bytes(row.getBuffer("password_ciphertext")))));
          return out;
        });
  }

  /** Gives claimed checks back untouched (still due), for another claim. */
  Future<Void> unclaim(SqlClient client, List<UUID> checkIds, String owner) {
    return client.preparedQuery(UNCLAIM).execute(Tuple.of(checkIds.toArray(UUID[]::new), owner)).mapEmpty();
  }

  /**
   * Releases the leases {@code owners} hold on these checks, unless an authn call may be in flight
   * for one (its lease then expires as after a crash); returns how many were released.
   */
  Future<Integer> giveBack(SqlClient client, List<UUID> checkIds, List<String> owners) {
    return client.preparedQuery(GIVE_BACK)
        .execute(Tuple.of(checkIds.toArray(UUID[]::new), owners.toArray(String[]::new)))
        .map(RowSet::rowCount);
  }

  /** Records a decision step and releases the lease; false when the lease was lost (or the check deleted). */
  Future<Boolean> finish(SqlClient client, UUID checkId, String owner, Result r) {
    return client.preparedQuery(FINISH)
        .execute(Tuple.from(new Object[] {checkId, owner, r.outcome().name(),
            r.skipReason() == null ? null : r.skipReason().name(), r.detail(), utc(r.nextAttempt()),
            utc(r.decideTime())}))
        .map(rows -> rows.rowCount() == 1);
  }

  Future<Void> countAttempt(SqlClient client, UUID checkId, String owner) {
    return client.preparedQuery(COUNT_ATTEMPT).execute(Tuple.of(checkId, owner)).mapEmpty();
  }

  /**
   * The oldest undecided check of the same identity with the same password, if this one is not
   * it: its next attempt time (null while it is being decided).
   */
  Future<Optional<Optional<Instant>>> olderOpenSibling(SqlClient client, StoredCheck check, byte[] fingerprint) {
    return client.preparedQuery(SIBLING_OPEN)
        .execute(Tuple.of(check.identityId(), Buffer.buffer(fingerprint), check.id(), utc(check.createTime())))
        .map(rows -> rows.size() == 0 ? Optional.empty()
            : Optional.of(Optional.ofNullable(instant(rows.iterator().next(), "next_attempt_time"))));
  }

  /**
   * True when, as seen under the identity's row lock, this password was already tried for the
   * identity since {@code passwordChanged} or another check is trying it right now (an attempt
   * reserved after {@code inFlightSince}).
   */
  Future<Boolean> samePasswordTaken(SqlClient client, String tenantId, UUID identityId, UUID checkId,
      byte[] fingerprint, Instant passwordChanged, Instant inFlightSince) {
    return client.preparedQuery(SAME_PASSWORD_TAKEN)
        .execute(Tuple.from(new Object[] {tenantId, identityId, Buffer.buffer(fingerprint), checkId,
            utc(passwordChanged), utc(inFlightSince)}))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** When this password was last tried for the identity, if ever. */
  Future<Optional<Instant>> testedTime(SqlClient client, UUID identityId, byte[] fingerprint) {
    return client.preparedQuery(TESTED).execute(Tuple.of(identityId, Buffer.buffer(fingerprint)))
        .map(rows -> rows.size() == 0 ? Optional.empty()
            : Optional.of(rows.iterator().next().getOffsetDateTime(0).toInstant()));
  }

  Future<Void> markTested(SqlClient client, String tenantId, UUID identityId, byte[] fingerprint, Instant now) {
    return client.preparedQuery(MARK_TESTED)
        .execute(Tuple.of(tenantId, identityId, Buffer.buffer(fingerprint), utc(now)))
        .mapEmpty();
  }

  Future<Optional<IdentityRow>> identity(SqlClient client, String tenantId, UUID identityId) {
    return client.preparedQuery(IDENTITY).execute(Tuple.of(tenantId, identityId)).map(CheckRepository::identityRow);
  }

  /** Locks the identity's row for the rest of the transaction: attempts of one identity go one at a time. */
  Future<Optional<IdentityRow>> lockIdentity(SqlClient tx, String tenantId, UUID identityId) {
    return tx.preparedQuery(LOCK_IDENTITY).execute(Tuple.of(tenantId, identityId)).map(CheckRepository::identityRow);
  }

  /** Stores what a fresh GET of the user said (status, last sign-in, password change). */
  Future<Void> refreshIdentity(SqlClient client, String tenantId, UUID identityId, String status, Instant lastLogin,
      Instant passwordChanged) {
    return client.preparedQuery(REFRESH_IDENTITY)
        .execute(Tuple.of(tenantId, identityId, status, utc(lastLogin), utc(passwordChanged)))
        .mapEmpty();
  }

  Future<Void> lockoutSeen(SqlClient client, String tenantId, UUID identityId, Instant now) {
    return client.preparedQuery(LOCKOUT_SEEN).execute(Tuple.of(tenantId, identityId, utc(now))).mapEmpty();
  }

  /** Today's attempts (any result but RELEASED) and failures after {@code windowStart} (null: ever). */
  Future<AttemptCounts> attemptCounts(SqlClient client, String tenantId, UUID identityId, LocalDate today,
      Instant windowStart) {
    return client.preparedQuery(ATTEMPT_COUNTS)
        .execute(Tuple.of(tenantId, identityId, today, utc(windowStart)))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new AttemptCounts(row.getLong("today"), row.getLong("failures"));
        });
  }

  /** Attempts of the identity on one local day that may have reached Okta: what rebuilds a lost Redis counter. */
  Future<Long> dayCount(SqlClient client, String tenantId, UUID identityId, LocalDate day) {
    return client.preparedQuery(DAY_COUNT).execute(Tuple.of(tenantId, identityId, day))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  Future<Long> insertAttempt(SqlClient tx, String tenantId, UUID identityId, UUID checkId, LocalDate day,
      Instant now) {
    return tx.preparedQuery(INSERT_ATTEMPT).execute(Tuple.of(tenantId, identityId, checkId, day, utc(now)))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  Future<Void> setAttemptResult(SqlClient client, long attemptId, String result, String oktaRequestId) {
    return client.preparedQuery(SET_ATTEMPT_RESULT)
        .execute(Tuple.of(attemptId, result, oktaRequestId == null ? "" : oktaRequestId))
        .mapEmpty();
  }

  /** Marks a reserved attempt RELEASED (no call was or will be made for it) and uncounts it on its check. */
  Future<Void> releaseUnsent(SqlClient client, long attemptId, String owner) {
    return client.preparedQuery(RELEASE_UNSENT).execute(Tuple.of(attemptId, owner)).mapEmpty();
  }

  Future<Optional<Limits>> limits(SqlClient client, String tenantId) {
    return client.preparedQuery(LIMITS).execute(Tuple.of(tenantId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      Short threshold = row.getShort("okta_lockout_threshold");
      return Optional.of(new Limits(row.getInteger("max_daily_password_attempts"),
          threshold == null ? null : threshold.intValue()));
    });
  }

  // ---- mapping ------------------------------------------------------------------------------

  static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  static Instant instant(Row row, String column) {
    OffsetDateTime t = row.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }

  private static byte[] bytes(Buffer buffer) {
    return buffer == null ? null : buffer.getBytes();
  }

  private static Optional<StoredCheck> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(check(rows.iterator().next()));
  }

  private static Optional<IdentityRow> identityRow(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row r = rows.iterator().next();
    return Optional.of(new IdentityRow(r.getUUID("identity_id"), r.getString("okta_user_id"), r.getString("login"),
        r.getString("status"), instant(r, "last_login"), instant(r, "password_changed"),
        instant(r, "lockout_seen_time")));
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

  static List<StoredMitigation.Action> actions(String[] values) {
    return values == null ? List.of() : Arrays.stream(values).map(StoredMitigation.Action::valueOf).toList();
  }

  static Integration.MitigationMode mode(String value) {
    return Integration.MitigationMode.valueOf(value);
  }
}
