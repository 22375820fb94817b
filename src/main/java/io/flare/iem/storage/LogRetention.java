package io.flare.iem.storage;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a feed's log bounded: at most once per {@link #INTERVAL}, deletes the entries older than
 * the retention (the log's own statement, which also moves each tenant's horizon). Called from a
 * worker's periodic tick, on one event loop; every replica may prune, which is harmless.
 */
public final class LogRetention {

  private static final Logger LOG = LoggerFactory.getLogger(LogRetention.class);

  /** How often a replica prunes a log. */
  public static final Duration INTERVAL = Duration.ofMinutes(10);

  private final String log;
  private final Clock clock;
  private final Duration retention;
  private final Function<Instant, Future<Long>> prune;
  private Instant next = Instant.MIN;
  private boolean pruning;

  /** @param prune deletes the entries older than its argument; returns how many */
  public LogRetention(String log, Clock clock, Duration retention, Function<Instant, Future<Long>> prune) {
    this.log = log;
    this.clock = clock;
    this.retention = retention;
    this.prune = prune;
  }

  /** Prunes when it is due and no prune is running. */
  public void pruneIfDue() {
    Instant now = clock.instant();
    if (pruning || now.isBefore(next)) {
      return;
    }
    pruning = true;
    next = now.plus(INTERVAL);
    prune.apply(now.minus(retention))
        .onSuccess(n -> LOG.atDebug().addKeyValue("log", log).addKeyValue("deleted", n).log("feed log pruned"))
        .onFailure(e -> LOG.atWarn().setCause(e).addKeyValue("log", log).log("could not prune a feed log; next time"))
        .onComplete(ar -> pruning = false);
  }
}
