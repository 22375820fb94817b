package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.IdentitySyncServiceGrpc;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.Mitigation;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.RejectMitigationRequest;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.SyncRun;
import io.flare.iem.v1.SyncTrigger;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who did it: approving or rejecting a mitigation needs the {@code iem.mitigations.approve} scope
 * and records the caller's verified identity (the token's {@code sub}) beside the request's actor,
 * a display name; work queued by a caller (a check a worker decides later, the mitigation it leads
 * to, a sync run) is audited with that caller, never as "system".
 */
class WhoDidItTest {

  static final TestIssuer issuer = TestIssuer.shared();
  static CheckHarness manual;
  static CheckHarness automated;

  @BeforeAll
  static void start() {
    manual = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_MANUAL));
    automated = CheckHarness.start(CheckHarness.setup().mode(MitigationMode.MITIGATION_MODE_AUTOMATED)
        .maxDaily(1).lockoutThreshold(10));
  }

  @AfterAll
  static void stop() {
    manual.close();
    automated.close();
  }

  @Test
  void approving_or_rejecting_without_the_approve_scope_is_refused_naming_it_and_changes_nothing() {
    CheckHarness.User u = manual.user("no-scope");
    CredentialCheck c = manual.check(u.login(), u.password());
    var reader = checksAs(manual, "analyst-7", "iem.read iem.write");

    var approve = catchThrowableOfType(StatusRuntimeException.class, () -> reader.approveMitigation(
        ApproveMitigationRequest.newBuilder().setTenantId(manual.tenant)
            .setMitigationId(c.getMitigation().getMitigationId()).setActor("Alice (SOC)").build()));
    var reject = catchThrowableOfType(StatusRuntimeException.class, () -> reader.rejectMitigation(
        RejectMitigationRequest.newBuilder().setTenantId(manual.tenant)
            .setMitigationId(c.getMitigation().getMitigationId()).setActor("Alice (SOC)").build()));

    assertThat(approve).as("approval refused").isNotNull();
    assertThat(reject).as("rejection refused").isNotNull();
    for (StatusRuntimeException refused : List.of(approve, reject)) {
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(refused.getStatus().getDescription()).contains("iem.mitigations.approve");
    }
    assertThat(manual.get(c.getCheckId()).getMitigation().getState())
        .isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
    assertThat(manual.sim.counters().lifecycle(u.oktaUserId(), "suspend")).isZero();
  }

  @Test
  void an_approval_with_the_scope_records_the_callers_sub_and_keeps_the_actor_as_a_display_name() {
    CheckHarness.User u = manual.user("approved");
    CredentialCheck c = manual.check(u.login(), u.password());

    Mitigation applied = checksAs(manual, "analyst-7", "iem.mitigations.approve").approveMitigation(
        ApproveMitigationRequest.newBuilder().setTenantId(manual.tenant)
            .setMitigationId(c.getMitigation().getMitigationId()).setActor("Alice (SOC)").build()).getMitigation();

    assertThat(applied.getState()).as(applied.getErrorMessage()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(applied.getActor()).isEqualTo("Alice (SOC)");
    assertThat(applied.getActorSubject()).isEqualTo("analyst-7");
    assertThat(manual.get(c.getCheckId()).getMitigation().getActorSubject()).isEqualTo("analyst-7");
    List<Audit> rows = audits(manual, u).stream().filter(a -> a.action().startsWith("mitigation.")).toList();
    assertThat(audits(manual, u)).extracting(Audit::line).startsWith("credential_check.authn by test-caller");
    assertThat(rows).extracting(Audit::line).containsExactly("mitigation.create by test-caller",
        "mitigation.approve by analyst-7", "mitigation.revoke_sessions by analyst-7", "mitigation.suspend by analyst-7");
    assertThat(rows.get(1).detail().getString("actor_name")).isEqualTo("Alice (SOC)");
  }

  @Test
  void a_rejection_with_the_scope_records_the_callers_sub() {
    CheckHarness.User u = manual.user("rejected");
    CredentialCheck c = manual.check(u.login(), u.password());

    Mitigation rejected = checksAs(manual, "analyst-9", "iem.mitigations.approve").rejectMitigation(
        RejectMitigationRequest.newBuilder().setTenantId(manual.tenant)
            .setMitigationId(c.getMitigation().getMitigationId()).setActor("Bob (SOC)").setReason("test account")
            .build()).getMitigation();

    assertThat(rejected.getState()).isEqualTo(MitigationState.MITIGATION_STATE_REJECTED);
    assertThat(rejected.getActor()).isEqualTo("Bob (SOC)");
    assertThat(rejected.getActorSubject()).isEqualTo("analyst-9");
    assertThat(audits(manual, u)).extracting(Audit::line).containsExactly("credential_check.authn by test-caller",
        "mitigation.create by test-caller", "exposure.open by system", "mitigation.reject by analyst-9");
  }

  @Test
  void a_check_queued_by_a_caller_and_decided_later_by_a_worker_is_audited_with_that_caller() {
    CheckHarness.User u = automated.user("queued");
    var feeder = checksAs(automated, "leak-feeder", null);
    CredentialCheck first = feeder.checkCredential(automated.request(u.login(), "not-" + u.password()).build())
        .getCheck();
    CredentialCheck queued = feeder.checkCredential(automated.request(u.login(), u.password()).build()).getCheck();
    assertThat(first.getOutcome()).as(first.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(queued.getOutcome()).as(queued.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);

    automated.clock.advance(Duration.ofDays(1)); // the next local day: a worker takes the check up
    // the decision is stored first, then the AUTOMATED mitigation applied: wait for both
    CredentialCheck decided = automated.awaitCheck(queued.getCheckId(), c -> CheckHarness.decided(c)
        && c.hasMitigation() && c.getMitigation().getState() != MitigationState.MITIGATION_STATE_PENDING_APPROVAL);

    assertThat(decided.getOutcome()).as(decided.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(decided.getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_APPLIED);
    assertThat(decided.getMitigation().getActor()).isEqualTo("system");
    assertThat(decided.getMitigation().getActorSubject()).isEqualTo("leak-feeder");
    assertThat(audits(automated, u)).extracting(Audit::line).containsExactly(
        "credential_check.authn by leak-feeder", "credential_check.authn by leak-feeder",
        "mitigation.create by leak-feeder", "exposure.open by system", // the case is the service's own record
        "mitigation.revoke_sessions by leak-feeder", "mitigation.suspend by leak-feeder");
  }

  @Test
  void a_sync_run_records_the_caller_who_queued_it() {
    var operator = IdentitySyncServiceGrpc.newBlockingStub(manual.service().channelWithToken(
        issuer.token().subject("ops-runner").tenants(manual.tenant).sign())).withDeadlineAfter(30, TimeUnit.SECONDS);

    SyncRun started = operator.startSync(StartSyncRequest.newBuilder().setTenantId(manual.tenant)
        .setRequestId("sync-" + UUID.randomUUID()).build()).getSyncRun();

    assertThat(started.getSubmittedBy()).isEqualTo("ops-runner");
    List<SyncRun> runs = manual.service().sync().listSyncRuns(ListSyncRunsRequest.newBuilder()
        .setTenantId(manual.tenant).build()).getSyncRunsList();
    assertThat(runs).filteredOn(r -> r.getTrigger() == SyncTrigger.SYNC_TRIGGER_INITIAL)
        .extracting(SyncRun::getSubmittedBy).containsExactly("test-caller"); // CreateIntegration's caller
  }

  // ---- helpers --------------------------------------------------------------------------------

  record Audit(String action, String actor, JsonObject detail) {
    String line() {
      return action + " by " + actor;
    }
  }

  /** A CredentialCheck stub calling as {@code sub} for the harness's tenant, with {@code scope} (null: none). */
  private static CredentialCheckServiceGrpc.CredentialCheckServiceBlockingStub checksAs(CheckHarness h, String sub,
      String scope) {
    TestIssuer.Token token = issuer.token().subject(sub).tenants(h.tenant);
    if (scope != null) {
      token = token.scope(scope);
    }
    return CredentialCheckServiceGrpc.newBlockingStub(h.service().channelWithToken(token.sign()))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The identity's audit rows, oldest first. */
  private static List<Audit> audits(CheckHarness h, CheckHarness.User u) {
    List<Audit> out = new ArrayList<>();
    for (Row r : Await.result(h.pool.preparedQuery("""
        SELECT action, actor, detail FROM audit_events
        WHERE tenant_id = $1 AND identity_id = $2
        ORDER BY audit_event_id""").execute(Tuple.of(h.tenant, u.identityId())))) {
      Object detail = r.getValue("detail");
      out.add(new Audit(r.getString("action"), r.getString("actor"),
          detail instanceof JsonObject json ? json : new JsonObject()));
    }
    return out;
  }
}
