package io.flare.iem.identitysync;

import io.flare.iem.storage.Keyset;
import io.flare.iem.storage.PgTime;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Synced identities and their identifiers, always within one tenant: the listing the endpoint
 * serves, and the operations other capabilities use instead of the tables themselves (matching a
 * leaked username, reading and locking an identity, recording what Okta said of it since the last
 * sync).
 */
public final class IdentityRepository {

  /** An identity as stored, with its identifiers. */
  public record StoredIdentity(UUID id, String oktaUserId, String login, String email, String secondEmail,
      String firstName, String lastName, String status, OffsetDateTime lastLogin, OffsetDateTime passwordChanged,
      boolean monitored, List<Identifier> identifiers) {}

  /** A normalised identifier and the profile attribute it came from. */
  public record Identifier(String value, String kind) {}

  /**
   * An identity's Okta state as last seen (by a sync, or by a check's fresh read), with when Okta
   * last said the user was locked out.
   */
  public record IdentityState(UUID id, String oktaUserId, String login, String status, Instant lastLogin,
      Instant passwordChanged, Instant lockoutSeenTime) {}

  private static final UUID FIRST_ID = new UUID(0, 0);

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

  /**
   * The identity a leaked username names, as one SQL subquery yielding at most one
   * {@code identity_id} (tenant and username as the given parameters, for example {@code "$1"}):
   * the login first, then the emails, then the identifiers, case-insensitively; deprovisioned users
   * last. Composed into the caller's own statement, so that the credential check's intake stays one
   * round trip; the text is identity sync's, as are the tables and indexes it reads.
   */
  public static String matchQuery(String tenantParam, String usernameParam) {
    return MATCH.replace("$TENANT", tenantParam).replace("$USERNAME", usernameParam);
  }

  private static final String MATCH = """
      SELECT identity_id FROM (
          SELECT identity_id, 1 AS rank, status FROM identities
          WHERE tenant_id = $TENANT AND lower(login) COLLATE "C" = lower($USERNAME)
        UNION ALL
          SELECT identity_id, 2, status FROM identities
          WHERE tenant_id = $TENANT AND lower(email) = lower($USERNAME) AND email <> ''
        UNION ALL
          SELECT identity_id, 3, status FROM identities
          WHERE tenant_id = $TENANT AND lower(second_email) = lower($USERNAME) AND second_email <> ''
        UNION ALL
          SELECT f.identity_id, 4, i.status FROM identifiers f JOIN identities i ON i.tenant_id = f.tenant_id AND i.identity_id = f.identity_id
          WHERE f.tenant_id = $TENANT AND f.value = lower($USERNAME)
      ) candidates
      ORDER BY (status = 'DEPROVISIONED'), rank, identity_id
      LIMIT 1
      """;

  private static final String STATE = """
      SELECT identity_id, okta_user_id, login, status, last_login, password_changed, lockout_seen_time
      FROM identities WHERE tenant_id = $1 AND identity_id = $2
      """;

  private static final String LOCK_STATE = STATE + " FOR UPDATE";

  private static final String REFRESH = """
      UPDATE identities
      SET status = $3, last_login = $4, password_changed = $5, update_time = now()
      WHERE tenant_id = $1 AND identity_id = $2
        AND (status, last_login, password_changed) IS DISTINCT FROM ($3, $4, $5)
      """;

  private static final String LOCKED_OUT = """
      UPDATE identities SET lockout_seen_time = $3, update_time = now() WHERE tenant_id = $1 AND identity_id = $2
      """;

  private static final String SUSPENDED = """
      UPDATE identities
      SET status = 'SUSPENDED', status_change_time = now(), update_time = now()
      WHERE tenant_id = $1 AND identity_id = $2 AND status NOT IN ('SUSPENDED', 'DEPROVISIONED')
      """;

  private static final String DELETE_TENANT = "DELETE FROM identities WHERE tenant_id = $1";

  /** The identity's state, if it still exists. */
  public Future<Optional<IdentityState>> state(SqlClient client, String tenantId, UUID identityId) {
    return client.preparedQuery(STATE).execute(Tuple.of(tenantId, identityId)).map(IdentityRepository::state);
  }

  /**
   * The identity's state, its row locked for the rest of the transaction: whatever is decided under
   * the lock (a credential check's attempt) happens one at a time per identity.
   */
  public Future<Optional<IdentityState>> lockState(SqlClient tx, String tenantId, UUID identityId) {
    return tx.preparedQuery(LOCK_STATE).execute(Tuple.of(tenantId, identityId)).map(IdentityRepository::state);
  }

  /** Stores what a fresh read of the user in Okta said (status, last sign-in, password change). */
  public Future<Void> refresh(SqlClient client, String tenantId, UUID identityId, String status, Instant lastLogin,
      Instant passwordChanged) {
    return client.preparedQuery(REFRESH)
        .execute(Tuple.of(tenantId, identityId, status, PgTime.utc(lastLogin), PgTime.utc(passwordChanged)))
        .mapEmpty();
  }

  /** Okta said the user is locked out, at {@code seen}. */
  public Future<Void> lockedOut(SqlClient client, String tenantId, UUID identityId, Instant seen) {
    return client.preparedQuery(LOCKED_OUT).execute(Tuple.of(tenantId, identityId, PgTime.utc(seen))).mapEmpty();
  }

  /** The user was suspended in Okta by us: SUSPENDED at once, until a sync says otherwise. */
  public Future<Void> suspended(SqlClient client, String tenantId, UUID identityId) {
    return client.preparedQuery(SUSPENDED).execute(Tuple.of(tenantId, identityId)).mapEmpty();
  }

  /** Deletes every identity of the tenant (their identifiers go with them); returns how many. */
  Future<Integer> deleteTenant(SqlClient tx, String tenantId) {
    return tx.preparedQuery(DELETE_TENANT).execute(Tuple.of(tenantId)).map(RowSet::rowCount);
  }

  private static Optional<IdentityState> state(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row r = rows.iterator().next();
    return Optional.of(new IdentityState(r.getUUID("identity_id"), r.getString("okta_user_id"), r.getString("login"),
        r.getString("status"), PgTime.instant(r, "last_login"), PgTime.instant(r, "password_changed"),
        PgTime.instant(r, "lockout_seen_time")));
  }

  /** Identities after the (lower-cased login, id) position (null: from the first), in login order. */
  public Future<List<StoredIdentity>> page(SqlClient client, String tenantId, String status, String loginPrefix,
      Keyset.TextAndId after, int limit) {
    return client.preparedQuery(PAGE)
        .execute(Tuple.from(new Object[] {tenantId, status, like(loginPrefix), after == null ? "" : after.text(),
            after == null ? FIRST_ID : after.id(), limit}))
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
