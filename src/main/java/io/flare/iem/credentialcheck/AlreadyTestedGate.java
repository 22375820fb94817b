package io.flare.iem.credentialcheck;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;

/**
 * This password was already tried for the identity since its last change (a keyed fingerprint,
 * never the password): SKIPPED ALREADY_TESTED. A try whose answer Okta did not confirm (a 401 its
 * System Log did not explain as INVALID_CREDENTIALS: it may have been a sign-on policy denial of the
 * right password) counts only for {@code unconfirmedRetry}; after that a new leak of it is tried
 * again, within the daily cap and the lockout budget like any other. An older check of the same
 * password that is still undecided goes first: this one waits (PENDING) until just after that
 * one's next try, and is then ALREADY_TESTED. (Two checks that pass here at once meet again in the
 * {@link AttemptFence}.)
 */
final class AlreadyTestedGate implements Gate {

  private final Pool pool;
  private final AttemptRepository attempts;
  private final CheckRepository checks;
  private final Duration shortWait;
  private final Duration unconfirmedRetry;

  AlreadyTestedGate(Pool pool, AttemptRepository attempts, CheckRepository checks, Duration shortWait,
      Duration unconfirmedRetry) {
    this.pool = pool;
    this.attempts = attempts;
    this.checks = checks;
    this.shortWait = shortWait;
    this.unconfirmedRetry = unconfirmedRetry;
  }

  @Override
  public Future<Verdict> judge(Candidate c) {
    Instant changed = c.user().passwordChanged();
    byte[] fingerprint = c.work().fingerprint();
    return attempts.tested(pool, c.tenantId(), c.identityId(), fingerprint).compose(tested -> {
      if (tested.isPresent() && (changed == null || tested.get().time().isAfter(changed))) {
        AttemptRepository.Tested t = tested.get();
        Instant retry = t.time().plus(unconfirmedRetry);
        if (t.confirmed()) {
          return Future.succeededFuture(new Verdict.Skip(StoredCheck.SkipReason.ALREADY_TESTED, "this password was"
              + " already tried for the identity at " + t.time() + ", after its last password change"));
        }
        if (c.now().isBefore(retry)) {
          return Future.succeededFuture(new Verdict.Skip(StoredCheck.SkipReason.ALREADY_TESTED, "this password was"
              + " already tried for the identity at " + t.time() + ", after its last password change; Okta's"
              + " rejection was not confirmed by its System Log, so a leak of it from " + retry + " on is tried again"));
        }
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
