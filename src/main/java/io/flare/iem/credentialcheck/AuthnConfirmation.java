package io.flare.iem.credentialcheck;

import io.flare.iem.okta.AuthnOutcome;
import io.flare.iem.okta.LogEvent;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OrgMetadata;
import io.flare.iem.okta.SystemLog;
import io.flare.iem.okta.UserBlock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Asks Okta's System Log what a 401 from {@code /api/v1/authn} was ({@link SystemLog#explain}):
 * a wrong password (INVALID, confirmed), a hidden lockout (LOCKED_OUT), or a sign-on policy, network
 * zone or device denial (DENIED). The log lags, so it is read every {@code logConfirmPoll} until
 * {@code logConfirmWait} has passed, on timers: no event loop blocks, and no lock is held (the fence's
 * transaction ended before the call). Without {@code okta.logs.read} (or an admin role that may read
 * the log), or when the log does not answer in time, the 401 stays an unconfirmed INVALID. Whether an
 * org lacks the scope is remembered for {@link #WITHOUT_LOGS_RECHECK}, so a missing scope costs one
 * token request per org that often, not one per check.
 *
 * <p>On an Identity Engine org, Okta logs a sign-in it refuses because it blocks the user's unknown
 * devices as LOCKED_OUT while the user stays ACTIVE (okta-api.md §4); such a LOCKED_OUT is looked at
 * in the user's blocks: blocked for unknown devices only, it is a device denial (DENIED), not a
 * lockout. ({@link UserBlockGate} stops a check of a user blocked before the call; this is the block
 * that came between.)
 */
final class AuthnConfirmation {

  /** After this long, an org whose System Log could not be read is asked again (the scope may be granted since). */
  static final Duration WITHOUT_LOGS_RECHECK = Duration.ofMinutes(10);

  private record Refused(String why, long untilNanos) {}

  private final Vertx vertx;
  private final OrgPipelines pipelines;
  private final Duration wait;
  private final Duration poll;
  private final ConcurrentMap<String, Refused> withoutLogs = new ConcurrentHashMap<>();

  AuthnConfirmation(Vertx vertx, OrgPipelines pipelines, CheckSettings settings) {
    this.vertx = vertx;
    this.pipelines = pipelines;
    this.wait = settings.logConfirmWait();
    this.poll = settings.logConfirmPoll();
  }

  /**
   * {@code outcome} of an authn call for Okta user {@code userId}, as the System Log explains it; any
   * outcome but a 401 is returned as it is.
   */
  Future<AuthnOutcome> confirm(OktaOrg org, String userId, AuthnOutcome outcome) {
    return explain(org, outcome).compose(explained -> explained instanceof AuthnOutcome.LockedOut lockedOut
        ? deviceDenial(org, userId, lockedOut)
        : Future.succeededFuture(explained));
  }

  private Future<AuthnOutcome> explain(OktaOrg org, AuthnOutcome outcome) {
    if (!(outcome instanceof AuthnOutcome.Invalid invalid) || invalid.confirmed()) {
      return Future.succeededFuture(outcome);
    }
    String key = org.domain() + "|" + org.clientId();
    Refused refused = withoutLogs.get(key);
    if (refused != null && System.nanoTime() - refused.untilNanos() < 0) {
      return Future.succeededFuture(unconfirmed(invalid, refused.why()));
    }
    if (!SystemLog.isRequestId(invalid.requestId())) {
      return Future.succeededFuture(unconfirmed(invalid, "Okta sent no usable X-Okta-Request-Id"));
    }
    Promise<AuthnOutcome> result = Promise.promise();
    AtomicReference<String> seen = new AtomicReference<>("no System Log event for the request within "
        + wait.toMillis() + " ms");
    long deadline = vertx.setTimer(Math.max(1, wait.toMillis()), id -> result.tryComplete(unconfirmed(invalid,
        seen.get())));
    read(org, key, invalid, result, seen);
    return result.future().onComplete(done -> vertx.cancelTimer(deadline));
  }

  /** One read of the log after {@code poll}; again until the result is in or the deadline has passed. */
  private void read(OktaOrg org, String key, AuthnOutcome.Invalid invalid, Promise<AuthnOutcome> result,
      AtomicReference<String> seen) {
    vertx.setTimer(Math.max(1, poll.toMillis()), id -> {
      if (result.future().isComplete()) {
        return;
      }
      org.requestEvents(invalid.requestId(), result.future()).onComplete(ar -> {
        if (ar.failed()) {
          result.tryComplete(unconfirmed(invalid, unreadable(key, ar.cause())));
          return;
        }
        List<LogEvent> events = ar.result();
        var explained = SystemLog.explain(invalid, events);
        if (explained.isPresent()) {
          result.tryComplete(explained.get());
          return;
        }
        if (!events.isEmpty()) {
          seen.set(SystemLog.summary(events));
        }
        read(org, key, invalid, result, seen);
      });
    });
  }

  /** A LOCKED_OUT the log gave: on an Identity Engine org, a block of unknown devices only is a denial. */
  private Future<AuthnOutcome> deviceDenial(OktaOrg org, String userId, AuthnOutcome.LockedOut lockedOut) {
    return pipelines.of(org).compose(pipeline -> pipeline == OrgMetadata.Pipeline.CLASSIC
            ? Future.succeededFuture(lockedOut)
            : org.userBlocks(userId).map(blocks -> blocks.isEmpty() || blocks.stream().anyMatch(UserBlock::anyDevice)
                ? lockedOut
                : (AuthnOutcome) new AuthnOutcome.Denied("System Log: LOCKED_OUT while Okta blocks the user's sign-ins"
                    + " from unknown devices only (" + blocks.stream().map(b -> b.type() + " " + b.appliesTo())
                    .collect(Collectors.joining(", ")) + ")", lockedOut.requestId())))
        .otherwise(lockedOut);
  }

  /** Why the log could not be read; a missing scope or permission is remembered for the org. */
  private String unreadable(String key, Throwable error) {
    if (error instanceof OktaException e && (e.kind() == OktaException.Kind.INVALID_SCOPE
        || e.kind() == OktaException.Kind.FORBIDDEN)) {
      String why = e.kind() == OktaException.Kind.INVALID_SCOPE ? "okta.logs.read is not granted to the app"
          : "the app's admin role may not read the System Log";
      withoutLogs.put(key, new Refused(why, System.nanoTime() + WITHOUT_LOGS_RECHECK.toNanos()));
      return why;
    }
    if (error instanceof OktaException e && e.kind() == OktaException.Kind.NOT_SENT) {
      return "the System Log was not read in time (rate limit)";
    }
    return "the System Log could not be read: " + error.getMessage();
  }

  private static AuthnOutcome.Invalid unconfirmed(AuthnOutcome.Invalid invalid, String why) {
    return new AuthnOutcome.Invalid(invalid.requestId(), false, why);
  }
}
