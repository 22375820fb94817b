package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import io.flare.iem.oktasim.SimApp;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.Mitigation;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Accounts we never suspend alone (issue 16.3): in AUTOMATED mode, a valid leaked password of a
 * member of a protected group, of an Okta admin (where the app may list admins) or of a protected
 * login gets a mitigation that waits for a person's approval, saying why, and the user stays ACTIVE;
 * an unprotected user in the same run is suspended at once. The membership is read by a sync.
 */
class ProtectedAccountsTest {

  private static final String BREAK_GLASS = "00gBreakGlass0000001";
  private static final String GONE = "00gNoSuchGroup000001";

  private CheckHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void a_protected_group_member_waits_for_approval_while_an_unprotected_user_is_suspended() {
    h = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED)
        .sim(o -> o.scopes("okta.users.read", "okta.users.manage", "okta.policies.read", "okta.groups.read")));
    CheckHarness.User member = h.user("breakglass");
    CheckHarness.User plain = h.user("plain");
    h.sim.groups().group(BREAK_GLASS, member.oktaUserId());
    protect(List.of(GONE, BREAK_GLASS), List.of());
    sync();

    CredentialCheck held = h.check(member.login(), member.password());
    CredentialCheck applied = h.check(plain.login(), plain.password());

    assertThat(held.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    Mitigation waiting = held.getMitigation();
    assertThat(waiting.getState()).isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
    assertThat(waiting.getMode()).isEqualTo(MitigationMode.MITIGATION_MODE_AUTOMATED);
    assertThat(waiting.getApprovalReason()).contains("member of protected group " + BREAK_GLASS);
    assertThat(held.getDetail()).contains("waits for approval");
    assertThat(h.sim.user(member.oktaUserId()).orElseThrow().status()).isEqualTo("ACTIVE");
    assertThat(h.sim.counters().lifecycle(member.oktaUserId(), "suspend")).isZero();
    assertThat(h.sim.counters().lifecycle(member.oktaUserId(), "sessions+oauthTokens")).isZero();
    assertThat(audits(member)).containsExactly("mitigation.create AUTOMATED");

    assertThat(applied.getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(applied.getMitigation().getApprovalReason()).isEmpty();
    assertThat(h.sim.user(plain.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");

    // a person approves: then it is applied
    Mitigation approved = h.checks().approveMitigation(ApproveMitigationRequest.newBuilder().setTenantId(h.tenant)
        .setMitigationId(waiting.getMitigationId()).setActor("alice@flare.example").build()).getMitigation();
    assertThat(approved.getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(h.sim.user(member.oktaUserId()).orElseThrow().status()).isEqualTo("SUSPENDED");
  }

  @Test
  void an_okta_admin_and_a_protected_login_wait_for_approval_too() {
    h = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED)
        .sim(o -> o.scopes("okta.users.read", "okta.users.manage", "okta.policies.read", "okta.roles.read")));
    CheckHarness.User admin = h.user("admin");
    CheckHarness.User listed = h.user("listed");
    h.sim.groups().assignAdminRole(admin.oktaUserId());
    protect(List.of(), List.of(listed.login().toUpperCase(java.util.Locale.ROOT)));
    sync();

    Mitigation forAdmin = h.check(admin.login(), admin.password()).getMitigation();
    Mitigation forListed = h.check(listed.login(), listed.password()).getMitigation();

    assertThat(forAdmin.getState()).isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
    assertThat(forAdmin.getApprovalReason()).contains("holds an Okta admin role");
    assertThat(forListed.getState()).isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
    assertThat(forListed.getApprovalReason()).contains("protected_logins");
    assertThat(h.sim.user(admin.oktaUserId()).orElseThrow().status()).isEqualTo("ACTIVE");
    assertThat(h.sim.user(listed.oktaUserId()).orElseThrow().status()).isEqualTo("ACTIVE");
  }

  @Test
  void a_group_read_that_fails_keeps_the_members_last_read_protected() {
    h = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED)
        .sim(o -> o.scopes("okta.users.read", "okta.users.manage", "okta.policies.read", "okta.groups.read")));
    CheckHarness.User member = h.user("kept");
    h.sim.groups().group(BREAK_GLASS, member.oktaUserId());
    protect(List.of(BREAK_GLASS), List.of());
    sync();
    h.sim.app().adminRole(SimApp.AdminRole.HELP_DESK_ADMIN); // may no longer view groups: 403 on the read
    sync();

    Mitigation m = h.check(member.login(), member.password()).getMitigation();

    assertThat(m.getState()).isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
    assertThat(m.getApprovalReason()).contains(BREAK_GLASS);
  }

  @Test
  void test_integration_fails_a_protected_group_that_does_not_exist_and_warns_when_admins_cannot_be_listed() {
    h = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED)
        .sim(o -> o.scopes("okta.users.read", "okta.users.manage", "okta.policies.read", "okta.groups.read")));
    h.sim.groups().group(BREAK_GLASS);
    protect(List.of(BREAK_GLASS, GONE), List.of());

    var check = h.service().integrations().testIntegration(io.flare.iem.v1.TestIntegrationRequest.newBuilder()
        .setTenantId(h.tenant).build()).getChecksList().stream()
        .filter(c -> c.getName().equals("protected_accounts")).findFirst().orElseThrow();

    assertThat(check.getResult()).isEqualTo(io.flare.iem.v1.TestResult.TEST_RESULT_FAIL);
    assertThat(check.getDetail()).contains("group " + GONE + " does not exist").doesNotContain(BREAK_GLASS);
  }

  private void protect(List<String> groups, List<String> logins) {
    Integration current = h.service().integrations().getIntegration(
        io.flare.iem.v1.GetIntegrationRequest.newBuilder().setTenantId(h.tenant).build()).getIntegration();
    Integration updated = h.service().integrations().updateIntegration(UpdateIntegrationRequest.newBuilder()
        .setTenantId(h.tenant)
        .setIntegration(Integration.newBuilder().addAllProtectedGroupIds(groups).addAllProtectedLogins(logins))
        .setUpdateMask(FieldMask.newBuilder().addPaths("protected_group_ids").addPaths("protected_logins"))
        .setEtag(current.getEtag())
        .build()).getIntegration();
    assertThat(updated.getProtectedGroupIdsList()).containsExactlyElementsOf(groups);
    assertThat(updated.getProtectedLoginsList()).containsExactlyElementsOf(logins);
  }

  /** An incremental sync, to its end; it must succeed. */
  private void sync() {
    SyncRun started = h.service().sync().startSync(StartSyncRequest.newBuilder().setTenantId(h.tenant)
        .setMode(SyncMode.SYNC_MODE_INCREMENTAL).build()).getSyncRun();
    CheckHarness.await("the sync of " + h.tenant, () -> ended(h.service().sync().getSyncRun(GetSyncRunRequest
        .newBuilder().setTenantId(h.tenant).setSyncRunId(started.getSyncRunId()).build()).getSyncRun()));
    SyncRun run = h.service().sync().getSyncRun(GetSyncRunRequest.newBuilder().setTenantId(h.tenant)
        .setSyncRunId(started.getSyncRunId()).build()).getSyncRun();
    assertThat(run.getState()).as(run.getErrorMessage()).isEqualTo(SyncRunState.SYNC_RUN_STATE_SUCCEEDED);
  }

  private static boolean ended(SyncRun run) {
    return run.getState() == SyncRunState.SYNC_RUN_STATE_SUCCEEDED || run.getState() == SyncRunState.SYNC_RUN_STATE_FAILED
        || run.getState() == SyncRunState.SYNC_RUN_STATE_CANCELLED;
  }

  private List<String> audits(CheckHarness.User u) {
    List<String> out = new ArrayList<>();
    for (Row row : Await.result(h.pool.preparedQuery("""
        SELECT action, outcome FROM audit_events WHERE tenant_id = $1 AND identity_id = $2
          AND action LIKE 'mitigation.%' ORDER BY audit_event_id""").execute(Tuple.of(h.tenant, u.identityId())))) {
      out.add(row.getString("action") + " " + row.getString("outcome"));
    }
    return out;
  }
}
