package io.flare.iem.credentialcheck;

import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * For the benchmark's ceiling of a check that reaches Okta (io.flare.iem.bench): the daily cap's
 * own Redis script ({@link DailyCap#RESERVE}) and the fence's transaction ({@link AttemptFence}: its
 * statements, through the same repositories, in its order), without the rest of the service.
 */
public final class FenceCeiling {

  private static final String COUNT_ATTEMPT = """
      UPDATE credential_checks SET attempts_made = attempts_made + 1, update_time = now()
      WHERE tenant_id = $3 AND check_id = $1 AND lease_owner = $2
      """;

  private final IdentityRepository identities = new IdentityRepository();
  private final IntegrationRepository integrations = new IntegrationRepository();
  private final AttemptRepository attempts = new AttemptRepository();
  private final CheckRepository checks = new CheckRepository();

  /** The daily cap's counter key for one identity today (UTC), which {@link #reserve} needs to exist. */
  public static String counterKey(String tenantId, UUID identityId) {
    return DailyCap.counterKey(tenantId, identityId, LocalDate.now(ZoneOffset.UTC));
  }

  /** One run of the daily cap's reservation script, no pacing, a cap of 1,000. */
  public static Future<Long> reserve(RedisAPI redis, String tenantId, UUID identityId) {
    return redis.eval(List.of(DailyCap.RESERVE, "2", counterKey(tenantId, identityId),
            DailyCap.paceKey(tenantId, identityId), "1000", "86400000", "0"))
        .map(r -> r.get(0).toLong());
  }

  /**
   * The fence's transaction for an existing check of an existing identity: lock the identity's
   * row, settle lost answers, look for the same password taken, read the integration, count the
   * day's attempts and failures, insert the attempt, count it on the check.
   */
  public Future<Long> fence(Pool pool, String tenantId, UUID identityId, UUID checkId, byte[] fingerprint) {
    Instant now = Instant.now();
    LocalDate day = LocalDate.now(ZoneOffset.UTC);
    return pool.withTransaction(tx -> identities.lockState(tx, tenantId, identityId)
        .compose(locked -> attempts.settleLostAnswers(tx, tenantId, identityId, checkId))
        .compose(lost -> attempts.samePasswordTaken(tx, tenantId, identityId, checkId, fingerprint,
            now.minus(Duration.ofDays(30)), now.minus(Duration.ofMinutes(2)), now.minus(Duration.ofDays(1))))
        .compose(taken -> integrations.find(tx, tenantId))
        .compose(integration -> attempts.counts(tx, tenantId, identityId, day, now.minus(Duration.ofDays(30))))
        .compose(counts -> attempts.reserve(tx, tenantId, identityId, checkId, day, now))
        .compose(attemptId -> tx.preparedQuery(COUNT_ATTEMPT) // CheckRepository.countAttempt's statement
            .execute(io.vertx.sqlclient.Tuple.of(checkId, "bench-ceiling", tenantId)).map(attemptId)));
  }
}
