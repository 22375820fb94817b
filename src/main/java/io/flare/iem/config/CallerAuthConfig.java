package io.flare.iem.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How callers are authenticated: bearer JWTs from Flare's internal issuer, checked against its
 * JWKS (a file, or an https URL), its issuer and our audience, allowing {@code clockSkew} on
 * expiry. The JWKS is read again every {@link #KEYS_REFRESH_INTERVAL}; when it cannot be read for
 * longer than {@code maxStaleness} after the last good read, calls are refused (UNAVAILABLE) rather
 * than verified on old keys. Absent only in dev mode, where caller auth is off.
 */
public record CallerAuthConfig(String issuer, String audience, Jwks jwks, Duration clockSkew,
    Duration maxStaleness) {

  /** How old the issuer's keys may get before a call waits for them to be read again. */
  public static final Duration KEYS_REFRESH_INTERVAL = Duration.ofMinutes(10);

  /** The default bound on trusting keys that cannot be read again. */
  public static final Duration DEFAULT_MAX_STALENESS = Duration.ofHours(1);

  private static final int MIN_STALENESS_SECONDS = 900;
  private static final int MAX_STALENESS_SECONDS = 86_400;

  /** With the default staleness bound. */
  public CallerAuthConfig(String issuer, String audience, Jwks jwks, Duration clockSkew) {
    this(issuer, audience, jwks, clockSkew, DEFAULT_MAX_STALENESS);
  }

  /** Where the issuer's public keys are read from: exactly one of a file or a URL. */
  public record Jwks(Optional<Path> file, Optional<URI> url) {
    @Override
    public String toString() {
      return file.map(Path::toString).orElseGet(() -> url.map(URI::toString).orElse("-"));
    }
  }

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  /**
   * Reads {@code IEM_AUTH_ISSUER}, {@code IEM_AUTH_AUDIENCE}, {@code IEM_AUTH_JWKS},
   * {@code IEM_AUTH_CLOCK_SKEW_SECONDS} and {@code IEM_AUTH_JWKS_MAX_STALENESS_SECONDS}. All three of
   * the first are required outside dev mode; in dev mode none or all of them.
   */
  static Optional<CallerAuthConfig> parse(AppConfig.Parser p, boolean dev) {
    Optional<String> issuer = p.optional("IEM_AUTH_ISSUER");
    Optional<String> audience = p.optional("IEM_AUTH_AUDIENCE");
    Optional<String> jwks = p.optional("IEM_AUTH_JWKS");
    Duration skew = Duration.ofSeconds(p.intIn("IEM_AUTH_CLOCK_SKEW_SECONDS", 60, 0, 600));
    // above the refresh interval (600 s), so that a failed read is retried several times first
    Duration staleness = Duration.ofSeconds(p.intIn("IEM_AUTH_JWKS_MAX_STALENESS_SECONDS",
        (int) DEFAULT_MAX_STALENESS.toSeconds(), MIN_STALENESS_SECONDS, MAX_STALENESS_SECONDS));
    boolean none = issuer.isEmpty() && audience.isEmpty() && jwks.isEmpty();
    if (none && dev) {
      return Optional.empty();
    }
    String why = dev ? " (caller auth is partly configured: set all three, or none in dev mode)"
        : " (caller auth; only IEM_DEV=true may run without it)";
    if (issuer.isEmpty()) {
      p.problem("IEM_AUTH_ISSUER is required: the iss claim of Flare's internal token issuer" + why);
    }
    if (audience.isEmpty()) {
      p.problem("IEM_AUTH_AUDIENCE is required: the aud claim tokens for this service carry" + why);
    }
    if (jwks.isEmpty()) {
      p.problem("IEM_AUTH_JWKS is required: the issuer's JWKS, a file path or an https URL" + why);
    }
    Optional<Jwks> location = jwks.flatMap(value -> jwks(p, value));
    if (issuer.isEmpty() || audience.isEmpty() || location.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new CallerAuthConfig(issuer.get(), audience.get(), location.get(), skew, staleness));
  }

  private static Optional<Jwks> jwks(AppConfig.Parser p, String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
      return Optional.of(new Jwks(Optional.of(Path.of(value)), Optional.empty()));
    }
    URI uri;
    try {
      uri = URI.create(value);
    } catch (IllegalArgumentException e) {
      p.problem("IEM_AUTH_JWKS is not a valid URL");
      return Optional.empty();
    }
    if (uri.getHost() == null || uri.getUserInfo() != null) {
      p.problem("IEM_AUTH_JWKS must be an https URL with a host and no user info");
      return Optional.empty();
    }
    if (lower.startsWith("http://") && !LOOPBACK.contains(uri.getHost().toLowerCase(Locale.ROOT))) {
      p.problem("IEM_AUTH_JWKS must use https (plain http is allowed on loopback only)");
      return Optional.empty();
    }
    return Optional.of(new Jwks(Optional.empty(), Optional.of(uri)));
  }
}
