package io.flare.iem.config;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What dev mode may reach: it runs without caller auth and may trust plain-http Okta hosts, so its
 * Postgres and Redis are this machine's own, named by a loopback literal (no lookup: a name that
 * resolves to loopback today may not tomorrow).
 */
final class DevLimits {

  private DevLimits() {}

  static void check(AppConfig.Parser p, Optional<AppConfig.Postgres> postgres, List<String> redisUrls) {
    postgres.map(AppConfig.Postgres::host).filter(host -> !isLoopback(host)).ifPresent(host ->
        p.problem("PGHOST must be a loopback address in dev mode (localhost, 127.0.0.1 or ::1), got '" + host + "'"));
    redisUrls.stream().map(DevLimits::host).filter(host -> !isLoopback(host)).findFirst().ifPresent(host ->
        p.problem("IEM_REDIS_URL must name a loopback host in dev mode (localhost, 127.0.0.1 or ::1), got '" + host
            + "'"));
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.equals("::1") || h.matches("127(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
  }

  private static String host(String url) {
    try {
      String host = URI.create(url).getHost();
      return host == null ? "" : host;
    } catch (IllegalArgumentException e) {
      return ""; // the URL's own rule reports it
    }
  }
}
