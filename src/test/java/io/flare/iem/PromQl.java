package io.flare.iem;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression (or a Grafana {@code label_values(metric, label)} query)
 * selects: what is left once strings, label matchers, ranges, grouping clauses, functions,
 * aggregations, keywords and numbers are taken out.
 */
final class PromQl {

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");
  private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");

  private PromQl() {}

  static Set<String> metricNames(String expr) {
    Set<String> names = new TreeSet<>();
    Matcher labelValues = LABEL_VALUES.matcher(expr);
    if (labelValues.find()) {
      names.add(labelValues.group(1));
      return names;
    }
    String rest = STRINGS.matcher(expr).replaceAll(" ");
    rest = MATCHERS.matcher(rest).replaceAll(" ");
    rest = RANGES.matcher(rest).replaceAll(" ");
    rest = GROUPING.matcher(rest).replaceAll(" ");
    Matcher m = NAME.matcher(rest);
    while (m.find()) {
      String name = m.group();
      boolean number = m.start() > 0 && Character.isDigit(rest.charAt(m.start() - 1)); // 1e3, 0x1f
      if (number || KEYWORDS.contains(name) || rest.substring(m.end()).stripLeading().startsWith("(")) {
        continue; // a function or an aggregation
      }
      names.add(name);
    }
    return names;
  }
}
