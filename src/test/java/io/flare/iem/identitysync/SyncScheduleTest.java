package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MigratedDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The nightly schedule: once per tenant per local night, at the tenant's hour, whatever the replicas. */
class SyncScheduleTest {

  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  static final SyncSchedule SCHEDULE = new SyncSchedule(new TenantRepository(1000));
  static Pool pool;

  static MigratedDatabase db;

  @BeforeAll
  static void start() {
    db = MigratedDatabase.create();
    pool = db.pool();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  static Instant newYork(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(NEW_YORK).toInstant();
  }

  static String tenantCreatedAt(Instant created, String zone, int hour) {
    String tenant = "sched-" + UUID.randomUUID().toString().substring(0, 8);
    Await.result(pool.withTransaction(tx -> new TenantRepository(1000).ensureLocked(tx, tenant)
        .compose(t -> tx.preparedQuery("UPDATE tenants SET time_zone = $2, nightly_sync_hour = $3 WHERE tenant_id = $1")
            .execute(Tuple.of(tenant, zone, (short) hour)))
        .compose(x -> new IntegrationRepository().insert(tx, new Integration(UUID.randomUUID(), tenant,
            Integration.Kind.OKTA, "Acme", "https://" + tenant + ".okta.com", "0oa1b2c3d4E5f6G7h8i9", 2, false,
            Integration.MitigationMode.VALIDATE_ONLY, null, 1, null, null, null)))
        .compose(x -> SyncSchedule.register(tx, tenant, ZoneId.of(zone), created))));
    return tenant;
  }

  static List<String> tick(Instant now, String tenant) {
    return Await.result(SCHEDULE.tick(pool, now)).stream().filter(tenant::equals).toList();
  }

  static List<String> runs(String tenant) {
    List<String> modes = new ArrayList<>();
    Await.result(pool.preparedQuery("SELECT mode FROM sync_runs WHERE tenant_id = $1 AND trigger = 'SCHEDULED'"
        + " ORDER BY create_time").execute(Tuple.of(tenant))).forEach(row -> modes.add(row.getString(0)));
    return modes;
  }

  static void endRuns(String tenant, boolean full) {
    Await.result(pool.preparedQuery("UPDATE sync_runs SET state = 'SUCCEEDED', end_time = now()"
        + " WHERE tenant_id = $1 AND state IN ('QUEUED', 'RUNNING')").execute(Tuple.of(tenant)));
    if (full) {
      Await.result(pool.preparedQuery("INSERT INTO sync_schedules (tenant_id, last_full_success_time) VALUES ($1, $2)"
          + " ON CONFLICT (tenant_id) DO UPDATE SET last_full_success_time = EXCLUDED.last_full_success_time")
          .execute(Tuple.of(tenant, newYork("2026-03-08T04:00").atOffset(java.time.ZoneOffset.UTC))));
    }
  }

  @Test
  void fires_at_the_local_hour_once_per_night_even_across_the_dst_change() {
    String tenant = tenantCreatedAt(newYork("2026-03-07T15:00"), "America/New_York", 2);
    assertThat(tick(newYork("2026-03-07T23:59"), tenant)).isEmpty(); // created today: first night is tomorrow
    assertThat(tick(newYork("2026-03-08T01:59"), tenant)).isEmpty();
    // 2026-03-08 02:00 does not exist in New York (clocks jump to 03:00): 03:00 local is past the hour
    assertThat(tick(newYork("2026-03-08T03:00"), tenant)).containsExactly(tenant);
    assertThat(tick(newYork("2026-03-08T03:01"), tenant)).isEmpty();
    assertThat(tick(newYork("2026-03-08T23:00"), tenant)).isEmpty();
    assertThat(runs(tenant)).containsExactly("FULL");
  }

  @Test
  void many_replicas_ticking_at_once_queue_one_run() {
    String tenant = tenantCreatedAt(newYork("2026-03-09T12:00"), "America/New_York", 2);
    Instant night = newYork("2026-03-10T02:00:01");
    List<Future<List<String>>> ticks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ticks.add(SCHEDULE.tick(pool, night));
    }
    long fired = ticks.stream().map(Await::result).filter(list -> list.contains(tenant)).count();
    assertThat(fired).isEqualTo(1);
    assertThat(runs(tenant)).hasSize(1);
  }

  @Test
  void nights_are_incremental_until_the_full_sync_interval_comes_round() {
    String tenant = tenantCreatedAt(newYork("2026-03-07T12:00"), "America/New_York", 2);
    assertThat(tick(newYork("2026-03-08T03:00"), tenant)).containsExactly(tenant);
    endRuns(tenant, true); // that full sync succeeded early on the 8th
    for (int day = 9; day <= 15; day++) {
      assertThat(tick(newYork(String.format("2026-03-%02dT02:30", day)), tenant)).containsExactly(tenant);
      endRuns(tenant, false);
    }
    // the full sync of the 8th is 7 days old by the night of the 15th: that night is full again
    assertThat(runs(tenant)).containsExactly("FULL", "INCREMENTAL", "INCREMENTAL", "INCREMENTAL", "INCREMENTAL",
        "INCREMENTAL", "INCREMENTAL", "FULL");
  }

  @Test
  void each_tenant_follows_its_own_time_zone() {
    Instant created = Instant.parse("2026-06-01T12:00:00Z");
    String tokyo = tenantCreatedAt(created, "Asia/Tokyo", 1);
    String paris = tenantCreatedAt(created, "Europe/Paris", 1);
    Instant tokyoNight = Instant.parse("2026-06-01T16:30:00Z"); // 01:30 in Tokyo on the 2nd, 18:30 in Paris
    assertThat(tick(tokyoNight, tokyo)).containsExactly(tokyo);
    assertThat(tick(tokyoNight, paris)).isEmpty();
    Instant parisNight = Instant.parse("2026-06-01T23:30:00Z"); // 01:30 in Paris on the 2nd
    assertThat(tick(parisNight, paris)).containsExactly(paris);
    assertThat(tick(parisNight, tokyo)).isEmpty();
  }
}
