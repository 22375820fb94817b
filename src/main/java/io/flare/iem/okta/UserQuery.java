package io.flare.iem.okta;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * What to list from {@code GET /api/v1/users}: Okta's {@code filter} or {@code search} expression
 * (passed through verbatim and percent-encoded), and the page size (1 to 200, default 200). A plain
 * listing omits DEPROVISIONED users; {@code filter} and {@code search} include them.
 */
public record UserQuery(String filter, String search, int limit) {

  public static final int MAX_LIMIT = 200;

  /** Okta's timestamp format, {@code 2025-03-19T08:01:48.000Z}. */
  public static final DateTimeFormatter OKTA_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Every user but DEPROVISIONED ones (Okta's plain listing). */
  public static UserQuery all() {
    return new UserQuery(null, null, MAX_LIMIT);
  }

  /** Every user, DEPROVISIONED ones too: what a full sync needs to see removals. */
  public static UserQuery allIncludingDeprovisioned() {
    return filter("status eq \"STAGED\" or status eq \"PROVISIONED\" or status eq \"ACTIVE\""
        + " or status eq \"RECOVERY\" or status eq \"PASSWORD_EXPIRED\" or status eq \"LOCKED_OUT\""
        + " or status eq \"SUSPENDED\" or status eq \"DEPROVISIONED\"");
  }

  /** Users changed after {@code since} (DEPROVISIONED included), for an incremental sync. */
  public static UserQuery updatedSince(Instant since) {
    return filter("lastUpdated gt " + quote(OKTA_TIME.format(since.truncatedTo(ChronoUnit.MILLIS))));
  }

  /** Okta's {@code filter} parameter, e.g. {@code status eq "SUSPENDED"}. */
  public static UserQuery filter(String expression) {
    return new UserQuery(expression, null, MAX_LIMIT);
  }

  /** Okta's {@code search} parameter (eventually consistent), e.g. {@code profile.department eq "Sales"}. */
  public static UserQuery search(String expression) {
    return new UserQuery(null, expression, MAX_LIMIT);
  }

  public UserQuery withLimit(int pageSize) {
    if (pageSize < 1 || pageSize > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1 to 200, got " + pageSize);
    }
    return new UserQuery(filter, search, pageSize);
  }

  /** A string literal for a filter or search expression: double-quoted, {@code "} and {@code \} escaped. */
  public static String quote(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** The query string of the first page, percent-encoded. */
  String queryString() {
    StringBuilder q = new StringBuilder("limit=").append(limit);
    if (filter != null) {
      q.append("&filter=").append(OrgConnection.encode(filter));
    }
    if (search != null) {
      q.append("&search=").append(OrgConnection.encode(search));
    }
    return q.toString();
  }
}
