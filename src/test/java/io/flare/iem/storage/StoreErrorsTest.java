package io.flare.iem.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.pgclient.PgException;
import io.vertx.redis.client.impl.types.ErrorType;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Which failures make work wait (UNAVAILABLE) and which are reported as a bug (INTERNAL). */
class StoreErrorsTest {

  @Test
  void a_dependency_that_is_down_or_restarting_is_unavailable() {
    assertThat(StoreErrors.isUnavailable(pg("08006"))).as("connection failure").isTrue();
    assertThat(StoreErrors.isUnavailable(pg("57P01"))).as("admin shutdown").isTrue();
    assertThat(StoreErrors.isUnavailable(pg("53300"))).as("too many connections").isTrue();
    assertThat(StoreErrors.isUnavailable(pg("40001"))).as("serialization failure").isTrue();
    assertThat(StoreErrors.isUnavailable(new ConnectException("Connection refused"))).isTrue();
    assertThat(StoreErrors.isUnavailable(new HttpClosedException("closed"))).isTrue();
    // what the SQL client fails a query with when its connection closed under it (a Postgres restart)
    assertThat(StoreErrors.isUnavailable(new VertxException("Connection is not active now, current status: CLOSED",
        true))).isTrue();
    // what the pool fails a query with when no connection was free within its connection timeout (a
    // Postgres that hangs: CheckHangTest)
    assertThat(StoreErrors.isUnavailable(new VertxException("Timeout waiting for connection", true))).isTrue();
    // ... and a connection request (withTransaction) with this (SyncHangTest)
    assertThat(StoreErrors.isUnavailable(new io.vertx.core.impl.NoStackTraceThrowable("Timeout"))).isTrue();
    assertThat(StoreErrors.describe(new io.vertx.core.impl.NoStackTraceThrowable("Timeout")))
        .startsWith("postgres unavailable");
    // what a pool closed under a call still in flight when the service stops fails it with
    assertThat(StoreErrors.isUnavailable(new io.vertx.core.impl.NoStackTraceThrowable("Pool closed"))).isTrue();
    assertThat(StoreErrors.isUnavailable(new CompletionException(new ConnectException("refused")))).as("wrapped")
        .isTrue();
    assertThat(StoreErrors.isUnavailable(ErrorType.create("LOADING Redis is loading the dataset in memory")))
        .isTrue();
  }

  @Test
  void a_bug_or_a_broken_rule_is_not_unavailable() {
    assertThat(StoreErrors.isUnavailable(pg("23503"))).as("foreign key violation").isFalse();
    assertThat(StoreErrors.isUnavailable(pg("42P01"))).as("undefined table").isFalse();
    assertThat(StoreErrors.isUnavailable(new VertxException("something else", true))).isFalse();
    assertThat(StoreErrors.isUnavailable(new io.vertx.core.impl.NoStackTraceThrowable("something else"))).isFalse();
    assertThat(StoreErrors.isUnavailable(new IllegalStateException("Connection is not active now"))).isFalse();
    assertThat(StoreErrors.isUnavailable(ErrorType.create("ERR unknown command 'FOO'"))).isFalse();
    assertThat(StoreErrors.isUnavailable(new NullPointerException())).isFalse();
  }

  private static PgException pg(String sqlState) {
    return new PgException("a failure", "ERROR", sqlState, "detail");
  }
}
