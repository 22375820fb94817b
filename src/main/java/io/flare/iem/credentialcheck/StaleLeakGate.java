package io.flare.iem.credentialcheck;

import io.vertx.core.Future;
import java.time.Instant;

/** A password changed after the leak cannot be the leaked one any more: SKIPPED STALE. */
final class StaleLeakGate implements Gate {

  @Override
  public Future<Verdict> judge(Candidate c) {
    Instant changed = c.user().passwordChanged();
    Instant leaked = c.check().leakedTime();
    if (changed != null && leaked != null && changed.isAfter(leaked)) {
      return Future.succeededFuture(new Verdict.Skip(StoredCheck.SkipReason.STALE, "the password was changed at "
          + changed + ", after the leak at " + leaked));
    }
    return Future.succeededFuture(Verdict.PROCEED);
  }
}
