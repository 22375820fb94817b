package io.flare.iem.storage;

import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The one conversion between the service's {@link Instant}s and Postgres {@code timestamptz}
 * values, which the client reads and writes as {@link OffsetDateTime}. Null stays null.
 */
public final class PgTime {

  private PgTime() {}

  /** A parameter for a {@code timestamptz} column. */
  public static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  public static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  /** The {@code timestamptz} column {@code column} of {@code row}. */
  public static Instant instant(Row row, String column) {
    return instant(row.getOffsetDateTime(column));
  }
}
