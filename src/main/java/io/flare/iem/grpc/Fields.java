package io.flare.iem.grpc;

import io.flare.iem.failure.Failure;
import java.util.regex.Pattern;

/**
 * Validation of request fields shared by every service. Each rule throws
 * {@link Failure.InvalidArgument} naming the field and the rule, so it belongs inside a
 * {@code map} step of the RPC chain.
 */
public final class Fields {

  private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Fields() {}

  /** {@code tenant_id}: required, 1 to 64 of letters, digits and {@code . _ : -}, starting alphanumeric. */
  public static String tenantId(String value) {
    if (value == null || value.isEmpty()) {
      throw new Failure.InvalidArgument("tenant_id", "is required");
    }
    if (!TENANT_ID.matcher(value).matches()) {
      throw new Failure.InvalidArgument("tenant_id",
          "must be 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
    }
    return value;
  }

  /** An optional idempotency key: empty, or 1 to 128 printable ASCII characters. */
  public static String requestId(String field, String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.length() > 128 || !value.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new Failure.InvalidArgument(field, "must be at most 128 printable ASCII characters without spaces");
    }
    return value;
  }

  /** A server-assigned id: required and a UUID. */
  public static java.util.UUID id(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new Failure.InvalidArgument(field, "is required");
    }
    if (!UUID_TEXT.matcher(value).matches()) {
      throw new Failure.InvalidArgument(field, "must be an id this service returned (a UUID)");
    }
    return java.util.UUID.fromString(value);
  }

  /** {@code page_size}: 0 means {@code fallback}; otherwise 1 to {@code max}. */
  public static int pageSize(int value, int fallback, int max) {
    if (value < 0 || value > max) {
      throw new Failure.InvalidArgument("page_size", "must be between 0 and " + max);
    }
    return value == 0 ? fallback : value;
  }

  /** Free text: at most {@code max} characters, no control characters. */
  public static String text(String field, String value, int min, int max) {
    String v = value == null ? "" : value;
    int length = v.codePointCount(0, v.length());
    if (length < min || length > max) {
      throw new Failure.InvalidArgument(field, min > 0
          ? "must be " + min + " to " + max + " characters"
          : "must be at most " + max + " characters");
    }
    if (v.codePoints().anyMatch(Fields::isControl)) {
      throw new Failure.InvalidArgument(field, "must not contain control characters");
    }
    return v;
  }

  private static boolean isControl(int cp) {
    return Character.getType(cp) == Character.CONTROL || Character.getType(cp) == Character.FORMAT
        || Character.getType(cp) == Character.SURROGATE || Character.getType(cp) == Character.UNASSIGNED
        || cp == 0x2028 || cp == 0x2029;
  }
}
