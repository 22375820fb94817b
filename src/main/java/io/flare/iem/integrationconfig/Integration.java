package io.flare.iem.integrationconfig;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's identity-provider integration as stored. {@code version} is the etag. Holds no secret:
 * the client id is public and the private keys live in {@code IEM_SIGNING_KEY_FILE}.
 */
public record Integration(
    UUID id,
    String tenantId,
    Kind kind,
    String displayName,
    String oktaDomain,
    String clientId,
    int maxDailyPasswordAttempts,
    boolean autoCreateIdentifiers,
    MitigationMode mitigationMode,
    Integer oktaLockoutThreshold,
    long version,
    String createRequestId,
    Instant createTime,
    Instant updateTime) {

  public enum Kind { OKTA, ENTRA_ID }

  public enum MitigationMode { VALIDATE_ONLY, AUTOMATED, MANUAL }

  public static final int DEFAULT_MAX_DAILY_PASSWORD_ATTEMPTS = 2;

  public String etag() {
    return Long.toString(version);
  }

  public boolean mitigates() {
    return mitigationMode != MitigationMode.VALIDATE_ONLY;
  }

  /** The fields a person configures, for audit rows (before and after a change). */
  public JsonObject auditView() {
    return new JsonObject()
        .put("kind", kind.name())
        .put("display_name", displayName)
        .put("okta_domain", oktaDomain)
        .put("client_id", clientId)
        .put("max_daily_password_attempts", maxDailyPasswordAttempts)
        .put("auto_create_identifiers", autoCreateIdentifiers)
        .put("mitigation_mode", mitigationMode.name());
  }
}
