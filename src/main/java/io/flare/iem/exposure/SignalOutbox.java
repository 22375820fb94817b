package io.flare.iem.exposure;

import static io.flare.iem.storage.PgTime.instant;
import static io.flare.iem.storage.PgTime.utc;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The outbox of risk signals: one row per security event, written in the transaction that opens or
 * resolves its case, sent (and re-sent after a failure or a lost reply) with the same {@code jti},
 * so that the receiver, which dedupes by jti, sees each event once.
 */
final class SignalOutbox {

  /** One event to send, or sent. {@code state} PENDING, SENT or REJECTED. */
  record Signal(String tenantId, String jti, UUID exposureId, String oktaUserId, String level, String previousLevel,
      String subjectEmail, String reason, Instant eventTime, String state, int attempts, Instant createTime,
      Instant sentTime, String error) {}

  private static final String COLUMNS = """
      o.tenant_id, o.jti, o.exposure_id, o.okta_user_id, o.level, o.previous_level, o.subject_email, o.reason,
      o.event_time, o.state, o.attempts, o.create_time, o.sent_time, o.error_message""";

  private static final String INSERT = """
      INSERT INTO risk_signal_outbox (tenant_id, jti, exposure_id, okta_user_id, level, previous_level, subject_email,
                                      reason, event_time, next_try_time)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
      """;

  private static final String CLAIM = """
      UPDATE risk_signal_outbox AS o SET lease_until = $2, attempts = o.attempts + 1
      FROM (SELECT tenant_id, jti FROM risk_signal_outbox
            WHERE state = 'PENDING' AND next_try_time <= $1 AND (lease_until IS NULL OR lease_until < $1)
            ORDER BY next_try_time LIMIT $3 FOR UPDATE SKIP LOCKED) AS d
      WHERE o.tenant_id = d.tenant_id AND o.jti = d.jti
      RETURNING\s""" + COLUMNS;

  private static final String SENT = """
      UPDATE risk_signal_outbox SET state = 'SENT', sent_time = $3, lease_until = NULL, error_message = ''
      WHERE tenant_id = $1 AND jti = $2
      """;

  private static final String REJECTED = """
      UPDATE risk_signal_outbox SET state = 'REJECTED', lease_until = NULL, error_message = $3
      WHERE tenant_id = $1 AND jti = $2
      """;

  private static final String LATER = """
      UPDATE risk_signal_outbox SET next_try_time = $3, lease_until = NULL, error_message = $4
      WHERE tenant_id = $1 AND jti = $2
      """;

  private static final String OF_CASE = "SELECT " + COLUMNS + """
       FROM risk_signal_outbox o WHERE o.tenant_id = $1 AND o.exposure_id = $2 ORDER BY o.create_time, o.jti
      """;

  Future<Void> add(SqlClient tx, Signal s) {
    return tx.preparedQuery(INSERT).execute(Tuple.from(new Object[] {s.tenantId(), s.jti(), s.exposureId(),
        s.oktaUserId(), s.level(), s.previousLevel(), s.subjectEmail(), s.reason(), utc(s.eventTime())})).mapEmpty();
  }

  /** Due events (of every tenant) nobody is sending, each held until {@code leaseUntil}. */
  Future<List<Signal>> claim(SqlClient client, Instant now, Instant leaseUntil, int limit) {
    return client.preparedQuery(CLAIM).execute(Tuple.of(utc(now), utc(leaseUntil), limit)).map(SignalOutbox::all);
  }

  Future<Void> sent(SqlClient client, Signal s, Instant now) {
    return client.preparedQuery(SENT).execute(Tuple.of(s.tenantId(), s.jti(), utc(now))).mapEmpty();
  }

  Future<Void> rejected(SqlClient client, Signal s, String error) {
    return client.preparedQuery(REJECTED).execute(Tuple.of(s.tenantId(), s.jti(), error)).mapEmpty();
  }

  Future<Void> later(SqlClient client, Signal s, Instant next, String error) {
    return client.preparedQuery(LATER).execute(Tuple.of(s.tenantId(), s.jti(), utc(next), error)).mapEmpty();
  }

  Future<List<Signal>> ofCase(SqlClient client, String tenantId, UUID exposureId) {
    return client.preparedQuery(OF_CASE).execute(Tuple.of(tenantId, exposureId)).map(SignalOutbox::all);
  }

  private static List<Signal> all(RowSet<Row> rows) {
    List<Signal> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(new Signal(r.getString("tenant_id"), r.getString("jti"), r.getUUID("exposure_id"),
        r.getString("okta_user_id"), r.getString("level"), r.getString("previous_level"), r.getString("subject_email"),
        r.getString("reason"), instant(r, "event_time"), r.getString("state"), r.getInteger("attempts"),
        instant(r, "create_time"), instant(r, "sent_time"), r.getString("error_message"))));
    return out;
  }
}
