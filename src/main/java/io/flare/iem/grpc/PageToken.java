package io.flare.iem.grpc;

import io.flare.iem.failure.Failure;
import io.flare.iem.storage.Keyset.TextAndId;
import io.flare.iem.storage.Keyset.TimeAndId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Keyset paging, the one way every List RPC pages: an opaque token holds the keys of the last
 * item of the previous page, bound to the list it came from (a token of one list, filter or
 * tenant is refused by another). A token is base64url of a versioned, length-prefixed list of
 * strings; any token this class did not write is INVALID_ARGUMENT on {@code page_token}.
 *
 * <pre>{@code
 * PageToken.Request<Keyset.TimeAndId> page = PageToken.request(scope, r.getPageToken(), size, PageToken.TIME_AND_ID);
 * repository.list(..., page.after(), page.fetch())
 *     .map(rows -> page.page(rows, row -> new Keyset.TimeAndId(row.createTime(), row.id())));
 * }</pre>
 */
public final class PageToken {

  private static final String VERSION = "p1";

  private PageToken() {}

  /** How a list's position is written in a token: the keys of its order, as strings. */
  public interface Keys<K> {
    List<String> encode(K key);

    /** Throws (anything) when the strings are not a position of this shape. */
    K decode(List<String> parts);

    int parts();
  }

  /** Time to the microsecond (what Postgres keeps) and id. */
  public static final Keys<TimeAndId> TIME_AND_ID = keys(2,
      k -> List.of(Long.toString(k.time().getEpochSecond() * 1_000_000L + k.time().getNano() / 1_000),
          k.id().toString()),
      p -> {
        long micros = Long.parseLong(p.get(0));
        return new TimeAndId(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
            Math.floorMod(micros, 1_000_000L) * 1_000L), UUID.fromString(p.get(1)));
      });

  public static final Keys<TextAndId> TEXT_AND_ID = keys(2,
      k -> List.of(k.text(), k.id().toString()),
      p -> new TextAndId(p.get(0), UUID.fromString(p.get(1))));

  /** A numeric id (append-only lists, newest first). */
  public static final Keys<Long> ID = keys(1, k -> List.of(Long.toString(k)), p -> Long.parseLong(p.get(0)));

  /**
   * One page asked for: {@code after} is null for the first page. Fetch {@link #fetch()} rows (one
   * more than the page holds, to know whether another page follows) and make the answer with
   * {@link #page}.
   */
  public record Request<K>(String scope, int size, K after, Keys<K> keys) {

    public int fetch() {
      return size + 1;
    }

    /** The page of {@code rows} (fetched with {@link #fetch()}) and the token of the next one, empty at the end. */
    public <T> Page<T> page(List<T> rows, Function<T, K> keyOf) {
      if (rows.size() <= size) {
        return new Page<>(rows, "");
      }
      List<T> items = rows.subList(0, size);
      return new Page<>(items, encode(scope, keys.encode(keyOf.apply(items.get(size - 1)))));
    }
  }

  /** The items of a page and the next page's token ("" after the last page). */
  public record Page<T>(List<T> items, String nextToken) {}

  /** The page {@code token} asks for in the list {@code scope} (for example "identities/acme/ACTIVE/"). */
  public static <K> Request<K> request(String scope, String token, int size, Keys<K> keys) {
    List<String> parts = decode(scope, token, keys.parts());
    if (parts.isEmpty()) {
      return new Request<>(scope, size, null, keys);
    }
    try {
      return new Request<>(scope, size, keys.decode(parts), keys);
    } catch (RuntimeException e) {
      throw invalid();
    }
  }

  static String encode(String scope, List<String> position) {
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
  static List<String> decode(String scope, String token, int expectedParts) {
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

  private static <K> Keys<K> keys(int count, Function<K, List<String>> encode, Function<List<String>, K> decode) {
    return new Keys<>() {
      @Override
      public List<String> encode(K key) {
        return encode.apply(key);
      }

      @Override
      public K decode(List<String> parts) {
        return decode.apply(parts);
      }

      @Override
      public int parts() {
        return count;
      }
    };
  }

  private static Failure.InvalidArgument invalid() {
    return new Failure.InvalidArgument("page_token", "is not a token this list returned; start again without one");
  }
}
