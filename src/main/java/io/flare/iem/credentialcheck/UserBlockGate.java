package io.flare.iem.credentialcheck;

import io.flare.iem.failure.Failure;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OrgMetadata;
import io.flare.iem.okta.UserBlock;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * On an Identity Engine org, Okta may block a user's sign-ins from unknown devices while the user
 * stays ACTIVE (okta-api.md §4, "Block suspicious password attempts from unknown devices"): every
 * authn call of ours comes from an unknown device and would answer 401 whatever the password. So
 * before an attempt the user's blocks are read ({@code GET /api/v1/users/{id}/blocks}):
 * <ul>
 *   <li>none: the check goes on;</li>
 *   <li>{@code UNKNOWN_DEVICES}: THROTTLED (reason {@code user_blocked}), no attempt spent, looked at
 *       again every {@code recheck} until the block lifts (the user signs in from a known device, or
 *       is unlocked), then tried;</li>
 *   <li>{@code ANY_DEVICES}: the account is locked out: LOCKED_OUT.</li>
 * </ul>
 * Classic Engine orgs have no blocks and are not asked; an org whose pipeline could not be read is.
 * A failed read stops the check (UNVERIFIED, retried with backoff): no attempt without knowing. A
 * check decided inline that would wait for the org's read budget is queued instead.
 */
final class UserBlockGate implements Gate {

  private final OrgPipelines pipelines;
  private final Clock clock;
  private final CheckSettings settings;

  UserBlockGate(OrgPipelines pipelines, Clock clock, CheckSettings settings) {
    this.pipelines = pipelines;
    this.clock = clock;
    this.settings = settings;
  }

  @Override
  public Future<Verdict> judge(Candidate c) {
    return pipelines.of(c.org()).compose(pipeline -> pipeline == OrgMetadata.Pipeline.CLASSIC
        ? Future.succeededFuture(Verdict.PROCEED)
        : blocks(c));
  }

  private Future<Verdict> blocks(Candidate c) {
    if (c.work().inline() && !c.org().hasRoom(Bucket.OTHER)) {
      return Future.succeededFuture(new Verdict.Queue("queued behind the org's Okta read budget", clock.instant()));
    }
    return c.org().userBlocks(c.identity().oktaUserId()).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? judged(c, ar.result())
        : new Verdict.Unverified("Okta could not be asked for the user's blocks: " + reason(ar.cause())
            + "; retried later", clock.instant().plus(settings.unverifiedBackoff(c.check().unverifiedCount())))));
  }

  private Verdict judged(Candidate c, List<UserBlock> blocks) {
    if (blocks.isEmpty()) {
      return Verdict.PROCEED;
    }
    if (blocks.stream().anyMatch(UserBlock::anyDevice)) {
      return new Verdict.LockedOut("Okta blocks the user's sign-ins on any device");
    }
    String which = blocks.stream().map(b -> b.type() + " " + b.appliesTo()).collect(Collectors.joining(", "));
    Instant next = clock.instant().plus(settings.blockRecheck());
    return new Verdict.Throttle(CheckMetrics.Throttle.USER_BLOCKED, "Okta blocks the user's sign-ins from unknown"
        + " devices (" + which + "), as ours are: an attempt would tell nothing and is not made; looked at again at "
        + next, next);
  }

  private static String reason(Throwable error) {
    return error instanceof OktaException || error instanceof Failure ? error.getMessage()
        : error.getClass().getSimpleName();
  }
}
