package io.flare.iem.identitysync;

import io.flare.iem.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orgs whose sync keeps failing: the last {@link #IN_A_ROW} finished runs (succeeded or failed;
 * cancelled ones do not count) all failed. Read from the shared runs table, so every replica reports
 * the same count whichever replica ran them; the gauge carries no tenant, and a log line names the
 * tenant when it starts and stops failing.
 */
final class SyncFailures {

  private static final Logger LOG = LoggerFactory.getLogger(SyncFailures.class);

  /** How often each replica reads the runs. */
  static final Duration REFRESH = Duration.ofSeconds(60);
  /** Failed runs in a row that make an org count. */
  static final int IN_A_ROW = 2;

  /**
   * Each tenant's last finished runs, newest first: a loose index scan of the tenants in sync_runs,
   * then a few rows of each through (tenant_id, create_time DESC).
   */
  private static final String LAST_RUNS = """
      WITH RECURSIVE seen AS (
        (SELECT tenant_id FROM sync_runs ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT r.tenant_id FROM sync_runs r WHERE r.tenant_id > t.tenant_id ORDER BY r.tenant_id LIMIT 1)
        FROM seen t WHERE t.tenant_id IS NOT NULL
      )
      SELECT t.tenant_id, last.state, last.error_message
      FROM seen t CROSS JOIN LATERAL (
        SELECT r.state, r.error_message FROM sync_runs r
        WHERE r.tenant_id = t.tenant_id AND r.state IN ('SUCCEEDED', 'FAILED')
        ORDER BY r.create_time DESC
        LIMIT 2
      ) last
      WHERE t.tenant_id IS NOT NULL
      """;

  private volatile int failingOrgs;
  private Set<String> failing = Set.of();

  SyncFailures(Metrics metrics) {
    metrics.gauge("iem.sync.failing.orgs", "orgs whose last " + IN_A_ROW + " finished sync runs failed (all"
        + " tenants; the log names them)", () -> failingOrgs);
  }

  Future<Void> refresh(SqlClient client) {
    return client.query(LAST_RUNS).execute().map(rows -> {
      Map<String, List<String>> states = new HashMap<>();
      Map<String, String> errors = new HashMap<>();
      rows.forEach(row -> {
        String tenant = row.getString("tenant_id");
        states.computeIfAbsent(tenant, t -> new java.util.ArrayList<>()).add(row.getString("state"));
        errors.putIfAbsent(tenant, row.getString("error_message"));
      });
      update(states, errors);
      return null;
    });
  }

  /** Each tenant's last finished run states, newest first, and its newest error message. */
  void update(Map<String, List<String>> states, Map<String, String> errors) {
    Set<String> now = new HashSet<>();
    states.forEach((tenant, last) -> {
      if (last.size() >= IN_A_ROW && last.subList(0, IN_A_ROW).stream().allMatch("FAILED"::equals)) {
        now.add(tenant);
      }
    });
    for (String tenant : now) {
      if (!failing.contains(tenant)) {
        LOG.atWarn().addKeyValue("tenant_id", tenant).addKeyValue("error_message", errors.get(tenant))
            .log("an org's sync failed {} times in a row", IN_A_ROW);
      }
    }
    for (String tenant : failing) {
      if (!now.contains(tenant)) {
        LOG.atInfo().addKeyValue("tenant_id", tenant).log("an org's sync no longer fails");
      }
    }
    failing = Set.copyOf(now);
    failingOrgs = now.size();
  }
}
