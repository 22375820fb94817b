package io.flare.iem.integrationconfig;

import com.google.protobuf.FieldMask;
import io.flare.iem.audit.AuditLog;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.grpc.Failure;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.PageToken;
import io.flare.iem.grpc.Protos;
import io.flare.iem.identitysync.SyncQueue;
import io.flare.iem.identitysync.SyncSchedule;
import io.flare.iem.v1.AuditEvent;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CreateIntegrationResponse;
import io.flare.iem.v1.DeleteIntegrationRequest;
import io.flare.iem.v1.DeleteIntegrationResponse;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetIntegrationResponse;
import io.flare.iem.v1.GetTenantSettingsRequest;
import io.flare.iem.v1.GetTenantSettingsResponse;
import io.flare.iem.v1.IdpKind;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.IntegrationConfigServiceService;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.ListAuditEventsResponse;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestIntegrationResponse;
import io.flare.iem.v1.TestResult;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.flare.iem.v1.UpdateIntegrationResponse;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.flare.iem.v1.UpdateTenantSettingsResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * IntegrationConfigService: the tenant's one IdP integration, its diagnosis, the tenant's settings
 * and its audit trail. Every change writes an audit row in the same transaction.
 */
public final class IntegrationConfigEndpoint extends IntegrationConfigServiceService {

  private static final Pattern OKTA_CLIENT_ID = Pattern.compile("0oa[A-Za-z0-9]{17}");
  private static final Pattern ENTRA_CLIENT_ID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Set<String> UPDATABLE = Set.of("display_name", "okta_domain", "client_id",
      "max_daily_password_attempts", "auto_create_identifiers", "mitigation_mode");
  private static final Set<String> SETTINGS_FIELDS = Set.of("identifier_cap", "auto_identifiers_enabled",
      "mitigation_enabled", "time_zone", "nightly_sync_hour", "full_sync_interval_days");
  private static final int MAX_IDENTIFIER_CAP = 100_000_000;

  private final Pool pool;
  private final IntegrationRepository integrations;
  private final TenantRepository tenants;
  private final Set<String> insecureHosts;
  private final IntegrationDiagnostics diagnostics;

  private final Clock clock;
  private final Runnable syncQueued;

  /** @param syncQueued told when a create queued the initial sync (the local sync worker starts it at once) */
  public IntegrationConfigEndpoint(Pool pool, IntegrationRepository integrations, TenantRepository tenants,
      Set<String> insecureHosts, IntegrationDiagnostics diagnostics, Clock clock, Runnable syncQueued) {
    this.clock = clock;
    this.syncQueued = syncQueued;
    this.pool = pool;
    this.integrations = integrations;
    this.tenants = tenants;
    this.insecureHosts = insecureHosts;
    this.diagnostics = diagnostics;
  }

  @Override
  public Future<CreateIntegrationResponse> createIntegration(CreateIntegrationRequest request) {
    return Future.succeededFuture(request)
        .map(this::validateCreate)
        .compose(this::create)
        .andThen(created -> syncQueued.run())
        .map(i -> CreateIntegrationResponse.newBuilder().setIntegration(toProto(i)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<GetIntegrationResponse> getIntegration(GetIntegrationRequest request) {
    return Future.succeededFuture(request.getTenantId())
        .map(Fields::tenantId)
        .compose(tenantId -> integrations.get(pool, tenantId))
        .map(i -> GetIntegrationResponse.newBuilder().setIntegration(toProto(i)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<UpdateIntegrationResponse> updateIntegration(UpdateIntegrationRequest request) {
    return Future.succeededFuture(request)
        .map(IntegrationConfigEndpoint::validateUpdateShape)
        .compose(this::update)
        .map(i -> UpdateIntegrationResponse.newBuilder().setIntegration(toProto(i)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<DeleteIntegrationResponse> deleteIntegration(DeleteIntegrationRequest request) {
    return Future.succeededFuture(request)
        .map(r -> Fields.tenantId(r.getTenantId()))
        .compose(tenantId -> delete(tenantId, request.getEtag()))
        .map(ignored -> DeleteIntegrationResponse.getDefaultInstance())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<TestIntegrationResponse> testIntegration(TestIntegrationRequest request) {
    return Future.succeededFuture(request.getTenantId())
        .map(Fields::tenantId)
        .compose(this::diagnose)
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<GetTenantSettingsResponse> getTenantSettings(GetTenantSettingsRequest request) {
    return Future.succeededFuture(request.getTenantId())
        .map(Fields::tenantId)
        .map(IntegrationConfigEndpoint::requireAdmin)
        .compose(tenantId -> tenants.get(pool, tenantId))
        .map(s -> GetTenantSettingsResponse.newBuilder().setSettings(toProto(s)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<UpdateTenantSettingsResponse> updateTenantSettings(UpdateTenantSettingsRequest request) {
    return Future.succeededFuture(request)
        .map(r -> requireAdmin(Fields.tenantId(r.getTenantId())))
        .map(tenantId -> validateSettingsMask(request.getUpdateMask()))
        .compose(mask -> updateSettings(request, mask))
        .map(s -> UpdateTenantSettingsResponse.newBuilder().setSettings(toProto(s)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<ListAuditEventsResponse> listAuditEvents(ListAuditEventsRequest request) {
    return Future.succeededFuture(request)
        .map(r -> Fields.tenantId(r.getTenantId()))
        .compose(tenantId -> listAudit(tenantId, request))
        .recover(GrpcErrors::toStatus);
  }

  // ---- create -------------------------------------------------------------------------------

  private Integration validateCreate(CreateIntegrationRequest request) {
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
        requestId, null, null);
    return validated(draft, "integration.");
  }

  private Future<Integration> create(Integration draft) {
    return pool.withTransaction(tx -> tenants.ensureLocked(tx, draft.tenantId())
            .compose(tenant -> existingFor(tx, draft)
                .compose(existing -> existing.isPresent()
                    ? Future.succeededFuture(existing.get())
                    : insertNew(tx, tenant, draft))))
        .recover(error -> retriedCreate(error, draft));
  }

  /** With a request id, a retry returns what the first call created; anything else exists already. */
  private Future<Optional<Integration>> existingFor(SqlClient tx, Integration draft) {
    return integrations.find(tx, draft.tenantId()).map(found -> {
      if (found.isEmpty()) {
        return Optional.empty();
      }
      if (draft.createRequestId() != null && draft.createRequestId().equals(found.get().createRequestId())) {
        return found;
      }
      throw alreadyExists(found.get());
    });
  }

  private Future<Integration> insertNew(SqlClient tx, TenantSettings tenant, Integration draft) {
    checkEntitled(tenant, draft);
    return integrations.insert(tx, draft)
        .compose(created -> queueInitialSync(tx, created)
            .compose(ignored -> AuditLog.append(tx, audit(created.tenantId(), "integration.create", "OK",
                new JsonObject().put("after", created.auditView()))))
            .map(created));
  }

  /** The initial full sync starts now; nightly syncs start the next local night. */
  private Future<Boolean> queueInitialSync(SqlClient tx, Integration created) {
    if (created.kind() != Integration.Kind.OKTA) {
      return Future.succeededFuture(false);
    }
    return SyncSchedule.register(tx, created.tenantId(), clock.instant())
        .compose(ignored -> SyncQueue.enqueue(tx, created.tenantId(), SyncQueue.Mode.FULL, SyncQueue.Trigger.INITIAL,
            null));
  }

  /** Two creates raced on the unique tenant row: the loser returns the winner if it was its own retry. */
  private Future<Integration> retriedCreate(Throwable error, Integration draft) {
    if (!(error instanceof Failure.AlreadyExists) || draft.createRequestId() == null) {
      return Future.failedFuture(error);
    }
    return integrations.find(pool, draft.tenantId()).compose(found -> found
        .filter(i -> draft.createRequestId().equals(i.createRequestId()))
        .map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(error)));
  }

  private static Failure.AlreadyExists alreadyExists(Integration existing) {
    String kind = existing.kind() == Integration.Kind.OKTA ? "an Okta" : "an Entra ID";
    return new Failure.AlreadyExists("INTEGRATION_EXISTS", "tenant '" + existing.tenantId() + "' already has " + kind
        + " integration: one IdP integration per tenant is supported; create a new Flare tenant for this one");
  }

  // ---- update and delete --------------------------------------------------------------------

  private static UpdateIntegrationRequest validateUpdateShape(UpdateIntegrationRequest request) {
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

  private Future<Integration> update(UpdateIntegrationRequest request) {
    String tenantId = request.getTenantId();
    return pool.withTransaction(tx -> integrations.getForUpdate(tx, tenantId)
        .compose(current -> tenants.get(tx, tenantId).compose(tenant -> {
          checkEtag(current, request.getEtag());
          Integration changed = validated(applyMask(current, request), "integration.");
          checkEntitled(tenant, changed);
          if (changed.auditView().equals(current.auditView())) {
            return Future.succeededFuture(current);
          }
          return integrations.update(tx, changed)
              .compose(updated -> AuditLog.append(tx, audit(tenantId, "integration.update", "OK",
                      new JsonObject().put("before", current.auditView()).put("after", updated.auditView())))
                  .map(updated));
        })));
  }

  private static Integration applyMask(Integration current, UpdateIntegrationRequest request) {
    var in = request.getIntegration();
    List<String> paths = request.getUpdateMask().getPathsList();
    return new Integration(current.id(), current.tenantId(), current.kind(),
        paths.contains("display_name") ? in.getDisplayName() : current.displayName(),
        paths.contains("okta_domain") ? in.getOktaDomain() : current.oktaDomain(),
        paths.contains("client_id") ? in.getClientId() : current.clientId(),
        paths.contains("max_daily_password_attempts") ? in.getMaxDailyPasswordAttempts()
            : current.maxDailyPasswordAttempts(),
        paths.contains("auto_create_identifiers") ? in.getAutoCreateIdentifiers() : current.autoCreateIdentifiers(),
        paths.contains("mitigation_mode") ? mitigationMode(in.getMitigationMode()) : current.mitigationMode(),
        current.oktaLockoutThreshold(), current.version(), current.createRequestId(), current.createTime(),
        current.updateTime());
  }

  private Future<Void> delete(String tenantId, String etag) {
    return pool.withTransaction(tx -> integrations.getForUpdate(tx, tenantId)
        .compose(current -> {
          checkEtag(current, etag);
          return TenantTeardown.run(tx, tenantId)
              .compose(removed -> integrations.delete(tx, current.id())
                  .compose(ignored -> AuditLog.append(tx, audit(tenantId, "integration.delete", "OK",
                      new JsonObject().put("before", current.auditView()).put("identities_removed", removed)))));
        }));
  }

  private static void checkEtag(Integration current, String etag) {
    if (etag != null && !etag.isEmpty() && !etag.equals(current.etag())) {
      throw new Failure.Aborted("ETAG_MISMATCH", "etag '" + etag + "' is stale: the integration changed since it"
          + " was read (now " + current.etag() + "); get it again and retry");
    }
  }

  // ---- validation ---------------------------------------------------------------------------

  /** Applies every field rule of the contract; returns the integration with its domain normalised. */
  private Integration validated(Integration i, String prefix) {
    String displayName = Fields.text(prefix + "display_name", i.displayName().strip(), 1, 200);
    if (i.maxDailyPasswordAttempts() < 1 || i.maxDailyPasswordAttempts() > 50) {
      throw new Failure.InvalidArgument(prefix + "max_daily_password_attempts", "must be between 1 and 50"
          + " (default 2); keep it at most half of your Okta lockout threshold");
    }
    String clientId = i.clientId() == null ? "" : i.clientId();
    String domain;
    if (i.kind() == Integration.Kind.OKTA) {
      if (clientId.isEmpty()) {
        throw new Failure.InvalidArgument(prefix + "client_id", "is required");
      }
      if (!OKTA_CLIENT_ID.matcher(clientId).matches()) {
        throw new Failure.InvalidArgument(prefix + "client_id", "must be an Okta client id: '0oa' followed by 17"
            + " letters or digits, no spaces (copy it from the service app's General tab)");
      }
      domain = OktaDomain.parse(i.oktaDomain(), insecureHosts, prefix + "okta_domain").value();
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
    return new Integration(i.id(), i.tenantId(), i.kind(), displayName, domain, clientId,
        i.maxDailyPasswordAttempts(), i.autoCreateIdentifiers(), i.mitigationMode(), i.oktaLockoutThreshold(),
        i.version(), i.createRequestId(), i.createTime(), i.updateTime());
  }

  private static void checkEntitled(TenantSettings tenant, Integration i) {
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

  // ---- diagnostics --------------------------------------------------------------------------

  private Future<TestIntegrationResponse> diagnose(String tenantId) {
    if (diagnostics == null) {
      return Future.failedFuture(new Failure.Unimplemented("TestIntegration needs the Okta client, which is not"
          + " wired into this build"));
    }
    return integrations.get(pool, tenantId)
        .compose(integration -> {
          if (integration.kind() != Integration.Kind.OKTA) {
            return Future.failedFuture(new Failure.FailedPrecondition("NOT_OKTA",
                "the tenant's integration is Entra ID; TestIntegration checks Okta integrations"));
          }
          return tenants.get(pool, tenantId).compose(tenant -> diagnostics.run(integration, tenant));
        })
        .map(IntegrationConfigEndpoint::toResponse);
  }

  private static TestIntegrationResponse toResponse(List<IntegrationDiagnostics.Result> results) {
    var out = TestIntegrationResponse.newBuilder()
        .setOk(results.stream().noneMatch(r -> r.outcome() == IntegrationDiagnostics.Outcome.FAIL));
    for (var r : results) {
      out.addChecks(IntegrationCheck.newBuilder()
          .setName(r.name())
          .setResult(TestResult.valueOf("TEST_RESULT_" + r.outcome().name()))
          .setDetail(r.detail() == null ? "" : r.detail())
          .setRemedy(r.remedy() == null ? "" : r.remedy()));
    }
    return out.build();
  }

  // ---- tenant settings ----------------------------------------------------------------------

  private static String requireAdmin(String tenantId) {
    if (!CallContext.caller().isAdmin()) {
      throw new Failure.PermissionDenied("ADMIN_REQUIRED", "tenant settings are for Flare staff: the caller needs"
          + " the iem.admin scope");
    }
    return tenantId;
  }

  private static Set<String> validateSettingsMask(FieldMask mask) {
    for (String path : mask.getPathsList()) {
      if (!SETTINGS_FIELDS.contains(path)) {
        throw new Failure.InvalidArgument("update_mask", "unknown field '" + path + "'; fields: "
            + String.join(", ", SETTINGS_FIELDS.stream().sorted().toList()));
      }
    }
    return mask.getPathsCount() == 0 ? SETTINGS_FIELDS : Set.copyOf(mask.getPathsList());
  }

  private Future<TenantSettings> updateSettings(UpdateTenantSettingsRequest request, Set<String> mask) {
    String tenantId = request.getTenantId();
    var in = request.getSettings();
    return pool.withTransaction(tx -> tenants.ensureLocked(tx, tenantId).compose(current -> {
      TenantSettings next = new TenantSettings(tenantId,
          mask.contains("identifier_cap") ? identifierCap(in.getIdentifierCap()) : current.identifierCap(),
          mask.contains("auto_identifiers_enabled") ? in.getAutoIdentifiersEnabled() : current.autoIdentifiersEnabled(),
          mask.contains("mitigation_enabled") ? in.getMitigationEnabled() : current.mitigationEnabled(),
          mask.contains("time_zone") ? timeZone(in.getTimeZone()) : current.timeZone(),
          mask.contains("nightly_sync_hour") ? nightlySyncHour(in.getNightlySyncHour()) : current.nightlySyncHour(),
          mask.contains("full_sync_interval_days") ? fullSyncInterval(in.getFullSyncIntervalDays())
              : current.fullSyncIntervalDays());
      if (next.equals(current)) {
        return Future.succeededFuture(current);
      }
      return tenants.update(tx, next)
          .compose(ignored -> AuditLog.append(tx, audit(tenantId, "tenant_settings.update", "OK",
              new JsonObject().put("before", current.auditView()).put("after", next.auditView()))))
          .map(next);
    }));
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

  // ---- audit --------------------------------------------------------------------------------

  private Future<ListAuditEventsResponse> listAudit(String tenantId, ListAuditEventsRequest request) {
    int size = Fields.pageSize(request.getPageSize(), 100, 1000);
    List<String> position = PageToken.decode("audit/" + tenantId, request.getPageToken(), 1);
    long before = position.isEmpty() ? Long.MAX_VALUE : Long.parseLong(position.get(0));
    return AuditLog.list(pool, tenantId, before, size + 1).map(rows -> {
      var out = ListAuditEventsResponse.newBuilder();
      rows.stream().limit(size).forEach(row -> out.addAuditEvents(toProto(row)));
      if (rows.size() > size) {
        out.setNextPageToken(PageToken.encode("audit/" + tenantId, List.of(Long.toString(rows.get(size - 1).id()))));
      }
      return out.build();
    });
  }

  private static AuditLog.Event audit(String tenantId, String action, String outcome, JsonObject detail) {
    return AuditLog.Event.of(tenantId, action, CallContext.caller().subject(), outcome, detail);
  }

  // ---- proto mapping ------------------------------------------------------------------------

  static io.flare.iem.v1.Integration toProto(Integration i) {
    return io.flare.iem.v1.Integration.newBuilder()
        .setIntegrationId(i.id().toString())
        .setKind(i.kind() == Integration.Kind.OKTA ? IdpKind.IDP_KIND_OKTA : IdpKind.IDP_KIND_ENTRA_ID)
        .setDisplayName(i.displayName())
        .setOktaDomain(i.oktaDomain())
        .setClientId(i.clientId())
        .setMaxDailyPasswordAttempts(i.maxDailyPasswordAttempts())
        .setAutoCreateIdentifiers(i.autoCreateIdentifiers())
        .setMitigationMode(MitigationMode.valueOf("MITIGATION_MODE_" + i.mitigationMode().name()))
        .setEtag(i.etag())
        .setCreateTime(Protos.timestamp(i.createTime()))
        .setUpdateTime(Protos.timestamp(i.updateTime()))
        .setOktaLockoutThreshold(i.oktaLockoutThreshold() == null ? 0 : i.oktaLockoutThreshold())
        .build();
  }

  static io.flare.iem.v1.TenantSettings toProto(TenantSettings s) {
    return io.flare.iem.v1.TenantSettings.newBuilder()
        .setIdentifierCap(s.identifierCap())
        .setAutoIdentifiersEnabled(s.autoIdentifiersEnabled())
        .setMitigationEnabled(s.mitigationEnabled())
        .setTimeZone(s.timeZone().getId())
        .setNightlySyncHour(s.nightlySyncHour())
        .setFullSyncIntervalDays(s.fullSyncIntervalDays())
        .build();
  }

  private static AuditEvent toProto(AuditLog.Stored row) {
    AuditLog.Event e = row.event();
    return AuditEvent.newBuilder()
        .setAuditEventId(Long.toString(row.id()))
        .setAction(e.action())
        .setActor(e.actor())
        .setIdentityId(e.identityId() == null ? "" : e.identityId().toString())
        .setOktaRequestId(e.oktaRequestId() == null ? "" : e.oktaRequestId())
        .setOutcome(e.outcome() == null ? "" : e.outcome())
        .setDetailJson(e.detail().encode())
        .setEventTime(Protos.timestamp(row.time()))
        .build();
  }
}
