package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AttemptFence} alone, against real Postgres: what it admits and refuses, counted again under
 * the identity's lock with the integration's limits as stored now, whatever the candidate says.
 */
class AttemptFenceTest {

  static final LocalDate TODAY = LocalDate.of(2026, 6, 15);
  static final Duration LEASE = Duration.ofSeconds(300);
  static final Duration UNCONFIRMED_RETRY = Duration.ofDays(30);
  static Vertx vertx;
  static GateDatabase db;
  static AttemptFence fence;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    db = GateDatabase.start(vertx);
    Clock clock = Clock.fixed(Candidates.NOW, ZoneOffset.UTC);
    fence = new AttemptFence(db.pool, new IdentityRepository(), new IntegrationRepository(), new AttemptRepository(),
        new CheckRepository(), new LifetimeBudgetGate(clock, Duration.ofHours(1)), clock, Duration.ofSeconds(5), LEASE,
        UNCONFIRMED_RETRY);
  }

  @AfterAll
  static void stop() {
    db.close();
    Await.result(vertx.close());
  }

  static AttemptFence.Answer enter(Candidates c) {
    return Await.result(fence.enter(c.build(), TODAY));
  }

  static long attempts(Candidates c) {
    return db.count("SELECT count(*) FROM authn_attempts WHERE identity_id = $1", c.identityId);
  }

  @Test
  void an_attempt_within_every_limit_is_recorded_reserved_before_the_call() {
    Candidates c = db.seed(new Candidates());

    assertThat(enter(c)).isInstanceOf(AttemptFence.Admitted.class);

    assertThat(db.count("SELECT count(*) FROM authn_attempts WHERE check_id = $1 AND result = 'RESERVED'"
        + " AND local_date = $2", c.checkId, TODAY)).isEqualTo(1);
    assertThat(db.count("SELECT attempts_made FROM credential_checks WHERE check_id = $1", c.checkId)).isEqualTo(1);
  }

  @Test
  void a_day_full_in_postgres_is_refused_and_the_redis_reservation_kept() {
    Candidates c = db.seed(new Candidates());
    db.attempt(c, UUID.randomUUID(), TODAY, Candidates.NOW.minusSeconds(3600), "INVALID");
    db.attempt(c, UUID.randomUUID(), TODAY, Candidates.NOW.minusSeconds(1800), "UNKNOWN");

    AttemptFence.Answer answer = enter(c);

    assertThat(answer).isInstanceOfSatisfying(AttemptFence.Refused.class, refused -> {
      assertThat(refused.reservation()).isEqualTo(AttemptFence.Reservation.KEEP);
      assertThat(refused.verdict()).isInstanceOfSatisfying(Verdict.Throttle.class,
          t -> assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.DAILY_CAP));
    });
    assertThat(attempts(c)).isEqualTo(2);
  }

  @Test
  void released_reservations_do_not_fill_the_day() {
    Candidates c = db.seed(new Candidates());
    db.attempt(c, UUID.randomUUID(), TODAY, Candidates.NOW.minusSeconds(3600), "RELEASED");
    db.attempt(c, UUID.randomUUID(), TODAY, Candidates.NOW.minusSeconds(1800), "INVALID");

    assertThat(enter(c)).isInstanceOf(AttemptFence.Admitted.class);
  }

  @Test
  void the_limits_stored_now_count_not_the_ones_the_check_started_with() {
    Candidates c = db.seed(new Candidates());
    db.attempt(c, UUID.randomUUID(), TODAY, Candidates.NOW.minusSeconds(3600), "INVALID");
    db.sql("UPDATE integrations SET max_daily_password_attempts = 1 WHERE tenant_id = $1",
        io.vertx.sqlclient.Tuple.of(c.tenantId));

    assertThat(enter(c)).isInstanceOfSatisfying(AttemptFence.Refused.class, refused -> assertThat(refused.verdict())
        .isInstanceOfSatisfying(Verdict.Throttle.class,
            t -> assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.DAILY_CAP)));
  }

  @Test
  void a_spent_lockout_budget_is_refused_and_the_reservation_given_back() {
    Candidates c = new Candidates();
    c.maxDaily = 5;
    c.lockoutThreshold = 4; // budget 2
    db.seed(c);
    db.attempt(c, UUID.randomUUID(), TODAY.minusDays(2), Candidates.NOW.minus(Duration.ofDays(2)), "INVALID");
    db.attempt(c, UUID.randomUUID(), TODAY.minusDays(1), Candidates.NOW.minus(Duration.ofDays(1)), "UNKNOWN");

    assertThat(enter(c)).isInstanceOfSatisfying(AttemptFence.Refused.class, refused -> {
      assertThat(refused.reservation()).isEqualTo(AttemptFence.Reservation.RELEASE);
      assertThat(refused.verdict()).isInstanceOfSatisfying(Verdict.Throttle.class,
          t -> assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.LOCKOUT_BUDGET));
    });
  }

  @Test
  void a_password_tried_since_the_last_change_is_refused_until_its_answer_is_in() {
    Candidates c = db.seed(new Candidates());
    db.tested(c, Candidates.NOW.minusSeconds(10));

    assertThat(enter(c)).isInstanceOfSatisfying(AttemptFence.Refused.class, refused -> {
      assertThat(refused.reservation()).isEqualTo(AttemptFence.Reservation.RELEASE);
      assertThat(refused.verdict()).isInstanceOf(Verdict.Queue.class);
    });
    assertThat(attempts(c)).isZero();
  }

  @Test
  void a_password_okta_rejected_without_confirmation_is_refused_only_until_the_retry_interval_has_passed() {
    Candidates recent = db.seed(new Candidates());
    db.tested(recent, Candidates.NOW.minus(UNCONFIRMED_RETRY).plusSeconds(60), false);
    Candidates old = db.seed(new Candidates());
    db.tested(old, Candidates.NOW.minus(UNCONFIRMED_RETRY).minusSeconds(60), false);
    Candidates confirmed = db.seed(new Candidates());
    db.tested(confirmed, Candidates.NOW.minus(UNCONFIRMED_RETRY).minusSeconds(60), true);

    assertThat(enter(recent)).isInstanceOf(AttemptFence.Refused.class);
    assertThat(enter(old)).isInstanceOf(AttemptFence.Admitted.class);
    assertThat(enter(confirmed)).isInstanceOf(AttemptFence.Refused.class);
  }

  @Test
  void another_checks_call_with_the_same_password_in_flight_is_waited_for_unless_its_lease_ran_out() {
    Candidates c = db.seed(new Candidates());
    UUID other = UUID.randomUUID();
    db.check(c, other, Candidates.NOW.minusSeconds(60), null, "another-worker");
    db.attempt(c, other, TODAY, Candidates.NOW.minusSeconds(30), "RESERVED");

    assertThat(enter(c)).isInstanceOfSatisfying(AttemptFence.Refused.class,
        refused -> assertThat(refused.verdict()).isInstanceOf(Verdict.Queue.class));

    Candidates stale = db.seed(new Candidates());
    UUID crashed = UUID.randomUUID();
    db.check(stale, crashed, Candidates.NOW.minus(Duration.ofHours(1)), null, "dead-replica");
    db.attempt(stale, crashed, TODAY, Candidates.NOW.minus(LEASE).minusSeconds(1), "RESERVED");

    assertThat(enter(stale)).isInstanceOf(AttemptFence.Admitted.class);
  }

  @Test
  void an_identity_or_integration_removed_meanwhile_is_refused_as_gone() {
    Candidates noIdentity = db.seed(new Candidates());
    db.sql("DELETE FROM identities WHERE identity_id = $1", io.vertx.sqlclient.Tuple.of(noIdentity.identityId));
    assertThat(enter(noIdentity)).isInstanceOfSatisfying(AttemptFence.Refused.class,
        refused -> assertThat(refused.verdict()).isInstanceOf(Verdict.Gone.class));

    Candidates noIntegration = db.seed(new Candidates());
    db.sql("DELETE FROM integrations WHERE tenant_id = $1", io.vertx.sqlclient.Tuple.of(noIntegration.tenantId));
    assertThat(enter(noIntegration)).isInstanceOfSatisfying(AttemptFence.Refused.class,
        refused -> assertThat(refused.verdict()).isInstanceOf(Verdict.Gone.class));
  }

  @Test
  void checks_of_one_identity_entering_at_once_are_admitted_one_at_a_time_up_to_the_cap() {
    Candidates c = new Candidates();
    c.maxDaily = 1;
    db.seed(c);
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      c.checkId = UUID.randomUUID();
      c.fingerprint = new byte[] {(byte) i, 42}; // different passwords: only the cap can refuse them
      db.check(c, c.checkId, Candidates.NOW, null, "owner-1");
      candidates.add(c.build());
    }
    db.warmUp(); // every connection of the pool open: the transactions below really run side by side

    List<Future<AttemptFence.Answer>> answers = candidates.stream().map(one -> fence.enter(one, TODAY)).toList();
    Await.result(Future.join(new ArrayList<>(answers)));

    assertThat(answers.stream().filter(a -> a.result() instanceof AttemptFence.Admitted).count()).isEqualTo(1);
    assertThat(attempts(c)).isEqualTo(1);
  }
}
