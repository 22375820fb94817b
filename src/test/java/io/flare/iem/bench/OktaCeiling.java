package io.flare.iem.bench;

import io.flare.iem.config.AppConfig;
import io.flare.iem.credentialcheck.FenceCeiling;
import io.flare.iem.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ceiling of a check that reaches Okta, measured in the same run as the checks: for checks
 * the service made (their identities, check rows and password fingerprints), the daily cap's
 * Redis script (its counter present, as the service's would be after the day's first check), the
 * fence's Postgres transaction ({@link FenceCeiling}: the same statements through the same
 * repositories, a pool of the service's default size) and one authn round trip to the same
 * simulator process, one after the other, 64 in flight, with the service's own clients (Vert.x
 * Redis, Postgres and web clients) and none of the service.
 */
final class OktaCeiling {

  record Result(int operations, int errors, double seconds) {
    double perSecond() {
      return operations / seconds;
    }
  }

  private record Target(String tenant, UUID identity, UUID check, byte[] fingerprint, String login, String baseUrl) {}

  private OktaCeiling() {}

  static String describe(Result r) {
    return String.format(Locale.ROOT, "ceiling (cap script + fence transaction + authn round trip, %d in flight):"
        + " %d operations in %.1f s, %.0f/s, errors %d", OktaChecksBench.IN_FLIGHT, r.operations(), r.seconds(),
        r.perSecond(), r.errors());
  }

  static Result run(BenchEnv env, List<OktaProcess.Org> orgs, List<String[]> checked, int seconds) throws Exception {
    Stores stores = Stores.create(env.vertx, new AppConfig.Postgres("127.0.0.1", env.pg.port(), "postgres", "postgres",
        "postgres", 8), env.redis.url());
    WebClient web = WebClient.create(env.vertx, new WebClientOptions().setKeepAlive(true));
    try {
      List<Target> targets = targets(stores, orgs);
      if (targets.isEmpty()) {
        throw new IllegalStateException("no check reached the fence: nothing to measure the ceiling on");
      }
      // the counters present, as the service's were: seeded a thousand at a time (the Redis client
      // queues at most 10,000 commands waiting for a connection; a long run checks more users than that)
      for (int from = 0; from < targets.size(); from += 1000) {
        List<Future<?>> seeds = new ArrayList<>();
        for (Target t : targets.subList(from, Math.min(targets.size(), from + 1000))) {
          seeds.add(stores.redisApi().set(List.of(FenceCeiling.counterKey(t.tenant(), t.identity()), "0", "PX",
              "86400000")));
        }
        Future.all(seeds).await(60, TimeUnit.SECONDS);
      }
      FenceCeiling fence = new FenceCeiling();
      measure(stores, web, fence, targets, Math.max(2, seconds / 3)); // warm-up
      return measure(stores, web, fence, targets, seconds);
    } finally {
      web.close();
      stores.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static Result measure(Stores stores, WebClient web, FenceCeiling fence, List<Target> targets, int seconds)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(OktaChecksBench.IN_FLIGHT);
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    int i = 0;
    while (System.nanoTime() < end) {
      inFlight.acquire();
      Target t = targets.get(i++ % targets.size());
      FenceCeiling.reserve(stores.redisApi(), t.tenant(), t.identity())
          .compose(code -> fence.fence(stores.pg(), t.tenant(), t.identity(), t.check(), t.fingerprint()))
          .compose(attempt -> web.postAbs(t.baseUrl() + "/api/v1/authn").putHeader("Accept", "application/json")
              .sendJsonObject(new JsonObject().put("username", t.login()).put("password", "Wrong-ceiling")))
          .onComplete(ar -> {
            if (ar.failed() || ar.result().statusCode() != 401) {
              errors.incrementAndGet();
            } else {
              done.incrementAndGet();
            }
            inFlight.release();
          });
    }
    inFlight.acquire(OktaChecksBench.IN_FLIGHT);
    return new Result(done.get(), errors.get(), (System.nanoTime() - start) / 1e9);
  }

  /** Checks the service sent to Okta: their tenant, identity, row, fingerprint, login and org. */
  private static List<Target> targets(Stores stores, List<OktaProcess.Org> orgs) throws Exception {
    var rows = stores.pg().query("""
        SELECT c.tenant_id, c.identity_id, c.check_id, c.password_fingerprint, i.login
        FROM credential_checks c JOIN identities i ON i.identity_id = c.identity_id
        WHERE c.password_fingerprint IS NOT NULL AND c.attempts_made > 0
        ORDER BY c.create_time LIMIT 20000
        """).execute().await(60, TimeUnit.SECONDS);
    List<Target> out = new ArrayList<>();
    for (Row r : rows) {
      String tenant = r.getString(0);
      int org = Integer.parseInt(tenant.substring(tenant.lastIndexOf('-') + 1));
      out.add(new Target(tenant, r.getUUID(1), r.getUUID(2), r.getBuffer(3).getBytes(), r.getString(4),
          orgs.get(org).baseUrl()));
    }
    return out;
  }
}
