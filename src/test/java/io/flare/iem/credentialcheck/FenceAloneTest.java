package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The daily cap with Redis out of the way. The service's Redis keeps forgetting its daily counters
 * and pacing keys the whole time ({@link ForgetfulRedis}: counters back to 0 and pacing keys gone
 * every millisecond), so concurrent checks of one identity on three instances all get a Redis
 * reservation and reach the Postgres fence. Postgres holds the fence's inserts ({@link
 * AttemptHold}) until several checks are inside it at once, then lets them go. The fence alone (the
 * identity's row locked, the day's attempts counted) must hold the cap: exactly the cap in authn
 * calls, every other check THROTTLED, none lost.
 */
class FenceAloneTest {

  static final int CHECKS = 300;
  /** Checks inside the fence at once, waiting for the identity's row or for their insert: more than the cap. */
  static final int AT_THE_FENCE = 6;

  @Test
  void with_redis_forgetting_its_counters_the_fence_alone_makes_exactly_the_daily_cap_of_authn_calls()
      throws Exception {
    EmbeddedRedis redis = EmbeddedRedis.start(0, Path.of("target", "test-servers", "fence-alone-" + UUID.randomUUID()));
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(12, 0).toInstant(ZoneOffset.UTC));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().instances(3).clock(clock)
        .env("IEM_REDIS_URL", redis.url()).maxDaily(2).lockoutThreshold(10))) {
      CheckHarness.User u = h.user("fenced");
      List<CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub> stubs = new ArrayList<>();
      h.services.forEach(s -> stubs.add(CredentialCheckServiceGrpc.newFutureStub(s.channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS)));

      try (ForgetfulRedis forgetful = ForgetfulRedis.start(redis.url())) {
        List<ListenableFuture<CheckCredentialResponse>> calls = new ArrayList<>();
        try (AttemptHold hold = AttemptHold.start(h.pool)) {
          for (int i = 0; i < CHECKS; i++) {
            calls.add(stubs.get(i % 3).checkCredential(h.request(u.login(), "wrong-leaked-" + i).build()));
          }
          // Redis reserved far more than the cap: that many checks are in the fence's transaction together
          CheckHarness.await(AT_THE_FENCE + " checks inside the fence at once", () -> hold.waiting() >= AT_THE_FENCE);
          assertThat(h.sim.counters().authnCalls(u.login())).as("calls while every attempt row is held").isZero();
        }
        for (ListenableFuture<CheckCredentialResponse> call : calls) {
          call.get(60, TimeUnit.SECONDS);
        }
        // checks that were queued (Okta's per-username throttle, the org's authn budget) look again,
        // Redis still forgetting
        for (int i = 0; i < 20 && waiting(h); i++) {
          clock.advance(CheckSettings.SHORT_WAIT.plusSeconds(1));
          h.awaitQuiet();
        }
        assertThat(forgetful.rewound()).as("daily counters Redis set back to 0").isGreaterThan(20);
      }

      assertThat(h.sim.counters().authnCalls(u.login())).as("authn calls; attempts by result: %s", attempts(h))
          .isEqualTo(2);
      assertThat(h.outcomes()).containsEntry("INVALID", 2L).containsEntry("THROTTLED", (long) CHECKS - 2)
          .hasSize(2);
      assertThat(h.sim.user(u.oktaUserId()).orElseThrow().failedAttempts()).isEqualTo(2);
    } finally {
      redis.close();
    }
  }

  private static boolean waiting(CheckHarness h) {
    Map<String, Long> outcomes = h.outcomes();
    return outcomes.containsKey("PENDING") || outcomes.containsKey("UNVERIFIED");
  }

  /** The tenant's authn attempts by result (RELEASED: admitted, then no call because Redis had lost the counter). */
  private static Map<String, Long> attempts(CheckHarness h) {
    Map<String, Long> out = new TreeMap<>();
    Await.result(h.pool.preparedQuery("SELECT result, count(*) FROM authn_attempts WHERE tenant_id = $1 GROUP BY 1")
        .execute(Tuple.of(h.tenant))).forEach(r -> out.put(r.getString(0), r.getLong(1)));
    return out;
  }
}
