package io.flare.iem;

import io.flare.iem.audit.AuditPartitions;
import io.flare.iem.config.AppConfig;
import io.flare.iem.credentialcheck.CheckRetention;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps stored rows within their retention ({@link AppConfig.Retention}): at start and then every
 * {@link #INTERVAL}, the audit trail's months ahead are created, its months past the bound dropped,
 * and decided checks and attempts past theirs deleted in short batches. Every replica runs it; the
 * work is idempotent, so two replicas at once only share it. A failed run is retried next time.
 */
final class RetentionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);

  static final Duration INTERVAL = Duration.ofHours(1);

  private final AuditPartitions audit;
  private final CheckRetention checks;
  private final AppConfig.Retention retention;
  private long timer;
  private boolean running;

  RetentionVerticle(AuditPartitions audit, CheckRetention checks, AppConfig.Retention retention) {
    this.audit = audit;
    this.checks = checks;
    this.retention = retention;
  }

  /** Retention of the tables of {@code pool}, by {@code clock} for checks and attempts. */
  static RetentionVerticle of(io.vertx.sqlclient.Pool pool, java.time.Clock clock, AppConfig.Retention retention) {
    return new RetentionVerticle(new AuditPartitions(pool),
        new CheckRetention(pool, clock, retention.checks(), retention.attempts()), retention);
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(INTERVAL.toMillis(), id -> run());
    // the months ahead exist before the service answers, so no audit insert lacks its partition
    return audit.ensureAhead()
        .onFailure(error -> LOG.atWarn().setCause(error).log("could not create the audit trail's next months;"
            + " retried every hour (inserts fail once the current month has no partition)"))
        .otherwiseEmpty()
        .onComplete(x -> run());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void run() {
    if (running) {
      return;
    }
    running = true;
    audit.ensureAhead()
        .compose(x -> audit.dropOlderThan((int) retention.audit().toDays()))
        .compose(x -> checks.run())
        .onFailure(error -> LOG.atWarn().setCause(error).log("retention run failed; retried in an hour"))
        .onComplete(x -> running = false);
  }
}
