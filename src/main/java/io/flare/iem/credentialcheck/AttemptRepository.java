package io.flare.iem.credentialcheck;

import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Every authn call made for a check ({@code authn_attempts}, with its local calendar day) and the
 * passwords already tried per identity ({@code tested_passwords}, fingerprints only, with whether
 * Okta's answer was confirmed). The attempts
 * are the source of truth for the daily cap (they rebuild a lost Redis counter) and for the
 * lockout budget (failures since the last sign-in). Only retention deletes rows ({@link CheckRetention}). Three results never
 * count, because Okta did not evaluate the password: RELEASED (a reservation whose call was never
 * sent), RATE_LIMITED (429) and BLOCKED (403, our address refused).
 */
final class AttemptRepository {

  private static final String COUNTS = """
      SELECT count(*) FILTER (WHERE local_date = $3 AND result NOT IN ('RELEASED', 'RATE_LIMITED', 'BLOCKED')) AS today,
             count(*) FILTER (WHERE ($4::timestamptz IS NULL OR attempt_time > $4)
                              AND result IN ('RESERVED', 'INVALID', 'UNKNOWN', 'LOCKED_OUT', 'DENIED')) AS failures
      FROM authn_attempts
      WHERE tenant_id = $1 AND identity_id = $2 AND (local_date = $3 OR $4::timestamptz IS NULL OR attempt_time > $4)
      """;

  private static final String DAY_COUNT = """
      SELECT count(*) FROM authn_attempts
      WHERE tenant_id = $1 AND identity_id = $2 AND local_date = $3
        AND result NOT IN ('RELEASED', 'RATE_LIMITED', 'BLOCKED')
      """;

  private static final String INSERT = """
      INSERT INTO authn_attempts (tenant_id, identity_id, check_id, local_date, attempt_time, result)
      VALUES ($1, $2, $3, $4, $5, 'RESERVED')
      RETURNING attempt_id
      """;

  /** An attempt Okta answered without evaluating the password: no longer counted on its check. */
  private static final String UNCOUNT = """
      UPDATE credential_checks SET attempts_made = attempts_made - 1, update_time = now()
      WHERE tenant_id = $3 AND lease_owner = $2
        AND check_id = (SELECT check_id FROM authn_attempts WHERE tenant_id = $3 AND attempt_id = $1)
      """;

  private static final String SET_RESULT = """
      UPDATE authn_attempts SET result = $2, okta_request_id = $3 WHERE tenant_id = $4 AND attempt_id = $1
      """;

  /** A reservation whose call was never sent: RELEASED, and no longer counted on its check. */
  private static final String RELEASE_UNSENT = """
      WITH released AS (
        UPDATE authn_attempts SET result = 'RELEASED' WHERE tenant_id = $3 AND attempt_id = $1 AND result = 'RESERVED'
        RETURNING check_id
      )
      UPDATE credential_checks SET attempts_made = attempts_made - 1, update_time = now()
      WHERE tenant_id = $3 AND check_id = (SELECT check_id FROM released) AND lease_owner = $2
      """;

  /**
   * Under the identity's row lock: this password was tried for the identity after its last change
   * (and Okta's answer was confirmed, or is younger than the retry cutoff $7), or another check's
   * authn call with it is in flight (a RESERVED attempt younger than a lease: one a crashed replica
   * left behind stops counting once its check could be taken over).
   */
  private static final String SAME_PASSWORD_TAKEN = """
      SELECT EXISTS (SELECT 1 FROM tested_passwords
                     WHERE tenant_id = $1 AND identity_id = $2 AND password_fingerprint = $3
                       AND ($5::timestamptz IS NULL OR tested_time > $5)
                       AND (confirmed OR tested_time > $7))
          OR EXISTS (SELECT 1 FROM authn_attempts a
                       JOIN credential_checks c ON c.tenant_id = a.tenant_id AND c.check_id = a.check_id
                     WHERE a.tenant_id = $1 AND a.identity_id = $2 AND a.result = 'RESERVED' AND a.check_id <> $4
                       AND a.attempt_time > $6 AND c.password_fingerprint = $3)
      """;

  /**
   * This check's attempts whose call may have reached Okta and whose answer was never stored: the
   * replica deciding it stopped, or Postgres failed while the answer was being recorded. UNKNOWN
   * counts like a failure (the cap and the budget), as the reservation did.
   */
  private static final String SETTLE_LOST = """
      UPDATE authn_attempts SET result = 'UNKNOWN'
      WHERE tenant_id = $1 AND identity_id = $2 AND check_id = $3 AND result = 'RESERVED'
      RETURNING attempt_id
      """;

  private static final String TESTED = """
      SELECT tested_time, confirmed FROM tested_passwords
      WHERE tenant_id = $3 AND identity_id = $1 AND password_fingerprint = $2
      """;

  /**
   * {@link #TESTED} and the oldest undecided sibling check of the same password (as {@code
   * CheckRepository#olderOpenSibling}) in one round trip: what {@link AlreadyTestedGate} judges.
   */
  private static final String TESTED_AND_SIBLING = """
      SELECT t.tested_time, t.confirmed, s.sibling, s.next_attempt_time
      FROM (SELECT 1) AS one
        LEFT JOIN tested_passwords t
          ON t.tenant_id = $1 AND t.identity_id = $2 AND t.password_fingerprint = $3
        LEFT JOIN LATERAL (
          SELECT true AS sibling, next_attempt_time FROM credential_checks
          WHERE tenant_id = $1 AND identity_id = $2 AND password_fingerprint = $3 AND decide_time IS NULL
            AND check_id <> $4 AND (create_time, check_id) < ($5, $4)
          ORDER BY create_time, check_id
          LIMIT 1) s ON true
      """;

  private static final String MARK_TESTED = """
      INSERT INTO tested_passwords (tenant_id, identity_id, password_fingerprint, tested_time, confirmed)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (tenant_id, identity_id, password_fingerprint)
      DO UPDATE SET tested_time = EXCLUDED.tested_time, confirmed = EXCLUDED.confirmed
      """;

  /**
   * When the password was last tried for the identity (if ever), and the oldest undecided check of
   * the identity with the same password created before this one: empty when there is none, else its
   * next attempt time (empty while it is being decided).
   */
  record TestedAndSibling(Optional<Tested> tested, Optional<Optional<Instant>> olderOpen) {}

  /** Authn attempts of an identity: today's (the cap) and failures in the lockout window (the budget). */
  record Counts(long today, long failures) {}

  /**
   * When a password was last tried for an identity, and whether Okta's answer was confirmed (VALID, or
   * a 401 its System Log explained as INVALID_CREDENTIALS).
   */
  record Tested(Instant time, boolean confirmed) {}

  /** Today's attempts (those Okta may have evaluated) and failures after {@code windowStart} (null: ever). */
  Future<Counts> counts(SqlClient client, String tenantId, UUID identityId, LocalDate today, Instant windowStart) {
    return client.preparedQuery(COUNTS)
        .execute(Tuple.of(tenantId, identityId, today, utc(windowStart)))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Counts(row.getLong("today"), row.getLong("failures"));
        });
  }

  /** Attempts of the identity on one local day that Okta may have evaluated: what rebuilds a lost Redis counter. */
  Future<Long> dayCount(SqlClient client, String tenantId, UUID identityId, LocalDate day) {
    return client.preparedQuery(DAY_COUNT).execute(Tuple.of(tenantId, identityId, day))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Records a RESERVED attempt (before its call); returns its id. */
  Future<Long> reserve(SqlClient tx, String tenantId, UUID identityId, UUID checkId, LocalDate day, Instant now) {
    return tx.preparedQuery(INSERT).execute(Tuple.of(tenantId, identityId, checkId, day, utc(now)))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** What Okta answered the attempt ({@code VALID}, {@code INVALID}, ...), with its request id. */
  Future<Void> setResult(SqlClient client, String tenantId, long attemptId, String result, String oktaRequestId) {
    return client.preparedQuery(SET_RESULT)
        .execute(Tuple.of(attemptId, result, oktaRequestId == null ? "" : oktaRequestId, tenantId))
        .mapEmpty();
  }

  /** The attempt's call was answered without an evaluation (its result says which): uncounts it on its check. */
  Future<Void> uncount(SqlClient client, String tenantId, long attemptId, String owner) {
    return client.preparedQuery(UNCOUNT).execute(Tuple.of(attemptId, owner, tenantId)).mapEmpty();
  }

  /** Marks a reserved attempt RELEASED (no call was or will be made for it) and uncounts it on its check. */
  Future<Void> releaseUnsent(SqlClient client, String tenantId, long attemptId, String owner) {
    return client.preparedQuery(RELEASE_UNSENT).execute(Tuple.of(attemptId, owner, tenantId)).mapEmpty();
  }

  /**
   * True when, as seen under the identity's row lock, this password was already tried for the
   * identity since {@code passwordChanged} (with a confirmed answer, or an unconfirmed one after
   * {@code unconfirmedCutoff}) or another check is trying it right now (an attempt reserved after
   * {@code inFlightSince}).
   */
  Future<Boolean> samePasswordTaken(SqlClient client, String tenantId, UUID identityId, UUID checkId,
      byte[] fingerprint, Instant passwordChanged, Instant inFlightSince, Instant unconfirmedCutoff) {
    return client.preparedQuery(SAME_PASSWORD_TAKEN)
        .execute(Tuple.from(new Object[] {tenantId, identityId, Buffer.buffer(fingerprint), checkId,
            utc(passwordChanged), utc(inFlightSince), utc(unconfirmedCutoff)}))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** When this password was last tried for the identity, if ever, and whether Okta's answer was confirmed. */
  Future<Optional<Tested>> tested(SqlClient client, String tenantId, UUID identityId, byte[] fingerprint) {
    return client.preparedQuery(TESTED).execute(Tuple.of(identityId, Buffer.buffer(fingerprint), tenantId))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.empty();
          }
          Row row = rows.iterator().next();
          return Optional.of(new Tested(PgTime.instant(row, "tested_time"), row.getBoolean("confirmed")));
        });
  }

  /** {@link #tested} and the check's older open sibling of the same password, in one statement. */
  Future<TestedAndSibling> testedAndSibling(SqlClient client, String tenantId, UUID identityId, byte[] fingerprint,
      UUID checkId, Instant createTime) {
    return client.preparedQuery(TESTED_AND_SIBLING)
        .execute(Tuple.of(tenantId, identityId, Buffer.buffer(fingerprint), checkId, utc(createTime)))
        .map(rows -> {
          Row row = rows.iterator().next();
          Optional<Tested> tested = row.getValue("tested_time") == null ? Optional.empty()
              : Optional.of(new Tested(PgTime.instant(row, "tested_time"), row.getBoolean("confirmed")));
          Optional<Optional<Instant>> sibling = row.getBoolean("sibling") == null ? Optional.empty()
              : Optional.of(Optional.ofNullable(PgTime.instant(row, "next_attempt_time")));
          return new TestedAndSibling(tested, sibling);
        });
  }

  /** Marks this check's unanswered attempts UNKNOWN (see {@link #SETTLE_LOST}); their ids. */
  Future<List<Long>> settleLostAnswers(SqlClient tx, String tenantId, UUID identityId, UUID checkId) {
    return tx.preparedQuery(SETTLE_LOST).execute(Tuple.of(tenantId, identityId, checkId)).map(rows -> {
      List<Long> ids = new ArrayList<>();
      rows.forEach(row -> ids.add(row.getLong(0)));
      return ids;
    });
  }

  /** The password was tried; {@code confirmed}: Okta's answer says for sure whether it is right. */
  Future<Void> markTested(SqlClient client, String tenantId, UUID identityId, byte[] fingerprint, Instant now,
      boolean confirmed) {
    return client.preparedQuery(MARK_TESTED)
        .execute(Tuple.of(tenantId, identityId, Buffer.buffer(fingerprint), utc(now), confirmed))
        .mapEmpty();
  }
}
