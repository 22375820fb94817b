package io.flare.iem.credentialcheck;

import io.flare.iem.storage.PgTime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orgs whose checking is stalled: a waiting check was due more than {@link #STALLED} ago and is still
 * undecided (no worker took it up, or the org's authn share cannot keep up). The gauges carry no
 * tenant (how many orgs, and the longest overdue check of any); the tenant is named in a log line when
 * its checks become stalled and when they move again. Read with the queue's gauges; every replica
 * reads the same shared queue.
 */
final class OverdueChecks {

  private static final Logger LOG = LoggerFactory.getLogger(OverdueChecks.class);

  /** How long past its due time a check may wait before its org counts as stalled. */
  static final Duration STALLED = Duration.ofMinutes(10);

  private static final String OVERDUE = """
      SELECT tenant_id, min(next_attempt_time) AS due
      FROM credential_checks
      WHERE outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED') AND next_attempt_time <= $1
      GROUP BY tenant_id
      """;

  private final Clock clock;
  private volatile int stalledOrgs;
  private volatile long oldestDueMillis = -1;
  private Set<String> stalled = Set.of();

  OverdueChecks(MeterRegistry registry, Clock clock) {
    this.clock = clock;
    Gauge.builder("iem.check.stalled.orgs", this, o -> o.stalledOrgs)
        .description("orgs with a waiting check due more than " + STALLED.toMinutes() + " minutes ago and still"
            + " undecided (all tenants; the log names them)")
        .register(registry);
    TimeGauge.builder("iem.check.overdue.max", this, TimeUnit.MILLISECONDS, OverdueChecks::overdue)
        .description("how long past its due time the most overdue waiting check (all tenants) has waited; 0 when"
            + " none is due")
        .register(registry);
  }

  /** Reads every org's most overdue check and logs the orgs that became stalled or moved again. */
  Future<Void> refresh(SqlClient client) {
    Instant now = clock.instant();
    return client.preparedQuery(OVERDUE).execute(Tuple.of(PgTime.utc(now)))
        .map(rows -> {
          Map<String, Instant> due = new HashMap<>();
          rows.forEach(row -> due.put(row.getString("tenant_id"), PgTime.instant(row, "due")));
          update(now, due);
          return null;
        });
  }

  /** The orgs' most overdue checks read at {@code now}: the gauges and the log lines. */
  void update(Instant now, Map<String, Instant> due) {
    Instant limit = now.minus(STALLED);
    Set<String> nowStalled = new HashSet<>();
    long oldest = -1;
    for (Map.Entry<String, Instant> e : due.entrySet()) {
      if (e.getValue().isBefore(limit)) {
        nowStalled.add(e.getKey());
      }
      long millis = e.getValue().toEpochMilli();
      oldest = oldest < 0 ? millis : Math.min(oldest, millis);
    }
    for (String tenant : nowStalled) {
      if (!stalled.contains(tenant)) {
        LOG.atWarn().addKeyValue("tenant_id", tenant).addKeyValue("due_time", due.get(tenant).toString())
            .log("an org's credential checks are stalled: a waiting check is more than {} minutes past its due time",
                STALLED.toMinutes());
      }
    }
    for (String tenant : stalled) {
      if (!nowStalled.contains(tenant)) {
        LOG.atInfo().addKeyValue("tenant_id", tenant).log("an org's credential checks are no longer stalled");
      }
    }
    stalled = Set.copyOf(nowStalled);
    stalledOrgs = nowStalled.size();
    oldestDueMillis = oldest;
  }

  private double overdue() {
    long due = oldestDueMillis;
    return due < 0 ? 0 : Math.max(0, clock.millis() - due);
  }
}
