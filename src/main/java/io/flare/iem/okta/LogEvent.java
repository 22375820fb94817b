package io.flare.iem.okta;

/**
 * The part of one System Log event ({@code GET /api/v1/logs}, Okta's {@code LogEvent}) a check
 * reads: its type, display message, {@code outcome.result} ({@code SUCCESS}, {@code FAILURE},
 * {@code DENY}, ...), {@code outcome.reason} and {@code transaction.id} (the
 * {@code X-Okta-Request-Id} of the request that wrote it). Never a credential: Okta logs none.
 */
public record LogEvent(String eventType, String displayMessage, String result, String reason,
    String transactionId) {

  /** {@code eventType: result (reason)}, for a person. */
  public String describe() {
    return eventType + ": " + result + (reason == null || reason.isBlank() ? "" : " (" + reason + ")");
  }
}
