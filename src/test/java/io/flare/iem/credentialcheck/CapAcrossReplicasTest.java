package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The product's headline promise: 1,000 leaked passwords for one identity arriving at once on
 * three replicas that share Postgres and Redis cost exactly the daily cap in authn calls, as
 * counted by the simulated Okta org, and every other check is THROTTLED (kept for tomorrow).
 */
class CapAcrossReplicasTest {

  @Test
  void a_thousand_concurrent_checks_on_three_instances_make_exactly_the_daily_cap_of_authn_calls() throws Exception {
    try (CheckHarness h = CheckHarness.start(headline())) {
      aThousandConcurrentChecksMakeExactlyTheDailyCap(h, h.user("target"));
    }
  }

  /** Three instances, a daily cap of 2 and an org locking at 10: the headline test's set-up. */
  static CheckHarness.Setup headline() {
    return CheckHarness.setup().instances(3).maxDaily(2).lockoutThreshold(10);
  }

  /**
   * Sends 1,000 checks of {@code u} with as many wrong passwords to the harness's instances in turn,
   * at once, and asserts that Okta saw exactly the cap (2) of authn calls, the rest THROTTLED.
   */
  static void aThousandConcurrentChecksMakeExactlyTheDailyCap(CheckHarness h, CheckHarness.User u) throws Exception {
    List<CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub> stubs = new ArrayList<>();
    h.services.forEach(s -> stubs.add(CredentialCheckServiceGrpc.newFutureStub(s.channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)));

    List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      calls.add(stubs.get(i % 3).checkCredential(h.request(u.login(), "wrong-leaked-" + i).build()));
    }
    for (ListenableFuture<CheckCredentialResponse> call : calls) {
      assertThat(call.get(60, TimeUnit.SECONDS).getCheck().getOutcome())
          .isNotEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
    }
    h.awaitQuiet(); // checks queued behind pacing are decided by the workers

    assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(2);
    Map<String, Long> outcomes = h.outcomes();
    assertThat(outcomes).containsEntry("INVALID", 2L).containsEntry("THROTTLED", 998L).hasSize(2);
    assertThat(h.sim.user(u.oktaUserId()).orElseThrow().failedAttempts()).isEqualTo(2);
  }

  @Test
  void one_password_in_many_concurrent_leaks_on_three_instances_is_tried_once() throws Exception {
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(12, 0).toInstant(ZoneOffset.UTC));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().instances(3).clock(clock).maxDaily(50)
        .lockoutThreshold(200))) {
      CheckHarness.User u = h.user("same-password");
      List<CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub> stubs = new ArrayList<>();
      h.services.forEach(s -> stubs.add(CredentialCheckServiceGrpc.newFutureStub(s.channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS)));

      // 60 leaks (60 leak ids) of the same wrong password at once: the cap would allow 50 calls
      List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        calls.add(stubs.get(i % 3).checkCredential(h.request(u.login(), "the-same-wrong-one").build()));
      }
      for (ListenableFuture<CheckCredentialResponse> call : calls) {
        call.get(60, TimeUnit.SECONDS);
      }
      for (int i = 0; i < 5 && (h.outcomes().containsKey("PENDING") || h.outcomes().containsKey("UNVERIFIED")); i++) {
        clock.advance(Duration.ofSeconds(6)); // those that waited for the first look again
        h.awaitQuiet();
      }

      assertThat(h.sim.counters().authnCalls(u.login())).as("authn calls for one password").isEqualTo(1);
      assertThat(h.outcomes()).containsEntry("INVALID", 1L).containsEntry("SKIPPED", 59L).hasSize(2);
    }
  }
}
