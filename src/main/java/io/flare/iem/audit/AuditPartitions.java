package io.flare.iem.audit;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail's monthly partitions (by {@code event_time}, UTC, on the database's clock, which
 * stamps the rows): created {@link #MONTHS_AHEAD} months ahead, and those wholly older than the
 * retention bound detached ({@code CONCURRENTLY}: inserts and reads go on) and dropped. Dropping a
 * partition deletes no row one by one, so the append-only trigger never has to let a DELETE
 * through: retention is the only way an audit row goes. A row is kept at least the retention and
 * at most a month more.
 */
public final class AuditPartitions {

  private static final Logger LOG = LoggerFactory.getLogger(AuditPartitions.class);

  /** Months created ahead of the current one: the service may be down a while without inserts failing. */
  public static final int MONTHS_AHEAD = 3;

  private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyy_MM");
  private static final Pattern NAME = Pattern.compile("audit_events_(\\d{4})_(\\d{2})");

  private static final String DB_MONTH = "SELECT (now() AT TIME ZONE 'UTC')::date AS today";

  /** The month partitions, attached or left detached by an interrupted run, and whether a detach is pending. */
  private static final String PARTITIONS = """
      SELECT c.relname, c.relispartition, coalesce(i.inhdetachpending, false) AS pending
      FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
      WHERE c.relkind = 'r' AND c.relname ~ '^audit_events_[0-9]{4}_[0-9]{2}$'
        AND c.relnamespace = 'public'::regnamespace
      """;

  private static final String DETACH = "ALTER TABLE audit_events DETACH PARTITION %s CONCURRENTLY";
  private static final String FINALIZE = "ALTER TABLE audit_events DETACH PARTITION %s FINALIZE";

  private final Pool pool;

  public AuditPartitions(Pool pool) {
    this.pool = pool;
  }

  /** Creates this month's partition and the next {@link #MONTHS_AHEAD}, by the database's clock. */
  public Future<Void> ensureAhead() {
    return today().compose(today -> ensure(YearMonth.from(today), YearMonth.from(today).plusMonths(MONTHS_AHEAD)));
  }

  /** Creates the partitions of the months {@code from} to {@code to}, both included, that do not exist. */
  public Future<Void> ensure(YearMonth from, YearMonth to) {
    Future<Void> done = Future.succeededFuture();
    for (YearMonth m = from; !m.isAfter(to); m = m.plusMonths(1)) {
      YearMonth month = m;
      done = done.compose(x -> create(month));
    }
    return done;
  }

  /**
   * Detaches and drops the months that ended at least {@code retentionDays} ago (by the database's
   * clock); returns the partitions dropped.
   */
  public Future<List<String>> dropOlderThan(int retentionDays) {
    return today().compose(today -> pool.query(PARTITIONS).execute().compose(rows -> {
      LocalDate bound = today.minusDays(retentionDays);
      Future<List<String>> done = Future.succeededFuture(new ArrayList<>());
      for (Row row : rows) {
        String name = row.getString("relname");
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
          continue;
        }
        YearMonth month = YearMonth.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        if (month.plusMonths(1).atDay(1).isAfter(bound)) {
          continue; // some row of this month is younger than the bound
        }
        boolean attached = row.getBoolean("relispartition");
        boolean pending = row.getBoolean("pending");
        done = done.compose(dropped -> drop(name, attached, pending).map(x -> {
          dropped.add(name);
          return dropped;
        }));
      }
      return done;
    })).onSuccess(dropped -> {
      if (!dropped.isEmpty()) {
        LOG.atInfo().addKeyValue("partitions", dropped).addKeyValue("retention_days", retentionDays)
            .log("retention dropped audit months past the bound");
      }
    });
  }

  private Future<Void> drop(String name, boolean attached, boolean pending) {
    Future<Void> detached = !attached ? Future.succeededFuture()
        : pool.query(String.format(pending ? FINALIZE : DETACH, name)).execute().mapEmpty();
    return detached.compose(x -> pool.query("DROP TABLE IF EXISTS " + name).execute().mapEmpty());
  }

  private Future<Void> create(YearMonth month) {
    String sql = "CREATE TABLE IF NOT EXISTS audit_events_" + month.format(SUFFIX)
        + " PARTITION OF audit_events FOR VALUES FROM ('" + month.atDay(1) + " 00:00:00+00') TO ('"
        + month.plusMonths(1).atDay(1) + " 00:00:00+00')";
    // two replicas creating the same month at once: the loser's error says it exists
    return pool.query(sql).execute().<Void>mapEmpty().recover(error -> exists(month));
  }

  private Future<Void> exists(YearMonth month) {
    return pool.preparedQuery("SELECT to_regclass($1) IS NOT NULL").execute(Tuple.of("audit_events_" + month.format(SUFFIX)))
        .compose(rows -> rows.iterator().next().getBoolean(0) ? Future.<Void>succeededFuture()
            : Future.failedFuture("could not create the audit partition of " + month));
  }

  private Future<LocalDate> today() {
    return pool.query(DB_MONTH).execute().map(rows -> rows.iterator().next().getLocalDate("today"));
  }
}
