package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.v1.CheckDecision;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.ListCheckDecisionsRequest;
import io.flare.iem.v1.ListCheckDecisionsResponse;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, acceptance 4 (checks): a consumer following ListCheckDecisions while the queue worker
 * decides the checks that waited (THROTTLED by the daily cap, decided on later days as the clock
 * moves) sees each waiting check's final decision exactly once, with its mitigation.
 */
class CheckDecisionsFeedTest {

  static CheckHarness h;

  @BeforeAll
  static void start() {
    h = CheckHarness.start(CheckHarness.setup().maxDaily(1).lockoutThreshold(20).mode(MitigationMode.MITIGATION_MODE_MANUAL));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** A consumer: every decision it was given, by check id, in order. */
  static final class Follower {
    String cursor = "";
    final List<CheckDecision> seen = new ArrayList<>();

    synchronized int poll() {
      ListCheckDecisionsResponse page = h.checks().listCheckDecisions(ListCheckDecisionsRequest.newBuilder()
          .setTenantId(h.tenant).setCursor(cursor).setPageSize(7).build());
      seen.addAll(page.getDecisionsList());
      cursor = page.getNextCursor();
      return page.getDecisionsCount();
    }

    synchronized Map<String, List<CheckDecision>> byCheck() {
      Map<String, List<CheckDecision>> out = new HashMap<>();
      seen.forEach(d -> out.computeIfAbsent(d.getCheck().getCheckId(), k -> new ArrayList<>()).add(d));
      return out;
    }
  }

  @Test
  void a_consumer_sees_every_waiting_checks_final_decision_exactly_once() throws Exception {
    Follower follower = new Follower();
    AtomicBoolean following = new AtomicBoolean(true);
    Thread consumer = new Thread(() -> {
      while (following.get()) {
        if (follower.poll() == 0) {
          pause();
        }
      }
    }, "decisions-consumer");
    consumer.start();
    Set<String> waited = new HashSet<>();
    List<String> all = new ArrayList<>();
    Map<String, String> validOf = new HashMap<>();
    try {
      for (int u = 0; u < 6; u++) {
        CheckHarness.User user = h.user("feed-" + u);
        // one attempt a day: the first password is tried now, the others wait for later days
        for (int p = 0; p < 3; p++) {
          String password = p == 2 ? user.password() : "wrong-" + u + "-" + p;
          CredentialCheck c = h.check(user.login(), password);
          all.add(c.getCheckId());
          if (CheckHarness.waits(c)) {
            waited.add(c.getCheckId());
          }
          if (p == 2) {
            validOf.put(c.getCheckId(), user.login());
          }
        }
      }
      assertThat(waited).as("checks the cap made wait").hasSizeGreaterThanOrEqualTo(12);
      CheckHarness.await("every check decided", () -> {
        if (h.dueOrBusy() == 0) {
          h.clock.advance(Duration.ofDays(1));
        }
        return all.stream().map(h::get).allMatch(CheckHarness::decided);
      });
    } finally {
      CheckHarness.await("the consumer to see every waiting check", () -> {
        follower.poll();
        return follower.byCheck().keySet().containsAll(waited);
      });
      following.set(false);
      consumer.join();
    }

    Map<String, List<CheckDecision>> byCheck = follower.byCheck();
    for (String id : waited) {
      assertThat(byCheck.get(id)).as("decisions of waiting check " + id).hasSize(1);
      CheckDecision d = byCheck.get(id).get(0);
      CredentialCheck now = h.get(id);
      assertThat(d.getOutcome()).isEqualTo(now.getOutcome());
      assertThat(d.getDecideTime()).isEqualTo(now.getDecideTime());
      assertThat(d.getCheck().getCheckId()).isEqualTo(id);
      assertThat(d.getOutcome()).isIn(CheckOutcome.CHECK_OUTCOME_INVALID, CheckOutcome.CHECK_OUTCOME_VALID);
      if (validOf.containsKey(id)) {
        assertThat(d.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
        assertThat(d.getCheck().getMitigation().getState()).isEqualTo(MitigationState.MITIGATION_STATE_PENDING_APPROVAL);
      }
    }
    byCheck.forEach((id, decisions) -> assertThat(decisions).as("decisions of check " + id).hasSize(1));
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
