package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.config.AppConfig;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.storage.Migrations;
import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis side of the daily cap against real Redis and Postgres: the one script, the rebuild of
 * a lost counter from the attempts in Postgres, concurrent rebuilds, confirmation and expiries.
 */
class DailyCapTest {

  static final ZoneId ZONE = ZoneId.of("Europe/Paris");
  static final Instant NOW = Instant.parse("2026-06-15T10:00:00Z");
  static final LocalDate DAY = LocalDate.of(2026, 6, 15);

  static Vertx vertx;
  static Pool pool;
  static EmbeddedRedis server;
  static Redis client;
  static RedisAPI redis;
  static final AttemptRepository attempts = new AttemptRepository();
  static DailyCap cap;

  @BeforeAll
  static void start() {
    AppConfig.Postgres pg = TestServers.newDatabase();
    Migrations.run(pg);
    vertx = Vertx.vertx();
    pool = Stores.postgres(vertx, pg);
    server = EmbeddedRedis.start(0, Path.of("target", "test-servers", "daily-cap-" + UUID.randomUUID()));
    client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url()).setMaxPoolWaiting(1000));
    redis = RedisAPI.api(client);
    cap = new DailyCap(redis, pool, attempts, 0);
  }

  @AfterAll
  static void stop() {
    client.close();
    Await.result(pool.close());
    Await.result(vertx.close());
    server.close();
  }

  @Test
  void a_missing_counter_is_rebuilt_from_the_attempts_in_postgres_before_any_reservation() {
    UUID identity = UUID.randomUUID();
    recordAttempts("t-rebuild", identity, 2, "INVALID");
    recordAttempts("t-rebuild", identity, 1, "RELEASED"); // never reached Okta: not counted

    assertThat(reserve("t-rebuild", identity, 3)).isInstanceOf(DailyCap.Granted.class)
        .extracting(r -> ((DailyCap.Granted) r).count()).isEqualTo(3L);
    assertThat(reserve("t-rebuild", identity, 3)).isInstanceOf(DailyCap.Spent.class);
  }

  @Test
  void a_counter_lost_with_redis_restarting_empty_never_starts_again_at_zero() {
    UUID identity = UUID.randomUUID();
    assertThat(reserve("t-lost", identity, 2)).isInstanceOf(DailyCap.Granted.class);
    recordAttempts("t-lost", identity, 1, "INVALID"); // the fence records the first attempt

    server.restart(false);

    assertThat(Await.result(cap.confirm("t-lost", identity, DAY))).isFalse(); // an in-flight reservation stops here
    assertThat(reserve("t-lost", identity, 2)).isInstanceOf(DailyCap.Granted.class)
        .extracting(r -> ((DailyCap.Granted) r).count()).isEqualTo(2L);
    assertThat(reserve("t-lost", identity, 2)).isInstanceOf(DailyCap.Spent.class);
  }

  @Test
  void concurrent_rebuilds_and_reservations_grant_exactly_what_is_left() {
    UUID identity = UUID.randomUUID();
    recordAttempts("t-race", identity, 1, "VALID");
    List<Future<DailyCap.Reservation>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(cap.reserve("t-race", identity, ZONE, NOW, 5));
    }
    Await.result(Future.join(all));

    long granted = all.stream().filter(f -> f.result() instanceof DailyCap.Granted).count();
    assertThat(granted).isEqualTo(4);
    assertThat(all.stream().filter(f -> f.result() instanceof DailyCap.Spent).count()).isEqualTo(196);
  }

  @Test
  void the_counter_expires_at_the_next_local_midnight_and_pacing_keys_expire_too() {
    UUID identity = UUID.randomUUID();
    DailyCap paced = new DailyCap(redis, pool, attempts);
    assertThat(Await.result(paced.reserve("t-ttl", identity, ZONE, NOW, 5))).isInstanceOf(DailyCap.Granted.class);
    assertThat(Await.result(paced.reserve("t-ttl", identity, ZONE, NOW, 5))).isInstanceOf(DailyCap.Paced.class);

    long ttl = Await.result(redis.pttl(DailyCap.counterKey("t-ttl", identity, DAY))).toLong();
    long untilMidnight = Instant.parse("2026-06-15T22:00:00Z").toEpochMilli() - NOW.toEpochMilli(); // CEST
    assertThat(ttl).isBetween(untilMidnight - 5_000, untilMidnight);
    long paceTtl = Await.result(redis.pttl(DailyCap.paceKey("t-ttl", identity))).toLong();
    assertThat(paceTtl).isBetween(1L, DailyCap.PACE_MILLIS);
    for (Response key : Await.result(redis.keys("*"))) {
      assertThat(Await.result(redis.pttl(key.toString())).toLong()).as(key.toString()).isPositive();
    }
  }

  @Test
  void a_released_reservation_is_given_back() {
    UUID identity = UUID.randomUUID();
    assertThat(reserve("t-release", identity, 1)).isInstanceOf(DailyCap.Granted.class);
    Await.result(cap.release("t-release", identity, DAY));
    assertThat(reserve("t-release", identity, 1)).isInstanceOf(DailyCap.Granted.class);
    assertThat(reserve("t-release", identity, 1)).isInstanceOf(DailyCap.Spent.class);
  }

  @Test
  void keys_carry_the_tenant_as_a_redis_cluster_hash_tag() {
    UUID identity = UUID.fromString("00000000-0000-0000-0000-000000000001");
    assertThat(DailyCap.counterKey("acme", identity, DAY))
        .isEqualTo("iem:{acme}:cap:00000000-0000-0000-0000-000000000001:2026-06-15");
    assertThat(DailyCap.paceKey("acme", identity)).isEqualTo("iem:{acme}:pace:00000000-0000-0000-0000-000000000001");
  }

  private static DailyCap.Reservation reserve(String tenant, UUID identity, int max) {
    return Await.result(cap.reserve(tenant, identity, ZONE, NOW, max));
  }

  private static void recordAttempts(String tenant, UUID identity, int count, String result) {
    for (int i = 0; i < count; i++) {
      long id = Await.result(attempts.reserve(pool, tenant, identity, UUID.randomUUID(), DAY, NOW));
      Await.result(attempts.setResult(pool, tenant, id, result, "req"));
    }
  }
}
