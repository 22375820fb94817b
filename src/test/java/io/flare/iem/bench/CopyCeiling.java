package io.flare.iem.bench;

import io.flare.iem.oktasim.SimUser;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.IntFunction;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The true physical ceiling of the sync's writes: {@code COPY ... FROM STDIN} (text format, the
 * PostgreSQL JDBC driver's {@code CopyManager}) of the same identities and identifiers as the sync
 * and the bare insert, column for column, into the same tables and indexes, starting from empty
 * tables after a {@code CHECKPOINT}: {@link #WRITERS} connections in parallel (as many writers as
 * the bare insert), each copying its half of the users: one {@code COPY} of their identities, then,
 * once both have committed and the identities are analyzed (as autovacuum would have them), one
 * {@code COPY} of their identifiers.
 * Identity ids are made by the client, scattered like random UUIDs (as the sync's and the bare
 * insert's are), but from the index so that the identifiers' {@code COPY} need not keep them.
 */
final class CopyCeiling {

  private static final String IDENTITIES = "COPY identities (identity_id, tenant_id, okta_user_id, status, login, email,"
      + " second_email, first_name, last_name, last_login, password_changed, okta_last_updated, seen_run_id,"
      + " status_change_time, monitored) FROM STDIN";
  private static final String IDENTIFIERS = "COPY identifiers (tenant_id, value, kind, identity_id) FROM STDIN";
  private static final String TENANT = "copy";

  private CopyCeiling() {}

  /** Writers in parallel, as many as the bare insert (and the sync) use. */
  static final int WRITERS = 2;

  static SyncBenchmark.Measured run(int pgPort, IntFunction<SimUser> population, int users) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
      s.execute("TRUNCATE identities CASCADE");
      s.execute("INSERT INTO tenants (tenant_id, identifier_cap) VALUES ('" + TENANT + "', 0) ON CONFLICT DO NOTHING");
      s.execute("CHECKPOINT");
    }
    HeapWatch.reset();
    long start = System.nanoTime();
    String runId = UUID.randomUUID().toString();
    String now = Instant.now().toString();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(WRITERS);
    long identifierRows = 0;
    try {
      parallel(pool, users, (from, to) -> copyIdentities(url, population, from, to, runId, now));
      // the identifiers' foreign keys are checked against the identities just copied: with the
      // statistics of the emptied table the check's plan would scan them for every row
      try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
        s.execute("ANALYZE identities");
      }
      identifierRows = parallel(pool, users, (from, to) -> copyIdentifiers(url, population, from, to));
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    HeapWatch.Peaks heap = HeapWatch.peaks();
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
      s.execute("TRUNCATE identities CASCADE");
    }
    return new SyncBenchmark.Measured(users, identifierRows, seconds, heap.used(), heap.afterGc(), 0, 0, null,
        Double.NaN);
  }

  private interface Part {
    long copy(int from, int to) throws Exception;
  }

  /** {@code part} of the users split over {@link #WRITERS} connections at once; the sum of what each copied. */
  private static long parallel(java.util.concurrent.ExecutorService pool, int users, Part part) throws Exception {
    List<java.util.concurrent.Future<Long>> parts = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int from = (int) ((long) users * w / WRITERS);
      int to = (int) ((long) users * (w + 1) / WRITERS);
      parts.add(pool.submit(() -> part.copy(from, to)));
    }
    long rows = 0;
    for (var p : parts) {
      rows += p.get();
    }
    return rows;
  }

  /** Users {@code [from, to)}: one COPY of their identities, one transaction. */
  private static long copyIdentities(String url, IntFunction<SimUser> population, int from, int to, String runId,
      String now) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres")) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      CopyIn identities = copy.copyIn(IDENTITIES);
      StringBuilder b = new StringBuilder(1 << 18);
      for (int i = from; i < to; i++) {
        SimUser u = population.apply(i);
        b.append(id(i)).append('\t').append(TENANT).append('\t');
        text(b, u.id()).append('\t');
        text(b, u.status()).append('\t');
        text(b, orEmpty(u.login())).append('\t');
        text(b, orEmpty(u.email())).append('\t');
        text(b, orEmpty(u.secondEmail())).append('\t');
        text(b, orEmpty(u.firstName())).append('\t');
        text(b, orEmpty(u.lastName())).append('\t');
        time(b, u.lastLoginMillis()).append('\t');
        time(b, u.passwordChangedMillis()).append('\t');
        time(b, u.lastUpdatedMillis()).append('\t');
        b.append(runId).append('\t').append(now).append('\t')
            .append("DEPROVISIONED".equals(u.status()) ? 'f' : 't').append('\n');
        flushIfFull(identities, b);
      }
      flush(identities, b);
      return identities.endCopy();
    }
  }

  /** The identifiers of users {@code [from, to)}: one COPY, one transaction. */
  private static long copyIdentifiers(String url, IntFunction<SimUser> population, int from, int to) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "postgres", "postgres")) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      StringBuilder b = new StringBuilder(1 << 18);
      CopyIn identifiers = copy.copyIn(IDENTIFIERS);
      for (int i = from; i < to; i++) {
        SimUser u = population.apply(i);
        if ("DEPROVISIONED".equals(u.status())) {
          continue;
        }
        String login = normal(u.login());
        String email = normal(u.email());
        String second = normal(u.secondEmail());
        String id = id(i).toString();
        identifier(b, login, "LOGIN", id);
        if (!email.equals(login)) {
          identifier(b, email, "EMAIL", id);
        }
        if (!second.equals(login) && !second.equals(email)) {
          identifier(b, second, "SECOND_EMAIL", id);
        }
        flushIfFull(identifiers, b);
      }
      flush(identifiers, b);
      return identifiers.endCopy();
    }
  }

  private static void identifier(StringBuilder b, String value, String kind, String identityId) {
    if (value.isEmpty()) {
      return;
    }
    b.append(TENANT).append('\t');
    text(b, value).append('\t').append(kind).append('\t').append(identityId).append('\n');
  }

  /** A random-looking but reproducible id for user {@code index} (splitmix64 of the index, twice). */
  static UUID id(int index) {
    return new UUID(mix(index * 2L + 1), mix(index * 2L + 2));
  }

  private static long mix(long z) {
    z = (z + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static void flushIfFull(CopyIn in, StringBuilder b) throws Exception {
    if (b.length() >= 1 << 17) {
      flush(in, b);
    }
  }

  private static void flush(CopyIn in, StringBuilder b) throws Exception {
    byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
    in.writeToCopy(bytes, 0, bytes.length);
    b.setLength(0);
  }

  private static StringBuilder text(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '\\' -> b.append("\\\\");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(ch);
      }
    }
    return b;
  }

  private static StringBuilder time(StringBuilder b, long millis) {
    return millis == SimUser.NONE ? b.append("\\N") : b.append(Instant.ofEpochMilli(millis));
  }

  private static String normal(String s) {
    return s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
