package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.GetIdentityRequest;
import io.flare.iem.v1.Mitigation;
import io.flare.iem.v1.MitigationAction;
import io.flare.iem.v1.MitigationActionOutcome;
import io.flare.iem.v1.MitigationActionResult;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.UserStatus;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mitigation against an org that behaves as Okta does: lifecycle calls are not idempotent (a second
 * suspend is 400 E0000001) and replies get lost after the change was applied. The user's status read
 * back decides; clearing sessions is simply sent again; a user Okta cannot suspend gets its sessions
 * cleared and a PARTIALLY_APPLIED mitigation; Universal Logout runs where the app is granted it.
 */
class IdempotentMitigationTest {

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
  void a_suspension_whose_reply_was_lost_is_APPLIED_once_okta_shows_the_user_suspended() {
    CheckHarness.User u = automated.user("lost-suspend");
    automated.sim.faults().loseReplyAfterApplying("suspend", 1);

    CredentialCheck c = automated.check(u.login(), u.password());

    assertThat(c.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    Mitigation m = c.getMitigation();
    assertThat(m.getState()).as(m.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(m.getErrorMessage()).isEmpty();
    assertThat(automated.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isEqualTo(1); // never suspended twice
    assertThat(automated.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThat(result(m, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getOutcome())
        .isEqualTo(MitigationActionOutcome.MITIGATION_ACTION_OUTCOME_DONE);
    assertThat(result(m, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getDetail()).contains("SUSPENDED", "lost");
    assertThat(identityStatus(automated, u)).isEqualTo(UserStatus.USER_STATUS_SUSPENDED);
    Map<String, String> audits = audits(automated, u);
    assertThat(audits.keySet()).containsExactly("mitigation.create AUTOMATED", "mitigation.revoke_sessions OK",
        "mitigation.suspend FAILED", "mitigation.read_user SUSPENDED");
    assertThat(audits.get("mitigation.read_user SUSPENDED")).isNotEmpty(); // Okta's request id of the read
  }

  @Test
  void approving_the_mitigation_of_a_user_already_suspended_in_okta_is_APPLIED_not_FAILED() {
    CheckHarness.User u = manual.user("already-suspended");
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();
    manual.sim.setStatus(u.oktaUserId(), "SUSPENDED"); // an admin was faster: a suspend now answers 400 E0000001

    Mitigation applied = approve(manual, pending.getMitigationId());

    assertThat(applied.getState()).as(applied.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(result(applied, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getOutcome())
        .isEqualTo(MitigationActionOutcome.MITIGATION_ACTION_OUTCOME_DONE);
    assertThat(result(applied, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getOktaRequestId()).isNotEmpty();
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(1);
    assertThat(audits(manual, u).keySet()).contains("mitigation.suspend FAILED", "mitigation.read_user SUSPENDED");
  }

  @Test
  void a_lost_reply_to_clearing_sessions_is_sent_again_and_the_mitigation_applied() {
    CheckHarness.User u = automated.user("lost-sessions");
    automated.sim.faults().loseReplyAfterApplying("sessions", 1);

    Mitigation m = automated.check(u.login(), u.password()).getMitigation();

    assertThat(m.getState()).as(m.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(automated.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(2);
    assertThat(automated.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
  }

  @ParameterizedTest
  @ValueSource(strings = {"LOCKED_OUT", "PASSWORD_EXPIRED", "RECOVERY", "PROVISIONED", "STAGED"})
  void a_user_okta_cannot_suspend_gets_its_sessions_cleared_and_a_PARTIALLY_APPLIED_mitigation(String status) {
    CheckHarness.User u = manual.user("cannot-suspend-" + status.toLowerCase(java.util.Locale.ROOT));
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();
    manual.sim.setStatus(u.oktaUserId(), status);

    Mitigation partial = approve(manual, pending.getMitigationId());

    assertThat(partial.getState()).as(partial.getErrorMessage())
        .isEqualTo(MitigationState.MITIGATION_STATE_PARTIALLY_APPLIED);
    assertThat(partial.getErrorMessage()).contains("not suspended", status, "sessions and OAuth tokens were cleared");
    assertThat(result(partial, MitigationAction.MITIGATION_ACTION_REVOKE_SESSIONS).getOutcome())
        .isEqualTo(MitigationActionOutcome.MITIGATION_ACTION_OUTCOME_DONE);
    assertThat(result(partial, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getOutcome())
        .isEqualTo(MitigationActionOutcome.MITIGATION_ACTION_OUTCOME_NOT_POSSIBLE);
    assertThat(result(partial, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getDetail()).contains(status);
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(1);
    assertThat(manual.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo(status);
    assertThat(identityStatus(manual, u)).isNotEqualTo(UserStatus.USER_STATUS_SUSPENDED);
  }

  @Test
  void a_PARTIALLY_APPLIED_mitigation_approved_again_once_the_user_is_active_suspends_it() {
    CheckHarness.User u = manual.user("unlocked-later");
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();
    manual.sim.lock(u.oktaUserId());
    assertThat(approve(manual, pending.getMitigationId()).getState())
        .isEqualTo(MitigationState.MITIGATION_STATE_PARTIALLY_APPLIED);
    manual.sim.unlock(u.oktaUserId());

    Mitigation applied = approve(manual, pending.getMitigationId());

    assertThat(applied.getState()).as(applied.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(manual.sim.user(u.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "sessions+oauthTokens")).isEqualTo(2);
  }

  @Test
  void a_deprovisioned_user_counts_as_suspended() {
    CheckHarness.User u = manual.user("deprovisioned");
    Mitigation pending = manual.check(u.login(), u.password()).getMitigation();
    manual.sim.deprovision(u.oktaUserId());

    Mitigation applied = approve(manual, pending.getMitigationId());

    assertThat(applied.getState()).as(applied.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(result(applied, MitigationAction.MITIGATION_ACTION_SUSPEND_USER).getDetail()).contains("DEPROVISIONED");
  }

  @Test
  void universal_logout_runs_where_the_org_offers_it_and_the_app_is_granted_it() {
    CheckHarness.User without = automated.user("no-universal-logout");
    Mitigation plain = automated.check(without.login(), without.password()).getMitigation();
    CheckHarness.User with = automated.user("universal-logout");
    automated.sim.universalLogoutOffered(true);
    automated.sim.app().grantScopes("okta.universalLogout.manage");
    Mitigation m;
    try {
      m = automated.check(with.login(), with.password()).getMitigation();
    } finally {
      automated.sim.app().revokeScopes("okta.universalLogout.manage");
      automated.sim.universalLogoutOffered(false);
    }

    assertThat(plain.getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(result(plain, MitigationAction.MITIGATION_ACTION_UNIVERSAL_LOGOUT).getOutcome())
        .isEqualTo(MitigationActionOutcome.MITIGATION_ACTION_OUTCOME_UNAVAILABLE);
    assertThat(result(plain, MitigationAction.MITIGATION_ACTION_UNIVERSAL_LOGOUT).getDetail())
        .contains("okta.universalLogout.manage");
    assertThat(automated.sim.counters().lifecycle(without.oktaUserId(), "global-token-revocation")).isZero();

    assertThat(m.getState()).as(m.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(m.getActionResultsList()).extracting(MitigationActionResult::getAction).containsExactly(
        MitigationAction.MITIGATION_ACTION_REVOKE_SESSIONS, MitigationAction.MITIGATION_ACTION_UNIVERSAL_LOGOUT,
        MitigationAction.MITIGATION_ACTION_SUSPEND_USER);
    assertThat(result(m, MitigationAction.MITIGATION_ACTION_UNIVERSAL_LOGOUT).getOutcome())
        .isEqualTo(MitigationActionOutcome.MITIGATION_ACTION_OUTCOME_DONE);
    assertThat(automated.sim.counters().lifecycle(with.oktaUserId(), "global-token-revocation")).isEqualTo(1);
    Map<String, String> audits = audits(automated, with);
    assertThat(audits.keySet()).containsExactly("mitigation.create AUTOMATED", "mitigation.revoke_sessions OK",
        "mitigation.universal_logout OK", "mitigation.suspend OK");
    assertThat(audits.get("mitigation.universal_logout OK")).isNotEmpty();
  }

  private static MitigationActionResult result(Mitigation m, MitigationAction action) {
    return m.getActionResultsList().stream().filter(r -> r.getAction() == action).findFirst()
        .orElseThrow(() -> new AssertionError("no result for " + action + " in " + m.getActionResultsList()));
  }

  private static Mitigation approve(CheckHarness h, String id) {
    return h.checks().approveMitigation(ApproveMitigationRequest.newBuilder().setTenantId(h.tenant)
        .setMitigationId(id).setActor("alice@flare.example").build()).getMitigation();
  }

  /** "action outcome" of the user's mitigation audit rows, oldest first, each with its Okta request id. */
  private static Map<String, String> audits(CheckHarness h, CheckHarness.User u) {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> seen = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery("""
        SELECT action, outcome, okta_request_id FROM audit_events
        WHERE tenant_id = $1 AND identity_id = $2 AND action LIKE 'mitigation.%'
        ORDER BY audit_event_id""").execute(Tuple.of(h.tenant, u.identityId())))) {
      String key = r.getString("action") + " " + r.getString("outcome");
      seen.add(key);
      out.put(key, r.getString("okta_request_id"));
    }
    assertThat(out).as("one row per step: " + seen).hasSameSizeAs(seen);
    return out;
  }

  private static UserStatus identityStatus(CheckHarness h, CheckHarness.User u) {
    return h.service().sync().getIdentity(GetIdentityRequest.newBuilder().setTenantId(h.tenant)
        .setIdentityId(u.identityId().toString()).build()).getIdentity().getStatus();
  }
}
