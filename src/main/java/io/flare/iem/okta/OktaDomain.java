package io.flare.iem.okta;

import io.flare.iem.failure.Failure;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An Okta org's base URL, validated so that we only ever send credentials to Okta: an https host
 * under one of Okta's domains, with no IP literal, port, path, userinfo or query (no SSRF). Hosts
 * listed in {@code IEM_OKTA_INSECURE_HOSTS} (simulators, tests) may use http, loopback and ports.
 * The Okta client enforces the same rule again on every request it sends.
 */
public record OktaDomain(URI baseUrl) {

  /** Okta's org domains. */
  public static final List<String> OKTA_SUFFIXES =
      List.of(".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com", ".okta.mil");

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  /** The normalised form, {@code https://host} (or with http/port for an insecure host). */
  public String value() {
    return baseUrl.toString();
  }

  public String host() {
    return baseUrl.getHost();
  }

  /** Parses and validates user input such as {@code acme.okta.com} or {@code https://acme.okta.com/}. */
  public static OktaDomain parse(String input, Set<String> insecureHosts) {
    return parse(input, insecureHosts, "okta_domain");
  }

  /** As {@link #parse(String, Set)}, naming {@code field} in the error. */
  public static OktaDomain parse(String input, Set<String> insecureHosts, String field) {
    try {
      return parseOrThrow(input, insecureHosts);
    } catch (Failure.InvalidArgument e) {
      throw field.equals(e.field()) ? e : new Failure.InvalidArgument(field, e.rule());
    }
  }

  private static OktaDomain parseOrThrow(String input, Set<String> insecureHosts) {
    String raw = input == null ? "" : input.strip();
    URI uri = baseUrl(raw);
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (insecureHosts.contains(host)) {
      if (!scheme.equals("https") && !scheme.equals("http")) {
        throw invalid("must use http or https");
      }
      String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
      return new OktaDomain(URI.create(scheme + "://" + hostForUri(host) + port));
    }
    if (!scheme.equals("https")) {
      throw invalid("must use https");
    }
    if (uri.getPort() != -1) {
      throw invalid("must not specify a port");
    }
    checkOktaHost(host);
    return new OktaDomain(URI.create("https://" + host));
  }

  /** The input as a URL with a host and nothing else: no userinfo, path, query or fragment. */
  static URI baseUrl(String raw) {
    if (raw.isEmpty()) {
      throw invalid("is required");
    }
    if (raw.chars().anyMatch(c -> c <= 32 || c >= 127)) {
      throw invalid("must be an ASCII host name without spaces or control characters");
    }
    URI uri;
    try {
      uri = new URI(raw.contains("://") ? raw : "https://" + raw);
    } catch (URISyntaxException e) {
      throw invalid("is not a valid URL");
    }
    if (uri.getRawUserInfo() != null || raw.contains("@")) {
      throw invalid("must not contain user information ('@')");
    }
    if (uri.getHost() == null) {
      throw invalid("must be an Okta host such as acme.okta.com");
    }
    if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
      throw invalid("must be the org URL without a path, for example https://acme.okta.com");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || raw.endsWith("?") || raw.endsWith("#")) {
      throw invalid("must not contain a query string or fragment");
    }
    return uri;
  }

  /** True when {@code host} is one of Okta's domains or under one: never a customer's custom domain. */
  static boolean oktaOwned(String host) {
    return OKTA_SUFFIXES.stream().anyMatch(s -> host.endsWith(s) || host.equals(s.substring(1)));
  }

  /** A host name under one of Okta's domains, naming an org, not its admin console. */
  private static void checkOktaHost(String host) {
    if (host.startsWith("[") || host.matches("[0-9.]+") || host.contains(":")) {
      throw invalid("must be a host name, not an IP address");
    }
    if (host.endsWith(".")) {
      throw invalid("must not end with a dot");
    }
    String suffix = OKTA_SUFFIXES.stream().filter(host::endsWith).findFirst()
        .orElseThrow(() -> invalid("must be a host under " + String.join(", ", OKTA_SUFFIXES.stream()
            .map(s -> "*" + s).toList())));
    String org = host.substring(0, host.length() - suffix.length());
    if (org.isEmpty()) {
      throw invalid("must name your org, for example acme" + suffix);
    }
    for (String label : org.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches() || label.startsWith("xn--")) {
        throw invalid("has an invalid host label '" + label + "'");
      }
    }
    if (org.endsWith("-admin")) {
      throw invalid("is the admin console host; use the org URL, for example https://"
          + org.substring(0, org.length() - "-admin".length()) + suffix);
    }
  }

  /** True when {@code uri} points at this org (same scheme, host and port): redirects elsewhere are refused. */
  public boolean owns(URI uri) {
    return uri.getScheme() != null && uri.getScheme().equalsIgnoreCase(baseUrl.getScheme())
        && uri.getHost() != null && uri.getHost().equalsIgnoreCase(baseUrl.getHost())
        && effectivePort(uri) == effectivePort(baseUrl)
        && uri.getRawUserInfo() == null;
  }

  private static int effectivePort(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static Failure.InvalidArgument invalid(String rule) {
    return new Failure.InvalidArgument("okta_domain", rule);
  }
}
