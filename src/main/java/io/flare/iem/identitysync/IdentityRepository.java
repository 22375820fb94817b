package io.flare.iem.identitysync;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Reads synced identities and their identifiers, always within one tenant. */
public final class IdentityRepository {

  /** An identity as stored, with its identifiers. */
  public record StoredIdentity(UUID id, String oktaUserId, String login, String email, String secondEmail,
      String firstName, String lastName, String status, OffsetDateTime lastLogin, OffsetDateTime passwordChanged,
      boolean monitored, List<Identifier> identifiers) {}

  /** A normalised identifier and the profile attribute it came from. */
  public record Identifier(String value, String kind) {}

  private static final String COLUMNS = """
      identity_id, okta_user_id, login, email, second_email, first_name, last_name, status, last_login,
      password_changed, monitored
      """;

  private static final String PAGE = "SELECT " + COLUMNS + """
       FROM identities
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR lower(login) COLLATE "C" LIKE $3)
        AND (lower(login) COLLATE "C", identity_id) > ($4::text COLLATE "C", $5::uuid)
      ORDER BY lower(login) COLLATE "C", identity_id
      LIMIT $6
      """;

  private static final String COUNT = """
      SELECT count(*) FROM identities
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR lower(login) COLLATE "C" LIKE $3)
      """;

  private static final String GET = "SELECT " + COLUMNS + " FROM identities WHERE tenant_id = $1 AND identity_id = $2";

  private static final String IDENTIFIERS = """
      SELECT identity_id, value, kind FROM identifiers
      WHERE tenant_id = $1 AND identity_id = ANY($2::uuid[])
      ORDER BY identity_id, CASE kind WHEN 'LOGIN' THEN 1 WHEN 'EMAIL' THEN 2 ELSE 3 END, value
      """;

  /** Identities after the (lower-cased login, id) position, in login order. */
  public Future<List<StoredIdentity>> page(SqlClient client, String tenantId, String status, String loginPrefix,
      String afterLogin, UUID afterId, int limit) {
    return client.preparedQuery(PAGE)
        .execute(Tuple.from(new Object[] {tenantId, status, like(loginPrefix), afterLogin, afterId, limit}))
        .compose(rows -> {
          List<Row> list = new ArrayList<>();
          rows.forEach(list::add);
          return withIdentifiers(client, tenantId, list);
        });
  }

  public Future<Long> count(SqlClient client, String tenantId, String status, String loginPrefix) {
    return client.preparedQuery(COUNT)
        .execute(Tuple.of(tenantId, status, like(loginPrefix)))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Optional<StoredIdentity>> get(SqlClient client, String tenantId, UUID identityId) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, identityId)).compose(rows -> {
      List<Row> list = new ArrayList<>();
      rows.forEach(list::add);
      return withIdentifiers(client, tenantId, list).map(found -> found.stream().findFirst());
    });
  }

  private Future<List<StoredIdentity>> withIdentifiers(SqlClient client, String tenantId, List<Row> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    UUID[] ids = rows.stream().map(r -> r.getUUID("identity_id")).toArray(UUID[]::new);
    Tuple params = Tuple.tuple().addString(tenantId).addArrayOfUUID(ids); // Tuple.of(t, ids) would spread the array
    return client.preparedQuery(IDENTIFIERS).execute(params).map(identifierRows -> {
      Map<UUID, List<Identifier>> byIdentity = new HashMap<>();
      identifierRows.forEach(r -> byIdentity.computeIfAbsent(r.getUUID("identity_id"), k -> new ArrayList<>())
          .add(new Identifier(r.getString("value"), r.getString("kind"))));
      List<StoredIdentity> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        UUID id = r.getUUID("identity_id");
        out.add(new StoredIdentity(id, r.getString("okta_user_id"), r.getString("login"), r.getString("email"),
            r.getString("second_email"), r.getString("first_name"), r.getString("last_name"), r.getString("status"),
            r.getOffsetDateTime("last_login"), r.getOffsetDateTime("password_changed"), r.getBoolean("monitored"),
            byIdentity.getOrDefault(id, List.of())));
      }
      return out;
    });
  }

  /** A LIKE pattern matching the lower-cased prefix literally. */
  private static String like(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return null;
    }
    String escaped = prefix.toLowerCase(java.util.Locale.ROOT)
        .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    return escaped + "%";
  }
}
