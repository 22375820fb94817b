package io.flare.iem.credentialcheck;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.callerauth.Caller;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how long a leaked password is kept: a check still undecided {@link
 * CheckSettings#passwordRetention()} after it arrived loses its sealed password and ends {@code
 * PASSWORD_ERASED}, with an audit row. A check being decided (leased) or whose authn call may be
 * in flight (a RESERVED attempt) is left until that settles; the queue never hands out an expired
 * check meanwhile ({@link #cutoff()}).
 */
final class PasswordRetention {

  private static final Logger LOG = LoggerFactory.getLogger(PasswordRetention.class);

  /** How often a replica looks for expired passwords, by the service's clock. */
  static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
  /** Rows erased per statement; a sweep repeats until fewer are found. */
  static final int SWEEP_BATCH = 500;

  private static final String ERASE = """
      UPDATE credential_checks c
      SET outcome = 'PASSWORD_ERASED', skip_reason = NULL, password_ciphertext = NULL, next_attempt_time = NULL,
          decide_time = $2, lease_owner = NULL, lease_expire_time = NULL, update_time = now(),
          detail = 'the leaked password waited ' || $3::text || ' days undecided and was erased; the check was '
              || c.outcome || CASE WHEN c.detail <> '' THEN ': ' || c.detail ELSE '' END
      WHERE (c.tenant_id, c.check_id) IN (
          SELECT w.tenant_id, w.check_id FROM credential_checks w
          WHERE w.password_ciphertext IS NOT NULL AND w.decide_time IS NULL AND w.create_time < $1
            AND (w.lease_expire_time IS NULL OR w.lease_expire_time < now())
            AND NOT EXISTS (SELECT 1 FROM authn_attempts a
                            WHERE a.tenant_id = w.tenant_id AND a.identity_id = w.identity_id
                              AND a.check_id = w.check_id AND a.result = 'RESERVED')
          ORDER BY w.create_time
          LIMIT $4
          FOR UPDATE SKIP LOCKED)
      RETURNING c.tenant_id, c.check_id, c.identity_id, c.create_time
      """;

  private final Pool pool;
  private final Clock clock;
  private final Duration retention;
  private final CheckMetrics metrics;
  private Instant nextSweep = Instant.MIN;
  private boolean sweeping;

  PasswordRetention(Pool pool, Clock clock, Duration retention, CheckMetrics metrics) {
    this.pool = pool;
    this.clock = clock;
    this.retention = retention;
    this.metrics = metrics;
  }

  /** Checks that arrived before this have outlived their password: never claimed, erased by the sweep. */
  Instant cutoff() {
    return clock.instant().minus(retention);
  }

  /** Sweeps when one is due and none is running; call from one event loop. */
  void sweepIfDue() {
    Instant now = clock.instant();
    if (sweeping || now.isBefore(nextSweep)) {
      return;
    }
    sweeping = true;
    nextSweep = now.plus(SWEEP_INTERVAL);
    sweep().onComplete(ar -> sweeping = false);
  }

  /** Erases every expired password not being decided; how many. */
  Future<Integer> sweep() {
    return eraseBatch().compose(erased -> erased < SWEEP_BATCH
        ? Future.succeededFuture(erased) : sweep().map(more -> erased + more));
  }

  private Future<Integer> eraseBatch() {
    Instant now = clock.instant();
    return pool.withTransaction(tx -> tx.preparedQuery(ERASE)
            .execute(Tuple.of(PgTime.utc(now.minus(retention)), PgTime.utc(now), Long.toString(retention.toDays()), SWEEP_BATCH))
            .compose(rows -> {
              List<AuditLog.Event> events = new ArrayList<>(rows.size());
              for (Row row : rows) {
                events.add(new AuditLog.Event(row.getString("tenant_id"), "credential_check.password_erased",
                    Caller.SERVICE_SUBJECT, row.getUUID("identity_id"), null, StoredCheck.Outcome.PASSWORD_ERASED.name(),
                    new JsonObject().put("check_id", row.getUUID("check_id").toString())
                        .put("received", PgTime.instant(row, "create_time").toString())
                        .put("retention_days", retention.toDays())));
              }
              return AuditLog.appendAll(tx, events).map(events.size());
            }))
        .onSuccess(erased -> metrics.erased(erased))
        .onFailure(error -> LOG.atDebug().setCause(error).log("could not erase expired passwords; next sweep"));
  }
}
