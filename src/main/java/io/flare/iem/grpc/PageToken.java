package io.flare.iem.grpc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Opaque page tokens: the keyset position of the last item, bound to the list they came from
 * (a token of one list or tenant is refused by another). Base64url of a versioned,
 * length-prefixed list of strings.
 */
public final class PageToken {

  private static final String VERSION = "p1";

  private PageToken() {}

  /** A token for the list named {@code scope} (for example "identities/acme") at this position. */
  public static String encode(String scope, List<String> position) {
    StringBuilder sb = new StringBuilder(VERSION).append(':');
    List<String> parts = new ArrayList<>();
    parts.add(scope);
    parts.addAll(position);
    for (String part : parts) {
      sb.append(part.length()).append(':').append(part);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The position in {@code token}; empty list for the first page. */
  public static List<String> decode(String scope, String token, int expectedParts) {
    if (token == null || token.isEmpty()) {
      return List.of();
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (!text.startsWith(VERSION + ":")) {
        throw invalid();
      }
      List<String> parts = new ArrayList<>();
      int i = VERSION.length() + 1;
      while (i < text.length()) {
        int colon = text.indexOf(':', i);
        int len = Integer.parseInt(text.substring(i, colon));
        parts.add(text.substring(colon + 1, colon + 1 + len));
        i = colon + 1 + len;
      }
      if (parts.size() != expectedParts + 1 || !parts.get(0).equals(scope)) {
        throw invalid();
      }
      return parts.subList(1, parts.size());
    } catch (RuntimeException e) {
      throw invalid();
    }
  }

  private static Failure.InvalidArgument invalid() {
    return new Failure.InvalidArgument("page_token", "is not a token this list returned; start again without one");
  }
}
