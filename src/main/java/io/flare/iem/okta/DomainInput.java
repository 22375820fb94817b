package io.flare.iem.okta;

import io.flare.iem.failure.Failure;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a customer typed as their Okta domain: an Okta org URL, checked at once without any network
 * ({@link OktaDomain}), or their own custom URL domain (an https DNS name outside Okta's domains),
 * which {@link CustomDomains} must verify before it means anything. Everything else is refused.
 */
public sealed interface DomainInput {

  /** The rule a refused Okta domain is told, once custom URL domains are considered. */
  String RULE = "must be a host under " + String.join(", ", OktaDomain.OKTA_SUFFIXES.stream().map(s -> "*" + s)
      .toList()) + ", or a custom URL domain of your Okta org";

  /** An Okta org URL (or a host of {@code IEM_OKTA_INSECURE_HOSTS}). */
  record Org(OktaDomain domain) implements DomainInput {}

  /** A custom URL domain: a public DNS name, not yet verified. */
  record Custom(String host) implements DomainInput {

    /** {@code https://host}, as the customer's input is normalised. */
    public String url() {
      return "https://" + host;
    }
  }

  /** Parses {@code input}; a refusal names {@code field} and the rule. */
  static DomainInput parse(String input, Set<String> insecureHosts, String field) {
    try {
      return new Org(OktaDomain.parse(input, insecureHosts, field));
    } catch (Failure.InvalidArgument refused) {
      String host = Names.candidate(input, insecureHosts);
      if (host == null) {
        throw refused;
      }
      Names.check(host, field);
      return new Custom(host);
    }
  }

  /** The name rules of a custom URL domain, checked before any lookup. */
  final class Names {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern TOP_LEVEL = Pattern.compile("[a-z]{2,63}|xn--[a-z0-9-]{1,59}");
    /** Special-use and private-use names (RFC 6761, 6762, 7686, 8375, 9476, and common internal ones). */
    private static final Set<String> SPECIAL_USE = Set.of("localhost", "local", "localdomain", "internal",
        "intranet", "lan", "home", "corp", "private", "test", "example", "invalid", "onion", "arpa", "alt");

    private Names() {}

    /** The host of an https URL with nothing but a DNS name outside Okta's domains, else null. */
    static String candidate(String input, Set<String> insecureHosts) {
      String raw = input == null ? "" : input.strip();
      URI uri;
      try {
        uri = OktaDomain.baseUrl(raw);
      } catch (Failure.InvalidArgument e) {
        return null;
      }
      String host = uri.getHost().toLowerCase(Locale.ROOT);
      boolean ipLiteral = host.startsWith("[") || host.contains(":") || host.matches("[0-9.]+");
      if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getPort() != -1 || ipLiteral || host.endsWith(".")
          || insecureHosts.contains(host) || OktaDomain.oktaOwned(host)) {
        return null;
      }
      return host;
    }

    static void check(String host, String field) {
      String[] labels = host.split("\\.", -1);
      if (host.length() > 253 || labels.length < 2) {
        throw refused(field, "'" + host + "' is not a fully qualified domain name");
      }
      for (String label : labels) {
        if (!LABEL.matcher(label).matches()) {
          throw refused(field, "'" + host + "' has an invalid label '" + label + "'");
        }
      }
      String top = labels[labels.length - 1];
      if (!TOP_LEVEL.matcher(top).matches()) {
        throw refused(field, "'" + host + "' does not end in a top-level domain");
      }
      if (SPECIAL_USE.contains(top)) {
        throw refused(field, "'" + host + "' is a special-use or internal name, not a public domain");
      }
    }
  }

  /** A custom URL domain refused, with why. */
  static Failure.InvalidArgument refused(String field, String why) {
    return new Failure.InvalidArgument(field, RULE + "; " + why);
  }
}
