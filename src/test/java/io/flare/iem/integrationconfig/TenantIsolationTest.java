package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestResult;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One tenant can never act in another customer's Okta org. The attack: tenant "attacker" names
 * another customer's Okta domain and service-app client id (neither is a secret). Each integration
 * signs with a key of its own, served at its own JWKS URL only, and the victim's app trusts the
 * victim's URL: the attacker gets no token, so no identity and no authn call. One Okta app serving
 * one tenant refuses the attacker before that; the first test takes that guard away to show the
 * key alone stops it.
 */
class TenantIsolationTest {

  static RunningService service;
  static OktaSimulator sim;
  static Pool pool;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    service = RunningService.start();
    sim = Await.result(OktaSimulator.start(service.vertx, new OktaSimulator.Options().users(150)
        .mixedStatuses(false)));
    pool = Stores.postgres(service.vertx, service.config.postgres().orElseThrow());
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    service.close();
  }

  static Integration create(String tenant, String oktaDomain, String clientId) {
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(1000).setTimeZone("UTC")
            .setNightlySyncHour(2).setFullSyncIntervalDays(7)).build());
    return service.integrations().createIntegration(CreateIntegrationRequest.newBuilder().setTenantId(tenant)
        .setIntegration(Integration.newBuilder().setDisplayName("Okta").setOktaDomain(oktaDomain)
            .setClientId(clientId)).build()).getIntegration();
  }

  static long identities(String tenant) {
    return service.sync().listIdentities(ListIdentitiesRequest.newBuilder().setTenantId(tenant).setPageSize(1000)
        .build()).getIdentitiesCount();
  }

  @Test
  void a_tenant_naming_another_customers_okta_app_gets_no_token_no_identity_and_no_authn_call() throws Exception {
    Integration victim = create("victim", sim.baseUrl(), sim.app().clientId());
    OktaSims.trust(sim.app(), service, victim); // the victim's admin registers the victim's own JWKS URL
    Await.until(() -> identities("victim") == 150, Duration.ofSeconds(60), "the victim's users synced");

    // without the one-app-one-tenant guard, the attacker's integration is stored; only the key stands
    Await.result(pool.query("DROP INDEX integration_directory_okta_app").execute());
    try {
      Integration attacker = create("attacker", sim.baseUrl(), sim.app().clientId());
      String attackerKey = attacker.getSigningKeys(0).getKeyId();
      assertThat(attackerKey).isNotEqualTo(victim.getSigningKeys(0).getKeyId());

      Map<String, IntegrationCheck> checks = service.integrations()
          .testIntegration(TestIntegrationRequest.newBuilder().setTenantId("attacker").build())
          .getChecksList().stream().collect(Collectors.toMap(IntegrationCheck::getName, c -> c));
      assertThat(checks.get("token_obtained").getResult()).isEqualTo(TestResult.TEST_RESULT_FAIL);
      assertThat(checks.get("token_obtained").getDetail()).contains("kid");
      assertThat(checks.get("signing_keys_accepted").getResult()).isEqualTo(TestResult.TEST_RESULT_FAIL);
      assertThat(checks.get("users_visible").getResult()).isEqualTo(TestResult.TEST_RESULT_SKIPPED);

      SimUser employee = sim.user(sim.userId(7)).orElseThrow();
      CredentialCheck leak = service.checks().checkCredential(CheckCredentialRequest.newBuilder()
          .setTenantId("attacker").setUsername(employee.login()).setPassword(sim.password(employee.id()))
          .setRequestId("attack-1").build()).getCheck();

      assertThat(leak.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
      assertThat(identities("attacker")).isZero();
      assertThat(service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder().setTenantId("attacker").build())
          .getSyncRunsList()).noneMatch(r -> r.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
      assertThat(sim.counters().tokensIssued(attackerKey)).as("tokens Okta gave the attacker's key").isZero();
      assertThat(sim.counters().authnCalls(employee.login())).isZero();
      assertThat(identities("victim")).isEqualTo(150);
    } finally {
      Await.result(pool.query("DELETE FROM integrations WHERE tenant_id = 'attacker'").execute()
          .compose(x -> pool.query("DELETE FROM integration_directory WHERE tenant_id = 'attacker'").execute())
          .compose(x -> pool.query("CREATE UNIQUE INDEX integration_directory_okta_app ON integration_directory"
              + " (lower(okta_domain), client_id) WHERE okta_domain IS NOT NULL").execute()));
    }
  }

  @Test
  void an_okta_app_serves_one_tenant_and_a_second_is_refused_without_learning_which() {
    Integration first = create("holder-" + System.nanoTime(), "https://holder-org.okta.com", "0oaHolderApp00000001");

    StatusRuntimeException created = catchThrowableOfType(StatusRuntimeException.class,
        () -> create("second-" + System.nanoTime(), "HTTPS://Holder-Org.okta.com/", "0oaHolderApp00000001"));
    String other = "other-" + System.nanoTime();
    create(other, "https://other-org.okta.com", "0oaOtherApp000000001");
    StatusRuntimeException moved = catchThrowableOfType(StatusRuntimeException.class,
        () -> service.integrations().updateIntegration(UpdateIntegrationRequest.newBuilder().setTenantId(other)
            .setIntegration(Integration.newBuilder().setOktaDomain("holder-org.okta.com")
                .setClientId("0oaHolderApp00000001"))
            .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("okta_domain").addPaths("client_id"))
            .build()));

    for (StatusRuntimeException refused : List.of(created, moved)) {
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
      assertThat(refused.getStatus().getDescription()).startsWith("integration.client_id:")
          .contains("already connected to another Flare tenant").doesNotContain(first.getIntegrationId())
          .doesNotContain("holder-");
    }
  }

  @Test
  void the_shared_jwks_url_serves_no_integration_key_and_each_integration_url_serves_its_own_only() throws Exception {
    Integration a = create("keys-a-" + System.nanoTime(), "https://keys-a.okta.com", "0oaKeysApp0000000001");
    Integration b = create("keys-b-" + System.nanoTime(), "https://keys-b.okta.com", "0oaKeysApp0000000002");

    assertThat(kids(service.httpBase() + "/.well-known/jwks.json")).isEmpty();
    assertThat(kids(OktaSims.localJwksUrl(service, a))).containsExactly(a.getSigningKeys(0).getKeyId());
    assertThat(kids(OktaSims.localJwksUrl(service, b))).containsExactly(b.getSigningKeys(0).getKeyId());
    assertThat(a.getJwksUrl()).isNotEqualTo(b.getJwksUrl());
  }

  static List<String> kids(String url) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonArray("keys").stream()
        .map(k -> ((JsonObject) k).getString("kid")).toList();
  }
}
