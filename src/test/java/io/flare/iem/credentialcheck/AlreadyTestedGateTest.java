package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link AlreadyTestedGate} against real Postgres: tried passwords and earlier checks of the same one. */
class AlreadyTestedGateTest {

  static final Duration SHORT_WAIT = Duration.ofSeconds(5);
  static final Duration UNCONFIRMED_RETRY = Duration.ofDays(30);
  static Vertx vertx;
  static GateDatabase db;
  static AlreadyTestedGate gate;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    db = GateDatabase.start(vertx);
    gate = new AlreadyTestedGate(db.pool, new AttemptRepository(), new CheckRepository(), SHORT_WAIT,
        UNCONFIRMED_RETRY);
  }

  @AfterAll
  static void stop() {
    db.close();
    Await.result(vertx.close());
  }

  static Verdict judge(Candidates c) {
    return Await.result(gate.judge(c.build()));
  }

  @Test
  void a_password_never_tried_goes_on() {
    assertThat(judge(db.seed(new Candidates()))).isEqualTo(Verdict.PROCEED);
  }

  @Test
  void a_password_tried_since_the_last_change_is_skipped() {
    Candidates c = new Candidates();
    c.passwordChanged = Instant.parse("2026-01-01T00:00:00Z");
    db.seed(c);
    db.tested(c, Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(judge(c)).isInstanceOfSatisfying(Verdict.Skip.class,
        skip -> assertThat(skip.reason()).isEqualTo(StoredCheck.SkipReason.ALREADY_TESTED));
  }

  @Test
  void a_password_tried_before_the_last_change_is_tried_again() {
    Candidates c = new Candidates();
    c.passwordChanged = Instant.parse("2026-03-01T00:00:00Z");
    db.seed(c);
    db.tested(c, Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(judge(c)).isEqualTo(Verdict.PROCEED);
  }

  @Test
  void a_password_okta_rejected_without_confirmation_is_skipped_until_the_retry_interval_has_passed() {
    Candidates c = new Candidates();
    c.passwordChanged = Instant.parse("2026-01-01T00:00:00Z");
    db.seed(c);
    db.tested(c, Candidates.NOW.minus(UNCONFIRMED_RETRY).plusSeconds(60), false);

    assertThat(judge(c)).isInstanceOfSatisfying(Verdict.Skip.class, skip -> {
      assertThat(skip.reason()).isEqualTo(StoredCheck.SkipReason.ALREADY_TESTED);
      assertThat(skip.detail()).contains("not confirmed", Candidates.NOW.plusSeconds(60).toString());
    });
  }

  @Test
  void a_password_okta_rejected_without_confirmation_is_tried_again_after_the_retry_interval() {
    Candidates c = new Candidates();
    c.passwordChanged = Instant.parse("2026-01-01T00:00:00Z");
    db.seed(c);
    db.tested(c, Candidates.NOW.minus(UNCONFIRMED_RETRY).minusSeconds(60), false);

    assertThat(judge(c)).isEqualTo(Verdict.PROCEED);
  }

  @Test
  void a_confirmed_answer_keeps_the_password_tested_however_old() {
    Candidates c = new Candidates();
    c.passwordChanged = Instant.parse("2026-01-01T00:00:00Z");
    db.seed(c);
    db.tested(c, Candidates.NOW.minus(UNCONFIRMED_RETRY).minusSeconds(60), true);

    assertThat(judge(c)).isInstanceOf(Verdict.Skip.class);
  }

  @Test
  void an_older_undecided_check_of_the_same_password_goes_first() {
    Candidates c = new Candidates();
    db.seed(c);
    Instant olderNextTry = Candidates.NOW.plus(Duration.ofMinutes(10));
    db.check(c, UUID.randomUUID(), Candidates.NOW.minusSeconds(60), olderNextTry, null);

    assertThat(judge(c)).isInstanceOfSatisfying(Verdict.Queue.class,
        q -> assertThat(q.until()).isEqualTo(olderNextTry.plusSeconds(1)));
  }

  @Test
  void an_older_check_being_decided_right_now_is_looked_at_again_shortly() {
    Candidates c = new Candidates();
    db.seed(c);
    db.check(c, UUID.randomUUID(), Candidates.NOW.minusSeconds(60), null, "another-worker");

    assertThat(judge(c)).isInstanceOfSatisfying(Verdict.Queue.class,
        q -> assertThat(q.until()).isEqualTo(Candidates.NOW.plus(SHORT_WAIT)));
  }

  @Test
  void a_younger_check_of_the_same_password_waits_for_this_one() {
    Candidates c = new Candidates();
    db.seed(c);
    db.check(c, UUID.randomUUID(), Candidates.NOW.plusSeconds(60), null, null);
    assertThat(judge(c)).isEqualTo(Verdict.PROCEED);
  }
}
