package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.FieldMask;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.GetIdentityRequest;
import io.flare.iem.v1.ListMitigationsRequest;
import io.flare.iem.v1.Mitigation;
import io.flare.iem.v1.MitigationAction;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.RejectMitigationRequest;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.flare.iem.v1.UserStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mitigation of a valid leaked password, seen from the simulated org: AUTOMATED clears sessions
 * (with OAuth tokens) and suspends at once; MANUAL waits for approval; a rejection leaves the user
 * untouched; failures are FAILED with Okta's error, and approving again retries. Lost replies and
 * users Okta cannot suspend: {@link IdempotentMitigationTest}.
 */
class MitigationTest {

  static CheckHarness automated;
  static CheckHarness manual;

  @BeforeAll
  static void start() {
    automated = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED));
    manual = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_MANUAL));
  }

  @AfterAll
  static void stop() {
    automated.close();
    manual.close();
  }

  @Test
  void automated_mode_clears_sessions_and_suspends_a_valid_hit_at_once() {
    CheckHarness.User u = automated.user("auto");

    CredentialCheck c = automated.check(u.login(), u.password());

    assertThat(c.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    Mitigation m = c.getMitigation();
    assertThat(m.getState()).as(m.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(m.getMode()).isEqualTo(MitigationMode.MITIGATION_MODE_AUTOMATED);
    assertThat(m.getActionsList()).containsExactly(MitigationAction.MITIGATION_ACTION_REVOKE_SESSIONS,
        MitigationAction.MITIGATION_ACTION_SUSPEND_USER);
    assertThat(m.getActor()).isEqualTo("system");
    assertThat(m.hasApplyTime()).isTrue();
    assertThat(automated.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(1);
    assertThat(automated.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isEqualTo(1);
    assertThat(automated.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThat(identityStatus(automated, u)).isEqualTo(UserStatus.USER_STATUS_SUSPENDED);
    assertThat(audits(automated, u)).containsExactly("mitigation.create AUTOMATED", "mitigation.revoke_sessions OK",
        "mitigation.suspend OK");
  }

  @Test
  void automated_mitigation_of_a_user_okta_cannot_suspend_clears_sessions_and_says_it_did_not_suspend() {
    CheckHarness.User u = automated.user("expired");
    automated.sim.setStatus(u.oktaUserId(), "PASSWORD_EXPIRED"); // a valid password, but not ACTIVE

    CredentialCheck c = automated.check(u.login(), u.password());

    assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(c.getDetail()).contains("PASSWORD_EXPIRED");
    Mitigation m = c.getMitigation();
    assertThat(m.getState()).isEqualTo(MitigationState.MITIGATION_STATE_PARTIALLY_APPLIED);
    assertThat(m.getErrorMessage()).contains("not suspended").contains("PASSWORD_EXPIRED");
    assertThat(automated.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(1);
    assertThat(identityStatus(automated, u)).isNotEqualTo(UserStatus.USER_STATUS_SUSPENDED);
    assertThat(audits(automated, u)).containsExactly("mitigation.create AUTOMATED", "mitigation.revoke_sessions OK",
        "mitigation.suspend FAILED", "mitigation.read_user PASSWORD_EXPIRED");
  }

  @Test
  void manual_mode_waits_for_approval_and_approving_applies_it_once() {
    CheckHarness.User u = manual.user("approve");

    CredentialCheck c = manual.check(u.login(), u.password());

    Mitigation pending = c.getMitigation();
    assertThat(pending.getState()).isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isZero();
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isZero();
    assertThat(identityStatus(manual, u)).isEqualTo(UserStatus.USER_STATUS_ACTIVE);
    assertThat(manual.checks().listMitigations(ListMitigationsRequest.newBuilder().setTenantId(manual.tenant)
        .setState(MitigationState.MITIGATION_STATE_PENDING_APPROVAL).build()).getMitigationsList())
        .extracting(Mitigation::getMitigationId).contains(pending.getMitigationId());

    Mitigation applied = approve(manual, pending.getMitigationId(), "alice@flare.example");
    Mitigation again = approve(manual, pending.getMitigationId(), "bob@flare.example");

    assertThat(applied.getState()).as(applied.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(applied.getActor()).isEqualTo("alice@flare.example");
    assertThat(again).isEqualTo(applied); // a no-op
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isEqualTo(1);
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(1);
    assertThat(manual.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThat(manual.get(c.getCheckId()).getMitigation()).isEqualTo(applied);
    assertThat(identityStatus(manual, u)).isEqualTo(UserStatus.USER_STATUS_SUSPENDED);
  }

  @Test
  void rejecting_leaves_the_user_untouched_and_a_rejected_mitigation_cannot_be_approved() {
    CheckHarness.User u = manual.user("reject");
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();

    Mitigation rejected = manual.checks().rejectMitigation(RejectMitigationRequest.newBuilder()
        .setTenantId(manual.tenant).setMitigationId(pending.getMitigationId()).setActor("carol@flare.example")
        .setReason("a test account").build()).getMitigation();

    assertThat(rejected.getState()).isEqualTo(MitigationState.MITIGATION_STATE_REJECTED);
    assertThat(rejected.getActor()).isEqualTo("carol@flare.example");
    assertThat(rejected.getRejectionReason()).isEqualTo("a test account");
    var refused = catchThrowableOfType(StatusRuntimeException.class,
        () -> approve(manual, pending.getMitigationId(), "alice@flare.example"));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isZero();
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isZero();
    assertThat(manual.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("ACTIVE");
  }

  @Test
  void a_missing_scope_leaves_the_mitigation_FAILED_and_approving_again_after_the_fix_applies_it() {
    CheckHarness.User u = manual.user("scope");
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();
    manual.sim.app().revokeScopes("okta.users.manage");
    manual.service().app.okta().forget(new io.flare.iem.okta.OktaApp(manual.tenant, manual.sim.baseUrl(),
        manual.sim.app().clientId()));
    Mitigation failed;
    try {
      failed = approve(manual, pending.getMitigationId(), "alice@flare.example");
    } finally {
      manual.sim.app().grantScopes("okta.users.manage");
    }

    assertThat(failed.getState()).isEqualTo(MitigationState.MITIGATION_STATE_FAILED);
    assertThat(failed.getErrorMessage()).contains("revoke sessions failed").contains("invalid_scope");
    assertThat(manual.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("ACTIVE");

    Mitigation applied = approve(manual, pending.getMitigationId(), "alice@flare.example");
    assertThat(applied.getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(applied.getErrorMessage()).isEmpty();
  }

  @Test
  void without_the_entitlement_at_decision_time_a_valid_hit_is_reported_but_not_mitigated() {
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED))) {
      h.service().integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(h.tenant)
          .setSettings(TenantSettings.newBuilder().setMitigationEnabled(false))
          .setUpdateMask(FieldMask.newBuilder().addPaths("mitigation_enabled")).build());
      CheckHarness.User u = h.user("unentitled");

      CredentialCheck c = h.check(u.login(), u.password());

      assertThat(c.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
      assertThat(c.hasMitigation()).isFalse();
      assertThat(c.getDetail()).contains("not mitigated").contains("entitled");
      assertThat(h.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isZero();
    }
  }

  @Test
  void a_mitigation_of_another_tenant_is_NOT_FOUND() {
    CheckHarness.User u = manual.user("other-tenant");
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();

    var e = catchThrowableOfType(StatusRuntimeException.class, () -> manual.checks().approveMitigation(
        ApproveMitigationRequest.newBuilder().setTenantId(automated.tenant).setMitigationId(pending.getMitigationId())
            .setActor("mallory").build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isZero();
  }

  private static Mitigation approve(CheckHarness h, String id, String actor) {
    return h.checks().approveMitigation(ApproveMitigationRequest.newBuilder().setTenantId(h.tenant)
        .setMitigationId(id).setActor(actor).build()).getMitigation();
  }

  /** "action outcome" of the user's mitigation audit rows, oldest first. */
  private static List<String> audits(CheckHarness h, CheckHarness.User u) {
    List<String> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery("""
        SELECT action, outcome, okta_request_id FROM audit_events
        WHERE tenant_id = $1 AND identity_id = $2 AND action LIKE 'mitigation.%'
        ORDER BY audit_event_id""").execute(Tuple.of(h.tenant, u.identityId())))) {
      if (!r.getString("action").equals("mitigation.create")) {
        assertThat(r.getString("okta_request_id")).as(r.getString("action")).isNotEmpty();
      }
      out.add(r.getString("action") + " " + r.getString("outcome"));
    }
    return out;
  }

  /** The identity's status as ListIdentities and GetIdentity show it. */
  private static UserStatus identityStatus(CheckHarness h, CheckHarness.User u) {
    return h.service().sync().getIdentity(GetIdentityRequest.newBuilder().setTenantId(h.tenant)
        .setIdentityId(u.identityId().toString()).build()).getIdentity().getStatus();
  }
}
