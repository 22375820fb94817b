package io.flare.iem.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this replica should receive traffic: Postgres and Redis both answer within a second, and
 * the process is not draining for shutdown. Served by {@code /readyz} and by gRPC health.
 */
public final class Readiness {

  private static final long TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final Stores stores;
  private final AtomicBoolean draining = new AtomicBoolean();

  public Readiness(Vertx vertx, Stores stores) {
    this.vertx = vertx;
    this.stores = stores;
  }

  /** Stop reporting ready: the first step of a graceful shutdown. */
  public void drain() {
    draining.set(true);
  }

  public boolean draining() {
    return draining.get();
  }

  /** The state of each dependency; ready when both are up and we are not draining. */
  public record Report(boolean postgres, boolean redis, boolean draining) {
    public boolean ready() {
      return postgres && redis && !draining;
    }
  }

  public Future<Report> check() {
    Future<Boolean> pg = within(stores.pingPostgres());
    Future<Boolean> redis = within(stores.pingRedis());
    return Future.join(pg, redis).transform(ignored -> Future.succeededFuture(
        new Report(pg.result() == Boolean.TRUE, redis.result() == Boolean.TRUE, draining.get())));
  }

  public Future<Boolean> ready() {
    return check().map(Report::ready);
  }

  private Future<Boolean> within(Future<Void> ping) {
    return ping.map(true).timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwise(false);
  }
}
