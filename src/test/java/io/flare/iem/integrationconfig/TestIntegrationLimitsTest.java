package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestIntegrationResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TestIntegration shares the org's connection with sync and checks and never resets it (their
 * tokens, DPoP nonce and rate-limit state stay), and runs at most once per 10 seconds per tenant.
 */
class TestIntegrationLimitsTest {

  static final MutableClock CLOCK = new MutableClock(Instant.now());
  static RunningService service;
  static OktaSimulator sim;

  @BeforeAll
  static void start() {
    service = RunningService.start(TestServers.config(TestServers.newDatabase()), CLOCK);
    sim = Await.result(OktaSimulator.start(service.vertx, new OktaSimulator.Options().users(20)));
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    service.close();
  }

  static TestIntegrationResponse test(String tenant) {
    return service.integrations().testIntegration(TestIntegrationRequest.newBuilder().setTenantId(tenant).build());
  }

  @Test
  void test_integration_leaves_the_token_sync_and_checks_use_and_runs_once_per_interval_per_tenant() {
    String tenant = "limits-" + System.nanoTime();
    OktaSims.trust(sim.app(), service, service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Okta")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())).build()).getIntegration());
    assertThat(KeyRotationTest.sync(service, tenant).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);

    assertThat(test(tenant).getOk()).isTrue();
    long tokenRequests = sim.counters().requests("POST /oauth2/v1/token");
    assertThat(KeyRotationTest.sync(service, tenant).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);

    assertThat(sim.counters().requests("POST /oauth2/v1/token"))
        .as("token requests of the sync after TestIntegration: it still had its token").isEqualTo(tokenRequests);

    StatusRuntimeException again = catchThrowableOfType(StatusRuntimeException.class, () -> test(tenant));
    assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(again.getStatus().getDescription()).contains("less than 10 seconds ago");
    long requests = sim.counters().requests().values().stream().mapToLong(Long::longValue).sum();
    long tokens = sim.counters().tokensIssued();
    CLOCK.advance(IntegrationRules.TEST_INTERVAL);
    assertThat(test(tenant).getOk()).isTrue();
    assertThat(sim.counters().requests().values().stream().mapToLong(Long::longValue).sum())
        .as("the refused call sent nothing to Okta; the next one did").isGreaterThan(requests);
    assertThat(sim.counters().tokensIssued() - tokens)
        .as("tokens Okta issued to the second TestIntegration: its question about the active key only; every"
            + " other check used the tokens the connection already had").isEqualTo(1);
  }
}
