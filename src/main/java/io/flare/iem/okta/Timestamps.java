package io.flare.iem.okta;

/** Parses Okta's {@code yyyy-MM-ddTHH:mm:ss.SSSZ} without allocating. */
final class Timestamps {

  private Timestamps() {}

  /** Epoch millis of an exact {@code 2025-03-19T08:01:48.000Z}, or {@link OktaUser#NONE} for any other shape. */
  static long parse(char[] c, int off, int len) {
    if (len != 24 || c[off + 4] != '-' || c[off + 7] != '-' || c[off + 10] != 'T' || c[off + 13] != ':'
        || c[off + 16] != ':' || c[off + 19] != '.' || c[off + 23] != 'Z') {
      return OktaUser.NONE;
    }
    int year = digits(c, off, 4);
    int month = digits(c, off + 5, 2);
    int day = digits(c, off + 8, 2);
    int hour = digits(c, off + 11, 2);
    int minute = digits(c, off + 14, 2);
    int second = digits(c, off + 17, 2);
    int millis = digits(c, off + 20, 3);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
        || minute > 59 || second < 0 || second > 60 || millis < 0) {
      return OktaUser.NONE;
    }
    long days = daysFromCivil(year, month, day);
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
  }

  private static int digits(char[] c, int off, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
      int d = c[off + i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  /** Days since 1970-01-01 (Howard Hinnant's algorithm). */
  static long daysFromCivil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }
}
