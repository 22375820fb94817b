package io.flare.iem.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A strict structural comparison of a JSON answer with a recorded (or documented) one. Objects
 * must have exactly the expected fields (an extra field fails unless declared with {@link #extra});
 * a null must answer a null; arrays are compared element by element and have the same length
 * (unless declared {@link #anyLength}, where each element must then match one of the expected
 * elements); JSON types must agree (integral numbers with integral numbers).
 *
 * <p>Scalars: in {@link #values()} mode every value must be equal unless its path is declared
 * per-request ({@link #format}, {@link #instant}) or free ({@link #anyValue}); in {@link #shapes()}
 * mode only the type is compared unless the path is declared {@link #fixed} or given a format. A
 * format must accept the expected value too, so that a rule is grounded in what it compares with.
 *
 * <p>Paths look like {@code $._embedded.factors[2].id}; rules use {@code *} for one field name,
 * {@code [*]} for any index and {@code **} for any run of segments.
 */
public final class StrictJson {

  /**
   * Okta's timestamps: ISO-8601, UTC, whole seconds written with milliseconds
   * ({@code 2015-11-03T10:15:57.000Z}; every timestamp in the recorded fixtures ends {@code .000Z}).
   */
  public static final Pattern OKTA_INSTANT = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.000Z");

  private record Rule(Pattern path, String why, Predicate<String> format) {}

  private final boolean values;
  private final List<Rule> formats = new ArrayList<>();
  private final List<Rule> free = new ArrayList<>();
  private final List<Rule> fixed = new ArrayList<>();
  private final List<Rule> extras = new ArrayList<>();
  private final List<Rule> anyLength = new ArrayList<>();

  private StrictJson(boolean values) {
    this.values = values;
  }

  /** Every scalar compared by value, unless declared otherwise. */
  public static StrictJson values() {
    return new StrictJson(true);
  }

  /** Every scalar compared by JSON type only, unless declared {@link #fixed} or given a format. */
  public static StrictJson shapes() {
    return new StrictJson(false);
  }

  /** A per-request string value (an id, a token): it must match {@code regex}, as the expected value must. */
  public StrictJson format(String path, String regex) {
    Pattern p = Pattern.compile(regex);
    formats.add(new Rule(glob(path), regex, s -> p.matcher(s).matches()));
    return this;
  }

  /** A per-request timestamp: Okta's ISO-8601 form, and it parses. */
  public StrictJson instant(String path) {
    formats.add(new Rule(glob(path), "ISO-8601 instant", StrictJson::isInstant));
    return this;
  }

  /** A value that depends on state the comparison does not pin down: same JSON type, any value. */
  public StrictJson anyValue(String path, String why) {
    free.add(new Rule(glob(path), why, null));
    return this;
  }

  /** In {@link #shapes()} mode, a value that must be equal. */
  public StrictJson fixed(String path) {
    fixed.add(new Rule(glob(path), "fixed", null));
    return this;
  }

  /** A field the answer may carry though the expected body does not, and why that is right. */
  public StrictJson extra(String path, String why) {
    extras.add(new Rule(glob(path), why, null));
    return this;
  }

  /** An array whose length depends on state the comparison does not pin down. */
  public StrictJson anyLength(String path, String why) {
    anyLength.add(new Rule(glob(path), why, null));
    return this;
  }

  /** Every difference, one line each; empty when the answer matches. */
  public List<String> differences(Object expected, Object actual) {
    List<String> out = new ArrayList<>();
    compare("$", expected, actual, out);
    return out;
  }

  /** Fails with every difference listed. */
  public void assertMatches(String what, Object expected, Object actual) {
    List<String> d = differences(expected, actual);
    if (!d.isEmpty()) {
      throw new AssertionError(what + ": " + d.size() + " difference(s) from the fixture:\n  "
          + String.join("\n  ", d) + "\nexpected: " + encode(expected) + "\nactual:   " + encode(actual));
    }
  }

  private void compare(String path, Object expected, Object actual, List<String> out) {
    expected = normal(expected);
    actual = normal(actual);
    if (expected == null || actual == null) {
      if (expected != actual) {
        out.add(path + ": expected " + encode(expected) + " but was " + encode(actual));
      }
    } else if (!kind(expected).equals(kind(actual))) {
      out.add(path + ": expected a JSON " + kind(expected) + " but was " + kind(actual) + " " + encode(actual));
    } else if (expected instanceof JsonObject e) {
      compareObjects(path, e, (JsonObject) actual, out);
    } else if (expected instanceof JsonArray e) {
      compareArrays(path, e, (JsonArray) actual, out);
    } else {
      compareScalars(path, expected, actual, out);
    }
  }

  private void compareObjects(String path, JsonObject e, JsonObject a, List<String> out) {
    for (String f : e.fieldNames()) {
      if (!a.containsKey(f)) {
        out.add(path + "." + f + ": missing");
      } else {
        compare(path + "." + f, e.getValue(f), a.getValue(f), out);
      }
    }
    for (String f : a.fieldNames()) {
      if (!e.containsKey(f) && find(extras, path + "." + f) == null) {
        out.add(path + "." + f + ": not in the fixture, value " + encode(a.getValue(f)));
      }
    }
  }

  private void compareArrays(String path, JsonArray e, JsonArray a, List<String> out) {
    if (find(anyLength, path) == null) {
      if (e.size() != a.size()) {
        out.add(path + ": expected " + e.size() + " element(s) but was " + a.size());
      }
      for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
        compare(path + "[" + i + "]", e.getValue(i), a.getValue(i), out);
      }
      return;
    }
    if (!e.isEmpty() && a.isEmpty()) {
      out.add(path + ": empty, the fixture has " + e.size() + " element(s)");
    }
    for (int i = 0; i < a.size(); i++) {
      List<String> best = null;
      for (int j = 0; j < e.size() && (best == null || !best.isEmpty()); j++) {
        List<String> d = new ArrayList<>();
        compare(path + "[" + i + "]", e.getValue(j), a.getValue(i), d);
        best = best == null || d.size() < best.size() ? d : best;
      }
      if (best != null && !best.isEmpty()) {
        out.add(path + "[" + i + "]: matches no element of the fixture; closest: " + best);
      }
    }
  }

  private void compareScalars(String path, Object expected, Object actual, List<String> out) {
    Rule format = find(formats, path);
    if (format != null) {
      if (!format.format().test(String.valueOf(expected))) {
        out.add(path + ": the rule (" + format.why() + ") rejects the fixture's own value " + encode(expected));
      }
      if (!format.format().test(String.valueOf(actual))) {
        out.add(path + ": " + encode(actual) + " is not a " + format.why());
      }
      return;
    }
    boolean compareValue = values ? find(free, path) == null : find(fixed, path) != null;
    if (compareValue && !expected.equals(actual)) {
      out.add(path + ": expected " + encode(expected) + " but was " + encode(actual));
    }
  }

  private static Object normal(Object v) {
    if (v instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      return new JsonObject(map);
    }
    if (v instanceof List<?> l) {
      return new JsonArray(new ArrayList<>(l));
    }
    if (v instanceof Number n) {
      return n instanceof Double || n instanceof Float ? (Object) n.doubleValue() : (Object) n.longValue();
    }
    return v;
  }

  private static String kind(Object v) {
    return v instanceof JsonObject ? "object" : v instanceof JsonArray ? "array" : v instanceof String ? "string"
        : v instanceof Boolean ? "boolean" : v instanceof Long ? "integer" : v instanceof Double ? "decimal"
        : v.getClass().getSimpleName();
  }

  private static Rule find(List<Rule> rules, String path) {
    for (Rule r : rules) {
      if (r.path().matcher(path).matches()) {
        return r;
      }
    }
    return null;
  }

  static Pattern glob(String path) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (path.startsWith("**", i)) {
        re.append(".*");
        i++;
      } else if (path.startsWith("[*]", i)) {
        re.append("\\[\\d+\\]");
        i += 2;
      } else if (c == '*') {
        re.append("[^.\\[\\]]+");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  static boolean isInstant(String s) {
    if (!OKTA_INSTANT.matcher(s).matches()) {
      return false;
    }
    try {
      Instant.parse(s);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static String encode(Object v) {
    v = normal(v);
    return v == null ? "null" : v instanceof JsonObject o ? o.encode() : v instanceof JsonArray a ? a.encode()
        : v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }
}
