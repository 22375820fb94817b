package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.Exposure;
import io.flare.iem.v1.ExposureState;
import io.flare.iem.v1.GetExposureRequest;
import io.flare.iem.v1.ListExposuresRequest;
import io.flare.iem.v1.ListExposuresResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ListExposures and GetExposure: cases of valid passwords, one per identity (a second valid leak
 * joins it), paged newest first and filtered by state; bad input names its field; another tenant's
 * case is not there.
 */
class ExposureEndpointTest {

  static CheckHarness h;
  static CheckHarness.User alice;
  static CheckHarness.User bob;
  static CredentialCheck aliceFirst;
  static CredentialCheck aliceAgain;

  @BeforeAll
  static void start() {
    h = CheckHarness.start();
    alice = h.user("alice");
    bob = h.user("bob");
    aliceFirst = h.check(alice.login(), alice.password());
    // Alice changes her password to another that leaks too, before any sync or re-read saw the change
    // (Okta's passwordChanged set back, so that the new leak is not stale): a second valid leak
    h.sim.setPassword(alice.oktaUserId(), "Second-Leaked-7!");
    h.sim.setPasswordChanged(alice.oktaUserId(), h.clock.instant().minus(java.time.Duration.ofDays(2)));
    aliceAgain = h.check(alice.login(), "Second-Leaked-7!");
    h.check(bob.login(), bob.password());
    h.check(bob.login(), "not-bobs-password");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void a_valid_check_opens_one_case_per_identity_and_later_valid_leaks_join_it() {
    assertThat(aliceFirst.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    List<Exposure> all = list(ListExposuresRequest.newBuilder().setTenantId(h.tenant)).getExposuresList();

    assertThat(all).extracting(Exposure::getIdentityId)
        .containsExactlyInAnyOrder(alice.identityId().toString(), bob.identityId().toString());
    Exposure a = all.stream().filter(e -> e.getIdentityId().equals(alice.identityId().toString())).findFirst()
        .orElseThrow();
    assertThat(a.getState()).isEqualTo(ExposureState.EXPOSURE_STATE_OPEN);
    assertThat(aliceAgain.getOutcome()).as(aliceAgain.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
    assertThat(a.getLeaksCount()).isEqualTo(2);
    assertThat(a.getCheckIdsList()).containsExactly(aliceFirst.getCheckId(), aliceAgain.getCheckId());
    Exposure got = h.checks().getExposure(GetExposureRequest.newBuilder().setTenantId(h.tenant)
        .setExposureId(a.getExposureId()).build()).getExposure();
    assertThat(got.getTimelineList()).extracting(e -> e.getKind()).startsWith("opened");
    assertThat(got.getTimelineList().toString()).doesNotContain(alice.password());
  }

  @Test
  void pages_follow_one_another_and_the_state_filter_holds() {
    ListExposuresResponse first = list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setPageSize(1));
    ListExposuresResponse second = list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setPageSize(1)
        .setPageToken(first.getNextPageToken()));

    assertThat(first.getExposuresList()).hasSize(1);
    assertThat(first.getNextPageToken()).isNotEmpty();
    assertThat(second.getExposuresList()).hasSize(1);
    assertThat(second.getExposures(0).getExposureId()).isNotEqualTo(first.getExposures(0).getExposureId());
    assertThat(second.getNextPageToken()).isEmpty();
    assertThat(list(ListExposuresRequest.newBuilder().setTenantId(h.tenant)
        .setState(ExposureState.EXPOSURE_STATE_RESOLVED)).getExposuresList()).isEmpty();
    assertThat(list(ListExposuresRequest.newBuilder().setTenantId(h.tenant)
        .setState(ExposureState.EXPOSURE_STATE_OPEN)).getExposuresList()).hasSize(2);
  }

  @Test
  void bad_input_is_invalid_argument_naming_the_field() {
    assertInvalid(() -> list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setStateValue(99)), "state");
    assertInvalid(() -> list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setPageSize(-1)), "page_size");
    assertInvalid(() -> list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setPageToken("not-a-token")),
        "page_token");
    String otherFilter = list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setPageSize(1)).getNextPageToken();
    assertInvalid(() -> list(ListExposuresRequest.newBuilder().setTenantId(h.tenant).setPageSize(1)
        .setState(ExposureState.EXPOSURE_STATE_RESOLVED).setPageToken(otherFilter)), "page_token");
    assertInvalid(() -> h.checks().getExposure(GetExposureRequest.newBuilder().setTenantId(h.tenant)
        .setExposureId("nope").build()), "exposure_id");
    assertInvalid(() -> h.checks().getExposure(GetExposureRequest.newBuilder().setTenantId("")
        .setExposureId(UUID.randomUUID().toString()).build()), "tenant_id");
  }

  @Test
  void another_tenants_case_is_not_found_and_not_listed() {
    Exposure mine = list(ListExposuresRequest.newBuilder().setTenantId(h.tenant)).getExposures(0);

    var e = catchThrowableOfType(StatusRuntimeException.class, () -> h.checks().getExposure(GetExposureRequest
        .newBuilder().setTenantId("someone-else").setExposureId(mine.getExposureId()).build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).doesNotContain(h.tenant);
    assertThat(list(ListExposuresRequest.newBuilder().setTenantId("someone-else")).getExposuresList()).isEmpty();
  }

  private static ListExposuresResponse list(ListExposuresRequest.Builder request) {
    return h.checks().listExposures(request.build());
  }

  private static void assertInvalid(Runnable call, String field) {
    var e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).as("a refusal naming " + field).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains(field);
  }
}
