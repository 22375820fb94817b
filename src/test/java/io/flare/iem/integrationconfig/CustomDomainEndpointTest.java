package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.FieldMask;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimApp;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ScriptedDomains;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.AuditEvent;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestResult;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.text.ParseException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An integration whose okta_domain is the org's custom URL domain, through gRPC against the service
 * started with production wiring: the customer's domain is kept and shown, the canonical org it
 * resolved to is said, and every Okta call (tokens, client assertions, the sync, TestIntegration)
 * goes to that org. Every refusal is INVALID_ARGUMENT naming the field and the rule, and changes
 * nothing. DNS and the domains' servers are scripted ({@link ScriptedDomains}): nothing reaches
 * the internet.
 */
class CustomDomainEndpointTest {

  static final String CUSTOM = "login.acme-example.com";
  static final String HOSTILE = "52.9.9.9";
  static final AtomicInteger TENANTS = new AtomicInteger();

  static ScriptedDomains network;
  static RunningService service;
  static OktaSimulator sim;
  static HttpServer hostile;

  @BeforeAll
  static void start() {
    network = new ScriptedDomains();
    service = RunningService.start(TestServers.config(TestServers.newDatabase()), Clock.systemUTC(), network);
    sim = Await.result(OktaSimulator.start(service.vertx, new OktaSimulator.Options().users(30))).customDomain(CUSTOM);
    sim.app().jwksUrl(service.httpBase() + "/.well-known/jwks.json")
        .grantScopes("okta.users.read", "okta.users.manage", "okta.policies.read")
        .adminRole(SimApp.AdminRole.SUPER_ADMIN).noResourceSet();
    hostile = Await.result(service.vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> {
          String host = req.headers().get("Host");
          if (host.startsWith("nodoc.")) {
            req.response().setStatusCode(404).end();
          } else if (host.startsWith("elsewhere.")) {
            req.response().end(new JsonObject().put("id", "00o47wwoytgsDqEtz0g7").put("_links", new JsonObject()
                .put("organization", new JsonObject().put("href", "https://evil.example.net"))).encode());
          } else if (host.startsWith("redirect.")) {
            req.response().setStatusCode(302).putHeader("Location", "http://169.254.169.254/latest/meta-data/").end();
          } // slow.: never answers
        })
        .listen());
    network.resolves(CUSTOM, "52.1.2.3").servesHttp("52.1.2.3", sim.port())
        .resolves("private.acme-example.com", "10.0.0.8")
        .resolves("mixed.acme-example.com", "52.1.2.3", "192.168.1.20")
        .resolves("metadata.acme-example.com", "169.254.169.254")
        .resolves("nodoc.acme-example.com", HOSTILE)
        .resolves("elsewhere.acme-example.com", HOSTILE)
        .resolves("redirect.acme-example.com", HOSTILE)
        .resolves("slow.acme-example.com", HOSTILE)
        .servesHttp(HOSTILE, hostile.actualPort());
  }

  @AfterAll
  static void stop() {
    Await.result(hostile.close());
    Await.result(sim.stop());
    service.close();
  }

  static String newTenant() {
    return "tenant-cd-" + TENANTS.incrementAndGet();
  }

  static final java.util.List<String> CREATED = new java.util.ArrayList<>();

  /** An Okta app serves one tenant: each test's integration goes, so the next may use the app. */
  @org.junit.jupiter.api.AfterEach
  void deleteIntegrations() {
    for (String tenant : CREATED) {
      service.integrations().deleteIntegration(io.flare.iem.v1.DeleteIntegrationRequest.newBuilder()
          .setTenantId(tenant).build());
    }
    CREATED.clear();
  }

  static Integration create(String tenant, String domain) {
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Acme").setOktaDomain(domain)
            .setClientId(sim.app().clientId())).build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    CREATED.add(tenant);
    return created;
  }

  static Integration get(String tenant) {
    return service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration();
  }

  static Integration update(String tenant, Integration.Builder changes, String... paths) {
    return service.integrations().updateIntegration(UpdateIntegrationRequest.newBuilder().setTenantId(tenant)
        .setIntegration(changes).setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths))).build())
        .getIntegration();
  }

  static JsonObject audit(String tenant, String action) {
    List<AuditEvent> events = service.integrations().listAuditEvents(ListAuditEventsRequest.newBuilder()
        .setTenantId(tenant).build()).getAuditEventsList();
    return events.stream().filter(e -> e.getAction().equals(action)).reduce((a, b) -> b)
        .map(e -> new JsonObject(e.getDetailJson())).orElseThrow(() -> new AssertionError("no " + action));
  }

  static void assertRefused(StatusRuntimeException e, String rule) {
    assertThat(e).as("refused").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("integration.okta_domain: must be a host under *.okta.com")
        .contains("or a custom URL domain of your Okta org")
        .contains(rule);
  }

  static void awaitSyncSucceeded(String tenant) {
    long deadline = System.currentTimeMillis() + 60_000;
    SyncRunState state = SyncRunState.SYNC_RUN_STATE_UNSPECIFIED;
    while (System.currentTimeMillis() < deadline) {
      var runs = service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId(tenant).build())
          .getSyncRunsList();
      state = runs.isEmpty() ? state : runs.get(0).getState();
      if (state == SyncRunState.SYNC_RUN_STATE_SUCCEEDED || state == SyncRunState.SYNC_RUN_STATE_FAILED) {
        break;
      }
      try {
        Thread.sleep(50); // polls; the assertion below is on the state
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    assertThat(state).as("the initial sync").isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
  }

  /** The audiences of the client assertions the org received. */
  static List<String> assertionAudiences() {
    return sim.secrets().stream().map(secret -> {
      try {
        JWTClaimsSet claims = SignedJWT.parse(secret).getJWTClaimsSet();
        boolean assertion = sim.app().clientId().equals(claims.getIssuer())
            && sim.app().clientId().equals(claims.getSubject());
        return assertion ? claims.getAudience().get(0) : null;
      } catch (ParseException | RuntimeException notAJwt) {
        return null;
      }
    }).filter(Objects::nonNull).distinct().collect(Collectors.toList());
  }

  // ---- accepted -------------------------------------------------------------------------------

  @Test
  void a_custom_domain_is_kept_as_typed_and_every_okta_call_goes_to_the_org_it_resolved_to() {
    String tenant = newTenant();

    Integration created = create(tenant, CUSTOM);

    assertThat(created.getOktaDomain()).isEqualTo("https://" + CUSTOM);
    assertThat(created.getOktaOrgUrl()).isEqualTo(sim.baseUrl());
    assertThat(get(tenant).getOktaOrgUrl()).isEqualTo(sim.baseUrl());
    JsonObject after = audit(tenant, "integration.create").getJsonObject("after");
    assertThat(after.getString("okta_domain")).isEqualTo("https://" + CUSTOM);
    assertThat(after.getString("okta_org_url")).isEqualTo(sim.baseUrl());

    awaitSyncSucceeded(tenant); // the initial sync listed the org's users through its canonical URL
    assertThat(sim.counters().tokensIssued()).isPositive();
    assertThat(assertionAudiences()).containsExactly(sim.baseUrl() + "/oauth2/v1/token");
  }

  @Test
  void test_integration_works_on_a_custom_domain_integration() {
    String tenant = newTenant();
    create(tenant, "https://" + CUSTOM + "/");

    Map<String, IntegrationCheck> checks = service.integrations()
        .testIntegration(TestIntegrationRequest.newBuilder().setTenantId(tenant).build()).getChecksList().stream()
        .collect(Collectors.toMap(IntegrationCheck::getName, c -> c));

    assertThat(checks.get("okta_domain_reachable").getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(checks.get("token_obtained").getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(checks.values()).noneSatisfy(c -> assertThat(c.getResult()).as(c.getName() + ": " + c.getDetail())
        .isEqualTo(TestResult.TEST_RESULT_FAIL));
  }

  @Test
  void update_to_a_custom_domain_says_the_org_and_other_updates_keep_it_without_a_new_lookup() {
    String tenant = newTenant();
    create(tenant, sim.baseUrl());

    Integration moved = update(tenant, Integration.newBuilder().setOktaDomain(CUSTOM), "okta_domain");
    assertThat(moved.getOktaDomain()).isEqualTo("https://" + CUSTOM);
    assertThat(moved.getOktaOrgUrl()).isEqualTo(sim.baseUrl());
    JsonObject change = audit(tenant, "integration.update");
    assertThat(change.getJsonObject("before").getString("okta_domain")).isEqualTo(sim.baseUrl());
    assertThat(change.getJsonObject("after").getString("okta_domain")).isEqualTo("https://" + CUSTOM);
    assertThat(change.getJsonObject("after").getString("okta_org_url")).isEqualTo(sim.baseUrl());

    int lookups = network.lookups(CUSTOM);
    Integration renamed = update(tenant, Integration.newBuilder().setDisplayName("Acme, renamed"), "display_name");
    assertThat(renamed.getOktaDomain()).isEqualTo("https://" + CUSTOM);
    assertThat(renamed.getOktaOrgUrl()).isEqualTo(sim.baseUrl());
    assertThat(network.lookups(CUSTOM)).isEqualTo(lookups);

    Integration back = update(tenant, Integration.newBuilder().setOktaDomain(sim.baseUrl()), "okta_domain");
    assertThat(back.getOktaDomain()).isEqualTo(sim.baseUrl());
    assertThat(back.getOktaOrgUrl()).isEqualTo(sim.baseUrl());
  }

  // ---- refused --------------------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "private.acme-example.com| resolves to an address that is not public (private)",
      "mixed.acme-example.com| resolves to an address that is not public (private)",
      "metadata.acme-example.com| resolves to an address that is not public (link-local)",
      "unknown.acme-example.com| does not resolve in DNS",
      "nodoc.acme-example.com| serves no Okta org metadata at /.well-known/okta-organization (HTTP 404)",
      "elsewhere.acme-example.com| names an org URL that is not an https host under Okta's domains",
      "redirect.acme-example.com| with a redirect (HTTP 302), which is never followed",
      "slow.acme-example.com| did not answer within 5000 ms",
      "printer.local| is a special-use or internal name"})
  void a_custom_domain_that_fails_verification_is_refused_and_nothing_is_created(String domain, String rule) {
    String tenant = newTenant();

    assertRefused(catchThrowableOfType(StatusRuntimeException.class, () -> create(tenant, domain)), rule);

    StatusRuntimeException missing = catchThrowableOfType(StatusRuntimeException.class, () -> get(tenant));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void http_is_refused_for_a_custom_domain_as_for_okta_s() {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> create(newTenant(), "http://" + CUSTOM));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("integration.okta_domain: must use https");
  }

  @Test
  void an_update_to_a_refused_custom_domain_changes_nothing() {
    String tenant = newTenant();
    Integration before = create(tenant, CUSTOM);

    assertRefused(catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, Integration.newBuilder().setOktaDomain("private.acme-example.com"), "okta_domain")),
        "not public (private)");

    Integration after = get(tenant);
    assertThat(after.getOktaDomain()).isEqualTo("https://" + CUSTOM);
    assertThat(after.getOktaOrgUrl()).isEqualTo(sim.baseUrl());
    assertThat(after.getEtag()).isEqualTo(before.getEtag());
  }
}
