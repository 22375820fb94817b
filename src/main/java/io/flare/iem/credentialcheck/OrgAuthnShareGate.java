package io.flare.iem.credentialcheck;

import io.flare.iem.okta.Bucket;
import io.vertx.core.Future;
import java.time.Clock;

/**
 * The org's authn budget: checks use only their share of Okta's sign-in rate limit, the rest stays
 * with employees. A check decided while answering CheckCredential that would have to wait for its
 * turn is queued (PENDING) for the workers at once; a worker waits its turn in the org's rate
 * limiter instead, so the queue drains at the share's pace. A check whose call Okta would refuse
 * unsent (its username held back by Okta's per-username throttle, or the org's authn calls paused
 * because Okta refuses our address) waits until then without recording an attempt.
 */
final class OrgAuthnShareGate implements Gate {

  private final Clock clock;
  private final double share;

  OrgAuthnShareGate(Clock clock, double share) {
    this.clock = clock;
    this.share = share;
  }

  @Override
  public Future<Verdict> judge(Candidate c) {
    var held = c.org().authnHeld(c.user().login());
    if (held.isPresent()) {
      return Future.succeededFuture(AuthnCall.waitFor(held.get(), clock.instant()));
    }
    if (c.work().inline() && !c.org().hasRoom(Bucket.AUTHN)) {
      return Future.succeededFuture(new Verdict.Queue("queued behind the org's authn budget ("
          + Math.round(share * 100) + "% of Okta's sign-in rate limit is used for checks)", clock.instant()));
    }
    return Future.succeededFuture(Verdict.PROCEED);
  }
}
