package io.flare.iem.callerauth;

import java.util.Set;

/**
 * Who is calling: the subject of the verified bearer token ({@code sub}), the tenants it may act
 * for ({@code *} for all) and its scopes. In dev mode without caller auth every call is {@link #DEV};
 * code running outside any call is {@link #NONE}.
 */
public record Caller(String subject, Set<String> tenants, Set<String> scopes) {

  /** Flare staff: tenant settings, and every other scope. */
  public static final String ADMIN_SCOPE = "iem.admin";

  /** ApproveMitigation and RejectMitigation: they suspend people, so the tenant alone is not enough. */
  public static final String APPROVE_MITIGATIONS_SCOPE = "iem.mitigations.approve";

  /** No caller: code running outside any call. It acts for no tenant and holds no scope. */
  public static final Caller NONE = new Caller("none", Set.of(), Set.of());

  /**
   * The name the service's own work is recorded under where no caller asked for it (the nightly
   * schedule's sync runs, AUTOMATED mitigation's display name). It is a name, never a caller.
   */
  public static final String SERVICE_SUBJECT = "system";

  /** Anyone, when caller auth is off (dev mode only). */
  public static final Caller DEV = new Caller("dev", Set.of("*"), Set.of(ADMIN_SCOPE));

  public boolean mayActFor(String tenantId) {
    return tenants.contains("*") || tenants.contains(tenantId);
  }

  public boolean isAdmin() {
    return scopes.contains(ADMIN_SCOPE);
  }

  /** Whether the caller holds {@code scope}; the admin scope holds every scope. */
  public boolean has(String scope) {
    return scopes.contains(scope) || isAdmin();
  }
}
