package io.flare.iem.badinput;

import io.flare.iem.testing.Await;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A digest of every row of every table of the public schema (but Flyway's history): what
 * "nothing was written" compares, so that an UPDATE shows as well as an INSERT or a DELETE.
 */
final class TableDigests {

  private final Pool pool;
  private final String query;

  TableDigests(Pool pool) {
    this.pool = pool;
    List<String> tables = Await.result(pool.query("""
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'flyway_schema_history'
          AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition) -- a partition's rows are its parent's
        ORDER BY table_name""").execute()).stream().map(row -> row.getString(0)).toList();
    if (tables.size() < 10) {
      throw new IllegalStateException("expected the service's tables, found " + tables);
    }
    this.query = tables.stream()
        .map(t -> "SELECT '" + t + "', md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \""
            + t + "\" t")
        .collect(Collectors.joining(" UNION ALL "));
  }

  /** Table name to the digest of its content. */
  Map<String, String> take() {
    Map<String, String> out = new TreeMap<>();
    Await.result(pool.query(query).execute()).forEach(row -> out.put(row.getString(0), row.getString(1)));
    return out;
  }

  /** The tables whose digest differs. */
  static Set<String> changed(Map<String, String> before, Map<String, String> after) {
    Set<String> out = new TreeSet<>();
    after.forEach((table, digest) -> {
      if (!digest.equals(before.get(table))) {
        out.add(table);
      }
    });
    return out;
  }

  /** Waits until two digests {@code quietMillis} apart are equal: no background work is writing. */
  Map<String, String> awaitQuiet(long quietMillis, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    Map<String, String> last = take();
    while (System.currentTimeMillis() < deadline) {
      Thread.sleep(quietMillis);
      Map<String, String> now = take();
      if (now.equals(last)) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("the database kept changing for " + timeoutMillis + " ms: background writes");
  }
}
