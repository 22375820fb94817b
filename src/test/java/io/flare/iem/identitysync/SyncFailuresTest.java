package io.flare.iem.identitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.metrics.Metrics;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MigratedDatabase;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code iem_sync_failing_orgs}: orgs whose last two finished sync runs failed, read from the shared runs table. */
class SyncFailuresTest {

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

  /** A tenant whose runs ended in these states, oldest first, a minute apart. */
  static String tenantWithRuns(String... states) {
    String tenant = "fail-" + UUID.randomUUID().toString().substring(0, 8);
    Await.result(pool.withTransaction(tx -> new TenantRepository(1000).ensureLocked(tx, tenant)));
    for (int i = 0; i < states.length; i++) {
      Await.result(pool.preparedQuery("""
          INSERT INTO sync_runs (sync_run_id, tenant_id, mode, trigger, state, create_time, error_message)
          VALUES ($1, $2, 'FULL', 'SCHEDULED', $3, now() - make_interval(mins => $4), $5)
          """).execute(Tuple.of(UUID.randomUUID(), tenant, states[i], states.length - i,
          "FAILED".equals(states[i]) ? "Okta answered 401" : "")));
    }
    return tenant;
  }

  @Test
  void an_org_counts_once_its_last_two_finished_runs_failed_and_no_longer_once_one_succeeds() {
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    SyncFailures failures = new SyncFailures(new Metrics(registry, Set.of()));
    tenantWithRuns("SUCCEEDED", "FAILED", "FAILED"); // failing
    tenantWithRuns("FAILED", "FAILED", "CANCELLED", "QUEUED"); // failing: cancelled and queued runs do not count
    tenantWithRuns("FAILED", "SUCCEEDED", "FAILED"); // one failure in a row
    tenantWithRuns("FAILED"); // one failure only
    String recovering = tenantWithRuns("FAILED", "FAILED");
    Await.result(failures.refresh(pool));
    assertThat(gauge(registry)).isEqualTo(3);

    Await.result(pool.preparedQuery("""
        INSERT INTO sync_runs (sync_run_id, tenant_id, mode, trigger, state)
        VALUES ($1, $2, 'INCREMENTAL', 'MANUAL', 'SUCCEEDED')
        """).execute(Tuple.of(UUID.randomUUID(), recovering)));
    Await.result(failures.refresh(pool));
    assertThat(gauge(registry)).isEqualTo(2);
  }

  private static double gauge(PrometheusMeterRegistry registry) {
    return registry.get("iem.sync.failing.orgs").gauge().value();
  }
}
