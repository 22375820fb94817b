package io.flare.iem.oktasim;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The org's System Log, as far as {@code /api/v1/authn} writes it, and {@code GET /api/v1/logs}
 * (okta-developer-docs, System Log API):
 * <ul>
 *   <li>each authn request writes its events with {@code transaction.id} = the response's
 *       {@code X-Okta-Request-Id} ("transaction.id: identifies events that have occurred together as
 *       part of an operation (for example, a request to Okta's servers)"): {@code user.session.start}
 *       ("User login to Okta") with {@code SUCCESS}, or {@code FAILURE} and reason
 *       {@code INVALID_CREDENTIALS} or {@code LOCKED_OUT} (Okta support, "Common Okta Login
 *       Failures"); {@code user.account.lock} when the attempt locks the account;
 *       {@code policy.evaluate_sign_on} {@code DENY} for a sign-on policy denial
 *       ({@link SimSignOnPolicy});</li>
 *   <li>"near real-time": an event becomes visible {@link #lag(Duration)} after it happened (1.5 s by
 *       default; Okta gives no figure, and a bounded query "may" miss delayed events);</li>
 *   <li>{@code since}, {@code until}, {@code filter} (SCIM: {@code eq} on {@code transaction.id},
 *       {@code eventType}, {@code actor.id}, {@code outcome.result}, joined by {@code and}; anything
 *       else is 400 {@code E0000053} "Invalid SCIM filter."), {@code limit} (default 100, at most
 *       1000), {@code sortOrder}; a polling query (no {@code until}) filters by when the event was
 *       stored and always has a {@code next} link;</li>
 *   <li>its own rate-limit bucket ({@link SimBucket#LOGS}); scope {@code okta.logs.read}; the app needs
 *       an admin role (modelled as one that may view users: every standard role that reads the
 *       System Log does).</li>
 * </ul>
 * Never holds a password: Okta logs none.
 */
public final class SimSystemLog {

  /** What one authn request logs. */
  enum Authn { SUCCESS, INVALID, INVALID_AND_LOCKED, LOCKED_OUT, DENIED, NONE }

  private static final Pattern CLAUSE = Pattern.compile("\\s*([A-Za-z.]+)\\s+eq\\s+\"([^\"]*)\"\\s*");

  private record Stored(JsonObject event, long visibleAt, long published) {}

  private final Object lock;
  private final List<Stored> events = new ArrayList<>();
  private long lagMillis = 1500;

  SimSystemLog(Object lock) {
    this.lock = lock;
  }

  /** How long after it happened an event shows in {@code GET /api/v1/logs}. */
  public SimSystemLog lag(Duration lag) {
    synchronized (lock) {
      lagMillis = lag.toMillis();
    }
    return this;
  }

  /** Every event written so far, visible or not (copies). */
  public List<JsonObject> events() {
    synchronized (lock) {
      return events.stream().map(s -> s.event().copy()).toList();
    }
  }

  /** Called under the simulator's lock by authn: the events of request {@code requestId}. */
  void authn(String requestId, SimUser u, Authn what, String clientIp, long now) {
    switch (what) {
      case SUCCESS -> write(requestId, u, clientIp, now, "user.session.start", "User login to Okta", "SUCCESS", null);
      case INVALID -> write(requestId, u, clientIp, now, "user.session.start", "User login to Okta", "FAILURE",
          "INVALID_CREDENTIALS");
      case INVALID_AND_LOCKED -> {
        write(requestId, u, clientIp, now, "user.session.start", "User login to Okta", "FAILURE", "INVALID_CREDENTIALS");
        write(requestId, u, clientIp, now, "user.account.lock", "Max sign in attempts exceeded", "SUCCESS", null);
      }
      case LOCKED_OUT -> write(requestId, u, clientIp, now, "user.session.start", "User login to Okta", "FAILURE",
          "LOCKED_OUT");
      case DENIED -> write(requestId, u, clientIp, now, "policy.evaluate_sign_on", "Evaluation of sign-on policy", "DENY",
          "Sign-on policy evaluation resulted in DENY");
      case NONE -> { }
    }
  }

  private void write(String requestId, SimUser u, String clientIp, long now, String type, String message,
      String result, String reason) {
    JsonObject outcome = new JsonObject().put("result", result);
    if (reason != null) {
      outcome.put("reason", reason);
    }
    JsonObject event = new JsonObject()
        .put("uuid", UUID.randomUUID().toString())
        .put("published", UserJson.iso(new StringBuilder(), now).toString())
        .put("eventType", type).put("version", "0")
        .put("severity", "SUCCESS".equals(result) ? "INFO" : "WARN")
        .put("displayMessage", message)
        .put("actor", new JsonObject().put("id", u.id).put("type", "User").put("alternateId", u.login)
            .put("displayName", u.firstName + " " + u.lastName))
        .put("client", new JsonObject().put("ipAddress", clientIp).put("zone", "null").put("device", "Unknown")
            .put("userAgent", new JsonObject().put("rawUserAgent", "UNKNOWN").put("os", "Unknown")
                .put("browser", "UNKNOWN")))
        .put("outcome", outcome)
        .put("transaction", new JsonObject().put("type", "WEB").put("id", requestId).put("detail", new JsonObject()))
        .put("debugContext", new JsonObject().put("debugData", new JsonObject().put("requestUri", "/api/v1/authn")))
        .put("authenticationContext", new JsonObject().put("authenticationStep", 0)
            .put("credentialType", "PASSWORD"))
        .put("target", new JsonArray());
    events.add(new Stored(event, now + lagMillis, now));
    if (events.size() > 100_000) {
      events.subList(0, 50_000).clear();
    }
  }

  static boolean matches(String[] parts) {
    return parts.length == 4 && parts[3].equals("logs");
  }

  /** {@code GET /api/v1/logs}, authenticated, authorised and admitted by the server. */
  void list(SimServer server, HttpServerRequest req, String base, long now, Map<String, String> headers) {
    Long since;
    Long until;
    try {
      since = time(req.params().get("since"));
      until = time(req.params().get("until"));
    } catch (DateTimeParseException e) {
      server.apiError(req, OktaErrors.VALIDATION, "'since', 'until': The date format in your query is not"
          + " recognized. Please enter dates using ISO8601 string format.", List.of(), headers);
      return;
    }
    Map<String, String> filter = filter(req.params().get("filter"));
    int limit;
    try {
      limit = req.params().get("limit") == null ? 100 : Integer.parseInt(req.params().get("limit"));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (filter == null || limit < 0 || limit > 1000) {
      server.apiError(req, filter == null ? OktaErrors.INVALID_FILTER : OktaErrors.VALIDATION,
          filter == null ? null : "limit", List.of(), headers);
      return;
    }
    boolean polling = until == null;
    String after = req.params().get("after");
    JsonArray page = new JsonArray();
    synchronized (lock) {
      boolean past = after == null;
      for (Stored s : events) {
        if (!past) {
          past = s.event().getString("uuid").equals(after);
          continue;
        }
        long when = polling ? s.visibleAt() : s.published();
        boolean inRange = (since == null || when >= since) && (until == null || s.published() <= until);
        if (s.visibleAt() <= now && inRange && accepts(filter, s.event()) && page.size() < limit) {
          page.add(s.event().copy());
        }
      }
    }
    if ("DESCENDING".equals(req.params().get("sortOrder"))) {
      List<Object> reversed = new ArrayList<>(page.getList());
      Collections.reverse(reversed);
      page = new JsonArray(reversed);
    }
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Link", "<" + base + req.uri() + ">; rel=\"self\"");
    if (polling) {
      // a polling query always has a next page: the same query after the last event returned. The
      // map keys differ in case only so that each link goes out as a header line of its own
      String last = page.isEmpty() ? after : page.getJsonObject(page.size() - 1).getString("uuid");
      String query = req.query() == null ? "" : req.query().replaceAll("(^|&)after=[^&]*", "");
      h.put("link", "<" + base + req.path() + "?" + query + (last == null ? "" : (query.isEmpty() ? "" : "&")
          + "after=" + last) + ">; rel=\"next\"");
    }
    server.send(req, 200, page.encode(), h);
  }

  private static Long time(String value) {
    return value == null || value.isBlank() ? null : Instant.parse(value).toEpochMilli();
  }

  /** The filter's clauses by attribute, or null when it is not one the simulator understands. */
  static Map<String, String> filter(String expression) {
    Map<String, String> clauses = new LinkedHashMap<>();
    if (expression == null || expression.isBlank()) {
      return clauses;
    }
    for (String part : expression.split("\\s+and\\s+")) {
      Matcher m = CLAUSE.matcher(part);
      if (!m.matches() || !List.of("transaction.id", "eventType", "actor.id", "outcome.result").contains(m.group(1))) {
        return null;
      }
      clauses.put(m.group(1), m.group(2));
    }
    return clauses;
  }

  private static boolean accepts(Map<String, String> filter, JsonObject e) {
    for (Map.Entry<String, String> c : filter.entrySet()) {
      String value = switch (c.getKey()) {
        case "transaction.id" -> e.getJsonObject("transaction").getString("id");
        case "eventType" -> e.getString("eventType");
        case "actor.id" -> e.getJsonObject("actor").getString("id");
        default -> e.getJsonObject("outcome").getString("result");
      };
      if (!c.getValue().equals(value)) {
        return false;
      }
    }
    return true;
  }
}
