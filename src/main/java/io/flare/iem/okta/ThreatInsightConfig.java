package io.flare.iem.okta;

import java.util.List;

/**
 * Okta ThreatInsight's configuration ({@code GET /api/v1/threats/configuration}): {@code action}
 * is {@code none} (off), {@code audit} (suspicious sign-ins logged) or {@code block} (logged and
 * refused with 403), and {@code excludeZones} the network zones whose addresses are neither logged
 * nor blocked.
 */
public record ThreatInsightConfig(String action, List<String> excludeZones) {

  /** Whether ThreatInsight refuses sign-ins from addresses it holds malicious. */
  public boolean blocks() {
    return "block".equalsIgnoreCase(action);
  }
}
