package io.flare.iem.exposure;

import static io.flare.iem.storage.PgTime.instant;
import static io.flare.iem.storage.PgTime.utc;

import io.flare.iem.storage.Keyset;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
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

/** Exposure cases and their timelines, always within one tenant (the re-read's due list aside). */
final class ExposureRepository {

  /** A case's step, as its timeline shows it. */
  record Event(String kind, JsonObject detail, Instant time) {}

  private static final String COLUMNS = """
      c.exposure_id, c.tenant_id, c.identity_id, c.okta_user_id, c.login, c.email, c.state, c.open_time,
      c.valid_decide_time, c.resolve_time, c.password_changed_time, c.suspended_by_us_time, c.restored""";

  private static final String OPEN = """
      INSERT INTO exposure_cases AS c (tenant_id, exposure_id, identity_id, okta_user_id, login, email, open_time,
                                       valid_decide_time, next_check_time)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
      ON CONFLICT (tenant_id, identity_id) WHERE state = 'OPEN'
      DO UPDATE SET valid_decide_time = greatest(c.valid_decide_time, EXCLUDED.valid_decide_time), update_time = now()
      RETURNING (xmax = 0) AS opened,\s""" + COLUMNS;

  private static final String ADD_EVENT = """
      INSERT INTO exposure_events (tenant_id, exposure_id, kind, detail, event_time) VALUES ($1, $2, $3, $4, $5)
      """;

  private static final String RESOLVE_SEEN = """
      UPDATE exposure_cases AS c
      SET state = 'RESOLVED', resolve_time = $4, password_changed_time = u.changed, update_time = now()
      FROM unnest($2::text[], $3::timestamptz[]) AS u(okta_user_id, changed)
      WHERE c.tenant_id = $1 AND c.state = 'OPEN' AND c.okta_user_id = u.okta_user_id
        AND u.changed > c.valid_decide_time
      RETURNING\s""" + COLUMNS;

  private static final String SUSPENDED_BY_US = """
      UPDATE exposure_cases AS c SET suspended_by_us_time = $3, update_time = now()
      WHERE c.tenant_id = $1 AND c.identity_id = $2 AND c.state = 'OPEN'
      RETURNING\s""" + COLUMNS;

  private static final String RESTORED = """
      UPDATE exposure_cases SET restored = true, update_time = now() WHERE tenant_id = $1 AND exposure_id = $2
      """;

  private static final String CLAIM_DUE = """
      UPDATE exposure_cases AS c SET next_check_time = $2
      FROM (SELECT tenant_id, exposure_id FROM exposure_cases
            WHERE state = 'OPEN' AND next_check_time <= $1
            ORDER BY next_check_time LIMIT $3 FOR UPDATE SKIP LOCKED) AS d
      WHERE c.tenant_id = d.tenant_id AND c.exposure_id = d.exposure_id
      RETURNING\s""" + COLUMNS;

  private static final String GET = "SELECT " + COLUMNS + " FROM exposure_cases c WHERE c.tenant_id = $1"
      + " AND c.exposure_id = $2";

  private static final String LIST = "SELECT " + COLUMNS + """
       FROM exposure_cases c
      WHERE c.tenant_id = $1 AND ($5::text IS NULL OR c.state = $5) AND (c.open_time, c.exposure_id) < ($2, $3)
      ORDER BY c.open_time DESC, c.exposure_id DESC
      LIMIT $4
      """;

  private static final String EVENTS = """
      SELECT kind, detail, event_time FROM exposure_events
      WHERE tenant_id = $1 AND exposure_id = $2 ORDER BY event_id
      """;

  private static final String COUNT_OPEN = "SELECT count(*) FROM exposure_cases WHERE state = 'OPEN'";

  private static final String DELETE_TENANT = "DELETE FROM exposure_cases WHERE tenant_id = $1";

  private static final OffsetDateTime END_OF_TIME = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final UUID MAX_UUID = new UUID(-1L, -1L);

  /** The case now open for the finding's identity (opened if none was): the case, and whether it opened. */
  record Opened(ExposureCase exposure, boolean opened) {}

  Future<Opened> open(SqlClient tx, Exposures.Finding f, Instant nextCheck) {
    return tx.preparedQuery(OPEN).execute(Tuple.from(new Object[] {f.tenantId(), UUID.randomUUID(), f.identityId(),
            f.oktaUserId(), f.login(), f.email() == null ? "" : f.email(), utc(f.decideTime()), utc(nextCheck)}))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Opened(exposure(row), row.getBoolean("opened"));
        });
  }

  Future<Void> event(SqlClient tx, String tenantId, UUID exposureId, String kind, JsonObject detail, Instant time) {
    return tx.preparedQuery(ADD_EVENT).execute(Tuple.of(tenantId, exposureId, kind, detail, utc(time))).mapEmpty();
  }

  /** Resolves the tenant's open cases of users whose password changed after their valid check. */
  Future<List<ExposureCase>> resolveSeen(SqlClient tx, String tenantId, String[] oktaUserIds,
      OffsetDateTime[] changed, Instant now) {
    return tx.preparedQuery(RESOLVE_SEEN).execute(Tuple.tuple().addString(tenantId).addArrayOfString(oktaUserIds)
        .addArrayOfOffsetDateTime(changed).addOffsetDateTime(utc(now))).map(ExposureRepository::all);
  }

  /** Records that our mitigation suspended the identity's user, Okta's statusChanged then being {@code okta}. */
  Future<List<ExposureCase>> suspendedByUs(SqlClient client, String tenantId, UUID identityId, Instant okta) {
    return client.preparedQuery(SUSPENDED_BY_US).execute(Tuple.of(tenantId, identityId, utc(okta)))
        .map(ExposureRepository::all);
  }

  Future<Void> restored(SqlClient client, String tenantId, UUID exposureId) {
    return client.preparedQuery(RESTORED).execute(Tuple.of(tenantId, exposureId)).mapEmpty();
  }

  /** Open cases (of every tenant) due for a re-read, each moved to its next re-read. */
  Future<List<ExposureCase>> claimDue(SqlClient client, Instant now, Instant next, int limit) {
    return client.preparedQuery(CLAIM_DUE).execute(Tuple.of(utc(now), utc(next), limit)).map(ExposureRepository::all);
  }

  Future<Optional<ExposureCase>> get(SqlClient client, String tenantId, UUID id) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(exposure(rows.iterator().next())));
  }

  /** Newest first after the (open time, id) position (null: from the newest); {@code state} null for all. */
  Future<List<ExposureCase>> list(SqlClient client, String tenantId, ExposureCase.State state, Keyset.TimeAndId after,
      int limit) {
    return client.preparedQuery(LIST).execute(Tuple.of(tenantId, after == null ? END_OF_TIME : utc(after.time()),
        after == null ? MAX_UUID : after.id(), limit, state == null ? null : state.name()))
        .map(ExposureRepository::all);
  }

  Future<List<Event>> events(SqlClient client, String tenantId, UUID exposureId) {
    return client.preparedQuery(EVENTS).execute(Tuple.of(tenantId, exposureId)).map(rows -> {
      List<Event> out = new ArrayList<>(rows.size());
      rows.forEach(r -> out.add(new Event(r.getString("kind"),
          r.getValue("detail") instanceof JsonObject o ? o : new JsonObject(), instant(r, "event_time"))));
      return out;
    });
  }

  Future<Long> countOpen(SqlClient client) {
    return client.query(COUNT_OPEN).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  Future<Integer> deleteTenant(SqlClient tx, String tenantId) {
    return tx.preparedQuery(DELETE_TENANT).execute(Tuple.of(tenantId)).map(RowSet::rowCount);
  }

  private static List<ExposureCase> all(RowSet<Row> rows) {
    List<ExposureCase> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(exposure(r)));
    return out;
  }

  private static ExposureCase exposure(Row r) {
    return new ExposureCase(r.getUUID("exposure_id"), r.getString("tenant_id"), r.getUUID("identity_id"),
        r.getString("okta_user_id"), r.getString("login"), r.getString("email"),
        ExposureCase.State.valueOf(r.getString("state")), instant(r, "open_time"), instant(r, "valid_decide_time"),
        instant(r, "resolve_time"), instant(r, "password_changed_time"), instant(r, "suspended_by_us_time"),
        r.getBoolean("restored"));
  }
}
