package io.flare.iem.exposure;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import io.flare.iem.audit.AuditLog;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationKeys;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.SecurityEventOutcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox's risk signals to Okta Identity Threat Protection: each a Security Event Token
 * (RFC 8417) carrying Okta's {@code user-risk-change} event, signed with the integration's own key
 * (header {@code typ: secevent+jwt}), {@code iss} the integration's issuer, {@code aud} the org
 * URL. A failure or a lost reply is sent again later with the same {@code jti}; Okta's refusal of
 * the token (400) is final. Every answer is audited.
 */
final class RiskSignals {

  private static final Logger LOG = LoggerFactory.getLogger(RiskSignals.class);
  /** Okta's event type (developer.okta.com, SSF Security Event Tokens API: OktaUserRiskChangeEvent). */
  static final String USER_RISK_CHANGE = "https://schemas.okta.com/secevent/okta/event-type/user-risk-change";
  static final JOSEObjectType SECEVENT_JWT = new JOSEObjectType("secevent+jwt");
  private static final Duration LEASE = Duration.ofMinutes(2);
  private static final int BATCH = 50;

  private final Pool pool;
  private final SignalOutbox outbox;
  private final IntegrationRepository integrations;
  private final IntegrationKeys keys;
  private final OktaClient okta;
  private final Clock clock;
  private final Duration firstRetry;
  private boolean running;
  private boolean again;

  RiskSignals(Pool pool, SignalOutbox outbox, IntegrationRepository integrations, IntegrationKeys keys,
      OktaClient okta, Clock clock, Duration firstRetry) {
    this.pool = pool;
    this.outbox = outbox;
    this.integrations = integrations;
    this.keys = keys;
    this.okta = okta;
    this.clock = clock;
    this.firstRetry = firstRetry;
  }

  /** The event's claims: raising the user's risk to {@code level} from {@code previousLevel}. */
  static JWTClaimsSet claims(String issuer, String audience, SignalOutbox.Signal s, Instant issuedAt) {
    JsonObject event = new JsonObject()
        .put("subject", new JsonObject().put("user", new JsonObject().put("format", "email")
            .put("email", s.subjectEmail())))
        .put("current_level", s.level())
        .put("previous_level", s.previousLevel())
        .put("event_timestamp", s.eventTime().getEpochSecond())
        .put("initiating_entity", "system")
        .put("reason_admin", new JsonObject().put("en", s.reason()));
    Map<String, Object> payload;
    try {
      payload = JSONObjectUtils.parse(event.encode()); // nested maps, as the JWT library serialises them
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("unreachable: our own JSON", e);
    }
    return new JWTClaimsSet.Builder()
        .issuer(issuer)
        .audience(audience)
        .jwtID(s.jti())
        .issueTime(Date.from(Instant.ofEpochSecond(issuedAt.getEpochSecond())))
        .claim("events", Map.of(USER_RISK_CHANGE, payload))
        .build();
  }

  /** Sends what is due now; a call while a pass runs makes it run once more after. */
  void kick() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    Instant now = clock.instant();
    outbox.claim(pool, now, now.plus(LEASE), BATCH)
        .compose(due -> Future.join(due.stream().map(this::send).toList()).map(due.size()))
        .onComplete(ar -> {
          running = false;
          if (ar.failed()) {
            LOG.atWarn().setCause(ar.cause()).log("risk signals not sent now; retried on the next pass");
          }
          if (again || (ar.succeeded() && ar.result() == BATCH)) {
            kick();
          }
        });
  }

  private Future<Void> send(SignalOutbox.Signal s) {
    return integrations.find(pool, s.tenantId()).compose(found -> {
      if (found.isEmpty() || found.get().jwksId() == null) {
        return outbox.rejected(pool, s, "the integration is gone");
      }
      Integration integration = found.get();
      return keys.signing(s.tenantId())
          .map(signer -> signer.sign(SECEVENT_JWT, claims(keys.securityEventIssuer(integration.jwksId()).toString(),
              integration.oktaDomain(), s, clock.instant())))
          .compose(set -> okta.org(integration.oktaApp()).publishSecurityEvent(set))
          .compose(outcome -> answered(s, outcome), error -> failed(s, error));
    });
  }

  private Future<Void> answered(SignalOutbox.Signal s, SecurityEventOutcome outcome) {
    if (outcome instanceof SecurityEventOutcome.Rejected r) {
      String error = "Okta refused the security event (HTTP " + r.status() + " " + r.err() + ": " + r.description()
          + "); check the Security Events Provider's issuer and JWKS URL";
      return pool.withTransaction(tx -> outbox.rejected(tx, s, error)
          .compose(v -> AuditLog.append(tx, audit(s, r.requestId(), "REJECTED", new JsonObject()
              .put("error", r.err()).put("description", r.description())))));
    }
    return pool.withTransaction(tx -> outbox.sent(tx, s, clock.instant())
        .compose(v -> AuditLog.append(tx, audit(s, outcome.requestId(), "SENT", new JsonObject()))));
  }

  private Future<Void> failed(SignalOutbox.Signal s, Throwable error) {
    long factor = 1L << Math.min(s.attempts() - 1, 10);
    Duration wait = firstRetry.multipliedBy(factor);
    if (wait.compareTo(Duration.ofMinutes(30)) > 0) {
      wait = Duration.ofMinutes(30);
    }
    String why = error instanceof OktaException o ? o.kind() + (o.httpStatus() > 0 ? " (HTTP " + o.httpStatus() + ")"
        : "") : error.getClass().getSimpleName();
    String message = "not delivered (" + why + "); sent again with the same jti";
    Instant next = clock.instant().plus(wait);
    return pool.withTransaction(tx -> outbox.later(tx, s, next, message)
        .compose(v -> AuditLog.append(tx, audit(s, null, "RETRY", new JsonObject().put("error", why)
            .put("next_try_time", next.toString())))));
  }

  private static AuditLog.Event audit(SignalOutbox.Signal s, String requestId, String outcome, JsonObject detail) {
    return new AuditLog.Event(s.tenantId(), "exposure.risk_signal", "system", null, requestId, outcome,
        detail.put("jti", s.jti()).put("exposure_id", s.exposureId().toString()).put("level", s.level())
            .put("okta_user_id", s.oktaUserId()).put("attempt", s.attempts()));
  }

  /** Levels as Okta's schema spells them. */
  static final List<String> LEVELS = List.of("low", "medium", "high");
}
