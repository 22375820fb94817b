package io.flare.iem.integrationconfig;

import static io.flare.iem.integrationconfig.IntegrationProtos.toProto;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.PageToken;
import io.flare.iem.okta.CustomDomains;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CreateIntegrationResponse;
import io.flare.iem.v1.DeleteIntegrationRequest;
import io.flare.iem.v1.DeleteIntegrationResponse;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetIntegrationResponse;
import io.flare.iem.v1.GetTenantSettingsRequest;
import io.flare.iem.v1.GetTenantSettingsResponse;
import io.flare.iem.v1.IntegrationConfigServiceService;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.ListAuditEventsResponse;
import io.flare.iem.v1.RotateIntegrationKeyRequest;
import io.flare.iem.v1.RotateIntegrationKeyResponse;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestIntegrationResponse;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.flare.iem.v1.UpdateIntegrationResponse;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.flare.iem.v1.UpdateTenantSettingsResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * IntegrationConfigService: the tenant's one IdP integration, its diagnosis, the tenant's settings
 * and its audit trail. Every change writes an audit row in the same transaction. What other
 * capabilities keep for a tenant they create and remove themselves, told through
 * {@link IntegrationLifecycle}.
 */
public final class IntegrationConfigEndpoint extends IntegrationConfigServiceService {

  private final Pool pool;
  private final IntegrationRepository integrations;
  private final TenantRepository tenants;
  private final IntegrationRules rules;
  private final IntegrationDiagnostics diagnostics;
  private final IntegrationKeys keys;
  private final Clock clock;
  private final List<IntegrationLifecycle> capabilities;
  private final TenantTeardown teardown;

  /**
   * @param customDomains verifies an okta_domain that is a custom URL domain
   * @param capabilities what other capabilities do when an integration is created or deleted, in the
   *     order they do it on delete
   */
  public IntegrationConfigEndpoint(Pool pool, IntegrationRepository integrations, TenantRepository tenants,
      Set<String> insecureHosts, CustomDomains customDomains, IntegrationDiagnostics diagnostics,
      IntegrationKeys keys, Clock clock, List<IntegrationLifecycle> capabilities) {
    this.keys = keys;
    this.pool = pool;
    this.integrations = integrations;
    this.tenants = tenants;
    this.rules = new IntegrationRules(insecureHosts, customDomains);
    this.diagnostics = diagnostics;
    this.clock = clock;
    this.capabilities = List.copyOf(capabilities);
    this.teardown = new TenantTeardown(capabilities);
  }

  @Override
  public Future<CreateIntegrationResponse> createIntegration(CreateIntegrationRequest request) {
    return Future.succeededFuture(request)
        .map(rules::forCreate)
        .compose(rules::withOrgUrl)
        .compose(this::create)
        .onSuccess(created -> capabilities.forEach(c -> c.committed(created)))
        .compose(this::view)
        .map(i -> CreateIntegrationResponse.newBuilder().setIntegration(i).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<GetIntegrationResponse> getIntegration(GetIntegrationRequest request) {
    return Future.succeededFuture(request.getTenantId())
        .map(Fields::tenantId)
        .compose(tenantId -> integrations.get(pool, tenantId))
        .compose(this::view)
        .map(i -> GetIntegrationResponse.newBuilder().setIntegration(i).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<UpdateIntegrationResponse> updateIntegration(UpdateIntegrationRequest request) {
    return Future.succeededFuture(request)
        .map(IntegrationRules::updateShape)
        .compose(shape -> rules.typedDomain(shape).compose(typed -> update(shape, typed)))
        .compose(this::view)
        .map(i -> UpdateIntegrationResponse.newBuilder().setIntegration(i).build())
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
  public Future<RotateIntegrationKeyResponse> rotateIntegrationKey(RotateIntegrationKeyRequest request) {
    return Future.succeededFuture(request.getTenantId())
        .map(Fields::tenantId)
        .compose(this::rotate)
        .compose(this::view)
        .map(i -> RotateIntegrationKeyResponse.newBuilder().setIntegration(i).build())
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
        .map(tenantId -> IntegrationRules.settingsMask(request.getUpdateMask()))
        .compose(mask -> updateSettings(request, mask))
        .map(s -> UpdateTenantSettingsResponse.newBuilder().setSettings(toProto(s)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<ListAuditEventsResponse> listAuditEvents(ListAuditEventsRequest request) {
    return Future.succeededFuture(request)
        .map(r -> PageToken.request("audit/" + Fields.tenantId(r.getTenantId()), r.getPageToken(),
            Fields.pageSize(r.getPageSize(), 100, 1000), PageToken.ID))
        .compose(page -> AuditLog.list(pool, request.getTenantId(), page.after(), page.fetch())
            .map(rows -> page.page(rows, AuditLog.Stored::id)))
        .map(page -> ListAuditEventsResponse.newBuilder()
            .addAllAuditEvents(page.items().stream().map(IntegrationProtos::toProto).toList())
            .setNextPageToken(page.nextToken())
            .build())
        .recover(GrpcErrors::toStatus);
  }

  // ---- create -------------------------------------------------------------------------------

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
      throw IntegrationRules.alreadyExists(found.get());
    });
  }

  /** Inserts the integration; the other capabilities start their part in the same transaction. */
  private Future<Integration> insertNew(SqlClient tx, TenantSettings tenant, Integration draft) {
    IntegrationRules.checkEntitled(tenant, draft);
    return integrations.insert(tx, draft)
        .compose(created -> {
          Future<Void> started = created.kind() == Integration.Kind.OKTA ? keys.create(tx, created)
              : Future.succeededFuture();
          for (IntegrationLifecycle capability : capabilities) {
            started = started.compose(ignored -> capability.created(tx, created, tenant, clock.instant()));
          }
          return started
              .compose(ignored -> AuditLog.append(tx, audit(created.tenantId(), "integration.create", "OK",
                  new JsonObject().put("after", created.auditView()))))
              .map(created);
        });
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

  // ---- update and delete --------------------------------------------------------------------

  /** {@code typed}: the request's okta_domain, a custom domain already verified (outside the transaction). */
  private Future<Integration> update(UpdateIntegrationRequest request,
      Optional<IntegrationRules.OrgAddress> typed) {
    String tenantId = request.getTenantId();
    return pool.withTransaction(tx -> integrations.getForUpdate(tx, tenantId)
        .compose(current -> tenants.get(tx, tenantId).compose(tenant -> {
          IntegrationRules.checkEtag(current, request.getEtag());
          Integration changed = rules.validated(IntegrationRules.applyMask(current, request, typed), "integration.");
          IntegrationRules.checkEntitled(tenant, changed);
          if (changed.auditView().equals(current.auditView())) {
            return Future.succeededFuture(current);
          }
          return integrations.update(tx, changed)
              .compose(updated -> AuditLog.append(tx, audit(tenantId, "integration.update", "OK",
                      new JsonObject().put("before", current.auditView()).put("after", updated.auditView())))
                  .map(updated));
        })));
  }

  /** Each capability removes its rows of the tenant, then the integration goes; the audit row says what went. */
  private Future<Void> delete(String tenantId, String etag) {
    return pool.withTransaction(tx -> integrations.getForUpdate(tx, tenantId)
        .compose(current -> {
          IntegrationRules.checkEtag(current, etag);
          return teardown.run(tx, tenantId)
              .compose(removed -> integrations.delete(tx, current)
                  .compose(ignored -> AuditLog.append(tx, audit(tenantId, "integration.delete", "OK",
                      new JsonObject().put("before", current.auditView()).mergeIn(removed)))));
        }));
  }

  // ---- keys and diagnostics -----------------------------------------------------------------

  /** The integration as the contract shows it: an Okta one with its JWKS URL and keys. */
  private Future<io.flare.iem.v1.Integration> view(Integration i) {
    if (i.kind() != Integration.Kind.OKTA || i.jwksId() == null) {
      return Future.succeededFuture(toProto(i));
    }
    return keys.published(pool, i.tenantId()).map(published -> toProto(i, keys.jwksUrl(i.jwksId()), published));
  }

  private Future<Integration> rotate(String tenantId) {
    return pool.withTransaction(tx -> integrations.getForUpdate(tx, tenantId)
        .compose(current -> {
          requireOkta(current, "only an Okta integration has signing keys");
          return keys.rotate(tx, current)
              .compose(published -> AuditLog.append(tx, audit(tenantId, "integration.key_rotate", "OK",
                  new JsonObject().put("keys", new io.vertx.core.json.JsonArray(published.stream()
                      .map(k -> new JsonObject().put("key_id", k.keyId()).put("state", k.state().name())
                          .put("sign_time", k.signTime().toString()))
                      .toList())))))
              .map(current);
        }));
  }

  /**
   * At most one TestIntegration per {@link IntegrationRules#TEST_INTERVAL} per tenant, whichever
   * replica answers: it costs the customer's org a dozen requests, token requests included.
   */
  private Future<TestIntegrationResponse> diagnose(String tenantId) {
    return integrations.get(pool, tenantId)
        .compose(integration -> {
          requireOkta(integration, "TestIntegration checks Okta integrations");
          return integrations.markTested(pool, tenantId, clock.instant(), IntegrationRules.TEST_INTERVAL)
              .compose(admitted -> admitted
                  ? tenants.get(pool, tenantId).compose(tenant -> diagnostics.run(integration, tenant))
                  : Future.failedFuture(new Failure.ResourceExhausted("TEST_INTEGRATION_TOO_SOON",
                      "TestIntegration ran for tenant '" + tenantId + "' less than "
                          + IntegrationRules.TEST_INTERVAL.toSeconds() + " seconds ago; run it again after that")));
        })
        .map(IntegrationProtos::toResponse);
  }

  private static void requireOkta(Integration integration, String why) {
    if (integration.kind() != Integration.Kind.OKTA) {
      throw new Failure.FailedPrecondition("NOT_OKTA", "the tenant's integration is Entra ID; " + why);
    }
  }

  // ---- tenant settings ----------------------------------------------------------------------

  private static String requireAdmin(String tenantId) {
    if (!CallContext.caller().isAdmin()) {
      throw new Failure.PermissionDenied("ADMIN_REQUIRED", "tenant settings are for Flare staff: the caller needs"
          + " the iem.admin scope");
    }
    return tenantId;
  }

  private Future<TenantSettings> updateSettings(UpdateTenantSettingsRequest request, Set<String> mask) {
    String tenantId = request.getTenantId();
    return pool.withTransaction(tx -> tenants.ensureLocked(tx, tenantId).compose(current -> {
      TenantSettings next = IntegrationRules.nextSettings(current, request.getSettings(), mask);
      if (next.equals(current)) {
        return Future.succeededFuture(current);
      }
      return tenants.update(tx, next)
          .compose(ignored -> AuditLog.append(tx, audit(tenantId, "tenant_settings.update", "OK",
              new JsonObject().put("before", current.auditView()).put("after", next.auditView()))))
          .map(next);
    }));
  }

  private static AuditLog.Event audit(String tenantId, String action, String outcome, JsonObject detail) {
    return AuditLog.Event.of(tenantId, action, CallContext.caller().subject(), outcome, detail);
  }
}
