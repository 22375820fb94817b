package io.flare.iem.credentialcheck;

import io.flare.iem.failure.Failure;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The per-identity daily cap on authn calls, counted in Redis per local calendar day of the
 * tenant, and the per-username pacing Okta asks for (at most 4 authn calls a second).
 *
 * <p><b>Keys</b> are shaped for Redis Cluster: every key of a tenant carries the hash tag
 * {@code {tenant}}, so a script touching the counter and the pacing key of one identity stays in
 * one slot: {@code iem:{<tenant>}:cap:<identity>:<local date>} (the day's count) and
 * {@code iem:{<tenant>}:pace:<identity>} (present while the identity must wait). A tenant id is
 * never empty and holds no brace (the API refuses it), so the tag is the whole tenant id and both
 * keys of every script hash to the tenant's slot; a tenant's keys all live on one master, which
 * a tenant's few operations per check never strain. Every key is
 * written with an expiry: the counter expires at the next local midnight (computed with the zone
 * rules, so 23- and 25-hour days are right), the pacing key after {@link #PACE_MILLIS}. The expiry
 * is sent as the milliseconds left until that midnight on the service's clock ({@code PEXPIRE}),
 * not as an absolute instant: the local day of a key is decided by the service's clock, and a
 * Redis whose clock disagrees must not expire today's counter early (nor a test clock set in the
 * past expire it at once). A counter that expires early anyway is simply rebuilt.
 *
 * <p><b>Reserving.</b> One Lua script ({@link #RESERVE}) reads the counter and, if it is below the
 * cap and the identity is not being paced, increments it, sets its expiry to the next local
 * midnight and starts the pacing key, atomically. The script never creates a missing counter: a
 * missing counter means a new day or a Redis that lost its data, and is answered "missing".
 *
 * <p><b>Rebuilding.</b> On "missing", the day's count is read from Postgres (every
 * {@code authn_attempts} row of that local day except those Okta did not evaluate: RELEASED, never
 * sent; RATE_LIMITED and BLOCKED, refused before the password was read) and written with
 * {@code SET NX} and the midnight expiry; then the script runs again. If two replicas rebuild at
 * once, {@code NX} keeps the first and both reserve against it.
 *
 * <p><b>The invariant</b>, at most {@code cap} authn calls per identity and local day that Okta
 * evaluated (a 429 or a 403 is recorded, given back here and no longer counted), holds whatever
 * Redis does, because an attempt passes three gates in this order:
 * <ol>
 *   <li>a Redis reservation (this class), which fails closed: no Redis, no attempt;</li>
 *   <li>the fence: a Postgres transaction that locks the identity's row, counts the day's
 *       attempts Okta may have evaluated, refuses at the cap (and at the lockout budget), and otherwise
 *       inserts the attempt row (RESERVED) and commits, all before the call;</li>
 *   <li>a confirmation that the Redis counter still exists ({@link #confirm}); if Redis is down or
 *       lost it since the reservation, the row is marked RELEASED and no call is made.</li>
 * </ol>
 * Rows are never deleted, and a row is only RELEASED when no call was or will be made for it.
 * Since every call has a committed row that was counted under the identity's lock, two calls can
 * never both see room for one: calls &le; rows &le; cap. The races the Redis side alone gets
 * wrong are therefore harmless:
 * <ul>
 *   <li><i>A reservation in flight while Redis restarts without its data</i>: the reservation was
 *       granted by the old counter, its row not yet written; a rebuild reads Postgres without it
 *       and the new counter grants again. Both reach the fence, which admits only up to the cap;
 *       the confirmation also stops the old reservation, its counter being gone.</li>
 *   <li><i>A rebuild from a stale read</i> (a row committed between the read and the {@code SET
 *       NX}): the counter undercounts by that row, and the fence refuses the extra reservation.</li>
 *   <li><i>Two replicas rebuilding at once</i>: {@code NX} keeps one value; both are lower bounds
 *       of what the fence will count.</li>
 *   <li><i>A replica whose clock lags across midnight</i> finds yesterday's counter expired, and
 *       rebuilds it from Postgres: it cannot start again at zero.</li>
 * </ul>
 * When Redis counts more than Postgres (a grant whose fence refused it for the cap), nothing is
 * given back: over-counting only makes the cap stricter. A grant that did not reach the fence
 * for another reason (lockout budget, Postgres down, no room in the org's authn budget) is given
 * back with {@link #release}, which keeps the count exact in the normal case.
 */
final class DailyCap {

  /** Okta allows 4 authn calls a second per username; one every 300 ms stays under it across replicas. */
  static final long PACE_MILLIS = 300;

  private static final long REDIS_TIMEOUT_MS = 2_000;

  /**
   * KEYS[1] the day's counter, KEYS[2] the pacing key; ARGV[1] the cap, ARGV[2] milliseconds to
   * the next local midnight, ARGV[3] the pacing interval (0: none), ARGV[4] the day's attempts in
   * Postgres as the caller read them (-1 or absent: not read). A missing counter is seeded with ARGV[4], as
   * {@link #rebuild} would with {@code SET NX} (the script runs alone), saving the rebuild's round
   * trips. Returns {code, value}: {-1, 0} the counter is missing and no seed was given; {0, count}
   * the cap is spent; {-2, ms} wait that long (pacing); {1, count} reserved, count including this one.
   */
  static final String RESERVE = """
      local n = redis.call('GET', KEYS[1])
      if not n then
        local seed = tonumber(ARGV[4] or '-1')
        if seed < 0 then return {-1, 0} end
        n = seed
        redis.call('SET', KEYS[1], n, 'PX', ARGV[2])
      end
      n = tonumber(n)
      if n >= tonumber(ARGV[1]) then return {0, n} end
      local wait = redis.call('PTTL', KEYS[2])
      if wait > 0 then return {-2, wait} end
      n = redis.call('INCR', KEYS[1])
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[3]) end
      return {1, n}
      """;

  /** Gives one reservation back, if the counter still exists. */
  static final String RELEASE = """
      local n = redis.call('GET', KEYS[1])
      if n and tonumber(n) > 0 then return redis.call('DECR', KEYS[1]) end
      return -1
      """;

  /** What a reservation attempt found. */
  sealed interface Reservation {}

  /** Reserved: the call may go on to the fence; {@code count} includes it. */
  record Granted(LocalDate day, long count) implements Reservation {}

  /** The day's cap is spent. */
  record Spent(LocalDate day, long count) implements Reservation {}

  /** The identity was tried a moment ago; try again after {@code waitMillis}. */
  record Paced(long waitMillis) implements Reservation {}

  private final RedisAPI redis;
  private final Pool pool;
  private final AttemptRepository attempts;
  private final long paceMillis;

  DailyCap(RedisAPI redis, Pool pool, AttemptRepository attempts) {
    this(redis, pool, attempts, PACE_MILLIS);
  }

  /** With another pacing interval (0: none), for tests of the counter alone. */
  DailyCap(RedisAPI redis, Pool pool, AttemptRepository attempts, long paceMillis) {
    this.redis = redis;
    this.pool = pool;
    this.attempts = attempts;
    this.paceMillis = paceMillis;
  }

  static String counterKey(String tenantId, UUID identityId, LocalDate day) {
    return "iem:{" + tenantId + "}:cap:" + identityId + ":" + day;
  }

  static String paceKey(String tenantId, UUID identityId) {
    return "iem:{" + tenantId + "}:pace:" + identityId;
  }

  /** Reserves one attempt for today, rebuilding a missing counter from Postgres first. Fails closed (UNAVAILABLE). */
  Future<Reservation> reserve(String tenantId, UUID identityId, ZoneId zone, Instant now, int cap) {
    return reserve(tenantId, identityId, zone, now, cap, null, -1);
  }

  /**
   * As {@link #reserve(String, UUID, ZoneId, Instant, int)}, a missing counter seeded in the same
   * script with {@code dayCount}, the attempts of local day {@code seedDay} the caller read from
   * Postgres ({@link AttemptRepository#counts}'s {@code today}, the same count {@link #rebuild}
   * reads). Read a moment earlier, it may miss a row committed since: the counter then undercounts,
   * as after a rebuild from a stale read, and the {@link AttemptFence} refuses the extra
   * reservation. Used only when {@code seedDay} is the day reserved for.
   */
  Future<Reservation> reserve(String tenantId, UUID identityId, ZoneId zone, Instant now, int cap, LocalDate seedDay,
      long dayCount) {
    LocalDate day = LocalDays.day(now, zone);
    long seed = day.equals(seedDay) ? dayCount : -1;
    return runReserve(tenantId, identityId, day, zone, now, cap, seed).compose(first -> first != null
        ? Future.succeededFuture(first)
        : rebuild(tenantId, identityId, day, zone, now)
            .compose(ignored -> runReserve(tenantId, identityId, day, zone, now, cap, -1))
            .compose(second -> second != null ? Future.succeededFuture(second)
                : Future.failedFuture(unavailable("the daily counter vanished again while it was rebuilt", null))));
  }

  /** Whether the counter that granted a reservation still exists: Redis is up and did not lose it. */
  Future<Boolean> confirm(String tenantId, UUID identityId, LocalDate day) {
    return guard(redis.exists(List.of(counterKey(tenantId, identityId, day)))).map(r -> r != null && r.toLong() == 1);
  }

  /** Gives back a reservation that will not lead to a call; best effort (a failure only over-counts). */
  Future<Void> release(String tenantId, UUID identityId, LocalDate day) {
    return guard(redis.eval(List.of(RELEASE, "1", counterKey(tenantId, identityId, day))))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private Future<Reservation> runReserve(String tenantId, UUID identityId, LocalDate day, ZoneId zone, Instant now,
      int cap, long seed) {
    long ttl = LocalDays.millisToNextMidnight(now, zone);
    return guard(redis.eval(List.of(RESERVE, "2", counterKey(tenantId, identityId, day), paceKey(tenantId, identityId),
            Integer.toString(cap), Long.toString(ttl), Long.toString(paceMillis), Long.toString(seed))))
        .map(r -> {
          long code = r.get(0).toLong();
          long value = r.get(1).toLong();
          if (code == -1) {
            return null;
          }
          if (code == 0) {
            return new Spent(day, value);
          }
          if (code == -2) {
            return new Paced(value);
          }
          return new Granted(day, value);
        });
  }

  /** Seeds a missing counter with the day's attempts recorded in Postgres; a concurrent seed wins. */
  private Future<Void> rebuild(String tenantId, UUID identityId, LocalDate day, ZoneId zone, Instant now) {
    long ttl = LocalDays.millisToNextMidnight(now, zone);
    return attempts.dayCount(pool, tenantId, identityId, day)
        .compose(count -> guard(redis.set(List.of(counterKey(tenantId, identityId, day), Long.toString(count),
            "PX", Long.toString(ttl), "NX"))))
        .mapEmpty();
  }

  /** Bounds a Redis call and turns its failure into UNAVAILABLE: the caller fails closed. */
  private static Future<Response> guard(Future<Response> call) {
    return call.timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(error -> Future.failedFuture(error instanceof Failure ? error
            : unavailable("redis unavailable (" + error.getClass().getSimpleName() + ")", error)));
  }

  private static Failure.Unavailable unavailable(String message, Throwable cause) {
    return new Failure.Unavailable("REDIS_UNAVAILABLE", message, cause);
  }
}
