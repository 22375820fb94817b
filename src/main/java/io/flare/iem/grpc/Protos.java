package io.flare.iem.grpc;

import com.google.protobuf.Timestamp;
import io.flare.iem.storage.PgTime;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Conversions between Java time and protobuf well-known types. */
public final class Protos {

  private Protos() {}

  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  /** The timestamp, or the default (unset) instance for null. */
  public static Timestamp timestamp(OffsetDateTime time) {
    return time == null ? Timestamp.getDefaultInstance() : timestamp(PgTime.instant(time));
  }

  /** Null for an unset timestamp. */
  public static Instant instant(Timestamp ts) {
    if (ts == null || (ts.getSeconds() == 0 && ts.getNanos() == 0)) {
      return null;
    }
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
  }
}
