package io.flare.iem.credentialcheck;

import static io.flare.iem.storage.PgTime.instant;
import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.storage.Keyset;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Mitigations of compromised accounts, always within one tenant. An approval being applied holds
 * the row ({@code applying_until}, database clock) so that two approvals never apply it twice.
 */
final class MitigationRepository {

  /** Mitigation columns, prefixed {@code m_}, for a join from a check or a select of its own. */
  static final String JOINED_COLUMNS = """
      m.mitigation_id AS m_mitigation_id, m.tenant_id AS m_tenant_id, m.identity_id AS m_identity_id,
      m.okta_user_id AS m_okta_user_id, m.check_id AS m_check_id, m.actions AS m_actions, m.mode AS m_mode,
      m.state AS m_state, m.actor AS m_actor, m.actor_subject AS m_actor_subject,
      m.rejection_reason AS m_rejection_reason,
      m.error_message AS m_error_message, m.create_time AS m_create_time, m.apply_time AS m_apply_time,
      m.action_results AS m_action_results, m.approval_reason AS m_approval_reason""";

  private static final String SELECT = "SELECT " + JOINED_COLUMNS + " FROM mitigations m ";

  private static final String GET = SELECT + "WHERE m.tenant_id = $1 AND m.mitigation_id = $2";

  private static final String LIST_ALL = SELECT + """
      WHERE m.tenant_id = $1 AND (m.create_time, m.mitigation_id) < ($2, $3)
      ORDER BY m.create_time DESC, m.mitigation_id DESC
      LIMIT $4
      """;

  private static final String LIST_BY_STATE = SELECT + """
      WHERE m.tenant_id = $1 AND m.state = $5 AND (m.create_time, m.mitigation_id) < ($2, $3)
      ORDER BY m.create_time DESC, m.mitigation_id DESC
      LIMIT $4
      """;

  private static final String INSERT = """
      INSERT INTO mitigations AS m (mitigation_id, tenant_id, identity_id, okta_user_id, check_id, actions, mode, state,
                                    actor, actor_subject, create_time, update_time, approval_reason)
      VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING_APPROVAL', $8, $10, $9, now(), $11)
      ON CONFLICT (tenant_id, check_id) DO NOTHING
      RETURNING\s""" + JOINED_COLUMNS;

  private static final String START_APPLY = """
      UPDATE mitigations AS m
      SET applying_until = now() + make_interval(secs => $4), actor = $3, actor_subject = $5, update_time = now()
      WHERE m.tenant_id = $1 AND m.mitigation_id = $2 AND m.state IN ('PENDING_APPROVAL', 'FAILED', 'PARTIALLY_APPLIED')
        AND (m.applying_until IS NULL OR m.applying_until < now())
      RETURNING\s""" + JOINED_COLUMNS;

  private static final String FINISH_APPLY = """
      UPDATE mitigations AS m
      SET state = $3, error_message = $4, apply_time = $5, action_results = $6, applying_until = NULL,
          update_time = now()
      WHERE m.tenant_id = $1 AND m.mitigation_id = $2
      RETURNING\s""" + JOINED_COLUMNS;

  private static final String REJECT = """
      UPDATE mitigations AS m
      SET state = 'REJECTED', actor = $3, actor_subject = $5, rejection_reason = $4, update_time = now()
      WHERE m.tenant_id = $1 AND m.mitigation_id = $2 AND m.state IN ('PENDING_APPROVAL', 'FAILED', 'PARTIALLY_APPLIED')
        AND (m.applying_until IS NULL OR m.applying_until < now())
      RETURNING\s""" + JOINED_COLUMNS;

  private static final String REJECT_PENDING = """
      UPDATE mitigations
      SET state = 'REJECTED', actor = 'system', rejection_reason = $2, update_time = now()
      WHERE tenant_id = $1 AND state = 'PENDING_APPROVAL'
      """;

  private static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final UUID MAX_UUID = new UUID(-1L, -1L);

  Future<Optional<StoredMitigation>> get(SqlClient client, String tenantId, UUID id) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, id)).map(MitigationRepository::first);
  }

  /** Newest first, after the (create time, id) position (null: from the newest); {@code state} null for all. */
  Future<List<StoredMitigation>> list(SqlClient client, String tenantId, StoredMitigation.State state,
      Keyset.TimeAndId after, int limit) {
    OffsetDateTime before = after == null ? END_OF_TIME : utc(after.time());
    UUID id = after == null ? MAX_UUID : after.id();
    Future<RowSet<Row>> rows = state == null
        ? client.preparedQuery(LIST_ALL).execute(Tuple.of(tenantId, before, id, limit))
        : client.preparedQuery(LIST_BY_STATE).execute(Tuple.of(tenantId, before, id, limit, state.name()));
    return rows.map(set -> {
      List<StoredMitigation> out = new ArrayList<>(set.size());
      set.forEach(row -> out.add(joined(row)));
      return out;
    });
  }

  /** Creates the mitigation of a check, waiting for approval (or to be applied at once); empty if it exists. */
  Future<Optional<StoredMitigation>> insert(SqlClient tx, StoredMitigation m) {
    String[] actions = m.actions().stream().map(Enum::name).toArray(String[]::new);
    return tx.preparedQuery(INSERT)
        .execute(Tuple.from(new Object[] {m.id(), m.tenantId(), m.identityId(), m.oktaUserId(), m.checkId(), actions,
            m.mode().name(), m.actor(), utc(m.createTime()), m.actorSubject(), m.approvalReason()}))
        .map(MitigationRepository::first);
  }

  /** Takes a mitigation to apply it; empty unless it waits (or failed) and nobody is applying it now. */
  Future<Optional<StoredMitigation>> startApply(SqlClient client, String tenantId, UUID id, Mitigator.Actor actor,
      int holdSeconds) {
    return client.preparedQuery(START_APPLY)
        .execute(Tuple.of(tenantId, id, actor.name(), holdSeconds, actor.subject()))
        .map(MitigationRepository::first);
  }

  /** Ends an apply with its state, error (empty when none), apply time (null unless applied) and each action's result. */
  Future<StoredMitigation> finishApply(SqlClient client, String tenantId, UUID id, StoredMitigation.State state,
      String error, Instant applyTime, List<StoredMitigation.ActionResult> results) {
    return client.preparedQuery(FINISH_APPLY)
        .execute(Tuple.of(tenantId, id, state.name(), error == null ? "" : error, utc(applyTime), json(results)))
        .map(rows -> first(rows).orElseThrow());
  }

  /** Rejects a waiting (or failed) mitigation nobody is applying; empty otherwise. */
  Future<Optional<StoredMitigation>> reject(SqlClient client, String tenantId, UUID id, Mitigator.Actor actor,
      String reason) {
    return client.preparedQuery(REJECT).execute(Tuple.of(tenantId, id, actor.name(), reason, actor.subject()))
        .map(MitigationRepository::first);
  }

  /** Rejects every mitigation of the tenant still waiting for approval; returns how many. */
  Future<Integer> rejectPending(SqlClient tx, String tenantId, String reason) {
    return tx.preparedQuery(REJECT_PENDING).execute(Tuple.of(tenantId, reason)).map(RowSet::rowCount);
  }

  private static Optional<StoredMitigation> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.ofNullable(joined(rows.iterator().next()));
  }

  /** The mitigation in a row selected with {@link #JOINED_COLUMNS}; null when the join found none. */
  static StoredMitigation joined(Row row) {
    UUID id = row.getUUID("m_mitigation_id");
    if (id == null) {
      return null;
    }
    return new StoredMitigation(
        id,
        row.getString("m_tenant_id"),
        row.getUUID("m_identity_id"),
        row.getString("m_okta_user_id"),
        row.getUUID("m_check_id"),
        actions(row.getArrayOfStrings("m_actions")),
        Integration.MitigationMode.valueOf(row.getString("m_mode")),
        StoredMitigation.State.valueOf(row.getString("m_state")),
        row.getString("m_actor"),
        row.getString("m_actor_subject"),
        row.getString("m_rejection_reason"),
        row.getString("m_error_message"),
        instant(row, "m_create_time"),
        instant(row, "m_apply_time"),
        results(row.getValue("m_action_results")),
        row.getString("m_approval_reason"));
  }

  private static JsonArray json(List<StoredMitigation.ActionResult> results) {
    JsonArray out = new JsonArray();
    for (StoredMitigation.ActionResult r : results) {
      out.add(new JsonObject().put("action", r.action().name()).put("outcome", r.outcome().name())
          .put("detail", r.detail()).put("okta_request_id", r.oktaRequestId() == null ? "" : r.oktaRequestId()));
    }
    return out;
  }

  private static List<StoredMitigation.ActionResult> results(Object value) {
    if (!(value instanceof JsonArray array)) {
      return List.of();
    }
    List<StoredMitigation.ActionResult> out = new ArrayList<>(array.size());
    for (Object item : array) {
      if (item instanceof JsonObject o) {
        out.add(new StoredMitigation.ActionResult(StoredMitigation.Action.valueOf(o.getString("action")),
            StoredMitigation.Outcome.valueOf(o.getString("outcome")), o.getString("detail", ""),
            o.getString("okta_request_id", "")));
      }
    }
    return out;
  }

  private static List<StoredMitigation.Action> actions(String[] values) {
    return values == null ? List.of() : Arrays.stream(values).map(StoredMitigation.Action::valueOf).toList();
  }
}
