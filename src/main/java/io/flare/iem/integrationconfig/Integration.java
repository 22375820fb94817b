package io.flare.iem.integrationconfig;

import io.flare.iem.okta.OktaApp;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's identity-provider integration as stored. {@code version} is the etag. Holds no secret:
 * the client id is public, and its signing keys ({@link IntegrationKeys}) are published under
 * {@code jwksId}, their private halves sealed in their own table.
 *
 * <p>{@code oktaDomain} is the Okta org URL every Okta call goes to. When the customer typed a
 * custom URL domain of their org, {@code customDomain} keeps it ({@code https://host}, shown to them
 * as {@code okta_domain}) and {@code oktaDomain} is the org's canonical URL it was verified to
 * resolve to; otherwise {@code customDomain} is empty. A draft whose custom domain is still to be
 * verified has an empty {@code oktaDomain}; it is never stored so.
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
    Instant updateTime,
    String customDomain,
    UUID jwksId,
    Protection protection) {

  /** As stored before protected accounts existed: none protected. */
  public Integration(UUID id, String tenantId, Kind kind, String displayName, String oktaDomain, String clientId,
      int maxDailyPasswordAttempts, boolean autoCreateIdentifiers, MitigationMode mitigationMode,
      Integer oktaLockoutThreshold, long version, String createRequestId, Instant createTime, Instant updateTime,
      String customDomain, UUID jwksId) {
    this(id, tenantId, kind, displayName, oktaDomain, clientId, maxDailyPasswordAttempts, autoCreateIdentifiers,
        mitigationMode, oktaLockoutThreshold, version, createRequestId, createTime, updateTime, customDomain, jwksId,
        Protection.NONE);
  }

  /** Before it is stored: its JWKS id is the database's to assign. */
  public Integration(UUID id, String tenantId, Kind kind, String displayName, String oktaDomain, String clientId,
      int maxDailyPasswordAttempts, boolean autoCreateIdentifiers, MitigationMode mitigationMode,
      Integer oktaLockoutThreshold, long version, String createRequestId, Instant createTime, Instant updateTime,
      String customDomain) {
    this(id, tenantId, kind, displayName, oktaDomain, clientId, maxDailyPasswordAttempts, autoCreateIdentifiers,
        mitigationMode, oktaLockoutThreshold, version, createRequestId, createTime, updateTime, customDomain, null);
  }

  /** Without a custom URL domain. */
  public Integration(UUID id, String tenantId, Kind kind, String displayName, String oktaDomain, String clientId,
      int maxDailyPasswordAttempts, boolean autoCreateIdentifiers, MitigationMode mitigationMode,
      Integer oktaLockoutThreshold, long version, String createRequestId, Instant createTime, Instant updateTime) {
    this(id, tenantId, kind, displayName, oktaDomain, clientId, maxDailyPasswordAttempts, autoCreateIdentifiers,
        mitigationMode, oktaLockoutThreshold, version, createRequestId, createTime, updateTime, "");
  }

  public Integration {
    customDomain = customDomain == null ? "" : customDomain;
    protection = protection == null ? Protection.NONE : protection;
  }

  /**
   * Accounts whose mitigation always waits for a person's approval, even in AUTOMATED mode:
   * members of these Okta groups (ids, read on every sync) and these logins (break-glass accounts,
   * admins). Users holding an Okta admin role are protected too where the app may read role
   * assignments.
   */
  public record Protection(java.util.List<String> groupIds, java.util.List<String> logins) {
    public static final Protection NONE = new Protection(java.util.List.of(), java.util.List.of());

    public Protection {
      groupIds = java.util.List.copyOf(groupIds);
      logins = java.util.List.copyOf(logins);
    }

    /** Whether {@code login} is listed, case-insensitively as Okta compares logins. */
    public boolean listsLogin(String login) {
      return login != null && logins.stream().anyMatch(l -> l.equalsIgnoreCase(login));
    }
  }

  /** The same integration with {@code next} as its protected accounts. */
  public Integration withProtection(Protection next) {
    return new Integration(id, tenantId, kind, displayName, oktaDomain, clientId, maxDailyPasswordAttempts,
        autoCreateIdentifiers, mitigationMode, oktaLockoutThreshold, version, createRequestId, createTime, updateTime,
        customDomain, jwksId, next);
  }

  public enum Kind { OKTA, ENTRA_ID }

  public enum MitigationMode { VALIDATE_ONLY, AUTOMATED, MANUAL }

  public static final int DEFAULT_MAX_DAILY_PASSWORD_ATTEMPTS = 2;

  public String etag() {
    return Long.toString(version);
  }

  public boolean mitigates() {
    return mitigationMode != MitigationMode.VALIDATE_ONLY;
  }

  /** This integration's app, as the Okta client connects to it: the tenant's own connection and key. */
  public OktaApp oktaApp() {
    return new OktaApp(tenantId, oktaDomain, clientId);
  }

  /** The Okta domain as the customer typed it (normalised): their custom URL domain, or the org URL. */
  public String typedDomain() {
    return customDomain.isEmpty() ? oktaDomain : customDomain;
  }

  /** The same integration with its Okta calls going to {@code orgUrl}. */
  public Integration withOktaDomain(String orgUrl) {
    return new Integration(id, tenantId, kind, displayName, orgUrl, clientId, maxDailyPasswordAttempts,
        autoCreateIdentifiers, mitigationMode, oktaLockoutThreshold, version, createRequestId, createTime, updateTime,
        customDomain, jwksId, protection);
  }

  /** The fields a person configures, for audit rows (before and after a change), and the org they resolved to. */
  public JsonObject auditView() {
    JsonObject view = new JsonObject()
        .put("kind", kind.name())
        .put("display_name", displayName)
        .put("okta_domain", typedDomain())
        .put("client_id", clientId)
        .put("max_daily_password_attempts", maxDailyPasswordAttempts)
        .put("auto_create_identifiers", autoCreateIdentifiers)
        .put("mitigation_mode", mitigationMode.name())
        .put("protected_group_ids", new io.vertx.core.json.JsonArray(protection.groupIds()))
        .put("protected_logins", new io.vertx.core.json.JsonArray(protection.logins()));
    if (!customDomain.isEmpty()) {
      view.put("okta_org_url", oktaDomain);
    }
    return view;
  }
}
