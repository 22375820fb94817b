package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.CapturedLogs;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Okta ThreatInsight blocking the service's egress address: authn answers 403 before Okta reads
 * the credentials. The org's authn calls pause (one probe a minute at most, then less often), no
 * attempt counts against any user's cap or budget, the waiting checks stay PENDING and are decided
 * on their own once a probe gets through; the condition is one log line when it starts and one when
 * it ends, a gauge, and a TestIntegration result.
 */
class BlockedAddressTest {

  @Test
  void a_blocked_address_pauses_the_orgs_authn_counts_no_attempt_and_checks_resume_when_the_block_lifts()
      throws Exception {
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(9, 0).toInstant(ZoneOffset.UTC));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(clock).maxDaily(1).lockoutThreshold(2))) {
      CheckHarness.User alice = h.user("alice");
      CheckHarness.User bob = h.user("bob");
      CheckHarness.User carol = h.user("carol");
      int logsBefore = CapturedLogs.lines().size();
      h.sim.threatInsight().blockOurAddress(true);

      CredentialCheck first = h.check(alice.login(), alice.password());
      CredentialCheck second = h.check(bob.login(), "wrong-" + bob.password());
      CredentialCheck third = h.check(carol.login(), "wrong-" + carol.password());

      for (CredentialCheck c : List.of(first, second, third)) {
        assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
        assertThat(c.getAttemptsMade()).isZero();
        assertThat(c.getDetail()).contains("403");
      }
      assertThat(h.sim.threatInsight().refusedCalls()).as("one refused call pauses the org's authn").isEqualTo(1);
      assertThat(h.sim.counters().requests("POST /api/v1/authn")).isEqualTo(1);
      assertThat(blockedOrgs(h)).isEqualTo(1.0);
      IntegrationCheck condition = testIntegration(h).get("authn_not_blocked");
      assertThat(condition.getResult()).as(condition.getDetail()).isEqualTo(TestResult.TEST_RESULT_FAIL);
      assertThat(condition.getDetail()).contains("403", h.sim.baseUrl());
      assertThat(condition.getRemedy()).contains("ThreatInsight", "network zone", "IEM_EGRESS_ADDRESSES");

      // one probe a minute at most, then backing off: 1 min, 2 min, 4 min
      probesAfter(h, Duration.ofSeconds(30), 1);
      probesAfter(h, Duration.ofSeconds(31), 2);
      probesAfter(h, Duration.ofSeconds(61), 2);
      probesAfter(h, Duration.ofSeconds(60), 3);
      probesAfter(h, Duration.ofSeconds(180), 3);
      assertThat(h.outcomes()).as("nobody's cap of 1 nor budget of 1 failure was spent by a refused call")
          .isEqualTo(Map.of("PENDING", 3L));
      for (CheckHarness.User u : List.of(alice, bob, carol)) {
        assertThat(PerUsernameThrottleTest.countedAttempts(h, u)).isZero();
      }

      h.sim.threatInsight().blockOurAddress(false);
      clock.advance(Duration.ofSeconds(61));

      assertThat(h.awaitCheck(first.getCheckId(), CheckHarness::decided).getOutcome())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
      assertThat(h.awaitCheck(second.getCheckId(), CheckHarness::decided).getOutcome())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.awaitCheck(third.getCheckId(), CheckHarness::decided).getOutcome())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.sim.threatInsight().refusedCalls()).isEqualTo(3);
      assertThat(blockedOrgs(h)).isZero();
      assertThat(testIntegration(h).get("authn_not_blocked").getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
      for (CheckHarness.User u : List.of(alice, bob, carol)) {
        assertThat(PerUsernameThrottleTest.countedAttempts(h, u)).isEqualTo(1);
      }

      List<String> condition1 = CapturedLogs.lines().subList(logsBefore, CapturedLogs.lines().size()).stream()
          .filter(line -> line.contains("\"okta_domain\":\"" + h.sim.baseUrl() + "\"")).toList();
      assertThat(condition1).as("one line when the block starts, one when it ends, none per check").hasSize(2);
      assertThat(condition1.get(0)).contains("403", "okta_request_id");
      assertThat(condition1.get(1)).contains("resumed", "okta_request_id");
    }
  }

  /** Moves the clock, lets the workers take every check that came due, and counts Okta's refusals. */
  private static void probesAfter(CheckHarness h, Duration step, long refusedSoFar) {
    h.clock.advance(step);
    h.awaitQuiet();
    assertThat(h.sim.threatInsight().refusedCalls()).as("calls Okta refused after +%s", step).isEqualTo(refusedSoFar);
  }

  private static Map<String, IntegrationCheck> testIntegration(CheckHarness h) {
    return h.service().integrations().testIntegration(TestIntegrationRequest.newBuilder().setTenantId(h.tenant).build())
        .getChecksList().stream().collect(Collectors.toMap(IntegrationCheck::getName, Function.identity()));
  }

  /** {@code iem_okta_authn_blocked_orgs} as the service's {@code /metrics} shows it now (-1 if absent). */
  private static double blockedOrgs(CheckHarness h) throws Exception {
    // HTTP/1.1, as Prometheus scrapes (the JDK client's default h2c upgrade is not what is tested here)
    HttpResponse<String> scrape = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create(h.service().httpBase() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return scrape.body().lines().filter(line -> line.startsWith("iem_okta_authn_blocked_orgs "))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst().orElse(-1);
  }
}
