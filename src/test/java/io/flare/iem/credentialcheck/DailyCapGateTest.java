package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link DailyCapGate} against real Redis and Postgres: the day's attempts in Postgres first, then a
 * reservation in Redis with Okta's per-username pacing.
 */
class DailyCapGateTest {

  static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  static final Clock CLOCK = Clock.fixed(Candidates.NOW, ZoneOffset.UTC);
  static Vertx vertx;
  static GateDatabase db;
  static Redis client;
  static RedisAPI redis;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    db = GateDatabase.start(vertx);
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString(TestServers.redis().url()));
    redis = RedisAPI.api(client);
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
    Await.result(vertx.close());
  }

  static DailyCapGate gate(long paceMillis, Duration maxPaceWait) {
    return new DailyCapGate(vertx, new DailyCap(redis, db.pool, new AttemptRepository(), paceMillis), CLOCK,
        maxPaceWait);
  }

  static Candidates candidate(int maxDaily) {
    Candidates c = new Candidates();
    c.zone = PARIS;
    c.maxDaily = maxDaily;
    return c;
  }

  @Test
  void a_day_postgres_counts_full_is_throttled_until_the_next_local_midnight_without_asking_redis() {
    Candidates c = candidate(2);
    c.counts = new AttemptRepository.Counts(2, 2);

    Verdict verdict = Await.result(gate(0, Duration.ofSeconds(3)).judge(c.build()));

    assertThat(verdict).isInstanceOfSatisfying(Verdict.Throttle.class, t -> {
      assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.DAILY_CAP);
      assertThat(t.until()).isEqualTo(Instant.parse("2026-06-15T22:00:00Z")); // midnight in Paris (CEST)
      assertThat(t.detail()).contains("daily cap spent").contains("2026-06-15").contains("Europe/Paris");
    });
    assertThat(Await.result(redis.keys("iem:{" + c.tenantId + "}:*")).size()).isZero();
  }

  @Test
  void with_room_one_of_todays_attempts_is_reserved_in_redis_until_the_cap() {
    Candidates c = candidate(1);
    DailyCapGate gate = gate(0, Duration.ofSeconds(3));

    assertThat(Await.result(gate.judge(c.build())))
        .isEqualTo(new Verdict.Reserved(LocalDate.of(2026, 6, 15)));
    assertThat(Await.result(redis.get(DailyCap.counterKey(c.tenantId, c.identityId, LocalDate.of(2026, 6, 15))))
        .toInteger()).isEqualTo(1);
    assertThat(Await.result(gate.judge(c.build()))).isInstanceOfSatisfying(Verdict.Throttle.class,
        t -> assertThat(t.reason()).isEqualTo(CheckMetrics.Throttle.DAILY_CAP));
  }

  @Test
  void okta_s_per_username_pacing_is_waited_out_in_place_when_short() {
    Candidates c = candidate(2);
    DailyCapGate gate = gate(200, Duration.ofSeconds(3));
    assertThat(Await.result(gate.judge(c.build()))).isInstanceOf(Verdict.Reserved.class);

    assertThat(Await.result(gate.judge(c.build()))).isInstanceOf(Verdict.Reserved.class);
  }

  @Test
  void pacing_longer_than_worth_waiting_for_queues_the_check() {
    Candidates c = candidate(2);
    DailyCapGate gate = gate(10_000, Duration.ofSeconds(1));
    assertThat(Await.result(gate.judge(c.build()))).isInstanceOf(Verdict.Reserved.class);

    assertThat(Await.result(gate.judge(c.build()))).isInstanceOfSatisfying(Verdict.Queue.class, q -> {
      assertThat(q.detail()).isEqualTo(DailyCapGate.PACED);
      assertThat(q.until()).isBetween(Candidates.NOW.plusMillis(9_000), Candidates.NOW.plusMillis(10_000));
    });
    assertThat(List.of(Await.result(redis.get(DailyCap.counterKey(c.tenantId, c.identityId,
        LocalDate.of(2026, 6, 15)))).toInteger())).containsExactly(1);
  }
}
