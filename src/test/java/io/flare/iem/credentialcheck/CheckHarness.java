package io.flare.iem.credentialcheck;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.flare.iem.config.AppConfig;
import io.flare.iem.storage.Stores;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One tenant checking credentials end to end: one or more service instances (production wiring)
 * on a fresh database, a simulated Okta org trusting their JWKS, an Okta integration, and
 * identities for the org's users (inserted as a sync would store them). Checks go through the
 * grpc-java stubs other Flare services use.
 */
final class CheckHarness implements AutoCloseable {

  private static final AtomicInteger TENANTS = new AtomicInteger();

  /** A user of the simulated org and its synced identity. */
  record User(String oktaUserId, UUID identityId, String login, String password) {}

  /** How to start. */
  static final class Setup {
    int instances = 1;
    MutableClock clock = MutableClock.now();
    Map<String, String> env = new HashMap<>();
    Consumer<OktaSimulator.Options> sim = o -> {};
    String timeZone = "UTC";
    boolean mitigationEnabled;
    MitigationMode mode = MitigationMode.MITIGATION_MODE_VALIDATE_ONLY;
    int maxDaily = 2;
    Integer lockoutThreshold;
    java.util.function.BiFunction<Vertx, OktaSimulator, String> oktaDomain = (v, sim) -> sim.baseUrl();
    io.flare.iem.dev.EmbeddedPostgres postgres;

    /** A Postgres server of the test's own (one it may stop), instead of a database on the shared one. */
    Setup postgres(io.flare.iem.dev.EmbeddedPostgres server) {
      postgres = server;
      return this;
    }

    Setup instances(int n) {
      instances = n;
      return this;
    }

    Setup clock(MutableClock c) {
      clock = c;
      return this;
    }

    Setup env(String name, String value) {
      env.put(name, value);
      return this;
    }

    Setup sim(Consumer<OktaSimulator.Options> options) {
      sim = options;
      return this;
    }

    Setup timeZone(String zone) {
      timeZone = zone;
      return this;
    }

    Setup mode(MitigationMode m) {
      mode = m;
      mitigationEnabled = m != MitigationMode.MITIGATION_MODE_VALIDATE_ONLY;
      return this;
    }

    Setup maxDaily(int n) {
      maxDaily = n;
      return this;
    }

    Setup lockoutThreshold(Integer threshold) {
      lockoutThreshold = threshold;
      return this;
    }

    /** The Okta domain the integration names (default the simulator's; a test may put a proxy in front). */
    Setup oktaDomain(java.util.function.BiFunction<Vertx, OktaSimulator, String> domain) {
      oktaDomain = domain;
      return this;
    }
  }

  final MutableClock clock;
  final AppConfig config;
  final List<RunningService> services = new ArrayList<>();
  final Vertx vertx;
  final Pool pool;
  final OktaSimulator sim;
  final String tenant;
  private final AtomicInteger requests = new AtomicInteger();

  private CheckHarness(Setup setup) {
    this.clock = setup.clock;
    this.tenant = "chk-" + TENANTS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
    AppConfig.Postgres pg = setup.postgres != null ? setup.postgres.connection(8) : TestServers.newDatabase();
    this.config = TestServers.config(pg, setup.env);
    for (int i = 0; i < setup.instances; i++) {
      services.add(RunningService.start(config, clock));
    }
    this.vertx = Vertx.vertx();
    this.pool = Stores.postgres(vertx, pg);
    OktaSimulator.Options options = new OktaSimulator.Options().users(0).mixedStatuses(false)
;
    setup.sim.accept(options);
    this.sim = Await.result(OktaSimulator.start(vertx, options));
    if (setup.lockoutThreshold != null) {
      sim.lockoutPolicy(setup.lockoutThreshold, false);
    }
    services.get(0).integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000).setMitigationEnabled(setup.mitigationEnabled)
            .setTimeZone(setup.timeZone))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("mitigation_enabled")
            .addPaths("time_zone"))
        .build());
    Integration created = services.get(0).integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant)
        .setIntegration(Integration.newBuilder().setDisplayName("Checks").setOktaDomain(setup.oktaDomain.apply(vertx, sim))
            .setClientId(sim.app().clientId()).setMaxDailyPasswordAttempts(setup.maxDaily)
            .setMitigationMode(setup.mode))
        .build()).getIntegration();
    OktaSims.trust(sim.app(), services.get(0), created); // the admin registers the integration's JWKS URL
    // the integration's initial sync lists the (still empty) org and then sweeps every identity it
    // did not see: let it end before this harness stores identities of its own
    await("the initial sync of " + tenant, () -> Await.result(pool.preparedQuery(
        "SELECT NOT EXISTS (SELECT 1 FROM sync_runs WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING'))")
        .execute(Tuple.of(tenant))).iterator().next().getBoolean(0));
    if (setup.lockoutThreshold != null) {
      // after the initial sync, which reads the threshold from the org's password policy: the org
      // locks at it too (above), and without okta.policies.read this is what the service knows
      Await.result(pool.preparedQuery("UPDATE integrations SET okta_lockout_threshold = $2 WHERE tenant_id = $1")
          .execute(Tuple.of(tenant, setup.lockoutThreshold.shortValue())));
    }
  }

  static CheckHarness start(Setup setup) {
    return new CheckHarness(setup);
  }

  static CheckHarness start() {
    return start(new Setup());
  }

  static Setup setup() {
    return new Setup();
  }

  RunningService service() {
    return services.get(0);
  }

  CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub checks() {
    return service().checks();
  }

  CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub checks(int instance) {
    return services.get(instance).checks();
  }

  // ---- users ----------------------------------------------------------------------------------

  /** An ACTIVE user whose password last changed 30 days ago and who never signed in, with its identity. */
  User user(String name) {
    String login = name + "@" + tenant + ".example";
    SimUser u = sim.addUser(login, name, "Tester", "ACTIVE");
    sim.setPasswordChanged(u.id(), clock.instant().minus(Duration.ofDays(30)));
    sim.setLastLogin(u.id(), null);
    UUID identityId = insertIdentity(sim.user(u.id()).orElseThrow());
    return new User(u.id(), identityId, login, sim.password(u.id()));
  }

  /**
   * Stores the user as a sync would (login, email and status as Okta has them now); a sync run a
   * test started may have stored it already.
   */
  UUID insertIdentity(SimUser u) {
    Row row = Await.result(pool.preparedQuery("""
        INSERT INTO identities (tenant_id, okta_user_id, login, email, second_email, first_name, last_name, status,
                                last_login, password_changed, monitored)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, true)
        ON CONFLICT (tenant_id, okta_user_id) DO UPDATE SET monitored = true
        RETURNING identity_id
        """).execute(Tuple.from(new Object[] {tenant, u.id(), u.login(), u.email() == null ? "" : u.email(),
        u.secondEmail() == null ? "" : u.secondEmail(), u.firstName(), u.lastName(), u.status(),
        time(u.lastLoginMillis()), time(u.passwordChangedMillis())}))).iterator().next();
    return row.getUUID(0);
  }

  private static OffsetDateTime time(long millis) {
    return millis == SimUser.NONE ? null : OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  // ---- checks ---------------------------------------------------------------------------------

  /** A request leaked a day ago, with a fresh request id. */
  CheckCredentialRequest.Builder request(String username, String password) {
    return CheckCredentialRequest.newBuilder().setTenantId(tenant).setUsername(username).setPassword(password)
        .setRequestId("req-" + requests.incrementAndGet() + "-" + UUID.randomUUID())
        .setLeak(Leak.newBuilder().setLeakId("leak-" + UUID.randomUUID()).setSource("paste site")
            .setSourceKind("combolist").setLeakedTime(ts(clock.instant().minus(Duration.ofDays(1)))));
  }

  CredentialCheck check(String username, String password) {
    return checks().checkCredential(request(username, password).build()).getCheck();
  }

  CredentialCheck get(String checkId) {
    return checks().getCredentialCheck(GetCredentialCheckRequest.newBuilder().setTenantId(tenant)
        .setCheckId(checkId).build()).getCheck();
  }

  /** Polls the check until {@code done} holds (workers decide in the background). */
  CredentialCheck awaitCheck(String checkId, java.util.function.Predicate<CredentialCheck> done) {
    CredentialCheck[] last = new CredentialCheck[1];
    await("check " + checkId + " to settle", () -> done.test(last[0] = get(checkId)));
    return last[0];
  }

  static boolean decided(CredentialCheck c) {
    return c.hasDecideTime();
  }

  static boolean waits(CredentialCheck c) {
    return c.getOutcome() == CheckOutcome.CHECK_OUTCOME_PENDING || c.getOutcome() == CheckOutcome.CHECK_OUTCOME_THROTTLED
        || c.getOutcome() == CheckOutcome.CHECK_OUTCOME_UNVERIFIED;
  }

  /** Checks of the tenant that are due (next attempt at or before the test clock) or held by a worker. */
  long dueOrBusy() {
    return Await.result(pool.preparedQuery("""
        SELECT count(*) FROM credential_checks
        WHERE tenant_id = $1 AND outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED')
          AND (next_attempt_time <= $2 OR lease_owner IS NOT NULL)
        """).execute(Tuple.of(tenant, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))))
        .iterator().next().getLong(0);
  }

  /** Waits until the workers have taken every due check (and finished them). */
  void awaitQuiet() {
    await("workers to drain due checks", () -> dueOrBusy() == 0);
  }

  Map<String, Long> outcomes() {
    Map<String, Long> out = new HashMap<>();
    Await.result(pool.preparedQuery("SELECT outcome, count(*) FROM credential_checks WHERE tenant_id = $1 GROUP BY 1")
        .execute(Tuple.of(tenant))).forEach(r -> out.put(r.getString(0), r.getLong(1)));
    return out;
  }

  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static Timestamp ts(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  @Override
  public void close() {
    for (RunningService s : services) {
      try {
        s.close();
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
    Await.result(sim.stop());
    Await.result(pool.close());
    Await.result(vertx.close());
  }
}
