package io.flare.iem.callerauth;

import java.util.Set;

/**
 * Who is calling: the subject of the verified bearer token, the tenants it may act for ({@code *}
 * for all) and its scopes. In dev mode without caller auth every call is {@link #DEV}.
 */
public record Caller(String subject, Set<String> tenants, Set<String> scopes) {

  public static final String ADMIN_SCOPE = "iem.admin";

  /** The service itself (schedules, workers). */
  public static final Caller SYSTEM = new Caller("system", Set.of("*"), Set.of(ADMIN_SCOPE));

  /** Anyone, when caller auth is off (dev mode only). */
  public static final Caller DEV = new Caller("dev", Set.of("*"), Set.of(ADMIN_SCOPE));

  public boolean mayActFor(String tenantId) {
    return tenants.contains("*") || tenants.contains(tenantId);
  }

  public boolean isAdmin() {
    return scopes.contains(ADMIN_SCOPE);
  }
}
