package io.flare.iem.storage;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.pgclient.PgException;
import io.vertx.redis.client.impl.types.ErrorType;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Tells a dependency being down (retry later: UNAVAILABLE, work waits) from a bug. Decided by
 * exception type and SQLSTATE class; the exceptions are SQL client failures with a fixed message
 * and no type of their own: "connection is not active" (a plain {@link VertxException}), and the
 * pool's two ways of saying no connection was free within its connection timeout (every connection
 * busy with a server that stopped answering, or none could be opened): a query run on the pool fails
 * with a plain VertxException "Timeout waiting for connection", a connection asked for
 * ({@code getConnection}, {@code withTransaction}) with a NoStackTraceThrowable "Timeout"; and a
 * NoStackTraceThrowable "Pool closed" for a connection asked of a pool closed under it (a call
 * still in flight when the service stops: another replica can take the retry).
 */
public final class StoreErrors {

  private StoreErrors() {}

  /** True when the failure means Postgres or Redis is unreachable, restarting or overloaded. */
  public static boolean isUnavailable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        String state = pg.getSqlState();
        // 08: connection exception; 57P0x: shutdown / cannot connect now; 53: insufficient resources;
        // 40001/40P01: serialization failure and deadlock, both retryable
        if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
            || state.equals("40001") || state.equals("40P01"))) {
          return true;
        }
        return false;
      }
      if (t instanceof IOException || t instanceof TimeoutException || t instanceof HttpClosedException
          || t instanceof java.nio.channels.ClosedChannelException
          || t instanceof io.netty.channel.ConnectTimeoutException) {
        return true;
      }
      if (t instanceof VertxException vx && isClosedConnection(vx) || isConnectionWaitTimeout(t) || isPoolClosed(t)) {
        return true;
      }
      if (t instanceof ErrorType redisError) {
        // Redis answered with an error: only these say "not now" rather than "bad command"
        return redisError.is("LOADING") || redisError.is("BUSY") || redisError.is("TRYAGAIN")
            || redisError.is("CLUSTERDOWN") || redisError.is("MASTERDOWN");
      }
    }
    return false;
  }

  /** What the SQL client says when a query is scheduled on a connection that has just closed. */
  private static final String CONNECTION_NOT_ACTIVE = "Connection is not active now";

  /** What the SQL client's pool says when no connection was free within its connection timeout. */
  private static final String POOL_WAIT_TIMEOUT = "Timeout waiting for connection";

  /** What the SQL client's pool fails a connection request with when none was free in time. */
  private static final String CONNECTION_REQUEST_TIMEOUT = "Timeout";

  /** Vert.x's stackless throwable for failures given as a message only ({@code Promise.fail(String)}). */
  private static final String NO_STACK_TRACE_THROWABLE = "io.vertx.core.impl.NoStackTraceThrowable";

  private static boolean isConnectionWaitTimeout(Throwable t) {
    return t.getClass() == VertxException.class && POOL_WAIT_TIMEOUT.equals(t.getMessage())
        || t.getClass().getName().equals(NO_STACK_TRACE_THROWABLE) && CONNECTION_REQUEST_TIMEOUT.equals(t.getMessage());
  }

  /** What Vert.x's connection pools fail a request with once they are closed. */
  private static final String POOL_CLOSED = "Pool closed";

  private static boolean isPoolClosed(Throwable t) {
    return t.getClass().getName().equals(NO_STACK_TRACE_THROWABLE) && POOL_CLOSED.equals(t.getMessage());
  }

  private static boolean isClosedConnection(VertxException e) {
    // Vert.x reports pool and connection closure with these exception types (no SQLSTATE)
    String type = e.getClass().getName();
    return type.endsWith("ClosedConnectionException") || type.endsWith("NoStackTraceTimeoutException")
        || e.getCause() instanceof IOException
        || e.getClass() == VertxException.class && e.getMessage() != null
            && e.getMessage().startsWith(CONNECTION_NOT_ACTIVE);
  }

  /** A short description for logs and UNAVAILABLE messages; never includes a query parameter. */
  public static String describe(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof PgException) {
        return "postgres unavailable";
      }
      if (isConnectionWaitTimeout(t)) {
        return "postgres unavailable (no connection free within the pool's timeout)";
      }
      if (isPoolClosed(t)) {
        return "a connection pool is closed (this replica is stopping)";
      }
      if (t.getClass().getName().startsWith("io.vertx.redis")) {
        return "redis unavailable";
      }
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "a dependency is unreachable (connection refused)";
      }
    }
    return "a dependency is unavailable (" + error.getClass().getSimpleName() + ")";
  }
}
