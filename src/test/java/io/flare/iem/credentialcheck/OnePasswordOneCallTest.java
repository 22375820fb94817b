package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.SkipReason;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A leaked password reaches Okta at most once per check, even when the call waits for the org's
 * rate limit longer than the check's lease, or when Okta's answer cannot be stored: two replicas,
 * a lease of 12 s and a 2 s Okta request timeout (a call may wait 5 s for the rate limit).
 */
class OnePasswordOneCallTest {

  static final String AUTHN = "POST /api/v1/authn";
  /** The simulated org's rate-limit window: longer than a lease, so a call waiting for it outlives the lease. */
  static final long WINDOW_MS = 30_000;

  static CheckHarness.Setup twoReplicas() {
    return CheckHarness.setup().instances(2).maxDaily(5).lockoutThreshold(10)
        .env("IEM_CHECK_LEASE_SECONDS", "12").env("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "2")
        .sim(o -> o.rateLimitWindow(Duration.ofMillis(WINDOW_MS)));
  }

  @Test
  void a_call_that_would_wait_past_the_lease_is_not_sent_and_no_other_replica_sends_it_again() throws Exception {
    try (CheckHarness h = CheckHarness.start(twoReplicas())) {
      h.sim.limit(SimBucket.AUTHN, 10); // the checks' 20 %: two calls a window
      // the org's windows start on multiples of their length: begin with 20 s or more of this one left,
      // so the call below waits longer than the lease
      long left = WINDOW_MS - System.currentTimeMillis() % WINDOW_MS;
      if (left < 20_000) {
        Thread.sleep(left + 100);
      }
      // both replicas learn the org's authn limit (two calls from one, one from the other): no room is left
      for (int i = 0; i < 3; i++) {
        CheckHarness.User u = h.user("warm-" + i);
        CredentialCheck c = h.checks(i < 2 ? 0 : 1).checkCredential(h.request(u.login(), "wrong-" + i).build())
            .getCheck();
        assertThat(c.getOutcome()).as(c.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      }
      CheckHarness.User target = h.user("target");
      String id = h.check(target.login(), "a-wrong-leaked-one").getCheckId();

      // a worker takes it and waits in the rate limiter: for 5 s, not until the window resets 18 s or more on
      h.awaitQuiet();
      CredentialCheck waiting = h.get(id);
      assertThat(h.sim.counters().authnCalls(target.login())).as("calls while the check waits").isZero();
      assertThat(waiting.getOutcome()).as(waiting.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
      assertThat(waiting.getDetail()).contains("too late for this check's lease");

      // each time it is due again, whichever replica takes it: one call once the window has room
      CheckHarness.await("the check to be decided", () -> {
        if (h.dueOrBusy() == 0) {
          h.clock.advance(CheckSettings.SHORT_WAIT);
        }
        return CheckHarness.decided(h.get(id));
      });
      CredentialCheck decided = h.get(id);
      assertThat(h.sim.counters().authnCalls(target.login())).as("authn calls for the one password").isEqualTo(1);
      assertThat(decided.getOutcome()).as(decided.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
    }
  }

  @Test
  void an_answer_postgres_cannot_store_is_not_followed_by_a_second_call() {
    try (CheckHarness h = CheckHarness.start(twoReplicas())) {
      CheckHarness.User u = h.user("lost");
      // Postgres refuses to store any answer ("cannot connect now", as while it restarts); settling
      // the attempt as UNKNOWN is still allowed
      Await.result(h.pool.query("""
          CREATE FUNCTION refuse_answers() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF OLD.result = 'RESERVED' AND NEW.result NOT IN ('UNKNOWN', 'RESERVED') THEN
              RAISE EXCEPTION 'the database system is starting up' USING ERRCODE = '57P03';
            END IF;
            RETURN NEW;
          END $$;
          CREATE TRIGGER refuse_answers BEFORE UPDATE ON authn_attempts FOR EACH ROW EXECUTE FUNCTION refuse_answers();
          """).execute());

      String id = h.check(u.login(), "a-wrong-leaked-one").getCheckId();
      CredentialCheck settled = h.awaitCheck(id, CheckHarness::decided);

      assertThat(h.sim.counters().received(AUTHN)).as("authn requests that reached Okta").isEqualTo(1);
      assertThat(settled.getOutcome()).as(settled.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_SKIPPED);
      assertThat(settled.getSkipReason()).isEqualTo(SkipReason.SKIP_REASON_ALREADY_TESTED);
      assertThat(settled.getDetail()).contains("never stored");
      var attempts = Await.result(h.pool.preparedQuery("SELECT result FROM authn_attempts WHERE check_id = $1")
          .execute(Tuple.of(java.util.UUID.fromString(id))));
      assertThat(attempts.rowCount()).isEqualTo(1);
      assertThat(attempts.iterator().next().getString(0)).as("counted like a failure").isEqualTo("UNKNOWN");
      assertThat(Await.result(h.pool.preparedQuery(
          "SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'credential_check.authn_lost'")
          .execute(Tuple.of(h.tenant))).iterator().next().getLong(0)).isEqualTo(1);
    }
  }
}
