package io.flare.iem.storage;

import io.flare.iem.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The service's Postgres pool and Redis client, created once at start-up and shared by everyone. */
public record Stores(Pool pg, Redis redis, RedisAPI redisApi) {

  public static Stores create(Vertx vertx, AppConfig.Postgres pg, String redisUrl) {
    Redis redis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(redisUrl)
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(10_000)
        .setMaxWaitingHandlers(32_768)
        .setPoolRecycleTimeout(15_000)
        // a span per command only within a traced call or run (never for a worker's idle polling)
        .setTracingPolicy(TracingPolicy.PROPAGATE));
    return new Stores(postgres(vertx, pg), redis, RedisAPI.api(redis));
  }

  /** The Postgres pool with the service's settings; tests and benchmarks use the same one. */
  public static Pool postgres(Vertx vertx, AppConfig.Postgres pg) {
    PgConnectOptions connect = new PgConnectOptions()
        .setHost(pg.host())
        .setPort(pg.port())
        .setDatabase(pg.database())
        .setUser(pg.user())
        .setPassword(pg.password())
        .setCachePreparedStatements(true)
        // statements longer than the default 2,048 characters would be parsed and planned on every call
        .setPreparedStatementCacheSqlLimit(16_384)
        .setPipeliningLimit(256)
        // a span per query (its SQL text, never its parameters) only within a traced call or run
        .setTracingPolicy(TracingPolicy.PROPAGATE);
    PoolOptions pool = new PoolOptions()
        .setMaxSize(pg.poolSize())
        .setMaxWaitQueueSize(10_000)
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setConnectionTimeout(10)
        .setConnectionTimeoutUnit(TimeUnit.SECONDS)
        .setShared(false);
    return PgBuilder.pool().with(pool).connectingTo(connect).using(vertx).build();
  }

  /** Succeeds when Postgres answers a query. */
  public Future<Void> pingPostgres() {
    return pg.query("SELECT 1").execute().mapEmpty();
  }

  /** Succeeds when Redis answers PING. */
  public Future<Void> pingRedis() {
    return redisApi.ping(List.of()).mapEmpty();
  }

  public Future<Void> close() {
    return Future.join(pg.close(), redis.close()).mapEmpty();
  }
}
