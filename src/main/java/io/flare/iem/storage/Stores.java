package io.flare.iem.storage;

import io.flare.iem.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service's Postgres pool and Redis client, created once at start-up and shared by everyone.
 *
 * <p>Redis is one server, or a Redis Cluster ({@code redisCluster}): the client discovers the
 * cluster's masters from the nodes it is given, sends each command to the master of its keys' hash
 * slot, and never reads from replicas (the daily counters must be read where they are written).
 * Every multi-key script keeps its keys in one slot (they share the tenant's hash tag, see {@code
 * DailyCap}); the client refuses one that would not, as Redis would ({@code CROSSSLOT}). On a
 * cluster, fewer commands than a pool holds are in flight at once ({@link BoundedRedis} says why).
 */
public record Stores(Pool pg, Redis redis, RedisAPI redisApi, boolean redisCluster) {

  /** Redis connections per server (per master of a cluster). */
  private static final int REDIS_POOL = 16;
  /** Redis commands that may wait for a connection (or, on a cluster, for their turn). */
  private static final int REDIS_WAITING = 10_000;

  /** With one standalone Redis at {@code redisUrl}. */
  public static Stores create(Vertx vertx, AppConfig.Postgres pg, String redisUrl) {
    return create(vertx, pg, List.of(redisUrl), false);
  }

  /** With one Redis ({@code endpoints} holds its URL) or a Redis Cluster discovered from {@code endpoints}. */
  public static Stores create(Vertx vertx, AppConfig.Postgres pg, List<String> endpoints, boolean cluster) {
    if (endpoints.isEmpty() || (!cluster && endpoints.size() > 1)) {
      throw new IllegalArgumentException("one Redis URL, or one or more Redis Cluster nodes, got " + endpoints.size());
    }
    RedisOptions options = new RedisOptions()
        .setMaxPoolSize(REDIS_POOL) // per node in a cluster
        .setMaxPoolWaiting(REDIS_WAITING)
        .setMaxWaitingHandlers(32_768)
        .setPoolRecycleTimeout(15_000)
        // a span per command only within a traced call or run (never for a worker's idle polling)
        .setTracingPolicy(TracingPolicy.PROPAGATE);
    Redis redis;
    if (cluster) {
      options.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER).setEndpoints(List.copyOf(endpoints));
      redis = new BoundedRedis(vertx, Redis.createClient(vertx, options), REDIS_POOL - 1, REDIS_WAITING);
    } else {
      redis = Redis.createClient(vertx, options.setConnectionString(endpoints.get(0)));
    }
    return new Stores(postgres(vertx, pg), redis, RedisAPI.api(redis), cluster);
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

  /**
   * Succeeds when Redis answers PING; for a Redis Cluster, when the client reaches every master and
   * the cluster says its state is {@code ok} (every slot served: any tenant's counters can be used).
   */
  public Future<Void> pingRedis() {
    if (!redisCluster) {
      return redisApi.ping(List.of()).mapEmpty();
    }
    return redisApi.cluster(List.of("INFO")).compose(info -> info != null && info.toString().contains("cluster_state:ok")
        ? Future.<Void>succeededFuture()
        : Future.failedFuture("the Redis Cluster's state is not ok"));
  }

  public Future<Void> close() {
    return Future.join(pg.close(), redis.close()).mapEmpty();
  }
}
