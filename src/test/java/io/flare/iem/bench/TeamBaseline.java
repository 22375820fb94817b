package io.flare.iem.bench;

import com.okta.sdk.client.AuthorizationMode;
import com.okta.sdk.client.Clients;
import com.okta.sdk.resource.api.UserApi;
import com.okta.sdk.resource.client.ApiClient;
import com.okta.sdk.resource.common.PagedList;
import com.okta.sdk.resource.model.User;
import com.okta.sdk.resource.model.UserProfile;
import io.flare.iem.keys.SigningKeys;
import io.flare.iem.okta.UserQuery;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The team baseline: how a team would sync Okta users into Postgres without this project. Okta's
 * official Java management SDK (24.0.0, {@code private_key_jwt} with our signing key) lists the
 * users page by page ({@code limit=200}, the same {@code filter} our full sync sends, so both
 * see the same users), and each page is written with plain JDBC ({@code PreparedStatement
 * addBatch/executeBatch}, driver defaults, one transaction per page) into tables equivalent to
 * ours: {@code team_identities} and {@code team_identifiers} are {@code LIKE identities/identifiers
 * INCLUDING ALL} (same columns, defaults, checks and indexes) with the same foreign keys. Each user
 * is upserted (a sync must update what it saw before), returning its {@code identity_id}, and gets
 * the same identifiers our sync creates (login, email, second email, trimmed and lower-cased,
 * deduplicated, none for DEPROVISIONED users). One thread: fetch a page, write it, fetch the next,
 * as the SDK's paging invites. The SDK retries a 429 after Okta's reset time by itself.
 *
 * <p>An earlier version looked each identity up by Okta id in the identifier insert ({@code INSERT
 * ... SELECT ... WHERE okta_user_id = ?}); on freshly emptied tables the driver's cached server-side
 * plan scanned the table for every row (quadratic: 20,000 users took 50 s, then 3 s once autovacuum
 * had analysed the table). A team might well ship that, but a baseline that fast or slow by luck
 * compares nothing, so the baseline uses the sturdier shape.
 */
final class TeamBaseline {

  static final String TENANT = "team";

  private static final String SCHEMA = """
      CREATE TABLE IF NOT EXISTS team_identities (LIKE identities INCLUDING ALL,
          FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id));
      CREATE TABLE IF NOT EXISTS team_identifiers (LIKE identifiers INCLUDING ALL,
          FOREIGN KEY (tenant_id, identity_id) REFERENCES team_identities (tenant_id, identity_id) ON DELETE CASCADE);
      INSERT INTO tenants (tenant_id, identifier_cap) VALUES ('team', 0) ON CONFLICT DO NOTHING;
      TRUNCATE team_identities CASCADE;
      """;

  private static final String UPSERT = """
      INSERT INTO team_identities (tenant_id, okta_user_id, status, login, email, second_email, first_name,
                                   last_name, last_login, password_changed, okta_last_updated, monitored)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant_id, okta_user_id) DO UPDATE SET
        status = EXCLUDED.status, login = EXCLUDED.login, email = EXCLUDED.email,
        second_email = EXCLUDED.second_email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
        last_login = EXCLUDED.last_login, password_changed = EXCLUDED.password_changed,
        okta_last_updated = EXCLUDED.okta_last_updated, monitored = EXCLUDED.monitored, update_time = now()
      """;

  private static final String IDENTIFIER = """
      INSERT INTO team_identifiers (tenant_id, value, kind, identity_id) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant_id, value) DO NOTHING
      """;

  private TeamBaseline() {}

  /**
   * Lists every user of {@code sim} with the SDK and writes them into Postgres on {@code pgPort};
   * with a rate limit, counts the users-listing requests Okta accepted per window (for the
   * steady-state share of the ceiling) and the 429s it served.
   */
  static SyncBenchmark.Measured run(OktaProcess sim, OktaProcess.Org okta, Path privateKey, int pgPort, Integer rateLimit,
      int windowSeconds) throws Exception {
    System.setProperty("okta.testing.disableHttpsCheck", "true"); // read when the builder is made
    // the SDK warns at every build that the check is off: known, and only noise in the benchmark's output
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("com.okta.commons.configcheck"))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    String url = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
      s.execute(SCHEMA);
      s.execute("CHECKPOINT");
    }
    if (rateLimit != null) {
      SyncBenchmark.awaitNextWindow(windowSeconds); // start with the whole window's budget, as the sync did
    }
    long served429 = sim.served429(okta.index(), okta.index() + 1);
    HeapWatch.reset();
    long startMillis = System.currentTimeMillis();
    long start = System.nanoTime();
    long users = 0;
    long identifiers = 0;
    long pages = 0;
    long oktaNanos = 0;
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres")) {
      c.setAutoCommit(false);
      // the upsert returns each user's identity_id (in batch order) for its identifiers
      try (PreparedStatement upsert = c.prepareStatement(UPSERT, new String[] {"identity_id"});
          PreparedStatement identifier = c.prepareStatement(IDENTIFIER)) {
        UserApi api = new UserApi(client(sim, okta, privateKey));
        String filter = UserQuery.allIncludingDeprovisioned().filter();
        String after = null;
        do {
          long asked = System.nanoTime();
          List<User> page = api.listUsers(null, null, after, UserQuery.MAX_LIMIT, filter, null, null, null);
          oktaNanos += System.nanoTime() - asked;
          pages++;
          for (User u : page) {
            addUser(upsert, u);
          }
          upsert.executeBatch();
          try (ResultSet keys = upsert.getGeneratedKeys()) {
            for (User u : page) {
              if (!keys.next()) {
                throw new IllegalStateException("no identity_id returned for " + u.getId());
              }
              Object identityId = keys.getObject(1);
              for (String[] id : identifiers(u)) {
                identifier.setString(1, TENANT);
                identifier.setString(2, id[0]);
                identifier.setString(3, id[1]);
                identifier.setObject(4, identityId);
                identifier.addBatch();
              }
            }
          }
          for (int n : identifier.executeBatch()) {
            identifiers += Math.max(0, n);
          }
          c.commit();
          users += page.size();
          PagedList<?> paged = (PagedList<?>) page;
          after = paged.hasMoreItems() ? paged.getAfter() : null;
        } while (after != null);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long endMillis = System.currentTimeMillis();
    HeapWatch.Peaks heap = HeapWatch.peaks();
    SyncBenchmark.Windows windows = rateLimit == null ? null
        : SyncBenchmark.Windows.of(sim, okta, startMillis, endMillis, windowSeconds);
    return new SyncBenchmark.Measured(users, identifiers, seconds, heap.used(), heap.afterGc(), pages,
        sim.served429(okta.index(), okta.index() + 1) - served429, windows, oktaNanos / 1e9);
  }

  private static ApiClient client(OktaProcess sim, OktaProcess.Org org, Path privateKey) {
    // the service's integration signs with a key of its own, published at its jwks_url; the team's
    // client has its public key saved on the app in Okta instead ("Save keys in Okta")
    try {
      sim.savedKeys(org, SigningKeys.load(privateKey).publicJwks().toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return Clients.builder()
        .setOrgUrl(org.baseUrl())
        .setAuthorizationMode(AuthorizationMode.PRIVATE_KEY)
        .setClientId(org.clientId())
        .setScopes(Set.of("okta.users.read"))
        .setPrivateKey(privateKey)
        .build();
  }

  private static void addUser(PreparedStatement upsert, User u) throws SQLException {
    UserProfile p = u.getProfile();
    String status = u.getStatus() == null ? "" : u.getStatus().getValue();
    upsert.setString(1, TENANT);
    upsert.setString(2, u.getId());
    upsert.setString(3, status);
    upsert.setString(4, orEmpty(p.getLogin()));
    upsert.setString(5, orEmpty(p.getEmail()));
    upsert.setString(6, orEmpty(p.getSecondEmail()));
    upsert.setString(7, orEmpty(p.getFirstName()));
    upsert.setString(8, orEmpty(p.getLastName()));
    setTime(upsert, 9, u.getLastLogin());
    setTime(upsert, 10, u.getPasswordChanged());
    setTime(upsert, 11, u.getLastUpdated());
    upsert.setBoolean(12, !"DEPROVISIONED".equals(status));
    upsert.addBatch();
  }

  /** {value, kind} of the user's identifiers, by the rule our sync applies. */
  private static List<String[]> identifiers(User u) {
    List<String[]> out = new ArrayList<>(3);
    if (u.getStatus() != null && "DEPROVISIONED".equals(u.getStatus().getValue())) {
      return out;
    }
    UserProfile p = u.getProfile();
    String login = normal(p.getLogin());
    String email = normal(p.getEmail());
    String second = normal(p.getSecondEmail());
    if (!login.isEmpty()) {
      out.add(new String[] {login, "LOGIN"});
    }
    if (!email.isEmpty() && !email.equals(login)) {
      out.add(new String[] {email, "EMAIL"});
    }
    if (!second.isEmpty() && !second.equals(login) && !second.equals(email)) {
      out.add(new String[] {second, "SECOND_EMAIL"});
    }
    return out;
  }

  private static void setTime(PreparedStatement s, int index, OffsetDateTime time) throws SQLException {
    if (time == null) {
      s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      s.setObject(index, time);
    }
  }

  private static String normal(String s) {
    return s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
