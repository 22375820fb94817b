package io.flare.iem.okta;

import java.util.List;

/** Reads {@code Link} headers: one link per header line as Okta sends them, tolerating comma-joined values. */
final class Links {

  private Links() {}

  /** The URL of the link with {@code rel}, or null. */
  static String find(List<String> headerLines, String rel) {
    for (String line : headerLines) {
      for (String link : split(line)) {
        int open = link.indexOf('<');
        int close = link.indexOf('>', open + 1);
        if (open < 0 || close < 0) {
          continue;
        }
        String params = link.substring(close + 1);
        for (String param : params.split(";")) {
          String p = param.trim();
          if (p.equals("rel=\"" + rel + "\"") || p.equals("rel=" + rel)) {
            return link.substring(open + 1, close).trim();
          }
        }
      }
    }
    return null;
  }

  /** Splits a header value on commas that are outside {@code <...>}. */
  private static List<String> split(String line) {
    java.util.ArrayList<String> parts = new java.util.ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (ch == '<') {
        depth++;
      } else if (ch == '>') {
        depth = Math.max(0, depth - 1);
      } else if (ch == ',' && depth == 0) {
        parts.add(line.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(line.substring(start));
    return parts;
  }
}
