package io.flare.iem.credentialcheck;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The daily cap: at most {@code max_daily_password_attempts} authn calls per identity per local
 * day of the tenant. The day's attempts in Postgres are looked at first; then one of today's
 * attempts is reserved in Redis ({@link DailyCap}), which also paces the identity to Okta's 4
 * calls a second per username (waiting in place up to {@code maxPaceWait}, else queued). Spent:
 * THROTTLED until the next local midnight. Passed: {@link Verdict.Reserved}, holding the
 * reservation; the {@link AttemptFence} counts again under the identity's lock.
 */
final class DailyCapGate implements Gate {

  static final String PACED = "Okta allows 4 sign-in attempts a second per user: queued";

  private final Vertx vertx;
  private final DailyCap cap;
  private final Clock clock;
  private final Duration maxPaceWait;

  DailyCapGate(Vertx vertx, DailyCap cap, Clock clock, Duration maxPaceWait) {
    this.vertx = vertx;
    this.cap = cap;
    this.clock = clock;
    this.maxPaceWait = maxPaceWait;
  }

  @Override
  public Future<Verdict> judge(Candidate c) {
    return c.attempts().compose(counts -> counts.today() >= c.integration().maxDailyPasswordAttempts()
        ? Future.succeededFuture(spent(c, clock.instant()))
        : reserve(c, counts.today(), 0));
  }

  /** Reserves in Redis; a missing counter is seeded with {@code today}, the day's attempts just read. */
  private Future<Verdict> reserve(Candidate c, long today, long waitedMillis) {
    Instant now = clock.instant();
    return cap.reserve(c.tenantId(), c.identityId(), c.zone(), now, c.integration().maxDailyPasswordAttempts(),
            c.today(), today)
        .compose(reservation -> {
          if (reservation instanceof DailyCap.Granted granted) {
            return Future.succeededFuture(new Verdict.Reserved(granted.day()));
          }
          if (reservation instanceof DailyCap.Paced paced) {
            if (waitedMillis + paced.waitMillis() > maxPaceWait.toMillis()) {
              return Future.succeededFuture(new Verdict.Queue(PACED, now.plusMillis(paced.waitMillis())));
            }
            long delay = Math.max(1, paced.waitMillis());
            return vertx.timer(delay, TimeUnit.MILLISECONDS).compose(t -> reserve(c, today, waitedMillis + delay));
          }
          return Future.succeededFuture(spent(c, clock.instant()));
        });
  }

  /** Today's attempts are spent: THROTTLED until the next local midnight. */
  static Verdict.Throttle spent(Candidate c, Instant now) {
    return new Verdict.Throttle(CheckMetrics.Throttle.DAILY_CAP, "daily cap spent: "
        + c.integration().maxDailyPasswordAttempts() + " attempt(s) on " + c.today() + " (" + c.zone().getId()
        + "); tried again after local midnight", LocalDays.nextMidnight(now, c.zone()));
  }
}
