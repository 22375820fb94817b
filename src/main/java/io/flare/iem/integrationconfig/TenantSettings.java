package io.flare.iem.integrationconfig;

import io.vertx.core.json.JsonObject;
import java.time.ZoneId;

/** What Flare staff enable for a tenant, and the tenant's local calendar. */
public record TenantSettings(
    String tenantId,
    int identifierCap,
    boolean autoIdentifiersEnabled,
    boolean mitigationEnabled,
    ZoneId timeZone,
    int nightlySyncHour,
    int fullSyncIntervalDays) {

  /** Identifiers a tenant nobody configured may have. */
  public static final int DEFAULT_IDENTIFIER_CAP = 10_000;
  public static final int DEFAULT_NIGHTLY_SYNC_HOUR = 2;
  public static final int DEFAULT_FULL_SYNC_INTERVAL_DAYS = 7;

  /** A tenant nobody configured yet: nothing on request is enabled. */
  public static TenantSettings defaults(String tenantId, int identifierCap) {
    return new TenantSettings(tenantId, identifierCap, false, false, ZoneId.of("UTC"),
        DEFAULT_NIGHTLY_SYNC_HOUR, DEFAULT_FULL_SYNC_INTERVAL_DAYS);
  }

  public JsonObject auditView() {
    return new JsonObject()
        .put("identifier_cap", identifierCap)
        .put("auto_identifiers_enabled", autoIdentifiersEnabled)
        .put("mitigation_enabled", mitigationEnabled)
        .put("time_zone", timeZone.getId())
        .put("nightly_sync_hour", nightlySyncHour)
        .put("full_sync_interval_days", fullSyncIntervalDays);
  }
}
