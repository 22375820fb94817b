package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.flare.iem.dev.EmbeddedPostgres;
import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.testing.Frozen;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Checks while a dependency hangs: its process is frozen (SIGSTOP), so connections stay open and
 * nothing answers, for a few seconds beyond the service's own bound on waiting for it. Every call
 * answers a check, UNAVAILABLE or DEADLINE_EXCEEDED (never INTERNAL or UNKNOWN); after the thaw a
 * caller's retry with the same request id finds its check, every check is decided, and no password
 * reaches Okta twice.
 */
class CheckHangTest {

  static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

  /** The pool's wait for a connection (Stores: 10 s) plus a few seconds. */
  static final long PG_HANG_MS = 13_000;

  /** The Okta request timeout these tests set (2 s) plus a few seconds. */
  static final long OKTA_HANG_MS = 5_000;

  /** DailyCap's bound on a Redis call (2 s) plus a few seconds. */
  static final long REDIS_HANG_MS = 5_000;

  @Test
  void postgres_frozen_while_a_burst_arrives_answers_retryable_statuses_and_loses_nothing() throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.start(Path.of("target", "resilience-pg", UUID.randomUUID().toString()), 0,
        true);
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().postgres(pg).clock(CheckResilienceTest.realTime()))) {
      List<CheckHarness.User> users = users(h, "pghang");
      Map<CheckCredentialRequest, Answer> answers = burst(h, users, Frozen.freeze(pg.process()), PG_HANG_MS);
      assertThat(answers.values()).as("calls that waited for a connection past the pool's bound: %s", answers.values())
          .anyMatch(a -> a.code() == Status.Code.UNAVAILABLE);
      assertNothingLost(h, users, answers, 1);
    } finally {
      pg.close();
    }
  }

  @Test
  void redis_frozen_while_a_burst_arrives_makes_checks_wait_and_loses_nothing() throws Exception {
    EmbeddedRedis redis = EmbeddedRedis.start(0, Path.of("target", "test-servers", "redis-hang-" + UUID.randomUUID()));
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().env("IEM_REDIS_URL", redis.url())
        .clock(CheckResilienceTest.realTime()))) {
      List<CheckHarness.User> users = users(h, "redishang");
      Frozen frozen = Frozen.freeze(redis.process());
      Map<CheckCredentialRequest, Answer> answers = burst(h, users, frozen, REDIS_HANG_MS);
      // the daily cap and the org's rate budget live in Redis: each check waits (for Redis, or queued
      // behind the budget), and nothing reached Okta meanwhile
      assertThat(answers.values()).as("answers while Redis hangs").allSatisfy(a -> {
        assertThat(a.code()).isEqualTo(Status.Code.OK);
        assertThat(a.check().getOutcome()).as(a.check().getDetail()).isEqualTo(CheckOutcome.CHECK_OUTCOME_PENDING);
      });
      assertThat(authnBefore.get()).as("authn requests while Redis hung").isZero();
      assertNothingLost(h, users, answers, 1);
    } finally {
      redis.close();
    }
  }

  @Test
  void okta_hanging_while_a_burst_arrives_sends_each_attempt_once_and_decides_everything() throws Exception {
    java.util.concurrent.atomic.AtomicLong ahead = new java.util.concurrent.atomic.AtomicLong();
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(realTimeAhead(ahead))
        .env("IEM_OKTA_REQUEST_TIMEOUT_SECONDS", "2").env("IEM_CHECK_LEASE_SECONDS", "12"))) {
      List<CheckHarness.User> users = users(h, "oktahang");
      h.sim.faults().hang("POST /api/v1/authn"); // passwords in flight when Okta stops answering
      Map<CheckCredentialRequest, Answer> answers = burst(h, users, Frozen.of(() -> h.sim.faults().release()),
          OKTA_HANG_MS);
      assertThat(authnBefore.get()).as("authn requests that reached the hung org").isPositive();
      // an unanswered call is UNVERIFIED (product contract: retried later, as a new attempt): bring its retry on
      ahead.set(java.time.Duration.ofMinutes(2).toMillis());
      assertNothingLost(h, users, answers, 2);
    }
  }

  static List<CheckHarness.User> users(CheckHarness h, String prefix) {
    List<CheckHarness.User> users = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      users.add(h.user(prefix + i));
    }
    return users;
  }

  /** A call's status, and its check when it answered one. */
  record Answer(Status.Code code, CredentialCheck check) {
    @Override
    public String toString() {
      return check == null ? code.name() : code + "/" + check.getOutcome();
    }
  }

  /** Authn requests the simulator had received when the hang ended (set by {@link #burst}). */
  static final java.util.concurrent.atomic.AtomicLong authnBefore = new java.util.concurrent.atomic.AtomicLong();

  /**
   * One wrong password per user, sent while the dependency hangs; the hang ends {@code hangMs}
   * after the first call. Returns how each call ended (each must end: the client's deadline is 30 s).
   */
  static Map<CheckCredentialRequest, Answer> burst(CheckHarness h, List<CheckHarness.User> users, Frozen frozen,
      long hangMs) throws InterruptedException {
    CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub stub = CredentialCheckServiceGrpc
        .newFutureStub(h.service().channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    Map<CheckCredentialRequest, ListenableFuture<CheckCredentialResponse>> calls = new LinkedHashMap<>();
    try (frozen) {
      for (CheckHarness.User u : users) {
        CheckCredentialRequest request = h.request(u.login(), "hang-" + UUID.randomUUID()).build();
        calls.put(request, stub.checkCredential(request));
      }
      Thread.sleep(hangMs); // how long the hang lasts, not evidence of anything
      authnBefore.set(h.sim.counters().received("POST /api/v1/authn"));
    }
    Map<CheckCredentialRequest, Answer> answers = new LinkedHashMap<>();
    calls.forEach((request, call) -> answers.put(request, answer(call)));
    return answers;
  }

  private static Answer answer(ListenableFuture<CheckCredentialResponse> call) {
    try {
      return new Answer(Status.Code.OK, call.get(40, TimeUnit.SECONDS).getCheck());
    } catch (ExecutionException e) {
      return new Answer(Status.fromThrowable(e.getCause()).getCode(), null);
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a call did not end within its deadline", e);
    }
  }

  /**
   * Every call answered a check or a retryable status; each request sent again with its request id
   * (a caller retrying) answers its one check; every check is decided; every authn request Okta
   * received is an attempt of its own (none sent twice), at most {@code maxAuthnPerUser} a user.
   */
  static void assertNothingLost(CheckHarness h, List<CheckHarness.User> users,
      Map<CheckCredentialRequest, Answer> answers, int maxAuthnPerUser) {
    assertThat(answers.values()).as("answers: %s", answers.values())
        .allMatch(a -> a.code() == Status.Code.OK || RETRYABLE.contains(a.code()));
    List<String> ids = new ArrayList<>();
    for (CheckCredentialRequest request : answers.keySet()) {
      ids.add(retried(h, request).getCheckId());
    }
    assertThat(Set.copyOf(ids)).as("one check per request").hasSize(users.size());
    for (String id : ids) {
      assertThat(h.awaitCheck(id, CheckHarness::decided).hasDecideTime()).isTrue();
    }
    assertThat(h.outcomes().values().stream().mapToLong(Long::longValue).sum()).as("no check made twice")
        .isEqualTo(users.size());
    for (CheckHarness.User u : users) {
      assertThat(h.sim.counters().authnCalls(u.login())).as("authn calls for %s", u.login())
          .isLessThanOrEqualTo(maxAuthnPerUser);
    }
    long attempts = io.flare.iem.testing.Await.result(h.pool.preparedQuery(
        "SELECT count(*) FROM authn_attempts WHERE tenant_id = $1 AND result <> 'RELEASED'")
        .execute(io.vertx.sqlclient.Tuple.of(h.tenant))).iterator().next().getLong(0);
    assertThat(h.sim.counters().received("POST /api/v1/authn")).as("authn requests Okta received, one per attempt")
        .isEqualTo(attempts);
  }

  /** Real time, {@code aheadMillis} ahead (a test brings on a retry the service scheduled for later). */
  static io.flare.iem.testing.MutableClock realTimeAhead(java.util.concurrent.atomic.AtomicLong aheadMillis) {
    io.flare.iem.testing.MutableClock clock = io.flare.iem.testing.MutableClock.now();
    Thread ticker = new Thread(() -> {
      while (true) {
        clock.set(java.time.Instant.now().plusMillis(aheadMillis.get()));
        CheckResilienceTest.sleep(20);
      }
    }, "real-time-clock-ahead");
    ticker.setDaemon(true);
    ticker.start();
    return clock;
  }

  /** The request sent again until it answers a check (the dependency is back: UNAVAILABLE is transient). */
  private static CredentialCheck retried(CheckHarness h, CheckCredentialRequest request) {
    for (int attempt = 0; ; attempt++) {
      try {
        return h.checks().checkCredential(request).getCheck();
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).as("a retry after the thaw").isIn(RETRYABLE);
        assertThat(attempt).as("retries of %s", request.getRequestId()).isLessThan(50);
        CheckResilienceTest.sleep(200);
      }
    }
  }
}
