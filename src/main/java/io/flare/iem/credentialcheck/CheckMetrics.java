package io.flare.iem.credentialcheck;

import io.flare.iem.metrics.Metrics;
import io.flare.iem.storage.PgTime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The credential checker's metrics: decisions stored, by outcome and skip reason; authn attempts
 * by result; daily-cap and lockout-budget hits; mitigations by state; and the queue of waiting
 * checks (depth and age of the oldest, per waiting outcome, across all tenants). The queue is read
 * by a periodic query ({@link #refreshQueue}) so that a scrape runs no SQL; every replica reads
 * the same shared queue. Labels are closed sets: never a tenant, a username or a password.
 */
final class CheckMetrics {

  /** How often each replica reads the queue's depth and oldest check. */
  static final Duration QUEUE_REFRESH = Duration.ofSeconds(15);

  private static final String QUEUE = """
      SELECT outcome, count(*) AS depth, min(create_time) AS oldest
      FROM credential_checks
      WHERE outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED')
      GROUP BY outcome
      """;

  private static final List<StoredCheck.Outcome> WAITING = List.of(StoredCheck.Outcome.PENDING,
      StoredCheck.Outcome.THROTTLED, StoredCheck.Outcome.UNVERIFIED);

  /**
   * Why an attempt was not made now: the per-day cap, the lifetime lockout budget, or Okta blocking
   * the user's sign-ins from unknown devices.
   */
  enum Throttle { DAILY_CAP, LOCKOUT_BUDGET, USER_BLOCKED }

  /** The last read of one waiting outcome; the oldest check's age is computed when scraped. */
  private static final class Waiting {
    volatile long depth;
    volatile long oldestMillis = -1;
  }

  private final Clock clock;
  private final Map<StoredCheck.Outcome, Counter> decided = new EnumMap<>(StoredCheck.Outcome.class);
  private final Map<StoredCheck.SkipReason, Counter> skipped = new EnumMap<>(StoredCheck.SkipReason.class);
  private final Map<String, Counter> attempts = new java.util.HashMap<>();
  private final Map<Throttle, Counter> throttles = new EnumMap<>(Throttle.class);
  private final Map<StoredMitigation.State, Counter> mitigations = new EnumMap<>(StoredMitigation.State.class);
  private final Counter mitigationsCreated;
  private final Map<StoredCheck.Outcome, Waiting> queue = new EnumMap<>(StoredCheck.Outcome.class);
  private final OverdueChecks overdue;
  private boolean refreshing;

  CheckMetrics(Metrics metrics, Clock clock) {
    this.clock = clock;
    MeterRegistry registry = metrics.registry();
    this.overdue = new OverdueChecks(registry, clock);
    for (StoredCheck.Outcome outcome : StoredCheck.Outcome.values()) {
      if (outcome != StoredCheck.Outcome.SKIPPED) {
        decided.put(outcome, decisions(registry, outcome.name(), "none"));
      }
    }
    for (StoredCheck.SkipReason reason : StoredCheck.SkipReason.values()) {
      skipped.put(reason, decisions(registry, StoredCheck.Outcome.SKIPPED.name(), reason.name()));
    }
    // the results an attempt row can record once Okta answered (or did not)
    for (String result : List.of("VALID", "INVALID", "LOCKED_OUT", "RATE_LIMITED", "BLOCKED", "UNKNOWN", "DENIED")) {
      attempts.put(result, Counter.builder("iem.check.authn.attempts")
          .description("authn calls made to check a leaked password, by what Okta answered")
          .tag("result", result).register(registry));
    }
    for (Throttle reason : Throttle.values()) {
      throttles.put(reason, Counter.builder("iem.check.throttles")
          .description("checks THROTTLED: the identity's daily cap or its lockout budget was spent, or Okta blocks"
              + " the user's sign-ins from unknown devices")
          .tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    mitigationsCreated = mitigationCounter(registry, "created");
    for (StoredMitigation.State state : List.of(StoredMitigation.State.APPLIED,
        StoredMitigation.State.PARTIALLY_APPLIED, StoredMitigation.State.FAILED, StoredMitigation.State.REJECTED)) {
      mitigations.put(state, mitigationCounter(registry, state.name().toLowerCase(Locale.ROOT)));
    }
    for (StoredCheck.Outcome outcome : WAITING) {
      Waiting waiting = new Waiting();
      queue.put(outcome, waiting);
      Gauge.builder("iem.check.queue.depth", waiting, w -> w.depth)
          .description("checks waiting in the queue (all tenants), by outcome; read every "
              + QUEUE_REFRESH.toSeconds() + " s")
          .tag("outcome", outcome.name()).register(registry);
      TimeGauge.builder("iem.check.queue.oldest.age", waiting, TimeUnit.MILLISECONDS, this::age)
          .description("how long the oldest waiting check (all tenants) has waited since it was received, by outcome")
          .tag("outcome", outcome.name()).register(registry);
    }
  }

  private static Counter decisions(MeterRegistry registry, String outcome, String skipReason) {
    return Counter.builder("iem.check.decisions")
        .description("credential check decisions stored (intake included), by outcome and skip reason; a check"
            + " that waits and is decided later counts once per decision")
        .tag("outcome", outcome).tag("skip_reason", skipReason).register(registry);
  }

  private static Counter mitigationCounter(MeterRegistry registry, String state) {
    return Counter.builder("iem.mitigations")
        .description("mitigations of compromised accounts: created, and then applied, partially applied, failed or rejected")
        .tag("state", state).register(registry);
  }

  /** A decision was stored. */
  /** Waiting passwords erased undecided ({@link PasswordRetention}). */
  void erased(int count) {
    decided.get(StoredCheck.Outcome.PASSWORD_ERASED).increment(count);
  }

  void decided(CheckRepository.Result result) {
    Counter counter = result.skipReason() != null ? skipped.get(result.skipReason()) : decided.get(result.outcome());
    if (counter != null) {
      counter.increment();
    }
  }

  /** An authn call was answered (or not) with this attempt result. */
  void authn(String result) {
    Counter counter = attempts.get(result);
    if (counter != null) {
      counter.increment();
    }
  }

  void throttled(Throttle reason) {
    throttles.get(reason).increment();
  }

  void mitigationCreated() {
    mitigationsCreated.increment();
  }

  /** A mitigation reached APPLIED, PARTIALLY_APPLIED, FAILED or REJECTED. */
  void mitigation(StoredMitigation.State state) {
    Counter counter = mitigations.get(state);
    if (counter != null) {
      counter.increment();
    }
  }

  /**
   * Reads the queue's depth and oldest check per waiting outcome, then the orgs whose checks are
   * overdue ({@link OverdueChecks}); skipped while a read runs.
   */
  Future<Void> refreshQueue(SqlClient client) {
    if (refreshing) {
      return Future.succeededFuture();
    }
    refreshing = true;
    return client.query(QUEUE).execute()
        .onSuccess(rows -> {
          Map<StoredCheck.Outcome, long[]> read = new EnumMap<>(StoredCheck.Outcome.class);
          rows.forEach(row -> {
            Instant oldest = PgTime.instant(row, "oldest");
            read.put(StoredCheck.Outcome.valueOf(row.getString("outcome")), new long[] {row.getLong("depth"),
                oldest == null ? -1 : oldest.toEpochMilli()});
          });
          queue.forEach((outcome, waiting) -> {
            long[] r = read.getOrDefault(outcome, new long[] {0, -1});
            waiting.depth = r[0];
            waiting.oldestMillis = r[1];
          });
        })
        .compose(read -> overdue.refresh(client))
        .onComplete(ignored -> refreshing = false);
  }

  private double age(Waiting waiting) {
    long oldest = waiting.oldestMillis;
    return oldest < 0 ? 0 : Math.max(0, clock.millis() - oldest);
  }
}
