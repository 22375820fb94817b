package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Okta's per-username throttle on {@code /api/v1/authn} (4 a second): while a foreign client
 * (an employee's script, or an attacker spraying that very username) holds one username at the
 * limit, our checks of that username wait without spending its cap, and checks of the org's other
 * users are decided as fast as without it.
 */
class PerUsernameThrottleTest {

  @Test
  void a_username_held_at_oktas_per_username_limit_by_a_foreign_client_slows_no_other_users_checks() {
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().maxDaily(2).lockoutThreshold(10)
        .clock(CheckResilienceTest.realTime()))) {
      h.sim.limit(SimBucket.AUTHN, 6000); // the org's authn bucket is not what this test is about
      List<CheckHarness.User> baseline = users(h, "calm", 4);
      List<CheckHarness.User> others = users(h, "other", 4);
      CheckHarness.User target = h.user("target");

      Decided calm = decideAll(h, baseline, 30_000);
      assertThat(calm.count()).as("checks decided without the foreign client").isEqualTo(4);

      ForeignClient foreign = new ForeignClient(h, target);
      String heldId;
      try {
        foreign.hammerUntilThrottled();
        CredentialCheck held = h.check(target.login(), target.password());
        heldId = held.getCheckId();

        Decided hammered = decideAll(h, others, Math.max(10_000, 5 * calm.millis()));

        assertThat(hammered.count()).as("other users' checks decided while one username is held at Okta's limit")
            .isEqualTo(4);
        assertThat(hammered.millis()).as("time to decide them (ms), against %d ms without the foreign client",
            calm.millis()).isLessThanOrEqualTo(2 * calm.millis() + 2_000);
        assertThat(held.getOutcome()).as(held.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
        assertThat(held.getDetail()).contains("per-username");
        assertThat(held.getAttemptsMade()).isZero();
        long throttledBefore = foreign.throttled.get();
        CheckHarness.await("our own calls for the target to meet the throttle again",
            () -> notEvaluated(h, target) >= 3 && foreign.throttled.get() > throttledBefore);
        assertThat(countedAttempts(h, target)).as("429s count toward no cap").isZero();
        assertThat(h.get(heldId).getOutcome()).as("429s spend none of the day's cap of 2")
            .isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
      } finally {
        foreign.stop();
      }

      CredentialCheck decided = h.awaitCheck(heldId, CheckHarness::decided);
      assertThat(decided.getOutcome()).as(decided.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
      assertThat(decided.getAttemptsMade()).isEqualTo(1);
      assertThat(countedAttempts(h, target)).isEqualTo(1);
    }
  }

  /** How many of a batch of checks were decided within the bound, and how long deciding took. */
  record Decided(int count, long millis) {}

  private static List<CheckHarness.User> users(CheckHarness h, String prefix, int n) {
    List<CheckHarness.User> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(h.user(prefix + i));
    }
    return out;
  }

  /** Checks a wrong password of each user (INVALID once decided) and waits for the decisions, at most {@code boundMillis}. */
  private static Decided decideAll(CheckHarness h, List<CheckHarness.User> users, long boundMillis) {
    long start = System.nanoTime();
    List<String> ids = new ArrayList<>();
    for (CheckHarness.User u : users) {
      ids.add(h.check(u.login(), "wrong-" + u.password()).getCheckId());
    }
    long deadline = start + boundMillis * 1_000_000;
    int decided = 0;
    while (System.nanoTime() < deadline) {
      decided = 0;
      for (String id : ids) {
        CredentialCheck c = h.get(id);
        if (CheckHarness.decided(c)) {
          assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
          decided++;
        }
      }
      if (decided == ids.size()) {
        break;
      }
      CheckResilienceTest.sleep(20);
    }
    return new Decided(decided, (System.nanoTime() - start) / 1_000_000);
  }

  /** Attempts of the identity that count toward its daily cap. */
  static long countedAttempts(CheckHarness h, CheckHarness.User u) {
    return Await.result(h.pool.preparedQuery("SELECT count(*) FROM authn_attempts WHERE identity_id = $1"
            + " AND result NOT IN ('RELEASED', 'RATE_LIMITED', 'BLOCKED')").execute(Tuple.of(u.identityId())))
        .iterator().next().getLong(0);
  }

  /** Attempts of the identity that Okta did not evaluate (429, 403, or held back unsent). */
  static long notEvaluated(CheckHarness h, CheckHarness.User u) {
    return Await.result(h.pool.preparedQuery("SELECT count(*) FROM authn_attempts WHERE identity_id = $1"
            + " AND result IN ('RELEASED', 'RATE_LIMITED', 'BLOCKED')").execute(Tuple.of(u.identityId())))
        .iterator().next().getLong(0);
  }

  /**
   * Someone else signing in as {@code user} ten times a second straight at the org, as an employee's
   * misbehaving script or a password spray would.
   */
  static final class ForeignClient {
    final WebClient web;
    final String url;
    final JsonObject body;
    final AtomicLong throttled = new AtomicLong();
    final long timer;
    final CheckHarness h;

    ForeignClient(CheckHarness h, CheckHarness.User user) {
      this.h = h;
      this.web = WebClient.create(h.vertx);
      this.url = h.sim.baseUrl() + "/api/v1/authn";
      this.body = new JsonObject().put("username", user.login()).put("password", user.password());
      // bursts at each wall-clock second (Okta's per-username window): the second's first four
      // calls pass at once, and the rest of the second is throttled for this username
      this.timer = h.vertx.setPeriodic(1_000 - System.currentTimeMillis() % 1_000, 1_000, id -> {
        for (int i = 0; i < 10; i++) {
          web.postAbs(url).sendJsonObject(body).onSuccess(r -> {
            if (r.statusCode() == 429) {
              throttled.incrementAndGet();
            }
          });
        }
      });
    }

    void hammerUntilThrottled() {
      CheckHarness.await("the foreign client to meet Okta's per-username throttle", () -> throttled.get() >= 6);
    }

    void stop() {
      h.vertx.cancelTimer(timer);
      web.close();
    }
  }
}
