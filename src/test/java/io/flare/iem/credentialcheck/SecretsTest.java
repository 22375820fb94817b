package io.flare.iem.credentialcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.dev.EmbeddedRedis;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.CapturedLogs;
import io.flare.iem.testing.MutableClock;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.MitigationMode;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * After a run through every path (valid, invalid, not found, throttled then decided after
 * midnight, stale, Okta down then decided, a stream, a refused request), no plaintext password is
 * anywhere: not in a log line of this JVM, not in an audit row, not in any column of any table, not
 * in Redis; decided checks hold no sealed password either; and every key the service wrote to its
 * Redis has an expiry. The simulator's own secrets (access tokens, session tokens) are not logged.
 */
class SecretsTest {

  @Test
  void no_plaintext_password_anywhere_once_checks_are_decided_and_every_redis_key_expires() throws Exception {
    EmbeddedRedis redis = EmbeddedRedis.start(0, Path.of("target", "test-servers", "secrets-" + UUID.randomUUID()));
    MutableClock clock = new MutableClock(LocalDate.now(ZoneOffset.UTC).atTime(15, 0).toInstant(ZoneOffset.UTC));
    List<String> passwords = new ArrayList<>();
    try (CheckHarness h = CheckHarness.start(CheckHarness.setup().clock(clock).env("IEM_REDIS_URL", redis.url())
        .maxDaily(1).lockoutThreshold(10).mode(MitigationMode.MITIGATION_MODE_MANUAL))) {
      CheckHarness.User valid = h.user("valid");
      CheckHarness.User capped = h.user("capped");
      CheckHarness.User stale = h.user("stale");
      CheckHarness.User flaky = h.user("flaky");
      passwords.add(valid.password());
      passwords.add(stale.password());
      h.sim.setPasswordChanged(stale.oktaUserId(), clock.instant());

      assertThat(h.check(valid.login(), valid.password()).getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_VALID);
      assertThat(h.check(stale.login(), stale.password()).getSkipReason().name()).contains("STALE");
      String cappedFirst = secret(passwords);
      String cappedSecond = secret(passwords);
      assertThat(h.check(capped.login(), cappedFirst).getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      CredentialCheck waiting = h.check(capped.login(), cappedSecond);
      assertThat(waiting.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_THROTTLED);
      assertThat(h.check("nobody@" + h.tenant + ".example", secret(passwords)).getOutcome())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
      h.sim.faults().failRate(1.0, 503);
      CredentialCheck down = h.check(flaky.login(), secret(passwords));
      h.sim.faults().clear();
      assertThat(down.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_UNVERIFIED);
      String refused = secret(passwords);
      var error = catchThrowableOfType(StatusRuntimeException.class,
          () -> h.checks().checkCredential(h.request("", refused).build()));
      assertThat(error.getStatus().getDescription()).doesNotContain(refused);
      stream(h, List.of(
          CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setRequestId("s-1").setUsername("ghost@x.example")
              .setPassword(secret(passwords)).build(),
          CheckCredentialsRequest.newBuilder().setTenantId(h.tenant).setRequestId("s-2").setUsername("")
              .setPassword(secret(passwords)).build()));

      // while a check waits, its password is sealed, never plaintext
      assertNowhere(h, redis, passwords);

      clock.set(LocalDate.now(ZoneOffset.UTC).plusDays(1).atTime(0, 5).toInstant(ZoneOffset.UTC));
      h.awaitQuiet();
      assertThat(h.awaitCheck(waiting.getCheckId(), CheckHarness::decided).getOutcome())
          .isEqualTo(CheckOutcome.CHECK_OUTCOME_INVALID);
      assertThat(h.awaitCheck(down.getCheckId(), CheckHarness::decided).hasDecideTime()).isTrue();
      assertThat(h.outcomes()).doesNotContainKeys("PENDING", "THROTTLED", "UNVERIFIED");
      long sealed = Await.result(h.pool.preparedQuery(
          "SELECT count(*) FROM credential_checks WHERE password_ciphertext IS NOT NULL").execute())
          .iterator().next().getLong(0);
      assertThat(sealed).isZero();

      assertNowhere(h, redis, passwords);
      for (String secret : h.sim.secrets()) {
        assertThat(CapturedLogs.lines()).noneMatch(line -> line.contains(secret));
      }
      assertEveryRedisKeyExpires(h, redis);
    } finally {
      redis.close();
    }
  }

  private static String secret(List<String> passwords) {
    String password = "Leaked-" + UUID.randomUUID() + "-Pw!";
    passwords.add(password);
    return password;
  }

  private static void assertNowhere(CheckHarness h, EmbeddedRedis redis, List<String> passwords) {
    List<String> logs = CapturedLogs.lines();
    List<String> rows = everyRow(h);
    List<String> redisDump = redisDump(h, redis);
    assertThat(rows).isNotEmpty();
    for (String password : passwords) {
      String hex = HexFormat.of().formatHex(password.getBytes(StandardCharsets.UTF_8));
      assertThat(logs).as("logs").noneMatch(line -> line.contains(password));
      assertThat(rows).as("postgres").noneMatch(row -> row.contains(password) || row.contains(hex));
      assertThat(redisDump).as("redis").noneMatch(entry -> entry.contains(password));
    }
  }

  /** Every row of every table of the service's schema (audit trail included), as text. */
  private static List<String> everyRow(CheckHarness h) {
    List<String> out = new ArrayList<>();
    for (Row table : Await.result(h.pool.query("""
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""").execute())) {
      String name = table.getString(0);
      for (Row row : Await.result(h.pool.query("SELECT t::text FROM \"" + name + "\" t").execute())) {
        out.add(name + " " + row.getString(0));
      }
    }
    return out;
  }

  private static List<String> redisDump(CheckHarness h, EmbeddedRedis redis) {
    Redis client = Redis.createClient(h.vertx, redis.url());
    try {
      RedisAPI api = RedisAPI.api(client);
      List<String> out = new ArrayList<>();
      for (Response key : Await.result(api.keys("*"))) {
        String type = Await.result(api.type(key.toString())).toString();
        String value = type.equals("string") ? String.valueOf(Await.result(api.get(key.toString()))) : type;
        out.add(key + "=" + value);
      }
      return out;
    } finally {
      client.close();
    }
  }

  private static void assertEveryRedisKeyExpires(CheckHarness h, EmbeddedRedis redis) {
    Redis client = Redis.createClient(h.vertx, redis.url());
    try {
      RedisAPI api = RedisAPI.api(client);
      List<Response> keys = new ArrayList<>();
      Await.result(api.keys("*")).forEach(keys::add);
      assertThat(keys).isNotEmpty();
      for (Response key : keys) {
        Response ttl = Await.result(api.pttl(key.toString()));
        if (ttl.toLong() != -2) { // -2: it expired between KEYS and PTTL
          assertThat(ttl.toLong()).as("PTTL of " + key).isPositive();
        }
      }
    } finally {
      client.close();
    }
  }

  private static void stream(CheckHarness h, List<CheckCredentialsRequest> requests) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    List<CheckCredentialsResponse> responses = new CopyOnWriteArrayList<>();
    StreamObserver<CheckCredentialsRequest> in = CredentialCheckServiceGrpc.newStub(h.service().channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .checkCredentials(new StreamObserver<>() {
          @Override
          public void onNext(CheckCredentialsResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.forEach(in::onNext);
    in.onCompleted();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(responses).hasSize(requests.size());
    for (CheckCredentialsResponse r : responses) {
      assertThat(r.toString()).doesNotContain(requests.get(0).getPassword()).doesNotContain(requests.get(1).getPassword());
    }
  }
}
