package io.flare.iem.oktasim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Okta's {@code filter} and {@code search} expressions for users: {@code attr op "value"} joined by
 * {@code and}/{@code or} with parentheses. {@code filter} allows only {@code status},
 * {@code lastUpdated}, {@code id} and {@code profile.login|email|firstName|lastName}, and only
 * {@code eq} (plus {@code gt ge lt le} on {@code lastUpdated}); {@code search} allows any attribute
 * and {@code eq sw co pr gt ge lt le}. Anything else is "Invalid search criteria." (E0000031).
 */
final class SimFilter {

  static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private static final Set<String> FILTER_ATTRS = Set.of("status", "lastUpdated", "id", "profile.login",
      "profile.email", "profile.firstName", "profile.lastName");
  private static final Set<String> DATES = Set.of("created", "activated", "statusChanged", "lastLogin",
      "lastUpdated", "passwordChanged");

  private final List<String> tokens;
  private final boolean search;
  private int pos;
  /** The smallest lastUpdated a match can have (from a top-level {@code lastUpdated gt|ge}), or NONE. */
  long minLastUpdated = SimUser.NONE;

  private SimFilter(List<String> tokens, boolean search) {
    this.tokens = tokens;
    this.search = search;
  }

  static SimFilter parse(String expression, boolean search) {
    SimFilter f = new SimFilter(tokenize(expression), search);
    return f;
  }

  Predicate<SimUser> predicate() {
    Predicate<SimUser> p = or(true);
    if (pos != tokens.size()) {
      throw new Invalid("unexpected '" + tokens.get(pos) + "'");
    }
    return p;
  }

  private Predicate<SimUser> or(boolean top) {
    Predicate<SimUser> left = and(top);
    boolean any = false;
    while (pos < tokens.size() && tokens.get(pos).equalsIgnoreCase("or")) {
      pos++;
      any = true;
      left = left.or(and(false));
    }
    if (any && top) {
      minLastUpdated = SimUser.NONE;
    }
    return left;
  }

  private Predicate<SimUser> and(boolean top) {
    Predicate<SimUser> left = factor(top);
    while (pos < tokens.size() && tokens.get(pos).equalsIgnoreCase("and")) {
      pos++;
      left = left.and(factor(top));
    }
    return left;
  }

  private Predicate<SimUser> factor(boolean top) {
    String t = next();
    if (t.equals("(")) {
      Predicate<SimUser> inner = or(false);
      expect(")");
      return inner;
    }
    String attr = t;
    String op = next().toLowerCase(Locale.ROOT);
    if (!search && !FILTER_ATTRS.contains(attr)) {
      throw new Invalid("attribute not filterable: " + attr);
    }
    if (op.equals("pr")) {
      if (!search) {
        throw new Invalid("pr needs search");
      }
      return u -> value(u, attr) != null;
    }
    String raw = next();
    if (!raw.startsWith("\"")) {
      throw new Invalid("value must be quoted");
    }
    String value = raw.substring(1);
    if (!search && !op.equals("eq") && !(attr.equals("lastUpdated") && Set.of("gt", "ge", "lt", "le").contains(op))) {
      throw new Invalid("operator not allowed in filter: " + op);
    }
    if (DATES.contains(attr)) {
      long v;
      try {
        v = Instant.parse(value).toEpochMilli();
      } catch (RuntimeException e) {
        throw new Invalid("bad date");
      }
      if (top && attr.equals("lastUpdated") && (op.equals("gt") || op.equals("ge"))) {
        minLastUpdated = Math.max(minLastUpdated, v);
      }
      return switch (op) {
        case "eq" -> u -> time(u, attr) == v;
        case "gt" -> u -> time(u, attr) != SimUser.NONE && time(u, attr) > v;
        case "ge" -> u -> time(u, attr) != SimUser.NONE && time(u, attr) >= v;
        case "lt" -> u -> time(u, attr) != SimUser.NONE && time(u, attr) < v;
        case "le" -> u -> time(u, attr) != SimUser.NONE && time(u, attr) <= v;
        default -> throw new Invalid("operator not allowed on dates: " + op);
      };
    }
    String lower = value.toLowerCase(Locale.ROOT);
    return switch (op) {
      case "eq" -> u -> {
        String x = value(u, attr);
        return x != null && (search || attr.equals("status") ? x.equalsIgnoreCase(value) : x.equalsIgnoreCase(value));
      };
      case "sw" -> {
        if (!search) {
          throw new Invalid("sw needs search");
        }
        yield u -> {
          String x = value(u, attr);
          return x != null && x.toLowerCase(Locale.ROOT).startsWith(lower);
        };
      }
      case "co" -> {
        if (!search) {
          throw new Invalid("co needs search");
        }
        yield u -> {
          String x = value(u, attr);
          return x != null && x.toLowerCase(Locale.ROOT).contains(lower);
        };
      }
      case "gt", "ge", "lt", "le" -> {
        if (!search) {
          throw new Invalid("comparison needs search");
        }
        yield u -> {
          String x = value(u, attr);
          if (x == null) {
            return false;
          }
          int c = x.compareToIgnoreCase(value);
          return switch (op) {
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            case "lt" -> c < 0;
            default -> c <= 0;
          };
        };
      }
      default -> throw new Invalid("unknown operator " + op);
    };
  }

  private static long time(SimUser u, String attr) {
    return switch (attr) {
      case "created" -> u.created;
      case "activated" -> u.activated;
      case "statusChanged" -> u.statusChanged;
      case "lastLogin" -> u.lastLogin;
      case "passwordChanged" -> u.passwordChanged;
      default -> u.lastUpdated;
    };
  }

  private static String value(SimUser u, String attr) {
    return switch (attr) {
      case "id" -> u.id;
      case "status" -> u.status;
      case "profile.login" -> u.login;
      case "profile.email" -> u.email;
      case "profile.secondEmail" -> u.secondEmail;
      case "profile.firstName" -> u.firstName;
      case "profile.lastName" -> u.lastName;
      default -> null;
    };
  }

  private String next() {
    if (pos >= tokens.size()) {
      throw new Invalid("expression ends early");
    }
    return tokens.get(pos++);
  }

  private void expect(String token) {
    if (!next().equals(token)) {
      throw new Invalid("expected " + token);
    }
  }

  /** Words, parentheses, and string literals (returned as {@code "} + unescaped content). */
  private static List<String> tokenize(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '(' || c == ')') {
        out.add(String.valueOf(c));
        i++;
      } else if (c == '"') {
        StringBuilder v = new StringBuilder("\"");
        i++;
        boolean closed = false;
        while (i < s.length()) {
          char d = s.charAt(i++);
          if (d == '\\' && i < s.length()) {
            v.append(s.charAt(i++));
          } else if (d == '"') {
            closed = true;
            break;
          } else {
            v.append(d);
          }
        }
        if (!closed) {
          throw new Invalid("unterminated string");
        }
        out.add(v.toString());
      } else {
        int start = i;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "()\"".indexOf(s.charAt(i)) < 0) {
          i++;
        }
        out.add(s.substring(start, i));
      }
    }
    if (out.isEmpty()) {
      throw new Invalid("empty expression");
    }
    return out;
  }
}
