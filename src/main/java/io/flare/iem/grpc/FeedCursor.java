package io.flare.iem.grpc;

import io.flare.iem.failure.Failure;
import java.util.List;

/**
 * The cursor of a feed (ListIdentityChanges, ListCheckDecisions): a position in the feed's log,
 * (transaction id, sequence), bound like a {@link PageToken} to the feed and tenant it came from,
 * so another tenant's or another feed's cursor is INVALID_ARGUMENT on {@code cursor}. An empty
 * cursor is {@link #START}: the oldest entry retained.
 */
public final class FeedCursor {

  /** A position: entries strictly after it come next. */
  public record Position(long txid, long seq) implements Comparable<Position> {
    @Override
    public int compareTo(Position o) {
      int c = Long.compare(txid, o.txid);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    public Position max(Position o) {
      return compareTo(o) >= 0 ? this : o;
    }
  }

  /** The start of the retained history (what an empty cursor asks for). */
  public static final Position START = new Position(-1, -1);

  private FeedCursor() {}

  /** The position {@code cursor} names in {@code scope} (for example "identity-changes/acme"), or {@link #START}. */
  public static Position decode(String scope, String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return START;
    }
    try {
      List<String> parts = PageToken.decode(scope, cursor, 2);
      Position p = new Position(Long.parseLong(parts.get(0)), Long.parseLong(parts.get(1)));
      if (p.txid() < 0 || p.seq() < 0) {
        throw invalid();
      }
      return p;
    } catch (RuntimeException e) {
      throw invalid();
    }
  }

  public static String encode(String scope, Position position) {
    return PageToken.encode(scope, List.of(Long.toString(position.txid()), Long.toString(position.seq())));
  }

  /**
   * Where the next call continues: after the last entry of a full page; after a shorter page, at
   * the head the read saw ({@code headTxid}, its snapshot's xmin: every transaction before it had
   * ended, so nothing can appear before it later), or wherever the read started if further on.
   */
  public static Position next(Position start, Position last, boolean full, long headTxid) {
    if (full) {
      return last;
    }
    Position read = last == null ? start : start.max(last);
    return read.max(new Position(headTxid, 0));
  }

  /** A page of a feed's entries and where the next call continues. */
  public record Page<E>(List<E> entries, Position next) {}

  /**
   * Reads one page of a feed from the rows of its read statement: each row carries the read's
   * {@code stale} flag (the cursor is behind the retained history: {@code expired} is thrown),
   * {@code xmin} (the head) and {@code start_txid}/{@code start_seq}; a row whose
   * {@code entryColumn} is null carries no entry (an empty page still has one row).
   */
  public static <E> Page<E> page(Iterable<io.vertx.sqlclient.Row> rows, Position after, int limit,
      String entryColumn, java.util.function.Function<io.vertx.sqlclient.Row, E> entry,
      java.util.function.Function<E, Position> position, java.util.function.Supplier<Failure> expired) {
    List<E> entries = new java.util.ArrayList<>();
    long head = 0;
    Position start = after;
    for (io.vertx.sqlclient.Row row : rows) {
      if (row.getBoolean("stale")) {
        throw expired.get();
      }
      head = row.getLong("xmin");
      start = new Position(row.getLong("start_txid"), row.getLong("start_seq"));
      if (row.getLong(entryColumn) != null) {
        entries.add(entry.apply(row));
      }
    }
    Position last = entries.isEmpty() ? null : position.apply(entries.get(entries.size() - 1));
    return new Page<>(entries, next(start, last, entries.size() == limit, head));
  }

  /** {@code page_size}: 0 means 500; otherwise 1 to 1000. */
  public static int pageSize(int value) {
    return Fields.pageSize(value, 500, 1000);
  }

  private static Failure.InvalidArgument invalid() {
    return new Failure.InvalidArgument("cursor", "is not a cursor this feed returned for this tenant; start again"
        + " without one");
  }
}
