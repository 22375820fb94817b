package io.flare.iem.badinput;

import io.grpc.Status;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the service must answer a case: its status code, the field its INVALID_ARGUMENT message
 * names first ({@code "<field path>: <rule>"}, as {@code Failure.InvalidArgument} formats it), the
 * tables the call changes (none for a refusal) and, when not null, how many items a list answers
 * (a filter of LIKE characters must match them literally).
 */
record Answer(Status.Code code, String field, Set<String> writes, Integer items) {

  static Answer invalid(String field) {
    return new Answer(Status.Code.INVALID_ARGUMENT, field, Set.of(), null);
  }

  static Answer of(Status.Code code) {
    return new Answer(code, null, Set.of(), null);
  }

  /** This answer, listing {@code count} items. */
  Answer listing(int count) {
    return new Answer(code, field, writes, count);
  }

  static final Answer OK = of(Status.Code.OK);

  /** This answer, changing {@code tables} too. */
  Answer writing(String... tables) {
    Set<String> all = new TreeSet<>(writes);
    all.addAll(Set.of(tables));
    return new Answer(code, field, Set.copyOf(all), items);
  }

  Answer writing(Set<String> tables) {
    return writing(tables.toArray(String[]::new));
  }

  @Override
  public String toString() {
    return code + (field == null ? "" : " naming " + field) + (writes.isEmpty() ? "" : " writing " + writes)
        + (items == null ? "" : " listing " + items);
  }
}
