package io.flare.iem.credentialcheck;

import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of decided checks and authn attempts: short batched deletes, each its own statement,
 * so no lock is held for long and checks keep flowing while it runs (a deleted batch locks only
 * its own rows, which nothing updates once decided).
 *
 * <ul>
 *   <li>A check is deleted {@code checks} after it was decided. An undecided check (waiting,
 *       leased, or with a sealed password) is never deleted, however old: it has no decide time.
 *       Its mitigation, if any, stays (the mitigation is its own record).
 *   <li>An attempt is deleted {@code attempts} after it was made, unless it is a failure that may
 *       still count against the identity's lockout budget (Okta's failed-attempt counter never
 *       decays, only a sign-in or an unlock resets it): a failure goes once a later attempt of the
 *       same identity was VALID (a sign-in), so the budget never restarts behind Okta's back.
 * </ul>
 *
 * Why not partitions for these two, as for the audit rows: a check's request id (idempotency) and
 * leak key (dedupe) must stay unique however old it is, and Postgres enforces uniqueness across
 * partitions only for keys that contain the partition column; and attempts are few (only checks
 * that reach Okta make one), so a month's partition would hold little.
 */
public final class CheckRetention {

  private static final Logger LOG = LoggerFactory.getLogger(CheckRetention.class);

  /** Rows per delete: a few tens of milliseconds of work, and of row locks on rows nobody else wants. */
  public static final int BATCH = 5_000;

  private static final String DELETE_CHECKS = """
      DELETE FROM credential_checks d
      WHERE (d.tenant_id, d.check_id) IN (
          SELECT c.tenant_id, c.check_id FROM credential_checks c
          WHERE c.decide_time < $1
          ORDER BY c.decide_time
          LIMIT $2)
      """;

  private static final String DELETE_ATTEMPTS = """
      DELETE FROM authn_attempts d
      WHERE (d.tenant_id, d.attempt_id) IN (
          SELECT a.tenant_id, a.attempt_id FROM authn_attempts a
          WHERE a.attempt_time < $1
            AND (a.result IN ('VALID', 'RELEASED', 'RATE_LIMITED', 'BLOCKED')
                 OR EXISTS (SELECT 1 FROM authn_attempts v
                            WHERE v.tenant_id = a.tenant_id AND v.identity_id = a.identity_id
                              AND v.result = 'VALID' AND v.attempt_time > a.attempt_time))
          ORDER BY a.attempt_time
          LIMIT $2)
      """;

  /** How many rows one run removed. */
  public record Removed(long checks, long attempts) {}

  private final Pool pool;
  private final Clock clock;
  private final Duration checks;
  private final Duration attempts;
  private final int batch;

  /**
   * @param checks how long a decided check is kept after its decision
   * @param attempts how long an authn attempt is kept (see the class comment for failures)
   */
  public CheckRetention(Pool pool, Clock clock, Duration checks, Duration attempts) {
    this(pool, clock, checks, attempts, BATCH);
  }

  /** As above, with {@code batch} rows per delete (tests use small batches to see several). */
  public CheckRetention(Pool pool, Clock clock, Duration checks, Duration attempts, int batch) {
    this.pool = pool;
    this.clock = clock;
    this.checks = checks;
    this.attempts = attempts;
    this.batch = batch;
  }

  /** Deletes every decided check and attempt past its bound, batch after batch; how many. */
  public Future<Removed> run() {
    Instant now = clock.instant();
    return drain(DELETE_CHECKS, now.minus(checks), 0)
        .compose(removedChecks -> drain(DELETE_ATTEMPTS, now.minus(attempts), 0)
            .map(removedAttempts -> new Removed(removedChecks, removedAttempts)))
        .onSuccess(r -> {
          if (r.checks() + r.attempts() > 0) {
            LOG.atInfo().addKeyValue("checks", r.checks()).addKeyValue("attempts", r.attempts())
                .addKeyValue("check_days", checks.toDays()).addKeyValue("attempt_days", attempts.toDays())
                .log("retention removed decided checks and authn attempts past their bound");
          }
        });
  }

  private Future<Long> drain(String sql, Instant bound, long sofar) {
    return pool.preparedQuery(sql).execute(Tuple.of(PgTime.utc(bound), batch))
        .map(RowSet::rowCount)
        .compose(n -> n < batch ? Future.succeededFuture(sofar + n) : drain(sql, bound, sofar + n));
  }
}
