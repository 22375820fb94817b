package io.flare.iem.badinput;

import io.grpc.Status;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the service must answer a case: its status code, the field its INVALID_ARGUMENT message
 * names first ({@code "<field path>: <rule>"}, as {@code Failure.InvalidArgument} formats it), and
 * the tables the call may change (none for a refusal).
 */
record Answer(Status.Code code, String field, Set<String> writes) {

  static Answer invalid(String field) {
    return new Answer(Status.Code.INVALID_ARGUMENT, field, Set.of());
  }

  static Answer of(Status.Code code) {
    return new Answer(code, null, Set.of());
  }

  static final Answer OK = of(Status.Code.OK);

  /** This answer, changing {@code tables} too. */
  Answer writing(String... tables) {
    Set<String> all = new TreeSet<>(writes);
    all.addAll(Set.of(tables));
    return new Answer(code, field, Set.copyOf(all));
  }

  Answer writing(Set<String> tables) {
    return writing(tables.toArray(String[]::new));
  }

  @Override
  public String toString() {
    return code + (field == null ? "" : " naming " + field) + (writes.isEmpty() ? "" : " writing " + writes);
  }
}
