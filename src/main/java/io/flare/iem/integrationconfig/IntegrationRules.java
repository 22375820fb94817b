package io.flare.iem.integrationconfig;

import com.google.protobuf.FieldMask;
import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.Fields;
import io.flare.iem.okta.CustomDomains;
import io.flare.iem.okta.DomainInput;
import io.flare.iem.okta.OktaDomain;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.IdpKind;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.vertx.core.Future;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The contract's field rules for integrations and tenant settings: each one throws
 * {@link Failure.InvalidArgument} naming the field and the rule, so it runs inside a {@code map}
 * step of an RPC chain, before anything is written. The one rule that needs the network, a custom
 * URL domain's verification, returns a future ({@link #withOrgUrl}, {@link #typedDomain}) and runs
 * before any transaction; an Okta org URL is checked at once, as every other field.
 */
final class IntegrationRules {

  /** TestIntegration runs at most this often per tenant. */
  static final java.time.Duration TEST_INTERVAL = java.time.Duration.ofSeconds(10);

  private static final Pattern OKTA_CLIENT_ID = Pattern.compile("0oa[A-Za-z0-9]{17}");
  private static final Pattern ENTRA_CLIENT_ID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Set<String> UPDATABLE = Set.of("display_name", "okta_domain", "client_id",
      "max_daily_password_attempts", "auto_create_identifiers", "mitigation_mode", "protected_group_ids",
      "protected_logins");
  static final Set<String> SETTINGS_FIELDS = Set.of("identifier_cap", "auto_identifiers_enabled",
      "mitigation_enabled", "time_zone", "nightly_sync_hour", "full_sync_interval_days");
  private static final int MAX_IDENTIFIER_CAP = 100_000_000;

  private static final String OKTA_DOMAIN = "integration.okta_domain";

  private final Set<String> insecureHosts;
  private final CustomDomains customDomains;

  /**
   * @param insecureHosts Okta hosts allowed over http and on loopback (simulators, tests)
   * @param customDomains verifies a custom URL domain and finds its org
   */
  IntegrationRules(Set<String> insecureHosts, CustomDomains customDomains) {
    this.insecureHosts = insecureHosts;
    this.customDomains = customDomains;
  }

  /** Where an {@code okta_domain} the customer typed sends Okta calls, and the custom domain it is, if one. */
  record OrgAddress(String orgUrl, String customDomain) {}

  /**
   * A validated draft with its Okta calls' URL: a custom URL domain verified to name an Okta org
   * goes to that org's canonical URL; anything else is returned as it is.
   */
  Future<Integration> withOrgUrl(Integration draft) {
    if (draft.kind() != Integration.Kind.OKTA || !draft.oktaDomain().isEmpty() || draft.customDomain().isEmpty()) {
      return Future.succeededFuture(draft);
    }
    String host = draft.customDomain().substring("https://".length());
    return customDomains.verify(host, OKTA_DOMAIN).map(verified -> draft.withOktaDomain(verified.org().value()));
  }

  /**
   * The {@code okta_domain} of an UpdateIntegration, when its mask names it: an Okta org URL as
   * typed (checked later with the other fields), or a custom URL domain verified, with its org.
   */
  Future<Optional<OrgAddress>> typedDomain(UpdateIntegrationRequest request) {
    if (!request.getUpdateMask().getPathsList().contains("okta_domain")) {
      return Future.succeededFuture(Optional.empty());
    }
    String typed = request.getIntegration().getOktaDomain();
    if (typed.isBlank()) {
      return Future.succeededFuture(Optional.of(new OrgAddress(typed, "")));
    }
    return Future.succeededFuture(typed)
        .map(input -> DomainInput.parse(input, insecureHosts, OKTA_DOMAIN))
        .compose(input -> input instanceof DomainInput.Custom custom
            ? customDomains.verify(custom.host(), OKTA_DOMAIN)
                .map(verified -> new OrgAddress(verified.org().value(), verified.customDomain()))
            : Future.succeededFuture(new OrgAddress(typed, "")))
        .map(Optional::of);
  }

  /** A CreateIntegration request as the integration it would create. */
  Integration forCreate(CreateIntegrationRequest request) {
    String tenantId = Fields.tenantId(request.getTenantId());
    String requestId = Fields.requestId("request_id", request.getRequestId());
    if (!request.hasIntegration()) {
      throw new Failure.InvalidArgument("integration", "is required");
    }
    var in = request.getIntegration();
    Integration.Kind kind = kind(in.getKind());
    int attempts = in.getMaxDailyPasswordAttempts() == 0
        ? Integration.DEFAULT_MAX_DAILY_PASSWORD_ATTEMPTS
        : in.getMaxDailyPasswordAttempts();
    Integration draft = new Integration(UUID.randomUUID(), tenantId, kind, in.getDisplayName(), in.getOktaDomain(),
        in.getClientId(), attempts, in.getAutoCreateIdentifiers(), mitigationMode(in.getMitigationMode()), null, 1,
        requestId, null, null).withProtection(new Integration.Protection(in.getProtectedGroupIdsList(),
        in.getProtectedLoginsList()));
    return validated(draft, "integration.");
  }

  /** An UpdateIntegration request whose shape (tenant, integration, mask) is valid. */
  static UpdateIntegrationRequest updateShape(UpdateIntegrationRequest request) {
    Fields.tenantId(request.getTenantId());
    if (!request.hasIntegration()) {
      throw new Failure.InvalidArgument("integration", "is required");
    }
    FieldMask mask = request.getUpdateMask();
    if (mask.getPathsCount() == 0) {
      throw new Failure.InvalidArgument("update_mask", "is required: name the fields to update, for example"
          + " \"display_name,max_daily_password_attempts\"");
    }
    for (String path : mask.getPathsList()) {
      if (path.equals("kind") || path.equals("integration_id")) {
        throw new Failure.InvalidArgument("update_mask", "'" + path + "' cannot be changed after create");
      }
      if (!UPDATABLE.contains(path)) {
        throw new Failure.InvalidArgument("update_mask", "unknown or read-only field '" + path + "'; updatable: "
            + String.join(", ", UPDATABLE.stream().sorted().toList()));
      }
    }
    return request;
  }

  /** The current integration with the masked fields of the request; {@code typed}: its okta_domain, if masked. */
  static Integration applyMask(Integration current, UpdateIntegrationRequest request, Optional<OrgAddress> typed) {
    var in = request.getIntegration();
    List<String> paths = request.getUpdateMask().getPathsList();
    return new Integration(current.id(), current.tenantId(), current.kind(),
        paths.contains("display_name") ? in.getDisplayName() : current.displayName(),
        typed.map(OrgAddress::orgUrl).orElse(current.oktaDomain()),
        paths.contains("client_id") ? in.getClientId() : current.clientId(),
        paths.contains("max_daily_password_attempts") ? in.getMaxDailyPasswordAttempts()
            : current.maxDailyPasswordAttempts(),
        paths.contains("auto_create_identifiers") ? in.getAutoCreateIdentifiers() : current.autoCreateIdentifiers(),
        paths.contains("mitigation_mode") ? mitigationMode(in.getMitigationMode()) : current.mitigationMode(),
        current.oktaLockoutThreshold(), current.version(), current.createRequestId(), current.createTime(),
        current.updateTime(), typed.map(OrgAddress::customDomain).orElse(current.customDomain()))
        .withProtection(new Integration.Protection(
            paths.contains("protected_group_ids") ? in.getProtectedGroupIdsList() : current.protection().groupIds(),
            paths.contains("protected_logins") ? in.getProtectedLoginsList() : current.protection().logins()));
  }

  static void checkEtag(Integration current, String etag) {
    if (etag != null && !etag.isEmpty() && !etag.equals(current.etag())) {
      throw new Failure.Aborted("ETAG_MISMATCH", "etag '" + etag + "' is stale: the integration changed since it"
          + " was read (now " + current.etag() + "); get it again and retry");
    }
  }

  static Failure.AlreadyExists alreadyExists(Integration existing) {
    String kind = existing.kind() == Integration.Kind.OKTA ? "an Okta" : "an Entra ID";
    return new Failure.AlreadyExists("INTEGRATION_EXISTS", "tenant '" + existing.tenantId() + "' already has " + kind
        + " integration: one IdP integration per tenant is supported; create a new Flare tenant for this one");
  }

  /** Applies every field rule of the contract; returns the integration with its domain normalised. */
  Integration validated(Integration i, String prefix) {
    String displayName = Fields.text(prefix + "display_name", i.displayName().strip(), 1, 200);
    if (i.maxDailyPasswordAttempts() < 1 || i.maxDailyPasswordAttempts() > 50) {
      throw new Failure.InvalidArgument(prefix + "max_daily_password_attempts", "must be between 1 and 50"
          + " (default 2); keep it at most half of your Okta lockout threshold");
    }
    String clientId = i.clientId() == null ? "" : i.clientId();
    String domain;
    String customDomain = "";
    if (i.kind() == Integration.Kind.OKTA) {
      if (clientId.isEmpty()) {
        throw new Failure.InvalidArgument(prefix + "client_id", "is required");
      }
      if (!OKTA_CLIENT_ID.matcher(clientId).matches()) {
        throw new Failure.InvalidArgument(prefix + "client_id", "must be an Okta client id: '0oa' followed by 17"
            + " letters or digits, no spaces (copy it from the service app's General tab)");
      }
      OrgAddress address = orgAddress(i, prefix + "okta_domain");
      domain = address.orgUrl();
      customDomain = address.customDomain();
    } else {
      if (!ENTRA_CLIENT_ID.matcher(clientId).matches()) {
        throw new Failure.InvalidArgument(prefix + "client_id", "must be the Entra application (client) id, a GUID");
      }
      if (i.oktaDomain() != null && !i.oktaDomain().isEmpty()) {
        throw new Failure.InvalidArgument(prefix + "okta_domain", "must be empty for an Entra ID integration");
      }
      if (i.autoCreateIdentifiers() || i.mitigates()) {
        throw new Failure.InvalidArgument(prefix + "kind", "Entra ID integrations are recorded only; automatic"
            + " identifiers and mitigation are not available for them here");
      }
      domain = "";
    }
    Integration.Protection protection = ProtectionRules.validated(i.protection(), prefix);
    if (i.kind() != Integration.Kind.OKTA && !protection.equals(Integration.Protection.NONE)) {
      throw new Failure.InvalidArgument(prefix + "protected_group_ids", "protected accounts are Okta groups and"
          + " logins; leave them empty for an Entra ID integration");
    }
    return new Integration(i.id(), i.tenantId(), i.kind(), displayName, domain, clientId,
        i.maxDailyPasswordAttempts(), i.autoCreateIdentifiers(), i.mitigationMode(), i.oktaLockoutThreshold(),
        i.version(), i.createRequestId(), i.createTime(), i.updateTime(), customDomain).withProtection(protection);
  }

  /**
   * The org URL of an Okta integration's domain: a custom domain already verified keeps its org;
   * an Okta org URL is normalised; a custom domain still to verify has an empty org URL for now.
   */
  private OrgAddress orgAddress(Integration i, String field) {
    if (!i.customDomain().isEmpty() && !i.oktaDomain().isEmpty()) {
      return new OrgAddress(OktaDomain.parse(i.oktaDomain(), insecureHosts, field).value(), i.customDomain());
    }
    DomainInput input = DomainInput.parse(i.oktaDomain(), insecureHosts, field);
    if (input instanceof DomainInput.Custom custom) {
      return new OrgAddress("", custom.url());
    }
    return new OrgAddress(((DomainInput.Org) input).domain().value(), "");
  }

  static void checkEntitled(TenantSettings tenant, Integration i) {
    if (i.autoCreateIdentifiers() && !tenant.autoIdentifiersEnabled()) {
      throw new Failure.PermissionDenied("FEATURE_NOT_ENTITLED", "automatic identity identifier creation is"
          + " available on request: ask your Flare CSM to enable it for tenant '" + tenant.tenantId() + "'");
    }
    if (i.mitigates() && !tenant.mitigationEnabled()) {
      throw new Failure.PermissionDenied("FEATURE_NOT_ENTITLED", "mitigation (" + i.mitigationMode()
          + ") is available on request: ask your Flare CSM to enable it for tenant '" + tenant.tenantId() + "'");
    }
  }

  private static Integration.Kind kind(IdpKind kind) {
    return switch (kind) {
      case IDP_KIND_UNSPECIFIED, IDP_KIND_OKTA -> Integration.Kind.OKTA;
      case IDP_KIND_ENTRA_ID -> Integration.Kind.ENTRA_ID;
      default -> throw new Failure.InvalidArgument("integration.kind", "must be IDP_KIND_OKTA or IDP_KIND_ENTRA_ID");
    };
  }

  private static Integration.MitigationMode mitigationMode(MitigationMode mode) {
    return switch (mode) {
      case MITIGATION_MODE_UNSPECIFIED, MITIGATION_MODE_VALIDATE_ONLY -> Integration.MitigationMode.VALIDATE_ONLY;
      case MITIGATION_MODE_AUTOMATED -> Integration.MitigationMode.AUTOMATED;
      case MITIGATION_MODE_MANUAL -> Integration.MitigationMode.MANUAL;
      default -> throw new Failure.InvalidArgument("integration.mitigation_mode",
          "must be VALIDATE_ONLY, AUTOMATED or MANUAL");
    };
  }

  /** The settings an UpdateTenantSettings mask names (every one when empty). */
  static Set<String> settingsMask(FieldMask mask) {
    for (String path : mask.getPathsList()) {
      if (!SETTINGS_FIELDS.contains(path)) {
        throw new Failure.InvalidArgument("update_mask", "unknown field '" + path + "'; fields: "
            + String.join(", ", SETTINGS_FIELDS.stream().sorted().toList()));
      }
    }
    return mask.getPathsCount() == 0 ? SETTINGS_FIELDS : Set.copyOf(mask.getPathsList());
  }

  /** The current settings with the masked fields of the request, each checked. */
  static TenantSettings nextSettings(TenantSettings current, io.flare.iem.v1.TenantSettings in, Set<String> mask) {
    String tenantId = current.tenantId();
    return new TenantSettings(tenantId,
        mask.contains("identifier_cap") ? identifierCap(in.getIdentifierCap()) : current.identifierCap(),
        mask.contains("auto_identifiers_enabled") ? in.getAutoIdentifiersEnabled() : current.autoIdentifiersEnabled(),
        mask.contains("mitigation_enabled") ? in.getMitigationEnabled() : current.mitigationEnabled(),
        mask.contains("time_zone") ? timeZone(in.getTimeZone()) : current.timeZone(),
        mask.contains("nightly_sync_hour") ? nightlySyncHour(in.getNightlySyncHour()) : current.nightlySyncHour(),
        mask.contains("full_sync_interval_days") ? fullSyncInterval(in.getFullSyncIntervalDays())
            : current.fullSyncIntervalDays());
  }

  private static int identifierCap(int cap) {
    if (cap < 0 || cap > MAX_IDENTIFIER_CAP) {
      throw new Failure.InvalidArgument("settings.identifier_cap", "must be between 0 and " + MAX_IDENTIFIER_CAP);
    }
    return cap;
  }

  private static ZoneId timeZone(String zone) {
    if (zone == null || zone.isEmpty()) {
      return ZoneId.of("UTC");
    }
    if (!zone.equals("UTC") && !zone.contains("/")) {
      throw new Failure.InvalidArgument("settings.time_zone", "must be an IANA time zone such as America/New_York"
          + " or UTC");
    }
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new Failure.InvalidArgument("settings.time_zone", "'" + zone + "' is not a known IANA time zone");
    }
  }

  private static int nightlySyncHour(int hour) {
    if (hour < 0 || hour > 23) {
      throw new Failure.InvalidArgument("settings.nightly_sync_hour", "must be between 0 and 23");
    }
    return hour;
  }

  private static int fullSyncInterval(int days) {
    if (days == 0) {
      return TenantSettings.DEFAULT_FULL_SYNC_INTERVAL_DAYS;
    }
    if (days < 1 || days > 31) {
      throw new Failure.InvalidArgument("settings.full_sync_interval_days", "must be between 1 and 31 (0 means 7)");
    }
    return days;
  }
}
