package io.flare.iem.okta;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What Okta's System Log says about one {@code POST /api/v1/authn} that answered 401 {@code E0000004}.
 * The 401 alone is ambiguous (okta-api.md §4: a wrong password, a hidden lockout, a sign-on policy
 * or network zone denial, an Identity Engine unknown-device block); the events the request wrote,
 * found by {@code filter=transaction.id eq "<X-Okta-Request-Id>"} (the System Log API's "Event
 * correlation": {@code transaction.id} identifies the events of one request), say which:
 * <ul>
 *   <li>an {@code outcome.reason} of {@code LOCKED_OUT}, or a {@code user.account.lock} event: the
 *       account is locked out;</li>
 *   <li>{@code INVALID_CREDENTIALS} (Okta support, "Common Okta Login Failures": "The provided
 *       credentials were incorrect", error E0000004): the password is wrong;</li>
 *   <li>an {@code outcome.result} of {@code DENY} (for example {@code policy.evaluate_sign_on} with
 *       "Sign-on policy evaluation resulted in DENY"), or a {@code security.request.blocked} event (a
 *       blocklisted network zone): a denial that says nothing of the password.</li>
 * </ul>
 * Anything else (no event yet: the log lags; {@code VERIFICATION_ERROR}, {@code UNKNOWN_USER}, ...)
 * confirms nothing.
 */
public final class SystemLog {

  /** How far back a request's events are looked for: the request was just made, give clocks a margin. */
  static final Duration LOOKBACK = Duration.ofMinutes(15);

  /** Okta's request ids are short tokens of letters, digits and a few marks; anything else is not put in a filter. */
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_@.\\-]{1,128}");

  private SystemLog() {}

  /** Whether {@code requestId} may be used in a System Log filter. */
  public static boolean isRequestId(String requestId) {
    return requestId != null && REQUEST_ID.matcher(requestId).matches();
  }

  /** The filter selecting the events of one request. */
  static String filterOf(String requestId) {
    return "transaction.id eq \"" + requestId + "\"";
  }

  /** The events of a {@code GET /api/v1/logs} answer that belong to request {@code requestId}. */
  static List<LogEvent> events(JsonArray array, String requestId) {
    List<LogEvent> out = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject e)) {
        continue;
      }
      JsonObject outcome = e.getJsonObject("outcome", new JsonObject());
      JsonObject transaction = e.getJsonObject("transaction", new JsonObject());
      String transactionId = transaction.getString("id");
      if (requestId != null && !requestId.equals(transactionId)) {
        continue;
      }
      out.add(new LogEvent(e.getString("eventType", ""), e.getString("displayMessage"),
          outcome.getString("result", ""), outcome.getString("reason"), transactionId));
    }
    return out;
  }

  /**
   * The outcome the events explain {@code invalid} as: LOCKED_OUT, a confirmed INVALID, or DENIED;
   * empty while they explain nothing (none yet, or none conclusive).
   */
  public static Optional<AuthnOutcome> explain(AuthnOutcome.Invalid invalid, List<LogEvent> events) {
    String id = invalid.requestId();
    for (LogEvent e : events) {
      if ("LOCKED_OUT".equals(e.reason()) || "user.account.lock".equals(e.eventType())) {
        return Optional.of(new AuthnOutcome.LockedOut(id));
      }
    }
    for (LogEvent e : events) {
      if ("INVALID_CREDENTIALS".equals(e.reason())) {
        return Optional.of(new AuthnOutcome.Invalid(id, true, "System Log: " + e.describe()));
      }
    }
    for (LogEvent e : events) {
      if ("DENY".equals(e.result()) || "security.request.blocked".equals(e.eventType())) {
        return Optional.of(new AuthnOutcome.Denied(e.describe(), id));
      }
    }
    return Optional.empty();
  }

  /** What the events say, for a person, when they explain nothing. */
  public static String summary(List<LogEvent> events) {
    if (events.isEmpty()) {
      return "no System Log event for the request";
    }
    List<String> parts = new ArrayList<>();
    for (LogEvent e : events) {
      parts.add(e.describe());
    }
    return "the System Log says " + String.join("; ", parts);
  }
}
