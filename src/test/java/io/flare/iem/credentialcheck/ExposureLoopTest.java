package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.oktasim.SimSecurityEvents;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.Exposure;
import io.flare.iem.v1.ExposureState;
import io.flare.iem.v1.GetExposureRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListExposuresRequest;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's loop end to end against the simulated org (acceptance 1 and 3): a valid leaked
 * password opens an exposure case, a signed risk signal raises the user's risk in Okta ITP, the
 * password changes in the org, the next sync resolves the case, a second signal lowers the risk,
 * and the user our mitigation suspended is ACTIVE again; a lost reply is sent again with the same
 * jti and the receiver ingests the event once.
 */
class ExposureLoopTest {

  CheckHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  /** AUTOMATED mitigation, with risk signals and restore after reset on, and the org's provider set up. */
  private CheckHarness loop() {
    h = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED));
    Integration current = h.service().integrations().getIntegration(GetIntegrationRequest.newBuilder()
        .setTenantId(h.tenant).build()).getIntegration();
    Integration updated = h.service().integrations().updateIntegration(UpdateIntegrationRequest.newBuilder()
        .setTenantId(h.tenant).setEtag(current.getEtag())
        .setIntegration(Integration.newBuilder().setRiskSignalsEnabled(true).setRestoreAfterReset(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("risk_signals_enabled").addPaths("restore_after_reset"))
        .build()).getIntegration();
    assertThat(updated.getRiskSignalsEnabled()).isTrue();
    assertThat(updated.getRestoreAfterReset()).isTrue();
    assertThat(updated.getSecurityEventIssuer()).isNotEmpty();
    // the Okta admin creates a Security Events Provider with the integration's issuer and JWKS URL
    h.sim.securityEvents().provider(updated.getSecurityEventIssuer(), OktaSims.localJwksUrl(h.service(), updated));
    return h;
  }

  @Test
  void a_valid_leak_opens_a_case_signals_okta_and_a_password_change_resolves_it_and_restores_the_user() {
    loop();
    CheckHarness.User u = h.user("leaky");

    CredentialCheck c = h.check(u.login(), u.password());

    assertThat(c.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(c.getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    Exposure open = onlyCase();
    assertThat(open.getState()).isEqualTo(ExposureState.EXPOSURE_STATE_OPEN);
    assertThat(open.getIdentityId()).isEqualTo(u.identityId().toString());
    assertThat(open.getCheckIdsList()).containsExactly(c.getCheckId());
    assertThat(open.getMitigationIdsList()).containsExactly(c.getMitigation().getMitigationId());
    CheckHarness.await("the raising signal sent", () -> !onlyCase().getSignalsList().isEmpty()
        && !onlyCase().getSignals(0).getState().equals("PENDING"));
    assertThat(onlyCase().getSignals(0).getState()).as(onlyCase().getSignals(0).getErrorMessage()).isEqualTo("SENT");
    CheckHarness.await("the raising signal", () -> h.sim.securityEvents().received().size() == 1);
    SimSecurityEvents.Received high = h.sim.securityEvents().received().get(0);
    assertThat(high.currentLevel()).isEqualTo("high");
    assertThat(high.previousLevel()).isEqualTo("low");
    assertThat(high.email()).isEqualTo(h.sim.user(u.oktaUserId()).orElseThrow().email());
    assertThat(high.reason()).contains("combolist").doesNotContain(u.password());
    assertThat(h.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
    CheckHarness.await("the suspension noted on the case", () -> timeline(open).contains("mitigation_applied"));

    h.sim.setPassword(u.oktaUserId(), "a-new-password-" + System.nanoTime()); // the user resets it
    h.service().sync().startSync(StartSyncRequest.newBuilder().setTenantId(h.tenant)
        .setMode(SyncMode.SYNC_MODE_FULL).setRequestId("sync-after-reset").build());

    CheckHarness.await("the case to resolve", () -> onlyCase().getState() == ExposureState.EXPOSURE_STATE_RESOLVED);
    CheckHarness.await("the lowering signal", () -> h.sim.securityEvents().received().size() == 2);
    SimSecurityEvents.Received low = h.sim.securityEvents().received().get(1);
    assertThat(low.currentLevel()).isEqualTo("low");
    assertThat(low.previousLevel()).isEqualTo("high");
    CheckHarness.await("the user restored", () -> "ACTIVE".equals(h.sim.user(u.oktaUserId()).orElseThrow().status()));
    assertThat(h.sim.counters().lifecycle(u.oktaUserId(), "unsuspend")).isEqualTo(1);
    CheckHarness.await("every step audited", () -> audits().size() == 5);
    assertThat(audits()).containsExactlyInAnyOrder("exposure.open OPEN", "exposure.risk_signal SENT",
        "exposure.resolve RESOLVED", "exposure.restore OK", "exposure.risk_signal SENT");
    Exposure resolved = onlyCase();
    assertThat(resolved.getRestored()).isTrue();
    assertThat(resolved.getSignalsList()).extracting(s -> s.getLevel() + " " + s.getState())
        .containsExactly("high SENT", "low SENT");
    assertThat(resolved.hasPasswordChangedTime()).isTrue();
  }

  @Test
  void a_user_someone_else_suspended_again_is_left_suspended_when_the_case_resolves() {
    loop();
    CheckHarness.User u = h.user("resuspended");
    h.check(u.login(), u.password());
    Exposure open = onlyCase();
    CheckHarness.await("the suspension noted on the case", () -> timeline(open).contains("mitigation_applied"));
    // an admin unsuspends the user, and later someone suspends it again, for reasons of their own
    h.sim.setStatus(u.oktaUserId(), "ACTIVE");
    CheckHarness.await("Okta's clock to move", () -> System.currentTimeMillis() > h.sim.user(u.oktaUserId())
        .orElseThrow().statusChangedMillis() + 5);
    h.sim.setStatus(u.oktaUserId(), "SUSPENDED");

    h.sim.setPassword(u.oktaUserId(), "a-new-password-" + System.nanoTime());
    h.service().sync().startSync(StartSyncRequest.newBuilder().setTenantId(h.tenant)
        .setMode(SyncMode.SYNC_MODE_FULL).setRequestId("sync-after-reset").build());

    CheckHarness.await("the case to resolve", () -> onlyCase().getState() == ExposureState.EXPOSURE_STATE_RESOLVED);
    CheckHarness.await("the restore decision audited", () -> audits().stream().anyMatch(a -> a.startsWith(
        "exposure.restore")));
    assertThat(audits()).contains("exposure.restore SKIPPED").doesNotContain("exposure.restore OK");
    assertThat(h.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThat(h.sim.counters().lifecycle(u.oktaUserId(), "unsuspend")).isZero();
    assertThat(onlyCase().getRestored()).isFalse();
  }

  @Test
  void a_lost_reply_is_sent_again_with_the_same_jti_and_the_receiver_ingests_it_once() {
    loop();
    h.sim.faults().loseReplyAfterApplying("security-events", 1);
    CheckHarness.User u = h.user("lost");

    h.check(u.login(), u.password());

    CheckHarness.await("the first, lost, delivery", () -> h.sim.securityEvents().posts() == 1);
    CheckHarness.await("the retry to be scheduled", () -> onlyCase().getSignals(0).getAttempts() == 1
        && !onlyCase().getSignals(0).getErrorMessage().isEmpty());
    h.clock.advance(Duration.ofSeconds(5)); // the service's clock reaches the retry
    CheckHarness.await("the retry", () -> onlyCase().getSignals(0).getState().equals("SENT"));
    assertThat(h.sim.securityEvents().posts()).isEqualTo(2);
    assertThat(h.sim.securityEvents().received()).hasSize(1);
    assertThat(h.sim.securityEvents().received().get(0).jti()).isEqualTo(onlyCase().getSignals(0).getJti());
    assertThat(onlyCase().getSignals(0).getAttempts()).isEqualTo(2);
    assertThat(audits()).contains("exposure.risk_signal RETRY", "exposure.risk_signal SENT");
  }

  private Exposure onlyCase() {
    List<Exposure> all = h.checks().listExposures(ListExposuresRequest.newBuilder().setTenantId(h.tenant).build())
        .getExposuresList();
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  private List<String> timeline(Exposure e) {
    return h.checks().getExposure(GetExposureRequest.newBuilder().setTenantId(h.tenant)
        .setExposureId(e.getExposureId()).build()).getExposure().getTimelineList().stream()
        .map(io.flare.iem.v1.ExposureEvent::getKind).toList();
  }

  private List<String> audits() {
    List<String> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery("""
        SELECT action, outcome FROM audit_events WHERE tenant_id = $1 AND action LIKE 'exposure.%'
        ORDER BY audit_event_id""").execute(Tuple.of(h.tenant)))) {
      out.add(r.getString("action") + " " + r.getString("outcome"));
    }
    return out;
  }
}
