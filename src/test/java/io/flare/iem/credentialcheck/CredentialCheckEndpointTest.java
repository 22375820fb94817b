package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Timestamp;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListCredentialChecksRequest;
import io.flare.iem.v1.ListCredentialChecksResponse;
import io.flare.iem.v1.ListMitigationsRequest;
import io.flare.iem.v1.RejectMitigationRequest;
import io.flare.iem.v1.SkipReason;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract around the decisions: every request field is validated (INVALID_ARGUMENT naming
 * the field and the rule, and nothing written), idempotency by request id and by leak, ids looked
 * up within the request's tenant, and newest-first lists with opaque page tokens.
 */
class CredentialCheckEndpointTest {

  static CheckHarness h;

  @BeforeAll
  static void start() {
    h = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(10));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  // ---- validation -----------------------------------------------------------------------------

  @Test
  void every_bad_field_is_INVALID_ARGUMENT_naming_the_field_and_writes_nothing() {
    String tooLong = "x".repeat(321);
    Timestamp future = CheckHarness.ts(h.clock.instant().plus(Duration.ofDays(3)));
    long before = rows();

    refused("tenant_id: is required", r -> r.setTenantId(""));
    refused("tenant_id: must be 1 to 64", r -> r.setTenantId("no spaces allowed"));
    refused("username: must be 1 to 320 characters", r -> r.setUsername("   "));
    refused("username: must be 1 to 320 characters", r -> r.setUsername(tooLong + "@x.example"));
    refused("username: must not contain control characters", r -> r.setUsername("a\u0007b@x.example"));
    refused("password: must be 1 to 1024 characters", r -> r.setPassword(""));
    refused("password: must be 1 to 1024 characters", r -> r.setPassword("p".repeat(1025)));
    refused("leak.leak_id: must be at most 200 characters", r -> r.setLeak(r.getLeak().toBuilder()
        .setLeakId("l".repeat(201))));
    refused("leak.source: must be at most 1000 characters", r -> r.setLeak(r.getLeak().toBuilder()
        .setSource("s".repeat(1001))));
    refused("leak.source_kind: must be at most 64 lowercase", r -> r.setLeak(r.getLeak().toBuilder()
        .setSourceKind("Stealer Log")));
    refused("leak.leaked_time: must not be in the future", r -> r.setLeak(r.getLeak().toBuilder()
        .setLeakedTime(future)));
    refused("leak.leaked_time: nanos must be between 0 and 999999999", r -> r.setLeak(r.getLeak().toBuilder()
        .setLeakedTime(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(1_000_000_000))));
    refused("request_id: must be at most 128 printable ASCII", r -> r.setRequestId("r".repeat(129)));
    refused("request_id: must be at most 128 printable ASCII", r -> r.setRequestId("has space"));

    assertThat(rows()).isEqualTo(before);
  }

  @Test
  void the_other_rpcs_validate_ids_page_sizes_tokens_enums_and_actors() {
    invalid("check_id: is required", () -> h.checks().getCredentialCheck(GetCredentialCheckRequest.newBuilder()
        .setTenantId(h.tenant).build()));
    invalid("check_id: must be an id this service returned", () -> h.checks().getCredentialCheck(
        GetCredentialCheckRequest.newBuilder().setTenantId(h.tenant).setCheckId("check-1").build()));
    invalid("page_size: must be between 0 and 1000", () -> h.checks().listCredentialChecks(
        ListCredentialChecksRequest.newBuilder().setTenantId(h.tenant).setPageSize(1001).build()));
    invalid("page_size: must be between 0 and 1000", () -> h.checks().listCredentialChecks(
        ListCredentialChecksRequest.newBuilder().setTenantId(h.tenant).setPageSize(-1).build()));
    invalid("page_token: is not a token this list returned", () -> h.checks().listCredentialChecks(
        ListCredentialChecksRequest.newBuilder().setTenantId(h.tenant).setPageToken("garbage").build()));
    invalid("outcome: must be unset or one of CHECK_OUTCOME_VALID", () -> h.checks().listCredentialChecks(
        ListCredentialChecksRequest.newBuilder().setTenantId(h.tenant).setOutcomeValue(99).build()));
    invalid("state: must be unset or one of MITIGATION_STATE_PENDING_APPROVAL", () -> h.checks().listMitigations(
        ListMitigationsRequest.newBuilder().setTenantId(h.tenant).setStateValue(42).build()));
    invalid("actor: must be 1 to 200 characters", () -> h.checks().approveMitigation(ApproveMitigationRequest
        .newBuilder().setTenantId(h.tenant).setMitigationId(java.util.UUID.randomUUID().toString()).build()));
    invalid("mitigation_id: must be an id", () -> h.checks().approveMitigation(ApproveMitigationRequest
        .newBuilder().setTenantId(h.tenant).setMitigationId("m-1").setActor("a").build()));
    invalid("reason: must be at most 1000 characters", () -> h.checks().rejectMitigation(RejectMitigationRequest
        .newBuilder().setTenantId(h.tenant).setMitigationId(java.util.UUID.randomUUID().toString()).setActor("a")
        .setReason("r".repeat(1001)).build()));
  }

  // ---- idempotency ----------------------------------------------------------------------------

  @Test
  void the_same_request_id_returns_the_same_check_and_never_a_second_attempt() throws Exception {
    CheckHarness.User u = h.user("same-request");
    CheckCredentialRequest request = h.request(u.login(), "wrong-once").build();
    var stub = CredentialCheckServiceGrpc.newFutureStub(h.service().channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(stub.checkCredential(request));
    }
    Set<String> ids = new HashSet<>();
    for (var call : calls) {
      ids.add(call.get(30, TimeUnit.SECONDS).getCheck().getCheckId());
    }
    CredentialCheck again = h.checks().checkCredential(request).getCheck();

    assertThat(ids).containsExactly(again.getCheckId());
    h.awaitCheck(again.getCheckId(), CheckHarness::decided);
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void the_same_leak_identity_and_password_returns_the_same_check_under_another_request_id() {
    CheckHarness.User u = h.user("same-leak");
    CheckCredentialRequest first = h.request(u.login(), "leaked-once").build();
    CredentialCheck c = h.checks().checkCredential(first).getCheck();

    CredentialCheck replay = h.checks().checkCredential(first.toBuilder().setRequestId("another-request-id")
        .setUsername(u.login().toUpperCase()).build()).getCheck();

    assertThat(replay.getCheckId()).isEqualTo(c.getCheckId());
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void one_password_leaked_in_many_leaks_at_once_is_tried_once_and_the_others_are_ALREADY_TESTED()
      throws Exception {
    CheckHarness.User u = h.user("many-leaks");
    var stub = CredentialCheckServiceGrpc.newFutureStub(h.service().channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(stub.checkCredential(h.request(u.login(), "the-same-wrong-one").build())); // ten leak ids
    }
    List<String> ids = new ArrayList<>();
    for (var call : calls) {
      ids.add(call.get(30, TimeUnit.SECONDS).getCheck().getCheckId());
    }

    // the younger ones wait for the oldest, then look again; one still being decided when the clock
    // moves waits from the moved clock, so move it, whenever no check is due or held, until every
    // check is decided
    CheckHarness.await("every check decided", () -> {
      if (h.dueOrBusy() == 0) {
        h.clock.advance(Duration.ofSeconds(6));
      }
      return ids.stream().map(h::get).allMatch(CheckHarness::decided);
    });

    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
    assertThat(ids.stream().map(h::get).map(CredentialCheck::getOutcome).toList())
        .containsOnlyOnce(CheckOutcome.CHECK_OUTCOME_INVALID)
        .containsOnly(CheckOutcome.CHECK_OUTCOME_INVALID, CheckOutcome.CHECK_OUTCOME_SKIPPED);
  }

  @Test
  void a_password_whose_authn_call_is_in_flight_is_not_tried_again_by_another_check() throws Exception {
    CheckHarness.User u = h.user("in-flight");
    var stub = CredentialCheckServiceGrpc.newFutureStub(h.service().channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    h.sim.faults().latency(Duration.ofSeconds(5));
    ListenableFuture<CheckCredentialResponse> first;
    String second;
    try {
      first = stub.checkCredential(h.request(u.login(), "leaked-in-two-places").build());
      CheckHarness.await("the first check's authn call", () -> inFlight(u) == 1);
      // the second does not see the first as an earlier check (as when both were stored at once
      // and the first looked before the second's row was visible): only the identity lock stops it
      Await.result(h.pool.preparedQuery("UPDATE credential_checks SET create_time = create_time + interval '1 hour'"
          + " WHERE identity_id = $1").execute(Tuple.of(u.identityId())));
      second = h.checks().checkCredential(h.request(u.login(), "leaked-in-two-places").build()).getCheck()
          .getCheckId();
      CheckHarness.await("the second check to wait or be decided", () -> {
        CredentialCheck c = h.get(second);
        return CheckHarness.decided(c) || c.getDetail().contains("earlier check of the same password");
      });
      assertThat(h.get(second).getDetail()).as("while the first call is in flight")
          .contains("earlier check of the same password");
    } finally {
      h.sim.faults().clear();
    }

    String firstId = first.get(30, TimeUnit.SECONDS).getCheck().getCheckId(); // answered PENDING: a worker decides it
    h.awaitCheck(firstId, CheckHarness::decided);
    assertThat(h.get(firstId).getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    h.clock.advance(Duration.ofSeconds(6));
    h.awaitCheck(second, CheckHarness::decided);
    assertThat(h.get(second).getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_ALREADY_TESTED);
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(1);
  }

  @Test
  void a_reserved_attempt_a_crashed_replica_left_behind_does_not_hold_the_password_forever() {
    CheckHarness.User u = h.user("crashed-mid-call");
    String first = h.check(u.login(), "leaked-before-a-crash").getCheckId();
    h.awaitCheck(first, CheckHarness::decided);
    // as if the replica died during the call, an hour ago: the attempt RESERVED, no answer stored
    Await.result(h.pool.preparedQuery("UPDATE authn_attempts SET result = 'RESERVED', attempt_time = $2"
        + " WHERE identity_id = $1").execute(Tuple.of(u.identityId(),
        java.time.OffsetDateTime.ofInstant(h.clock.instant().minus(Duration.ofHours(1)), java.time.ZoneOffset.UTC))));
    Await.result(h.pool.preparedQuery("DELETE FROM tested_passwords WHERE identity_id = $1")
        .execute(Tuple.of(u.identityId())));

    String second = h.check(u.login(), "leaked-before-a-crash").getCheckId();
    h.awaitCheck(second, CheckHarness::decided);

    assertThat(h.get(second).getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(2);
  }

  private static long inFlight(CheckHarness.User u) {
    return Await.result(h.pool.preparedQuery("SELECT count(*) FROM authn_attempts WHERE identity_id = $1 AND result"
        + " = 'RESERVED'").execute(Tuple.of(u.identityId()))).iterator().next().getLong(0);
  }

  // ---- tenants and lists ----------------------------------------------------------------------

  @Test
  void a_check_of_another_tenant_is_NOT_FOUND() {
    CredentialCheck c = h.check("ghost@" + h.tenant + ".example", "pw");

    var e = catchThrowableOfType(StatusRuntimeException.class, () -> h.checks().getCredentialCheck(
        GetCredentialCheckRequest.newBuilder().setTenantId("another-tenant").setCheckId(c.getCheckId()).build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).contains("another-tenant");
  }

  @Test
  void lists_are_newest_first_paged_with_opaque_tokens_and_filtered_by_outcome() {
    try (CheckHarness own = CheckHarness.start(CheckHarness.setup().maxDaily(1).lockoutThreshold(10))) {
      CheckHarness.User u = own.user("listed");
      List<String> created = new ArrayList<>();
      for (int i = 0; i < 23; i++) {
        own.clock.advance(Duration.ofMillis(5));
        created.add(own.check(i < 20 ? "ghost" + i + "@x.example" : u.login(), "pw-" + i).getCheckId());
      }
      List<String> listed = new ArrayList<>();
      String token = "";
      int pages = 0;
      do {
        ListCredentialChecksResponse page = own.checks().listCredentialChecks(ListCredentialChecksRequest.newBuilder()
            .setTenantId(own.tenant).setPageSize(10).setPageToken(token).build());
        page.getChecksList().forEach(c -> listed.add(c.getCheckId()));
        token = page.getNextPageToken();
        pages++;
      } while (!token.isEmpty());

      assertThat(pages).isEqualTo(3);
      assertThat(listed).containsExactlyElementsOf(reversed(created));
      ListCredentialChecksResponse notFound = own.checks().listCredentialChecks(ListCredentialChecksRequest
          .newBuilder().setTenantId(own.tenant).setOutcome(CheckOutcome.CHECK_OUTCOME_NOT_FOUND).setPageSize(15)
          .build());
      assertThat(notFound.getChecksList()).hasSize(15)
          .allMatch(c -> c.getOutcome() == CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
      ListCredentialChecksResponse throttled = own.checks().listCredentialChecks(ListCredentialChecksRequest
          .newBuilder().setTenantId(own.tenant).setOutcome(CheckOutcome.CHECK_OUTCOME_THROTTLED).build());
      assertThat(throttled.getChecksList()).extracting(CredentialCheck::getCheckId)
          .containsExactly(created.get(22), created.get(21));
      // a token belongs to its list: another outcome's or another tenant's list refuses it
      invalid("page_token", () -> own.checks().listCredentialChecks(ListCredentialChecksRequest.newBuilder()
          .setTenantId(own.tenant).setPageToken(notFound.getNextPageToken()).build()));
      invalid("page_token", () -> h.checks().listCredentialChecks(ListCredentialChecksRequest.newBuilder()
          .setTenantId(h.tenant).setOutcome(CheckOutcome.CHECK_OUTCOME_NOT_FOUND)
          .setPageToken(notFound.getNextPageToken()).build()));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static void refused(String message, Consumer<CheckCredentialRequest.Builder> change) {
    CheckCredentialRequest.Builder r = h.request("someone@" + h.tenant + ".example", "Secret-Value-1")
        .setLeak(Leak.newBuilder().setLeakId("leak-1").setSource("x").setSourceKind("combolist"));
    change.accept(r);
    invalid(message, () -> h.checks().checkCredential(r.build()));
  }

  private static void invalid(String message, Supplier<?> call) {
    var e = catchThrowableOfType(StatusRuntimeException.class, call::get);
    assertThat(e).as(message).isNotNull();
    assertThat(e.getStatus().getCode()).as(message).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).startsWith(message).doesNotContain("Secret-Value-1");
  }

  private static long rows() {
    return Await.result(h.pool.query("SELECT count(*) FROM credential_checks").execute()).iterator().next().getLong(0);
  }

  private static <T> List<T> reversed(List<T> list) {
    List<T> copy = new ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }
}
