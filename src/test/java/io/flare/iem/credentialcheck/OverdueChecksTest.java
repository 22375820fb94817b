package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.metrics.Metrics;
import io.flare.iem.testing.CapturedLogs;
import io.flare.iem.testing.MutableClock;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code iem_check_stalled_orgs} and {@code iem_check_overdue_max_seconds}: orgs with a waiting check
 * due more than 10 minutes ago, and the longest overdue check; the log names each org once when it
 * stalls and once when it moves again.
 */
class OverdueChecksTest {

  @Test
  void an_org_is_stalled_once_a_check_is_ten_minutes_past_due_and_the_log_names_it_once() {
    Instant now = Instant.parse("2026-12-02T12:00:00Z");
    MutableClock clock = new MutableClock(now);
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    OverdueChecks overdue = new OverdueChecks(registry, clock);
    assertThat(stalledOrgs(registry)).isZero();
    assertThat(overdueSeconds(registry)).isZero();

    int before = CapturedLogs.lines().size();
    overdue.update(now, Map.of("acme", now.minus(Duration.ofMinutes(11)), "globex", now.minus(Duration.ofMinutes(3)),
        "initech", now.minus(Duration.ofMinutes(30))));
    assertThat(stalledOrgs(registry)).isEqualTo(2);
    assertThat(overdueSeconds(registry)).isEqualTo(1800);
    overdue.update(now, Map.of("acme", now.minus(Duration.ofMinutes(11)), "initech", now.minus(Duration.ofMinutes(30))));
    List<String> lines = CapturedLogs.lines().subList(before, CapturedLogs.lines().size());
    assertThat(lines.stream().filter(l -> l.contains("are stalled"))).hasSize(2)
        .anyMatch(l -> l.contains("\"tenant_id\":\"acme\"")).anyMatch(l -> l.contains("\"tenant_id\":\"initech\""));

    clock.set(now.plusSeconds(60));
    overdue.update(now.plusSeconds(60), Map.of("globex", now.minus(Duration.ofMinutes(2))));
    assertThat(stalledOrgs(registry)).isZero();
    assertThat(overdueSeconds(registry)).isEqualTo(180);
    lines = CapturedLogs.lines().subList(before, CapturedLogs.lines().size());
    assertThat(lines.stream().filter(l -> l.contains("no longer stalled"))).hasSize(2);

    overdue.update(now.plusSeconds(60), Map.of());
    assertThat(overdueSeconds(registry)).isZero();
  }

  private static double stalledOrgs(PrometheusMeterRegistry registry) {
    return registry.get("iem.check.stalled.orgs").gauge().value();
  }

  private static double overdueSeconds(PrometheusMeterRegistry registry) {
    return registry.get("iem.check.overdue.max").timeGauge().value(java.util.concurrent.TimeUnit.SECONDS);
  }
}
