package io.flare.iem.credentialcheck;

import io.vertx.core.Future;
import java.util.Set;

/**
 * The user as Okta shows it now (read fresh before the gates): LOCKED_OUT stops every attempt
 * for the identity; a user that is not ACTIVE, PASSWORD_EXPIRED or RECOVERY cannot sign in, so
 * trying its password would tell nothing: SKIPPED INACTIVE.
 */
final class InactiveUserGate implements Gate {

  static final Set<String> TRIABLE = Set.of("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY");

  @Override
  public Future<Verdict> judge(Candidate c) {
    String status = c.user().status();
    if ("LOCKED_OUT".equals(status)) {
      return Future.succeededFuture(new Verdict.LockedOut("Okta's user status is LOCKED_OUT"));
    }
    if (!TRIABLE.contains(status)) {
      return Future.succeededFuture(new Verdict.Skip(StoredCheck.SkipReason.INACTIVE, "the user's Okta status is "
          + status + "; only ACTIVE, PASSWORD_EXPIRED and RECOVERY users are tried"));
    }
    return Future.succeededFuture(Verdict.PROCEED);
  }
}
