package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.flare.iem.config.AppConfig;
import io.flare.iem.storage.Migrations;
import io.flare.iem.storage.Stores;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.EmbeddedRedisCluster;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every Redis path of the service on a three-master Redis Cluster, through the client the service
 * builds ({@link Stores#create} with {@code IEM_REDIS_CLUSTER}): the daily cap's reservation script
 * (counter and pacing key), the rebuild of a missing counter, the confirmation, the release. Redis
 * Cluster runs a script only if all its keys hash to one slot (else {@code CROSSSLOT}, which the
 * client raises before sending): a key whose hash tag stopped being the tenant fails here.
 */
class DailyCapOnRedisClusterTest {

  static final ZoneId ZONE = ZoneId.of("Europe/Paris");
  static final Instant NOW = Instant.parse("2026-06-15T10:00:00Z");
  static final LocalDate DAY = LocalDate.of(2026, 6, 15);

  static Vertx vertx;
  static Stores stores;
  static EmbeddedRedisCluster cluster;
  static final AttemptRepository attempts = new AttemptRepository();

  @BeforeAll
  static void start() {
    AppConfig.Postgres pg = TestServers.newDatabase();
    Migrations.run(pg);
    cluster = TestServers.redisCluster();
    vertx = Vertx.vertx();
    stores = Stores.create(vertx, pg, cluster.nodes().stream().map(EmbeddedRedisCluster.Node::url).toList(), true);
  }

  @AfterAll
  static void stop() {
    Await.result(stores.close());
    Await.result(vertx.close());
  }

  @Test
  void every_path_of_the_daily_cap_runs_on_each_master_of_the_cluster() {
    DailyCap paced = new DailyCap(stores.redisApi(), stores.pg(), attempts);
    for (String tenant : tenantOnEachMaster().values()) {
      UUID identity = UUID.randomUUID();
      recordAttempts(tenant, identity, 1, "INVALID");

      // a missing counter: rebuilt from Postgres (SET NX), then the script reserves (counter + pacing key)
      assertThat(Await.result(paced.reserve(tenant, identity, ZONE, NOW, 3))).as(tenant)
          .isEqualTo(new DailyCap.Granted(DAY, 2));
      assertThat(Await.result(paced.reserve(tenant, identity, ZONE, NOW, 3))).as(tenant)
          .isInstanceOf(DailyCap.Paced.class);
      assertThat(Await.result(paced.confirm(tenant, identity, DAY))).as(tenant).isTrue();
      Await.result(paced.release(tenant, identity, DAY));

      // both keys live on the master of the tenant's slot
      String counter = DailyCap.counterKey(tenant, identity, DAY);
      EmbeddedRedisCluster.Node owner = cluster.owner(cluster.slot(counter));
      assertThat(owner.call("GET", counter)).as(counter).isEqualTo("1");
      assertThat((Long) owner.call("PTTL", DailyCap.paceKey(tenant, identity))).as("pacing key").isPositive();

      // without pacing, up to the cap and no further
      DailyCap unpaced = new DailyCap(stores.redisApi(), stores.pg(), attempts, 0);
      UUID other = UUID.randomUUID();
      for (int n = 1; n <= 3; n++) {
        assertThat(Await.result(unpaced.reserve(tenant, other, ZONE, NOW, 3))).isEqualTo(new DailyCap.Granted(DAY, n));
      }
      assertThat(Await.result(unpaced.reserve(tenant, other, ZONE, NOW, 3))).isEqualTo(new DailyCap.Spent(DAY, 3));
    }
  }

  @Test
  void the_keys_of_every_script_hash_to_one_slot_as_the_cluster_computes_it() {
    for (int i = 0; i < 50; i++) {
      String tenant = "acme-" + i;
      UUID identity = UUID.randomUUID();
      int slot = cluster.slot(DailyCap.counterKey(tenant, identity, DAY));
      assertThat(cluster.slot(DailyCap.paceKey(tenant, identity))).as("the pacing key of %s", tenant).isEqualTo(slot);
      assertThat(cluster.slot(DailyCap.counterKey(tenant, UUID.randomUUID(), DAY.plusDays(1))))
          .as("every key of tenant %s", tenant).isEqualTo(slot);
    }
  }

  @Test
  void concurrent_rebuilds_and_reservations_on_the_cluster_grant_exactly_what_is_left() {
    DailyCap cap = new DailyCap(stores.redisApi(), stores.pg(), attempts, 0);
    for (String tenant : tenantOnEachMaster().values()) {
      UUID identity = UUID.randomUUID();
      recordAttempts(tenant, identity, 1, "VALID");
      List<Future<DailyCap.Reservation>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        all.add(cap.reserve(tenant, identity, ZONE, NOW, 5));
      }
      Await.result(Future.join(all));
      assertThat(all).as("no reservation failed on tenant %s", tenant).allMatch(Future::succeeded);
      assertThat(all.stream().filter(f -> f.result() instanceof DailyCap.Granted).count()).isEqualTo(4);
      assertThat(cluster.get(DailyCap.counterKey(tenant, identity, DAY))).isEqualTo("5");
    }
  }

  /** Why a wrong hash tag fails this class: on a cluster, a script whose keys cross slots is refused. */
  @Test
  void a_script_whose_keys_cross_slots_is_refused() {
    Throwable refused = catchThrowable(() -> Await.result(stores.redisApi().eval(List.of(DailyCap.RESERVE, "2",
        "iem:{tenant-a}:cap:x:2026-06-15", "iem:{tenant-b}:pace:x", "3", "1000", "0"))));
    assertThat(refused).isNotNull();
    assertThat(String.valueOf(refused.getMessage()) + refused.getCause()).containsIgnoringCase("slot");
  }

  /** A tenant id whose keys live on each of the three masters, so every path runs on every node. */
  private static Map<EmbeddedRedisCluster.Node, String> tenantOnEachMaster() {
    Map<EmbeddedRedisCluster.Node, String> tenants = new HashMap<>();
    String run = UUID.randomUUID().toString().substring(0, 6);
    for (int i = 0; tenants.size() < cluster.nodes().size(); i++) {
      String tenant = "cluster-" + run + "-" + i;
      tenants.putIfAbsent(cluster.owner(cluster.slot(DailyCap.paceKey(tenant, UUID.randomUUID()))), tenant);
    }
    return tenants;
  }

  private static void recordAttempts(String tenant, UUID identity, int count, String result) {
    for (int i = 0; i < count; i++) {
      long id = Await.result(attempts.reserve(stores.pg(), tenant, identity, UUID.randomUUID(), DAY, NOW));
      Await.result(attempts.setResult(stores.pg(), tenant, id, result, "req"));
    }
  }
}
