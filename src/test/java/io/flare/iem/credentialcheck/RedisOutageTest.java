package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Redis is the daily cap's counter, so a Redis outage must fail closed: stopped in the middle of
 * a burst, no authn call is made while it is down, every check waits and completes once it is
 * back, and no cap is exceeded whether it came back with its data or without (the counters are then
 * rebuilt from the attempts recorded in Postgres). The test runs its own Redis server.
 */
class RedisOutageTest {

  @ParameterizedTest(name = "Redis comes back with its data: {0}")
  @ValueSource(booleans = {false, true})
  void redis_stopped_mid_burst_means_no_attempt_while_down_and_no_cap_exceeded_after_it_returns(boolean keepData)
      throws Exception {
    Path dir = Path.of("target", "test-servers", "redis-outage-" + UUID.randomUUID());
    EmbeddedRedis redis = EmbeddedRedis.start(0, dir);
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(12, 0).toInstant(ZoneOffset.UTC));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(clock).env("IEM_REDIS_URL", redis.url())
        .maxDaily(2).lockoutThreshold(20))) {
      List<CheckHarness.User> users = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        users.add(h.user("outage" + i));
      }
      CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub stub = CredentialCheckServiceGrpc
          .newFutureStub(h.service().channel).withDeadlineAfter(60, TimeUnit.SECONDS);

      // a burst of three wrong passwords per user; Redis stops once a quarter of it is answered. Okta
      // answers in 300 ms, so the rest of the burst (a user's checks take turns) is still undecided then
      h.sim.faults().latency(Duration.ofMillis(300));
      List<ListenableFuture<CheckCredentialResponse>> burst = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (CheckHarness.User u : users) {
          burst.add(stub.checkCredential(h.request(u.login(), "burst-" + round + "-" + u.login()).build()));
        }
      }
      CheckHarness.await("a quarter of the burst", () -> burst.stream().filter(f -> f.isDone()).count() >= 15);
      redis.stop(keepData); // with its data: a restart with persistence; without: it lost the day's counters
      h.sim.faults().latency(Duration.ZERO);
      for (ListenableFuture<CheckCredentialResponse> call : burst) {
        call.get(60, TimeUnit.SECONDS);
      }
      // a call that passed every gate just before the stop holds a RESERVED attempt until Okta's answer is
      // stored (or the call is released unsent): once none is left, every call made before the stop has ended
      CheckHarness.await("calls made before the stop to end", () -> io.flare.iem.testing.Await.result(h.pool
          .preparedQuery("SELECT count(*) FROM authn_attempts WHERE tenant_id = $1 AND result = 'RESERVED'")
          .execute(io.vertx.sqlclient.Tuple.of(h.tenant))).iterator().next().getLong(0) == 0);
      long callsWhenDown = h.sim.counters().authnCalls();

      // while Redis is down: new checks wait, and the workers' retries make no attempt either
      List<String> lateChecks = new ArrayList<>();
      for (CheckHarness.User u : users.subList(0, 10)) {
        CredentialCheck c = h.check(u.login(), "while-down-" + u.login());
        // waits for Redis, or is throttled already when Postgres shows the day's cap spent: never tried
        assertThat(c.getOutcome()).as(c.getDetail()).isIn(CheckOutcome.CHECK_OUTCOME_PENDING,
            CheckOutcome.CHECK_OUTCOME_THROTTLED);
        if (c.getOutcome() == CheckOutcome.CHECK_OUTCOME_PENDING) {
          assertThat(c.getDetail()).contains("Redis");
        }
        lateChecks.add(c.getCheckId());
      }
      for (int i = 0; i < 3; i++) {
        clock.advance(Duration.ofSeconds(10));
        h.awaitQuiet();
      }
      assertThat(h.sim.counters().authnCalls()).isEqualTo(callsWhenDown);
      assertThat(h.outcomes()).containsKey("PENDING");

      redis.start();
      for (int i = 0; i < 20 && (h.outcomes().containsKey("PENDING") || h.outcomes().containsKey("UNVERIFIED")); i++) {
        clock.advance(Duration.ofSeconds(10));
        h.awaitQuiet();
      }

      Map<String, Long> outcomes = h.outcomes();
      assertThat(outcomes).containsOnlyKeys("INVALID", "THROTTLED");
      assertThat(outcomes.get("INVALID")).isEqualTo(40L); // two per user: the cap, no more
      assertThat(outcomes.get("THROTTLED")).isEqualTo(30L);
      for (CheckHarness.User u : users) {
        assertThat(h.sim.counters().authnCalls(u.login())).as(u.login()).isEqualTo(2);
      }
      for (String id : lateChecks) {
        assertThat(h.get(id).getOutcome()).isIn(CheckOutcome.CHECK_OUTCOME_THROTTLED,
            CheckOutcome.CHECK_OUTCOME_INVALID);
      }
    } finally {
      redis.close();
    }
  }
}
