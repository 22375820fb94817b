package io.flare.iem.logging;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The last line of defence of the logs, in both formats: callers never log a secret, but should one
 * slip into a message, an argument, a key-value pair or an error, it is replaced by {@code [REDACTED]}.
 * It knows secrets by their shape (a JWT, a PEM private key, an {@code Authorization} scheme) and by
 * their name ({@code password=...}, {@code "token": "..."}, a key-value pair named {@code password}).
 */
public final class SecretRedactor {

  public static final String MASK = "[REDACTED]";

  private static final String SECRET_NAMES = "password|passwd|pwd|passphrase|secret|client_secret|token|access_token"
      + "|refresh_token|id_token|api_key|apikey|assertion|client_assertion|authorization|private_key|privatekey"
      + "|dpop|cookie|session_token|sessiontoken";

  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)");
  private static final Pattern JWT = Pattern.compile("\\beyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");
  private static final Pattern SCHEME = Pattern.compile("(?i)\\b(Bearer|SSWS|DPoP|Basic)(\\s+)[A-Za-z0-9._~+/=-]{6,}");
  /**
   * {@code password=x}, {@code token:x}, {@code "password": "x"}, {@code token='x'}; the name keeps, the value
   * goes. A colon followed by a space and an unquoted word is prose ("an access token: Okta answered 401").
   */
  private static final Pattern NAMED = Pattern.compile("(?i)\\b(\\w*(?:" + SECRET_NAMES + "))"
      + "(\"?\\s*=\\s*|\"?:\\s*(?=[\"'])|\"?:(?=[^\\s/]))"
      + "(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^\\s,;&}\\]\"']+)");
  private static final Pattern SECRET_KEY = Pattern.compile("(?i)^[\\w.-]*(" + SECRET_NAMES + ")$");

  private SecretRedactor() {}

  /** {@code text} with every secret it recognises replaced; {@code null} stays {@code null}. */
  public static String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = PEM.matcher(text).replaceAll(MASK);
    out = JWT.matcher(out).replaceAll(MASK);
    out = SCHEME.matcher(out).replaceAll("$1$2" + MASK);
    return NAMED.matcher(out).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
        m.group(1) + m.group(2) + (m.group(3).startsWith("\"") ? "\"" + MASK + "\"" : MASK)));
  }

  /** Whether a key-value pair or MDC entry of this name holds a secret whatever its value looks like. */
  public static boolean isSecretKey(String key) {
    return key != null && SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches();
  }

  /** The value to log for a key-value pair or MDC entry. */
  public static Object redact(String key, Object value) {
    if (value == null) {
      return null;
    }
    if (isSecretKey(key)) {
      return MASK;
    }
    return value instanceof CharSequence || !(value instanceof Number || value instanceof Boolean)
        ? redact(value.toString()) : value;
  }
}
