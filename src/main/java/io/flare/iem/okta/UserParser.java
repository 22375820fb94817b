package io.flare.iem.okta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams Okta user JSON (an array page or one object) into {@link OktaUser}s with Jackson's
 * token parser: only the fields we keep are materialised, everything else is skipped unread.
 */
final class UserParser {

  private static final JsonFactory JSON = new JsonFactory();

  private UserParser() {}

  static List<OktaUser> page(Buffer body) {
    try (JsonParser p = JSON.createParser(body.getBytes())) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IOException("expected an array of users");
      }
      List<OktaUser> users = new ArrayList<>(200);
      while (p.nextToken() == JsonToken.START_OBJECT) {
        users.add(user(p));
      }
      return users;
    } catch (IOException | RuntimeException e) {
      throw new OktaException(OktaException.Kind.UNEXPECTED, 200, null, "unreadable users page: "
          + e.getClass().getSimpleName(), List.of(), null, null);
    }
  }

  static OktaUser one(Buffer body) {
    try (JsonParser p = JSON.createParser(body.getBytes())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("expected a user object");
      }
      return user(p);
    } catch (IOException | RuntimeException e) {
      throw new OktaException(OktaException.Kind.UNEXPECTED, 200, null, "unreadable user: "
          + e.getClass().getSimpleName(), List.of(), null, null);
    }
  }

  /** Reads one user object; the parser is on its START_OBJECT and ends on its END_OBJECT. */
  /** The fields of one user while it is parsed. */
  private static final class Parsed {
    String id;
    String status;
    String login;
    String email;
    String secondEmail;
    String firstName;
    String lastName;
    String credentialEmail;
    long created = OktaUser.NONE;
    long activated = OktaUser.NONE;
    long statusChanged = OktaUser.NONE;
    long lastLogin = OktaUser.NONE;
    long lastUpdated = OktaUser.NONE;
    long passwordChanged = OktaUser.NONE;

    OktaUser user() throws IOException {
      if (id == null) {
        throw new IOException("user without id");
      }
      return new OktaUser(id, status, login, email != null ? email : credentialEmail, secondEmail, firstName,
          lastName, created, activated, statusChanged, lastLogin, lastUpdated, passwordChanged);
    }
  }

  private static OktaUser user(JsonParser p) throws IOException {
    Parsed u = new Parsed();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "id" -> u.id = text(p, value);
        case "status" -> u.status = status(p, value);
        case "created" -> u.created = time(p, value);
        case "activated" -> u.activated = time(p, value);
        case "statusChanged" -> u.statusChanged = time(p, value);
        case "lastLogin" -> u.lastLogin = time(p, value);
        case "lastUpdated" -> u.lastUpdated = time(p, value);
        case "passwordChanged" -> u.passwordChanged = time(p, value);
        case "profile" -> profile(p, value, u);
        case "credentials" -> credentials(p, value, u);
        default -> p.skipChildren();
      }
    }
    return u.user();
  }

  private static void profile(JsonParser p, JsonToken value, Parsed u) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "login" -> u.login = text(p, v);
        case "email" -> u.email = text(p, v);
        case "secondEmail" -> u.secondEmail = text(p, v);
        case "firstName" -> u.firstName = text(p, v);
        case "lastName" -> u.lastName = text(p, v);
        default -> p.skipChildren();
      }
    }
  }

  private static void credentials(JsonParser p, JsonToken value, Parsed u) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("emails") && v == JsonToken.START_ARRAY && u.credentialEmail == null) {
        u.credentialEmail = primaryEmail(p);
      } else {
        p.skipChildren();
      }
    }
  }

  private static String primaryEmail(JsonParser p) throws IOException {
    String first = null;
    while (p.nextToken() == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("value") && first == null) {
          first = text(p, v);
        } else {
          p.skipChildren();
        }
      }
    }
    return first;
  }

  private static String text(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  private static String status(JsonParser p, JsonToken value) throws IOException {
    String s = text(p, value);
    if (s == null) {
      return null;
    }
    return switch (s) {
      case "ACTIVE" -> "ACTIVE";
      case "DEPROVISIONED" -> "DEPROVISIONED";
      case "LOCKED_OUT" -> "LOCKED_OUT";
      case "PASSWORD_EXPIRED" -> "PASSWORD_EXPIRED";
      case "PROVISIONED" -> "PROVISIONED";
      case "RECOVERY" -> "RECOVERY";
      case "STAGED" -> "STAGED";
      case "SUSPENDED" -> "SUSPENDED";
      default -> s;
    };
  }

  private static long time(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      p.skipChildren();
      return OktaUser.NONE;
    }
    char[] c = p.getTextCharacters();
    int off = p.getTextOffset();
    int len = p.getTextLength();
    long fast = Timestamps.parse(c, off, len);
    return fast != OktaUser.NONE ? fast : Instant.parse(new String(c, off, len)).toEpochMilli();
  }
}
