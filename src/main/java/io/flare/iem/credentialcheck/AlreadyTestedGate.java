package io.flare.iem.credentialcheck;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;

/**
 * This password was already tried for the identity since its last change (a keyed fingerprint,
 * never the password): SKIPPED ALREADY_TESTED. An older check of the same password that is still
 * undecided goes first: this one waits (PENDING) until just after that one's next try, and is then
 * ALREADY_TESTED. (Two checks that pass here at once meet again in the {@link AttemptFence}.)
 */
final class AlreadyTestedGate implements Gate {

  private final Pool pool;
  private final AttemptRepository attempts;
  private final CheckRepository checks;
  private final Duration shortWait;

  AlreadyTestedGate(Pool pool, AttemptRepository attempts, CheckRepository checks, Duration shortWait) {
    this.pool = pool;
    this.attempts = attempts;
    this.checks = checks;
    this.shortWait = shortWait;
  }

  @Override
  public Future<Verdict> judge(Candidate c) {
    Instant changed = c.user().passwordChanged();
    byte[] fingerprint = c.work().fingerprint();
    return attempts.testedTime(pool, c.identityId(), fingerprint).compose(tested -> {
      if (tested.isPresent() && (changed == null || tested.get().isAfter(changed))) {
        return Future.succeededFuture(new Verdict.Skip(StoredCheck.SkipReason.ALREADY_TESTED, "this password was"
            + " already tried for the identity at " + tested.get() + ", after its last password change"));
      }
      return checks.olderOpenSibling(pool, c.check(), fingerprint).map(older -> {
        if (older.isEmpty()) {
          return Verdict.PROCEED;
        }
        // wake just after the earlier check's next try: it decides, and this one is then ALREADY_TESTED
        Instant soon = c.now().plus(shortWait);
        Instant next = older.get().filter(t -> t.isAfter(soon)).map(t -> t.plusSeconds(1)).orElse(soon);
        return new Verdict.Queue(SAME_PASSWORD_WAITS, next);
      });
    });
  }

  static final String SAME_PASSWORD_WAITS = "waits for an earlier check of the same password for this identity";
}
