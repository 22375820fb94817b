package io.flare.iem.badinput;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import java.util.Arrays;
import java.util.List;

/**
 * The values that break a field, by the field's type: each applies only to fields of its
 * {@link Type}. {@link #FOREIGN_TENANT} applies to {@code tenant_id} alone and is sent by a caller
 * that may act for {@link BadInputTest#TENANT} only.
 */
enum Bad {
  EMPTY(Type.STRING, ""),
  TOO_LONG(Type.STRING, "x".repeat(70_000)),
  CONTROL(Type.STRING, "a\u0000b\u0007c\u001b[31m\r\n"),
  FORMAT(Type.STRING, "a\u202eb\u200bc"), // a right-to-left override and a zero-width space
  UNASSIGNED(Type.STRING, "a\u0378b"),
  MIXED_SCRIPT(Type.STRING, "p\u0430ypal \u03a9mega"), // Latin with a Cyrillic a, and Greek
  LIKE(Type.STRING, "%_"), // unescaped in a LIKE pattern, it matches anything
  SQL(Type.STRING, "x\\'); DROP TABLE tenants; --"),
  NEGATIVE(Type.NUMBER, -1L),
  MINIMUM(Type.NUMBER, (long) Integer.MIN_VALUE),
  HUGE(Type.NUMBER, (long) Integer.MAX_VALUE),
  UNKNOWN_ENUM(Type.ENUM, 999),
  NEGATIVE_ENUM(Type.ENUM, -1),
  YEAR_0(Type.TIMESTAMP, new long[] {-62_167_219_200L, 0}), // 0000-01-01T00:00:00Z
  YEAR_10000(Type.TIMESTAMP, new long[] {253_402_300_800L, 0}), // 10000-01-01T00:00:00Z
  NEGATIVE_NANOS(Type.TIMESTAMP, new long[] {1_700_000_000L, -1}),
  FOREIGN_TENANT(Type.TENANT, "acme-other");

  /** What a value can be given to. */
  enum Type { STRING, NUMBER, ENUM, TIMESTAMP, TENANT, NONE }

  static final String TIMESTAMP = "google.protobuf.Timestamp";

  private final Type type;
  private final Object value;

  Bad(Type type, Object value) {
    this.type = type;
    this.value = value;
  }

  /** The values applicable to {@code field} (at {@code path}): none for booleans, bytes and plain messages. */
  static List<Bad> applicableTo(FieldDescriptor field, String path) {
    Type t = typeOf(field);
    return Arrays.stream(values())
        .filter(b -> b.type == t || b.type == Type.TENANT && path.equals("tenant_id"))
        .toList();
  }

  static Type typeOf(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case STRING -> Type.STRING;
      case INT, LONG -> Type.NUMBER;
      case ENUM -> Type.ENUM;
      case MESSAGE -> field.getMessageType().getFullName().equals(TIMESTAMP) ? Type.TIMESTAMP : Type.NONE;
      default -> Type.NONE;
    };
  }

  /** The value as {@code field} holds it (a singular value, or one element of a repeated field). */
  Object valueFor(FieldDescriptor field) {
    return switch (type) {
      case STRING, TENANT -> value;
      case NUMBER -> field.getJavaType() == FieldDescriptor.JavaType.INT ? (Object) ((Long) value).intValue() : value;
      case ENUM -> field.getEnumType().findValueByNumberCreatingIfUnknown((Integer) value);
      case TIMESTAMP -> timestamp(field.getMessageType(), ((long[]) value)[0], (int) ((long[]) value)[1]);
      case NONE -> throw new IllegalStateException(name() + " has no value");
    };
  }

  private static DynamicMessage timestamp(Descriptor ts, long seconds, int nanos) {
    return DynamicMessage.newBuilder(ts).setField(ts.findFieldByName("seconds"), seconds)
        .setField(ts.findFieldByName("nanos"), nanos).build();
  }
}
