package io.flare.iem.okta;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** One Okta HTTP response as the client sees it. */
record OktaResponse(int status, MultiMap headers, Buffer body) {

  String requestId() {
    return headers.get("X-Okta-Request-Id");
  }

  /** When Okta answered, by Okta's clock (its {@code Date} header, to the second); null without one. */
  Instant date() {
    String date = headers.get("Date");
    try {
      return date == null ? null : ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  JsonObject json() {
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    try {
      return firstChar() == '{' ? new JsonObject(body) : new JsonObject();
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }

  JsonArray jsonArray() {
    try {
      if (body != null && firstChar() == '[') {
        return new JsonArray(body);
      }
    } catch (RuntimeException ignored) {
      // fall through
    }
    throw new OktaException(OktaException.Kind.UNEXPECTED, status, null, "expected a JSON array", List.of(),
        requestId(), null);
  }

  private char firstChar() {
    for (int i = 0; i < body.length(); i++) {
      char c = (char) body.getByte(i);
      if (!Character.isWhitespace(c)) {
        return c;
      }
    }
    return ' ';
  }

  /** The {@code error} parameter of a {@code WWW-Authenticate} challenge, or null. */
  String challengeError() {
    return challengeParam("error");
  }

  String challengeParam(String name) {
    String header = headers.get("WWW-Authenticate");
    if (header == null) {
      return null;
    }
    String needle = name + "=\"";
    int at = header.indexOf(", " + needle);
    if (at >= 0) {
      at += 2;
    } else if (header.indexOf(needle) > 0 && header.charAt(header.indexOf(needle) - 1) == ' ') {
      at = header.indexOf(needle);
    } else {
      return null;
    }
    int start = at + needle.length();
    int end = header.indexOf('"', start);
    return end < 0 ? null : header.substring(start, end);
  }

  /** The typed failure this response stands for. */
  OktaException failure() {
    JsonObject json = json();
    String code = json.getString("errorCode");
    String summary = json.getString("errorSummary");
    List<String> causes = new ArrayList<>();
    if (json.getValue("errorCauses") instanceof JsonArray arr) {
      for (Object c : arr) {
        if (c instanceof JsonObject o && o.getString("errorSummary") != null) {
          causes.add(o.getString("errorSummary"));
        }
      }
    }
    if (code == null && json.getString("error") != null) {
      code = json.getString("error");
      summary = json.getString("error_description");
    }
    if (code == null && challengeError() != null) {
      code = challengeError();
      summary = challengeParam("error_description");
    }
    return new OktaException(kind(status, code), status, code, summary, causes, requestId(), null);
  }

  static OktaException.Kind kind(int status, String code) {
    if (status == 429) {
      return OktaException.Kind.RATE_LIMITED;
    }
    if (status >= 500) {
      return OktaException.Kind.UNAVAILABLE;
    }
    if (status >= 300 && status < 400) {
      return OktaException.Kind.DOMAIN_REFUSED;
    }
    if (code != null) {
      switch (code) {
        case "invalid_client":
          return OktaException.Kind.INVALID_CLIENT;
        case "invalid_scope":
          return OktaException.Kind.INVALID_SCOPE;
        case "invalid_dpop_proof", "use_dpop_nonce":
          return OktaException.Kind.DPOP;
        case "invalid_request":
          return status == 400 ? OktaException.Kind.DPOP : OktaException.Kind.BAD_REQUEST;
        case "insufficient_scope", "E0000006", "E0000015":
          return OktaException.Kind.FORBIDDEN;
        case "invalid_token", "E0000011":
          return OktaException.Kind.UNAUTHORIZED;
        case "E0000007":
          return OktaException.Kind.NOT_FOUND;
        case "E0000001", "E0000032", "E0000038", "E0000016":
          return OktaException.Kind.NOT_ALLOWED;
        default:
          break;
      }
    }
    return switch (status) {
      case 401 -> OktaException.Kind.UNAUTHORIZED;
      case 403 -> OktaException.Kind.FORBIDDEN;
      case 404 -> OktaException.Kind.NOT_FOUND;
      default -> status >= 400 && status < 500 ? OktaException.Kind.BAD_REQUEST : OktaException.Kind.UNEXPECTED;
    };
  }
}
