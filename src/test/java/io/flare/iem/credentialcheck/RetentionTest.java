package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.audit.AuditPartitions;
import io.flare.iem.storage.PgTime;
import io.flare.iem.testing.Await;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 acceptance 3: retention removes the decided checks, attempts and audit months past their
 * bounds (defaults: 180, 180 and 400 days), touches nothing younger and no undecided check however
 * old, keeps the failures that still count against a lockout budget, and checks keep flowing while
 * it runs.
 */
class RetentionTest {

  static final Duration CHECKS = Duration.ofDays(180);
  static final Duration ATTEMPTS = Duration.ofDays(180);
  static final int AUDIT_DAYS = 400;
  static final int OLD_CHECKS = 40_000;

  static CheckHarness h;

  @BeforeAll
  static void start() {
    h = CheckHarness.start();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void rows_past_the_bound_go_nothing_younger_is_touched_and_checks_flow_meanwhile() throws Exception {
    Instant now = h.clock.instant();
    UUID identity = UUID.randomUUID();
    sql("""
        INSERT INTO identities (identity_id, tenant_id, okta_user_id, login, status)
        VALUES ($1, $2, '00uRetention', 'kept@example.com', 'ACTIVE')
        """, identity, h.tenant);
    // decided checks: many past the bound (so that retention takes a while), a few just inside it
    decided(OLD_CHECKS, "old", now.minus(CHECKS).minus(Duration.ofDays(20)));
    decided(25, "young", now.minus(CHECKS).plus(Duration.ofHours(1)));
    // an undecided check, however old, stays: it waits (held by a decision in progress)
    UUID waiting = UUID.randomUUID();
    sql("""
        INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, outcome, next_attempt_time,
                                       lease_owner, lease_expire_time, create_time)
        VALUES ($1, $2, $3, 'kept@example.com', 'PENDING', $4, 'elsewhere', now() + interval '1 day', $5)
        """, waiting, h.tenant, identity, PgTime.utc(now.plus(Duration.ofDays(1))),
        PgTime.utc(now.minus(Duration.ofDays(900))));
    // attempts: past the bound (a VALID one, a failure a later sign-in reset, a failure still counting), and young
    Instant old = now.minus(ATTEMPTS).minus(Duration.ofDays(10));
    long oldValid = attempt(identity, old, "VALID");
    long oldResetFailure = attempt(identity, old.minus(Duration.ofDays(1)), "INVALID");
    UUID dormant = UUID.randomUUID();
    long oldCountingFailure = attempt(dormant, old, "INVALID");
    long young = attempt(identity, now.minus(ATTEMPTS).plus(Duration.ofHours(1)), "INVALID");
    // audit rows: a month wholly past the bound, one month inside it, and this month
    LocalDate today = Await.result(h.pool.query("SELECT (now() AT TIME ZONE 'UTC')::date").execute())
        .iterator().next().getLocalDate(0);
    AuditPartitions partitions = new AuditPartitions(h.pool);
    YearMonth oldMonth = YearMonth.from(today.minusDays(AUDIT_DAYS + 60));
    Await.result(partitions.ensure(oldMonth, YearMonth.from(today)));
    audit("old", AUDIT_DAYS + 60);
    audit("inside", AUDIT_DAYS - 20);
    audit("recent", 0);
    long recentAudit = count("SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND event_time > now() - "
        + "make_interval(days => " + AUDIT_DAYS + ")");

    CheckRetention retention = new CheckRetention(h.pool, h.clock, CHECKS, ATTEMPTS, 1_000);
    AtomicBoolean retaining = new AtomicBoolean(true);
    AtomicInteger decidedMeanwhile = new AtomicInteger();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> checkers = List.of(checker(retaining, decidedMeanwhile, failures),
        checker(retaining, decidedMeanwhile, failures));
    checkers.forEach(Thread::start);
    Await.until(() -> decidedMeanwhile.get() > 0, Duration.ofSeconds(30), "checks flowing before retention starts");
    int before = decidedMeanwhile.get();
    Future<CheckRetention.Removed> run = partitions.dropOlderThan(AUDIT_DAYS).compose(dropped -> retention.run());
    CheckRetention.Removed removed = Await.result(run);
    int during = decidedMeanwhile.get() - before;
    retaining.set(false);
    for (Thread t : checkers) {
      t.join();
    }

    assertThat(failures).as("checks while retention ran").isEmpty();
    assertThat(during).as("checks decided while retention ran").isPositive();
    assertThat(removed.checks()).isEqualTo(OLD_CHECKS);
    assertThat(count("SELECT count(*) FROM credential_checks WHERE tenant_id = $1 AND username LIKE 'old-%'")).isZero();
    assertThat(count("SELECT count(*) FROM credential_checks WHERE tenant_id = $1 AND username LIKE 'young-%'"))
        .isEqualTo(25);
    assertThat(count("SELECT count(*) FROM credential_checks WHERE tenant_id = $1 AND username LIKE 'flowing-%'"))
        .as("the checks made meanwhile").isEqualTo(decidedMeanwhile.get());
    assertThat(count("SELECT count(*) FROM credential_checks WHERE tenant_id = $1 AND check_id = '" + waiting + "'"))
        .as("the undecided check, 900 days old").isEqualTo(1);
    assertThat(attempts()).containsExactlyInAnyOrder(oldCountingFailure, young)
        .doesNotContain(oldValid, oldResetFailure);
    assertThat(count("SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'retention.old'")).isZero();
    assertThat(count("SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action IN "
        + "('retention.inside', 'retention.recent')")).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND event_time > now() - "
        + "make_interval(days => " + AUDIT_DAYS + ")")).as("no audit row inside the bound went")
        .isGreaterThanOrEqualTo(recentAudit);
    assertThat(Await.result(h.pool.preparedQuery("SELECT to_regclass($1) IS NULL")
        .execute(Tuple.of("audit_events_" + oldMonth.toString().replace('-', '_')))).iterator().next().getBoolean(0))
        .as("the old month's partition is dropped").isTrue();
  }

  /** A thread sending checks of unknown users (decided NOT_FOUND at once) until {@code go} turns false. */
  private static Thread checker(AtomicBoolean go, AtomicInteger decided, List<Throwable> failures) {
    return new Thread(() -> {
      while (go.get()) {
        try {
          CredentialCheck c = h.check("flowing-" + UUID.randomUUID() + "@example.com", "pw");
          assertThat(c.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
          decided.incrementAndGet();
        } catch (Throwable e) {
          failures.add(e);
          return;
        }
      }
    });
  }

  private static void decided(int n, String prefix, Instant decideTime) {
    sql("""
        INSERT INTO credential_checks (check_id, tenant_id, username, outcome, create_time, decide_time, update_time)
        SELECT gen_random_uuid(), $1, $2 || '-' || g, 'NOT_FOUND', $3, $3, $3 FROM generate_series(1, $4) g
        """, h.tenant, prefix, PgTime.utc(decideTime), n);
  }

  private static long attempt(UUID identity, Instant time, String result) {
    return Await.result(h.pool.preparedQuery("""
        INSERT INTO authn_attempts (tenant_id, identity_id, check_id, local_date, attempt_time, result)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING attempt_id
        """).execute(Tuple.of(h.tenant, identity, UUID.randomUUID(), LocalDate.ofInstant(time, java.time.ZoneOffset.UTC),
        PgTime.utc(time), result))).iterator().next().getLong(0);
  }

  private static List<Long> attempts() {
    return Await.result(h.pool.preparedQuery("SELECT attempt_id FROM authn_attempts WHERE tenant_id = $1")
        .execute(Tuple.of(h.tenant))).stream().map(r -> r.getLong(0)).toList();
  }

  private static void audit(String action, int daysAgo) {
    sql("INSERT INTO audit_events (tenant_id, action, actor, event_time) VALUES ($1, $2, 'test', now() - "
        + "make_interval(days => " + daysAgo + "))", h.tenant, "retention." + action);
  }

  private static long count(String sql) {
    return Await.result(h.pool.preparedQuery(sql).execute(Tuple.of(h.tenant))).iterator().next().getLong(0);
  }

  private static void sql(String sql, Object... params) {
    Await.result(h.pool.preparedQuery(sql).execute(Tuple.from(params)));
  }
}
