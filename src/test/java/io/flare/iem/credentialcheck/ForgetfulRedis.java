package io.flare.iem.credentialcheck;

import io.flare.iem.testing.Await;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Redis that keeps forgetting the service's reservations, on a server of the test's own: every
 * millisecond or so until closed, every daily counter goes back to 0, its expiry kept, and every
 * pacing key is gone, as on a replica promoted after missing those writes. The counters still
 * exist, so the service's confirmation before a call ({@link DailyCap#confirm}) passes: a counter
 * found at 0 grants again and again, the per-identity pacing holds a check back for a millisecond
 * at most, and only the Postgres fence is left to hold the cap. (A FLUSHALL instead would also
 * stop calls at that confirmation, which would hide a broken fence.)
 */
final class ForgetfulRedis implements AutoCloseable {

  /**
   * Every daily counter ({@code iem:{tenant}:cap:<identity>:<day>}) back to 0, its expiry kept, and
   * every pacing key ({@code iem:{tenant}:pace:<identity>}) deleted; how many counters.
   */
  static final String REWIND = """
      local keys = redis.call('KEYS', 'iem:*:cap:*')
      for _, key in ipairs(keys) do redis.call('SET', key, '0', 'KEEPTTL') end
      for _, key in ipairs(redis.call('KEYS', 'iem:*:pace:*')) do redis.call('DEL', key) end
      return #keys
      """;

  private final Vertx vertx = Vertx.vertx();
  private final RedisAPI redis;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong rewound = new AtomicLong();
  private final Promise<Void> stopped = Promise.promise();

  private ForgetfulRedis(String url) {
    this.redis = RedisAPI.api(Redis.createClient(vertx, url));
  }

  /** Starts forgetting at once. */
  static ForgetfulRedis start(String url) {
    ForgetfulRedis forgetful = new ForgetfulRedis(url);
    forgetful.vertx.runOnContext(ignored -> forgetful.next());
    return forgetful;
  }

  private void next() {
    if (!running.get()) {
      stopped.tryComplete();
      return;
    }
    redis.eval(List.of(REWIND, "0"))
        .onSuccess(n -> rewound.addAndGet(n.toLong()))
        .onComplete(ignored -> vertx.setTimer(1, id -> next()));
  }

  /** Counters found and set back to 0 so far. */
  long rewound() {
    return rewound.get();
  }

  @Override
  public void close() {
    running.set(false);
    try {
      Await.result(stopped.future());
    } finally {
      redis.close();
      Await.result(vertx.close());
    }
  }
}
