package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One org's authn calls paused because Okta refuses them from our address. Okta ThreatInsight
 * (or a block-list network zone) refuses a sign-in from an address it holds malicious with HTTP
 * 403 before it reads the credentials ("The detection of a threat takes place prior to
 * authentication evaluation … the user receives an HTTP 403 error", help.okta.com, About Okta
 * ThreatInsight). Every call from that address gets the same answer and, since they all leave from
 * our egress addresses, each would only add to the evidence against us. So the first 403 pauses
 * the org's authn calls: one probe may go after {@link #FIRST_PROBE}, then after twice as long
 * each time it is refused too, up to {@link #LONGEST_PROBE}; callers meanwhile are told how long
 * to wait, and those that arrive while a probe is out wait for its answer. A probe that Okta
 * evaluates (valid, invalid, locked out) ends the pause.
 *
 * <p>The state is per replica and survives {@link OktaClient#forget}: it is about our address and
 * the org, not about a client id or its tokens. Times come from the service's clock; the pause logs
 * one line when it starts and one when it ends (the org's domain and Okta's request id, never a
 * username) and reports both to the {@link OktaListener}. Thread-safe.
 */
final class AuthnPause {

  /** The first probe goes a minute after the first 403: at most one probe a minute. */
  static final Duration FIRST_PROBE = Duration.ofMinutes(1);
  /** Probes refused again back off to at most one every this long. */
  static final Duration LONGEST_PROBE = Duration.ofMinutes(15);

  private static final Logger LOG = LoggerFactory.getLogger(AuthnPause.class);

  /** What a caller may do now. */
  sealed interface Turn {}

  /** Not paused: send. */
  record Go() implements Turn {}

  /** Paused, and a probe is due: send this one call as the probe, then report it with {@link #probed}. */
  record Probe() implements Turn {}

  /** A probe is out: try again once it is answered. */
  record AwaitProbe(Future<Void> answered) implements Turn {}

  /** Paused: nothing goes before the next probe, this long from now. */
  record Wait(Duration retryIn) implements Turn {}

  private static final Turn GO = new Go();
  private static final Turn PROBE = new Probe();

  private final String domain;
  private final Clock clock;
  private final OktaListener listener;
  private Instant since;
  private String firstRequestId;
  private int refusedProbes;
  private Instant nextProbe;
  private Promise<Void> probe;

  AuthnPause(String domain, Clock clock, OktaListener listener) {
    this.domain = domain;
    this.clock = clock;
    this.listener = listener;
  }

  synchronized Turn turn() {
    if (since == null) {
      return GO;
    }
    if (probe != null) {
      return new AwaitProbe(probe.future());
    }
    Instant now = clock.instant();
    if (now.isBefore(nextProbe)) {
      return new Wait(Duration.between(now, nextProbe));
    }
    probe = Promise.promise();
    return PROBE;
  }

  /** How long until a call could go, when the org is paused and no probe is due or out. */
  synchronized Optional<Duration> waiting() {
    if (since == null || probe != null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    return now.isBefore(nextProbe) ? Optional.of(Duration.between(now, nextProbe)) : Optional.empty();
  }

  /** The pause as it stands, for TestIntegration; empty when Okta accepts our authn calls. */
  synchronized Optional<AuthnBlock> state() {
    return since == null ? Optional.empty()
        : Optional.of(new AuthnBlock(domain, since, firstRequestId, refusedProbes, nextProbe));
  }

  /**
   * Okta answered a call that was not a probe 403: the pause starts, unless it already has (calls
   * that left before it started come back refused too). Returns how long until the next probe.
   */
  Duration refused(String requestId) {
    Instant now = clock.instant();
    boolean started;
    Duration wait;
    synchronized (this) {
      started = since == null;
      if (started) {
        since = now;
        firstRequestId = requestId;
        refusedProbes = 0;
        nextProbe = now.plus(FIRST_PROBE);
      }
      wait = probe != null ? Duration.ZERO : Duration.between(now, nextProbe);
    }
    if (started) {
      LOG.atWarn().addKeyValue("okta_domain", domain).addKeyValue("okta_request_id", requestId)
          .log("Okta refuses authn calls from this service's address (HTTP 403, ThreatInsight or a blocked network"
              + " zone): the org's authn calls are paused, one probe a minute at most, and checks wait");
      listener.authnBlocked(true);
    }
    return wait;
  }

  /**
   * The probe came back: {@code evaluated} when Okta evaluated the password (the pause ends),
   * {@code refused} when it answered 403 again (the next probe waits twice as long), neither when
   * the answer proves nothing (no answer, a 5xx, a 429: the next probe keeps the same interval).
   * Returns how long until the next probe (zero once the pause ended).
   */
  Duration probed(String requestId, boolean evaluated, boolean refused) {
    Instant now = clock.instant();
    Promise<Void> answered;
    Duration pausedFor = null;
    Duration wait;
    synchronized (this) {
      answered = probe;
      probe = null;
      if (since == null) {
        wait = Duration.ZERO;
      } else if (evaluated) {
        pausedFor = Duration.between(since, now);
        since = null;
        firstRequestId = null;
        nextProbe = null;
        wait = Duration.ZERO;
      } else {
        if (refused) {
          refusedProbes++;
        }
        nextProbe = now.plus(interval(refusedProbes));
        wait = Duration.between(now, nextProbe);
      }
    }
    if (pausedFor != null) {
      LOG.atInfo().addKeyValue("okta_domain", domain).addKeyValue("okta_request_id", requestId)
          .addKeyValue("paused_seconds", pausedFor.toSeconds())
          .log("Okta evaluates authn calls from this service's address again: the org's authn calls resumed");
      listener.authnBlocked(false);
    }
    if (answered != null) {
      answered.complete();
    }
    return wait;
  }

  /** One minute, doubled per probe refused, at most {@link #LONGEST_PROBE}. */
  static Duration interval(int refusedProbes) {
    Duration d = FIRST_PROBE.multipliedBy(1L << Math.min(refusedProbes, 20));
    return d.compareTo(LONGEST_PROBE) > 0 ? LONGEST_PROBE : d;
  }
}
