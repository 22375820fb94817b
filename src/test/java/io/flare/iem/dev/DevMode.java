package io.flare.iem.dev;

import io.flare.iem.config.AppConfig;
import io.flare.iem.integrationconfig.IntegrationKeys;
import io.flare.iem.storage.Stores;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.function.Supplier;
import io.flare.iem.oktasim.OktaSimulator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev mode ({@link DevMain}, {@code ./mvnw -q test-compile exec:java@dev}): a real embedded
 * PostgreSQL and Redis when none is configured, with data kept under the dev data folder so it
 * survives restarts. Caller auth is off, and the service says so loudly. Blocking: runs in
 * {@code main} before Vert.x starts. Test code, like the simulator: not in the production jar.
 *
 * <p>Dev mode also starts a simulated Okta org ({@link #startOktaSimulator}) on
 * {@code IEM_DEV_OKTA_PORT} (default 8089) whose app {@value #DEMO_CLIENT_ID} trusts the JWKS URL of the integration that uses it,
 * and allows {@code 127.0.0.1} and {@code localhost} as Okta hosts, so a demo integration with
 * {@code okta_domain} {@code http://127.0.0.1:8089} validates. Besides 45 generated users the org
 * has these demo users (login / password / what Okta answers):
 * <ul>
 *   <li>{@code alice@demo.example} / {@code Correct-Horse-42!}: ACTIVE, SUCCESS (a valid leaked password)</li>
 *   <li>{@code bob@demo.example} / {@code Tr0ub4dor&3}: ACTIVE, MFA_REQUIRED (still a valid password)</li>
 *   <li>{@code carol@demo.example} / {@code Summer2024!}: SUSPENDED</li>
 *   <li>{@code dave@demo.example} / {@code Winter2023!}: PASSWORD_EXPIRED</li>
 *   <li>{@code erin@demo.example} / {@code Spring2025!}: LOCKED_OUT</li>
 * </ul>
 * The password policy locks accounts after 10 failed attempts.
 */
public final class DevMode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DevMode.class);

  /** Client id of the demo org's API Services app. */
  public static final String DEMO_CLIENT_ID = "0oaDevSimulator00001";

  private final AppConfig config;
  private final List<AutoCloseable> servers;
  private OktaSimulator simulator;

  private DevMode(AppConfig config, List<AutoCloseable> servers) {
    this.config = config;
    this.servers = servers;
  }

  public static DevMode start(AppConfig config) {
    LOG.warn("DEV MODE: caller authentication is {} and keys are generated under {}; never run this in production",
        config.callerAuth().isEmpty() ? "OFF" : "on", config.devDataDir().toAbsolutePath());
    List<AutoCloseable> servers = new ArrayList<>();
    AppConfig effective = config;
    if (config.postgres().isEmpty()) {
      EmbeddedPostgres pg = EmbeddedPostgres.start(config.devDataDir().resolve("postgres"), 0, false);
      servers.add(pg);
      effective = effective.withPostgres(pg.connection(8));
      LOG.info("dev mode: embedded PostgreSQL on 127.0.0.1:{} (user postgres, password postgres)", pg.port());
    }
    if (config.redisUrl().isEmpty()) {
      EmbeddedRedis redis = EmbeddedRedis.start(0, config.devDataDir().resolve("redis"));
      servers.add(redis);
      effective = effective.withRedisUrl(redis.url());
      LOG.info("dev mode: embedded Redis at {}", redis.url());
    }
    Set<String> insecure = new LinkedHashSet<>(effective.oktaInsecureHosts());
    insecure.add("127.0.0.1");
    insecure.add("localhost");
    effective = effective.withOktaInsecureHosts(insecure);
    return new DevMode(effective, servers);
  }

  /**
   * Starts the demo Okta org. Its app trusts the JWKS URL of the integration that uses it, as the
   * customer's admin registers it once the integration exists: looked up when a token is requested.
   */
  public Future<OktaSimulator> startOktaSimulator(Vertx vertx) {
    Pool pool = Stores.postgres(vertx, config.postgres().orElseThrow());
    Supplier<Future<String>> jwks = () -> pool
        .preparedQuery("SELECT jwks_id FROM integrations WHERE client_id = $1 AND kind = 'OKTA'")
        .execute(Tuple.of(DEMO_CLIENT_ID))
        .map(rows -> rows.size() == 0 ? null : "http://127.0.0.1:" + config.httpPort() + IntegrationKeys.JWKS_PATH
            + rows.iterator().next().getUUID(0) + ".json");
    return OktaSimulator.start(vertx, new OktaSimulator.Options()
            .seed(2026)
            .users(45)
            .port(config.okta().devPort())
            .clientId(DEMO_CLIENT_ID)
            .emailDomain("demo.example")
            // an Identity Engine org whose app may read the System Log, ThreatInsight and network
            // zones: every TestIntegration check passes
            .identityEngine(true)
            .scopes("okta.users.read", "okta.users.manage", "okta.policies.read", "okta.logs.read",
                "okta.threatInsights.read", "okta.networkZones.read"))
        .map(sim -> {
          sim.app().jwksUrlFrom(jwks);
          addDemoUsers(sim);
          simulator = sim;
          LOG.atInfo().addKeyValue("okta_domain", sim.baseUrl()).addKeyValue("client_id", DEMO_CLIENT_ID)
              .log("dev mode: simulated Okta org at {} (client id {}, {} users; demo users alice, bob, carol, dave,"
                  + " erin @demo.example, passwords in DevMode's Javadoc)", sim.baseUrl(), DEMO_CLIENT_ID,
                  sim.userCount());
          return sim;
        });
  }

  private static void addDemoUsers(OktaSimulator sim) {
    demo(sim, "alice", "Alice", "Active", "ACTIVE", "Correct-Horse-42!");
    String bob = demo(sim, "bob", "Bob", "Mfa", "ACTIVE", "Tr0ub4dor&3");
    sim.setAuthnState(bob, "MFA_REQUIRED");
    demo(sim, "carol", "Carol", "Suspended", "SUSPENDED", "Summer2024!");
    demo(sim, "dave", "Dave", "Expired", "PASSWORD_EXPIRED", "Winter2023!");
    String erin = demo(sim, "erin", "Erin", "Locked", "ACTIVE", "Spring2025!");
    sim.lock(erin);
  }

  private static String demo(OktaSimulator sim, String name, String first, String last, String status, String pw) {
    String id = sim.addUser(name + "@demo.example", first, last, status).id();
    sim.setPassword(id, pw);
    return id;
  }

  /** The demo Okta org, once started. */
  public OktaSimulator simulator() {
    return simulator;
  }

  /** The configuration with the embedded servers filled in. */
  public AppConfig config() {
    return config;
  }

  @Override
  public void close() {
    for (AutoCloseable server : reversed(servers)) {
      try {
        server.close();
      } catch (Exception e) {
        LOG.warn("could not stop a dev server: {}", e.toString());
      }
    }
  }

  private static List<AutoCloseable> reversed(List<AutoCloseable> list) {
    List<AutoCloseable> copy = new ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }
}
