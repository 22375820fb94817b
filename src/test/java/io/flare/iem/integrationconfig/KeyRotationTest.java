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
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.IntegrationKey;
import io.flare.iem.v1.IntegrationKeyState;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.RotateIntegrationKeyRequest;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rotating an integration's key across Okta's cache of its JWKS (up to 5 minutes; the simulator
 * keeps a fetched set that long and does not fetch again for a key id it does not know): the new
 * key is published at once and signs only once that cache has surely seen it, so no token request
 * fails on the way; TestIntegration tells which key Okta accepts.
 */
class KeyRotationTest {

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

  @Test
  void a_new_key_signs_only_once_oktas_cache_has_seen_it_and_no_token_request_fails_on_the_way() {
    String tenant = "rotate-" + System.nanoTime();
    Integration created = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Okta")
            .setOktaDomain(sim.baseUrl()).setClientId(sim.app().clientId())).build()).getIntegration();
    OktaSims.trust(sim.app(), service, created);
    assertThat(sync(tenant).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED); // Okta cached the JWKS
    String first = created.getSigningKeys(0).getKeyId();
    Instant rotatedAt = CLOCK.instant();

    Integration rotated = service.integrations().rotateIntegrationKey(RotateIntegrationKeyRequest.newBuilder()
        .setTenantId(tenant).build()).getIntegration();

    assertThat(rotated.getJwksUrl()).isEqualTo(created.getJwksUrl());
    assertThat(rotated.getSigningKeysList()).extracting(IntegrationKey::getState).containsExactly(
        IntegrationKeyState.INTEGRATION_KEY_STATE_NEXT, IntegrationKeyState.INTEGRATION_KEY_STATE_ACTIVE);
    IntegrationKey next = rotated.getSigningKeys(0);
    Instant signsFrom = Instant.ofEpochSecond(next.getSignTime().getSeconds(), next.getSignTime().getNanos());
    assertThat(Duration.between(rotatedAt, signsFrom)).isBetween(IntegrationKeys.SIGN_AFTER.minusSeconds(1),
        IntegrationKeys.SIGN_AFTER.plusSeconds(1)).isGreaterThan(Duration.ofMinutes(5));
    assertThat(rotated.getSigningKeys(1).getKeyId()).isEqualTo(first);
    StatusRuntimeException again = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations()
        .rotateIntegrationKey(RotateIntegrationKeyRequest.newBuilder().setTenantId(tenant).build()));
    assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

    // right away: Okta's cached JWKS has only the first key, which still signs; new tokens work
    sim.expireAccessTokens();
    assertThat(sync(tenant).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    IntegrationCheck keys = keysCheck(tenant);
    assertThat(keys.getResult()).as(keys.getDetail()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(keys.getDetail()).contains("accepts the active key " + first).contains("not the next key "
        + next.getKeyId() + " yet");
    assertThat(sim.counters().tokensIssued(next.getKeyId())).isZero();

    // once the new key signs, Okta's copy of the JWKS is older than its cache keeps one: it has the key
    CLOCK.advance(IntegrationKeys.SIGN_AFTER);
    sim.ageClientJwksCache(IntegrationKeys.SIGN_AFTER);
    sim.expireAccessTokens();
    assertThat(sync(tenant).getState()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
    assertThat(sim.counters().tokensIssued(next.getKeyId())).as("tokens for the new key").isPositive();
    Integration after = get(tenant);
    assertThat(after.getSigningKeysList()).extracting(IntegrationKey::getKeyId, IntegrationKey::getState)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(next.getKeyId(),
                IntegrationKeyState.INTEGRATION_KEY_STATE_ACTIVE),
            org.assertj.core.groups.Tuple.tuple(first, IntegrationKeyState.INTEGRATION_KEY_STATE_RETIRING));
    IntegrationCheck switched = keysCheck(tenant);
    assertThat(switched.getDetail()).as(switched.getDetail()).contains("accepts the active key " + next.getKeyId());

    // an hour after the switch the first key is no longer published
    CLOCK.advance(IntegrationKeys.RETIRE_AFTER.plusSeconds(1));
    assertThat(get(tenant).getSigningKeysList()).extracting(IntegrationKey::getKeyId).containsExactly(next.getKeyId());
    assertThat(service.integrations().listAuditEvents(ListAuditEventsRequest.newBuilder().setTenantId(tenant)
        .build()).getAuditEventsList()).anySatisfy(e -> {
          assertThat(e.getAction()).isEqualTo("integration.key_rotate");
          assertThat(e.getDetailJson()).contains(next.getKeyId()).doesNotContain("\"d\"");
        });
  }

  static Integration get(String tenant) {
    return service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration();
  }

  static IntegrationCheck keysCheck(String tenant) {
    CLOCK.advance(IntegrationRules.TEST_INTERVAL); // TestIntegration runs once per interval per tenant
    return service.integrations().testIntegration(TestIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getChecksList().stream().filter(c -> c.getName().equals(SigningKeyChecks.NAME)).findFirst().orElseThrow();
  }

  static SyncRun sync(String tenant) {
    return sync(service, tenant);
  }

  /** A full sync, started now, to its end: it needs a token signed with the key that signs now. */
  static SyncRun sync(RunningService service, String tenant) {
    Await.until(() -> service.sync().listSyncRuns(io.flare.iem.v1.ListSyncRunsRequest.newBuilder()
        .setTenantId(tenant).build()).getSyncRunsList().stream().allMatch(KeyRotationTest::ended),
        Duration.ofSeconds(60), "earlier runs to end");
    SyncRun started = service.sync().startSync(StartSyncRequest.newBuilder().setTenantId(tenant)
        .setMode(SyncMode.SYNC_MODE_FULL).build()).getSyncRun();
    SyncRun[] last = new SyncRun[1];
    Await.until(() -> ended(last[0] = service.sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(tenant)
        .setSyncRunId(started.getSyncRunId()).build()).getSyncRun()), Duration.ofSeconds(30), "the sync to end");
    return last[0];
  }

  static boolean ended(SyncRun run) {
    return run.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED || run.getState() == SyncRunState.SYNC_RUN_STATE_FAILED
        || run.getState() == SyncRunState.SYNC_RUN_STATE_CANCELLED;
  }
}
