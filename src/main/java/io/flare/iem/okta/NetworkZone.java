package io.flare.iem.okta;

import java.util.List;

/**
 * An Okta network zone ({@code GET /api/v1/zones/{id}}): its type ({@code IP} or
 * {@code DYNAMIC}), status ({@code ACTIVE} or {@code INACTIVE}) and, for an IP zone, the gateway
 * addresses, each a CIDR or a range {@code a-b} as Okta writes them.
 */
public record NetworkZone(String id, String name, String type, String status, List<String> gateways) {

  public boolean active() {
    return "ACTIVE".equalsIgnoreCase(status);
  }
}
