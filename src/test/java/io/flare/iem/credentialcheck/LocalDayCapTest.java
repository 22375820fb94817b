package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/**
 * The daily cap follows the tenant's calendar in {@code America/New_York} across DST changes: it
 * resets at local midnight (not at UTC midnight, not 24 hours later), a 25-hour day is still one
 * day, and throttled checks are attempted after midnight without any new request.
 */
class LocalDayCapTest {

  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  @Test
  void next_midnight_follows_the_zone_rules_on_23_and_25_hour_days() {
    // 2027-03-14 springs forward at 02:00 (23 hours); 2026-11-01 falls back at 02:00 (25 hours)
    Instant springEvening = ZonedDateTime.of(2027, 3, 14, 23, 0, 0, 0, NEW_YORK).toInstant();
    assertThat(LocalDays.nextMidnight(springEvening, NEW_YORK)).isEqualTo(Instant.parse("2027-03-15T04:00:00Z"));
    Instant springMorning = ZonedDateTime.of(2027, 3, 14, 0, 30, 0, 0, NEW_YORK).toInstant();
    assertThat(LocalDays.millisToNextMidnight(springMorning, NEW_YORK)).isEqualTo((23 * 60 - 30) * 60_000L);
    Instant fallMorning = ZonedDateTime.of(2026, 11, 1, 0, 30, 0, 0, NEW_YORK).toInstant();
    assertThat(LocalDays.nextMidnight(fallMorning, NEW_YORK)).isEqualTo(Instant.parse("2026-11-02T05:00:00Z"));
    assertThat(LocalDays.millisToNextMidnight(fallMorning, NEW_YORK)).isEqualTo((25 * 60 - 30) * 60_000L);
    assertThat(LocalDays.day(Instant.parse("2026-11-02T04:59:59Z"), NEW_YORK)).isEqualTo(LocalDate.of(2026, 11, 1));
  }

  @Test
  void the_cap_resets_at_local_midnight_after_spring_forward_and_throttled_checks_then_run_unasked() {
    MutableClock clock = new MutableClock(ZonedDateTime.of(2027, 3, 14, 23, 58, 0, 0, NEW_YORK).toInstant());
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(clock).timeZone("America/New_York")
        .maxDaily(2).lockoutThreshold(20))) {
      CheckHarness.User u = h.user("spring");
      assertThat(h.check(u.login(), "wrong-1").getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.check(u.login(), "wrong-2").getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      CredentialCheck third = h.check(u.login(), "wrong-3");

      // the 23-hour day ends at 04:00Z, not at 05:00Z (EST) nor at UTC midnight
      assertThat(third.getOutcome()).as(third.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(third.getNextAttemptTime().getSeconds())
          .isEqualTo(Instant.parse("2027-03-15T04:00:00Z").getEpochSecond());
      // the Redis counter expires at that same local midnight (two minutes from the service's now)
      long ttl = counterTtl(h, u, LocalDate.of(2027, 3, 14));
      assertThat(ttl).isBetween(1L, 120_000L).isGreaterThan(119_000L);

      clock.set(ZonedDateTime.of(2027, 3, 15, 0, 0, 1, 0, NEW_YORK).toInstant());
      CredentialCheck later = h.awaitCheck(third.getCheckId(), CheckHarness::decided);

      assertThat(later.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(3);
      // one attempt of the new day is left, then it is spent again
      assertThat(h.check(u.login(), "wrong-4").getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.check(u.login(), "wrong-5").getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(4);
    }
  }

  @Test
  void the_25_hour_day_of_fall_back_is_one_day_for_the_cap() {
    MutableClock clock = new MutableClock(ZonedDateTime.of(2026, 11, 1, 0, 30, 0, 0, NEW_YORK).toInstant());
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(clock).timeZone("America/New_York")
        .maxDaily(2).lockoutThreshold(20))) {
      CheckHarness.User u = h.user("fall");
      assertThat(h.check(u.login(), "wrong-1").getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.check(u.login(), "wrong-2").getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);

      // 24 hours later it is 23:30 of the same local day (clocks fell back an hour): still spent
      clock.set(ZonedDateTime.of(2026, 11, 1, 23, 30, 0, 0, NEW_YORK).toInstant());
      assertThat(clock.instant()).isEqualTo(ZonedDateTime.of(2026, 11, 1, 0, 30, 0, 0, NEW_YORK).toInstant()
          .plusSeconds(24 * 3600));
      CredentialCheck third = h.check(u.login(), "wrong-3");
      assertThat(third.getOutcome()).as(third.getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(third.getNextAttemptTime().getSeconds())
          .isEqualTo(Instant.parse("2026-11-02T05:00:00Z").getEpochSecond());
      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(2);

      clock.set(Instant.parse("2026-11-02T05:00:00.500Z"));
      assertThat(h.awaitCheck(third.getCheckId(), CheckHarness::decided).getOutcome())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.sim.counters().authnCalls(u.login())).isEqualTo(3);
    }
  }

  private static long counterTtl(CheckHarness h, CheckHarness.User u, LocalDate day) {
    Redis client = Redis.createClient(h.vertx, TestServers.redis().url());
    try {
      return Await.result(RedisAPI.api(client).pttl(DailyCap.counterKey(h.tenant, u.identityId(), day))).toLong();
    } finally {
      client.close();
    }
  }
}
