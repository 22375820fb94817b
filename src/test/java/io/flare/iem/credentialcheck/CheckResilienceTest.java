package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Checks under faults: Postgres stopped and started again in the middle of a burst, and Okta
 * answering 429 to every authn call for a long stretch. Nothing is lost or duplicated, no cap is
 * exceeded, the work completes after recovery, and a well-formed call never gets UNKNOWN or INTERNAL.
 */
class CheckResilienceTest {

  static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

  @Test
  void postgres_stopped_during_a_burst_loses_nothing_and_exceeds_no_cap() throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.start(Path.of("target", "resilience-pg", UUID.randomUUID().toString()), 0,
        true);
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().postgres(pg).maxDaily(2).clock(realTime()))) {
      List<CheckHarness.User> users = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        users.add(h.user("burst" + i));
      }
      List<CheckCredentialRequest> requests = new ArrayList<>();
      for (int round = 0; round < 8; round++) {
        for (CheckHarness.User u : users) {
          requests.add(h.request(u.login(), "wrong-" + round + "-" + UUID.randomUUID()).build());
        }
      }
      Map<String, CredentialCheck> answers = new ConcurrentHashMap<>();
      List<String> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicInteger retried = new AtomicInteger();
      ExecutorService clients = Executors.newFixedThreadPool(12);
      List<Future<?>> sent = new ArrayList<>();
      for (CheckCredentialRequest request : requests) {
        sent.add(clients.submit(() -> {
          // a caller retries UNAVAILABLE with the same request id: idempotent, never a second attempt
          for (int attempt = 0; attempt < 200; attempt++) {
            try {
              answers.put(request.getRequestId(), h.checks().checkCredential(request).getCheck());
              return;
            } catch (StatusRuntimeException e) {
              if (!RETRYABLE.contains(e.getStatus().getCode())) {
                unexpected.add(e.getStatus().toString());
                return;
              }
              retried.incrementAndGet();
              sleep(100);
            }
          }
          unexpected.add("gave up on " + request.getRequestId());
        }));
      }
      CheckHarness.await("a quarter of the burst", () -> answers.size() >= requests.size() / 4);
      pg.stop();
      sleep(2_000);
      pg.startAgain();
      for (Future<?> f : sent) {
        f.get(120, TimeUnit.SECONDS);
      }
      clients.shutdown();

      assertThat(unexpected).as("answers other than a check or UNAVAILABLE").isEmpty();
      assertThat(retried.get()).as("calls that met the outage").isPositive();
      assertThat(answers).hasSize(requests.size());
      assertThat(h.outcomes().values().stream().mapToLong(Long::longValue).sum()).as("one check per request")
          .isEqualTo(requests.size());
      try {
        h.awaitQuiet();
      } catch (AssertionError stuck) {
        var left = io.flare.iem.testing.Await.result(h.pool.preparedQuery(
            "SELECT outcome, detail, next_attempt_time, lease_owner, lease_expire_time, now() FROM credential_checks"
                + " WHERE tenant_id = $1 AND outcome IN ('PENDING', 'THROTTLED', 'UNVERIFIED') LIMIT 5")
            .execute(io.vertx.sqlclient.Tuple.of(h.tenant)));
        List<String> rows = new ArrayList<>();
        left.forEach(r -> rows.add(r.toJson().encode()));
        throw new AssertionError("still due or held: " + rows + " outcomes " + h.outcomes(), stuck);
      }
      for (CheckHarness.User u : users) {
        assertThat(h.sim.counters().authnCalls(u.login())).as("authn calls for %s", u.login()).isLessThanOrEqualTo(2);
      }
      Map<String, Long> outcomes = h.outcomes();
      assertThat(outcomes.getOrDefault("PENDING", 0L) + outcomes.getOrDefault("UNVERIFIED", 0L))
          .as("nothing left waiting for Okta or Postgres: %s", outcomes).isZero();
      // an answer lost to the outage leaves its check held back (the attempt counts as a failure), never INVALID
      assertThat(outcomes.getOrDefault("INVALID", 0L)).isLessThanOrEqualTo(h.sim.counters().authnCalls())
          .isGreaterThan(0);
      assertThat(h.sim.counters().authnCalls()).isLessThanOrEqualTo(2L * users.size());
    } finally {
      pg.close();
    }
  }

  @Test
  void okta_rate_limiting_authn_for_a_long_stretch_delays_checks_without_hammering_it() {
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().maxDaily(2).clock(realTime()))) {
      List<CheckHarness.User> users = new ArrayList<>();
      for (int i = 0; i < 15; i++) {
        users.add(h.user("storm" + i));
      }
      h.sim.faults().force429(Duration.ofSeconds(20), SimBucket.AUTHN);
      List<String> ids = new ArrayList<>();
      for (CheckHarness.User u : users) {
        CredentialCheck c = h.check(u.login(), "not-the-password");
        assertThat(c.getOutcome()).isIn(CheckOutcome.CHECK_OUTCOME_PENDING, CheckOutcome.CHECK_OUTCOME_INVALID);
        ids.add(c.getCheckId());
      }
      for (String id : ids) {
        CredentialCheck done = h.awaitCheck(id, CheckHarness::decided);
        assertThat(done.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      }
      // one password evaluation per check: a request Okta answered 429 never reached authentication
      var evaluated = io.flare.iem.testing.Await.result(h.pool.preparedQuery(
          "SELECT count(*) FILTER (WHERE result <> 'RATE_LIMITED'), count(DISTINCT check_id) FROM authn_attempts"
              + " WHERE tenant_id = $1").execute(io.vertx.sqlclient.Tuple.of(h.tenant))).iterator().next();
      assertThat(evaluated.getLong(0)).as("attempts Okta evaluated").isEqualTo(users.size());
      assertThat(evaluated.getLong(1)).isEqualTo(users.size());
      assertThat(h.sim.counters().authnCalls()).as("requests that reached Okta's authn")
          .isEqualTo(users.size() + h.sim.counters().served429());
      assertThat(h.sim.counters().served429()).as("429s: waits follow the reset, no retry storm")
          .isLessThanOrEqualTo(3L * users.size());
    }
  }

  /** A test clock that follows real time (these tests wait for retries scheduled by the service). */
  static io.flare.iem.testing.MutableClock realTime() {
    io.flare.iem.testing.MutableClock clock = io.flare.iem.testing.MutableClock.now();
    Thread ticker = new Thread(() -> {
      while (true) {
        clock.set(java.time.Instant.now());
        sleep(20);
      }
    }, "real-time-clock");
    ticker.setDaemon(true);
    ticker.start();
    return clock;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
