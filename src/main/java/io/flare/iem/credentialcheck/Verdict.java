package io.flare.iem.credentialcheck;

import io.flare.iem.credentialcheck.StoredCheck.Outcome;
import java.time.Instant;
import java.time.LocalDate;

/**
 * What one gate of the {@link CheckPipeline} decides about a check: go on to the next gate, or
 * {@link Stop} here with an outcome, final or waiting until a time. Gates only decide; the
 * pipeline stores the verdict.
 */
sealed interface Verdict {

  Proceed PROCEED = new Proceed();

  /** The check may go on to the next gate. */
  record Proceed() implements Verdict {}

  /**
   * The check may go on, holding one of the identity's attempts of local day {@code day} in Redis
   * ({@link DailyCapGate}): given back unless an authn call is made.
   */
  record Reserved(LocalDate day) implements Verdict {}

  /** The check stops here: what its row becomes. */
  sealed interface Stop extends Verdict, CheckPipeline.Loaded {

    /** The stored decision, taken at {@code now} (the decide time of a final one). */
    CheckRepository.Result result(Instant now);
  }

  /** SKIPPED without an attempt, for this reason. */
  record Skip(StoredCheck.SkipReason reason, String detail) implements Stop {
    @Override
    public CheckRepository.Result result(Instant now) {
      return new CheckRepository.Result(Outcome.SKIPPED, reason, detail, null, now);
    }
  }

  /** THROTTLED until {@code until}: the identity's daily cap or its lockout budget is spent. */
  record Throttle(CheckMetrics.Throttle reason, String detail, Instant until) implements Stop {
    @Override
    public CheckRepository.Result result(Instant now) {
      return new CheckRepository.Result(Outcome.THROTTLED, null, detail, until, null);
    }
  }

  /**
   * PENDING until {@code until}: queued behind a budget, Okta's pacing, an earlier check of the same
   * password, or a dependency that is down.
   */
  record Queue(String detail, Instant until) implements Stop {
    @Override
    public CheckRepository.Result result(Instant now) {
      return new CheckRepository.Result(Outcome.PENDING, null, detail, until, null);
    }
  }

  /** UNVERIFIED until {@code until}: Okta could not be asked; retried later, never reported INVALID. */
  record Unverified(String detail, Instant until) implements Stop {
    @Override
    public CheckRepository.Result result(Instant now) {
      return new CheckRepository.Result(Outcome.UNVERIFIED, null, detail, until, null);
    }
  }

  /** LOCKED_OUT: Okta says the user is locked out; no attempts for the identity until it is unlocked. */
  record LockedOut(String why) implements Stop {
    @Override
    public CheckRepository.Result result(Instant now) {
      return new CheckRepository.Result(Outcome.LOCKED_OUT, null, why + "; no attempts for this identity until it"
          + " is unlocked", null, now);
    }
  }

  /** NOT_FOUND: the identity, the Okta user or the integration is gone (or is not Okta's). */
  record Gone(String detail) implements Stop {
    @Override
    public CheckRepository.Result result(Instant now) {
      return new CheckRepository.Result(Outcome.NOT_FOUND, null, detail, null, now);
    }
  }
}
