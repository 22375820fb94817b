package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.App;
import io.flare.iem.config.AppConfig;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ScriptedDomains;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The round trips a check that reaches Okta costs, counted by a Vert.x tracer on the service's
 * Vert.x (every SQL statement, Redis command and HTTP request it sends): a regression guard, so a
 * change that adds a statement or a Redis call to the path shows up here. The ceiling is what the
 * path costs today; lower it when a change saves a round trip. Statements of the background work
 * (queue workers, the sync scheduler, metrics) are not the check's and are left out by their text.
 */
class RoundTripsTest {

  /**
   * SQL statements of one check that reaches Okta and is VALID (BEGIN and COMMIT are not traced),
   * besides the reads of the tenant's integration and settings: those come from a cache refreshed
   * every second (how many fall in the window depends on the machine's speed) and from the
   * mitigation's own reads, and are left out. 19 before the already-tested gate's reads were merged
   * and the daily counter was seeded in its script; 17 after that, before the exposure case a VALID
   * check opens (issue 16) added 5: the case, its first timeline event, its audit row, the open-cases
   * gauge's count and the risk-signal outbox's claim, kicked by the opening. 21 since the gauge counts
   * on a timer instead (at 300 checks/s, that count of every open case was half of Postgres' time).
   */
  static final int MAX_SQL = 21;
  /** The open exposure cases gauge's count: a whole-table count, never one per check. */
  static final String OPEN_CASES_COUNT = "SELECT count(*) FROM exposure_cases";
  /**
   * The daily cap's reservation (seeding a missing counter) and its confirmation before the call; 4
   * before (a missing counter cost a miss, a SET NX and a second reservation).
   */
  static final int MAX_REDIS = 2;
  /** The fresh user read and the authn call. */
  static final int MAX_HTTP = 2;

  private static final List<String> BACKGROUND = List.of("UPDATE credential_checks c SET lease_owner",
      "sync_runs", "WITH due AS", "SELECT outcome, count(*)", "SELECT t.tenant_id", "DELETE FROM",
      "password_ciphertext = NULL", "FROM integrations WHERE tenant_id = $1", "FROM tenants WHERE tenant_id = $1");

  /** Records what the service's Vert.x sends. */
  static final class Recording implements VertxTracer<Object, Object> {
    final ConcurrentLinkedQueue<String> sent = new ConcurrentLinkedQueue<>();

    @Override
    public <R> Object sendRequest(Context context, SpanKind kind, TracingPolicy policy, R request, String operation,
        BiConsumer<String, String> headers, TagExtractor<R> tags) {
      Map<String, String> t = tags.extract(request);
      String system = t.get("db.system");
      if (system == null) {
        sent.add("http " + operation);
      } else if ("redis".equals(system)) {
        sent.add("redis " + operation);
      } else {
        sent.add("sql " + t.getOrDefault("db.query.text", "?").strip().replaceAll("\\s+", " "));
      }
      return null;
    }
  }

  @Test
  void a_check_that_reaches_okta_costs_at_most_the_counted_round_trips() throws Exception {
    CallContext.init();
    Recording recording = new Recording();
    VertxTracerFactory factory = new VertxTracerFactory() {
      @Override
      public VertxTracer tracer(TracingOptions options) {
        return recording;
      }
    };
    AppConfig.Postgres pg = TestServers.newDatabase();
    Vertx vertx = Vertx.builder().withTracer(factory).build();
    Vertx simVertx = Vertx.vertx();
    App app = Await.result(App.start(vertx, TestServers.config(pg), java.time.Clock.systemUTC(),
        new ScriptedDomains()));
    OktaSimulator sim = Await.result(OktaSimulator.start(simVertx, new OktaSimulator.Options().users(0)
        .mixedStatuses(false)));
    sim.unlimited();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext()
        .intercept(RunningService.bearer(TestIssuer.shared().adminToken())).build();
    Pool pool = io.flare.iem.storage.Stores.postgres(simVertx, pg);
    String tenant = "round-trips";
    try {
      var integrations = IntegrationConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      integrations.updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
          .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000))
          .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap")).build());
      OktaSims.trust(sim.app(), "http://127.0.0.1:" + app.httpPort(), integrations.createIntegration(
          CreateIntegrationRequest.newBuilder().setTenantId(tenant).setIntegration(Integration.newBuilder()
              .setDisplayName("Round trips").setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())
              .setMaxDailyPasswordAttempts(2)).build()).getIntegration());
      Await.until(() -> !Await.result(pool.preparedQuery(
          "SELECT EXISTS (SELECT 1 FROM sync_runs WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING'))")
          .execute(Tuple.of(tenant))).iterator().next().getBoolean(0), Duration.ofSeconds(60), "the initial sync ended");
      int checks = 4;
      SimUser[] users = new SimUser[checks + 1];
      for (int i = 0; i <= checks; i++) {
        users[i] = sim.addUser("rt" + i + "@rt.example", "Round", "Trip" + i, "ACTIVE");
        sim.setPasswordChanged(users[i].id(), Instant.now().minus(Duration.ofDays(30)));
        Await.result(pool.preparedQuery("""
            INSERT INTO identities (tenant_id, okta_user_id, login, email, status, password_changed, monitored)
            VALUES ($1, $2, $3, $3, 'ACTIVE', now() - interval '30 days', true)
            """).execute(Tuple.of(tenant, users[i].id(), users[i].login())));
      }
      var stub = CredentialCheckServiceGrpc.newBlockingStub(channel);
      check(stub, tenant, users[0]); // the token, prepared statements and caches: not counted
      recording.sent.clear();
      for (int i = 1; i <= checks; i++) {
        check(stub, tenant, users[i]);
      }
      List<String> sent = recording.sent.stream()
          .filter(s -> BACKGROUND.stream().noneMatch(s::contains)).toList();
      long sql = sent.stream().filter(s -> s.startsWith("sql ")).count();
      long redis = sent.stream().filter(s -> s.startsWith("redis ")).count();
      long http = sent.stream().filter(s -> s.startsWith("http ")).count();
      String what = String.join("\n", sent);
      assertThat(sql).as("SQL statements of %d checks:%n%s", checks, what).isLessThanOrEqualTo((long) MAX_SQL * checks);
      assertThat(sent.stream().filter(s -> s.contains(OPEN_CASES_COUNT)).count())
          .as("counts of every open case during %d checks (the gauge's timer may fire once):%n%s", checks, what)
          .isLessThanOrEqualTo(1);
      assertThat(redis).as("Redis commands of %d checks:%n%s", checks, what)
          .isLessThanOrEqualTo((long) MAX_REDIS * checks);
      assertThat(http).as("HTTP requests of %d checks:%n%s", checks, what).isLessThanOrEqualTo((long) MAX_HTTP * checks);
    } finally {
      channel.shutdownNow();
      Await.result(sim.stop());
      Await.result(pool.close());
      Await.result(app.stop(), 30);
      Await.result(vertx.close());
      Await.result(simVertx.close());
    }
  }

  private static void check(CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub stub, String tenant,
      SimUser user) {
    var answer = stub.withDeadlineAfter(30, TimeUnit.SECONDS).checkCredential(CheckCredentialRequest.newBuilder()
        .setTenantId(tenant).setUsername(user.login()).setPassword(user.password())
        .setRequestId("rt-" + user.id()).build());
    assertThat(answer.getCheck().getOutcome()).as(answer.getCheck().getDetail())
        .isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
  }
}
