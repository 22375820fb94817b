package io.flare.iem.audit;

import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The append-only audit trail: every authn attempt, suspend, session clear, approval and settings
 * change. Rows are written in the same transaction as the change they record. The table refuses
 * updates and deletes, and callers never put a password, token or key in {@code detail}.
 */
public final class AuditLog {

  /** One audit row. {@code identityId} and {@code oktaRequestId} may be null. */
  public record Event(String tenantId, String action, String actor, UUID identityId, String oktaRequestId,
      String outcome, JsonObject detail) {

    public static Event of(String tenantId, String action, String actor, String outcome, JsonObject detail) {
      return new Event(tenantId, action, actor, null, null, outcome, detail);
    }
  }

  /** A stored row. */
  public record Stored(long id, Event event, Instant time) {}

  private static final String INSERT = """
      INSERT INTO audit_events (tenant_id, action, actor, identity_id, okta_request_id, outcome, detail)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      """;

  private static final String LIST = """
      SELECT audit_event_id, tenant_id, action, actor, identity_id, okta_request_id, outcome, detail, event_time
      FROM audit_events
      WHERE tenant_id = $1 AND audit_event_id < $2
      ORDER BY audit_event_id DESC
      LIMIT $3
      """;

  private AuditLog() {}

  /** Appends one row through {@code client}: pass the transaction of the change it records. */
  public static Future<Void> append(SqlClient client, Event e) {
    return client.preparedQuery(INSERT)
        .execute(tuple(e))
        .mapEmpty();
  }

  /** Appends several rows in one round trip. */
  public static Future<Void> appendAll(SqlClient client, List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    return client.preparedQuery(INSERT)
        .executeBatch(events.stream().map(AuditLog::tuple).toList())
        .mapEmpty();
  }

  /** The tenant's rows older than {@code beforeId} (null: from the newest), newest first. */
  public static Future<List<Stored>> list(SqlClient client, String tenantId, Long beforeId, int limit) {
    return client.preparedQuery(LIST)
        .execute(Tuple.of(tenantId, beforeId == null ? Long.MAX_VALUE : beforeId, limit))
        .map(rows -> {
          List<Stored> out = new java.util.ArrayList<>();
          rows.forEach(row -> out.add(stored(row)));
          return out;
        });
  }

  private static Tuple tuple(Event e) {
    return Tuple.of(e.tenantId(), e.action(), e.actor(), e.identityId(),
        e.oktaRequestId() == null ? "" : e.oktaRequestId(), e.outcome() == null ? "" : e.outcome(),
        e.detail() == null ? new JsonObject() : e.detail());
  }

  private static Stored stored(Row row) {
    Object detail = row.getValue("detail");
    Event e = new Event(row.getString("tenant_id"), row.getString("action"), row.getString("actor"),
        row.getUUID("identity_id"), row.getString("okta_request_id"), row.getString("outcome"),
        detail instanceof JsonObject json ? json : new JsonObject());
    return new Stored(row.getLong("audit_event_id"), e, PgTime.instant(row, "event_time"));
  }
}
