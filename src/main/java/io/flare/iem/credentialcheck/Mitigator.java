package io.flare.iem.credentialcheck;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.callerauth.Caller;
import io.flare.iem.failure.Failure;
import io.flare.iem.identitysync.IdentityRepository;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.integrationconfig.ProtectedAccounts;
import io.flare.iem.integrationconfig.TenantRepository;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, applies, approves and rejects mitigations. Applying clears the user's sessions and OAuth
 * tokens, invokes Universal Logout where the app is granted it, then suspends the user, each step
 * safe to repeat ({@link MitigationSteps}); every Okta call writes an audit row with Okta's request
 * id. A failure (a scope or admin permission missing, Okta down) leaves the mitigation FAILED with
 * Okta's error code and summary; a user Okta cannot suspend in its status leaves it
 * PARTIALLY_APPLIED. Approving a FAILED or PARTIALLY_APPLIED one applies it again (after the
 * customer fixed the cause), approving an APPLIED one is a no-op, approving a REJECTED one is
 * FAILED_PRECONDITION.
 */
final class Mitigator {

  private static final Logger LOG = LoggerFactory.getLogger(Mitigator.class);
  /** The display name of AUTOMATED mode's actor. */
  private static final String SYSTEM = Caller.SERVICE_SUBJECT;

  /**
   * Who approves, rejects or (AUTOMATED mode) applies a mitigation: {@code subject} the caller's
   * verified identity, which audit rows name; {@code name} a display name (the request's actor).
   */
  record Actor(String subject, String name) {}

  private final Pool pool;
  private final MitigationRepository mitigations;
  private final IntegrationRepository integrations;
  private final TenantRepository tenants;
  private final TenantContexts contexts;
  private final Clock clock;
  private final CheckMetrics metrics;
  private final IdentityRepository identities;
  private final MitigationSteps steps;
  private final ProtectedAccounts protectedAccounts;
  private final int holdSeconds;

  /** @param holdSeconds how long an approval being applied holds the mitigation against a second one */
  Mitigator(Pool pool, MitigationRepository mitigations, IntegrationRepository integrations, TenantRepository tenants,
      IdentityRepository identities, TenantContexts contexts, Clock clock, CheckMetrics metrics, int holdSeconds,
      ProtectedAccounts protectedAccounts) {
    this.protectedAccounts = protectedAccounts;
    this.metrics = metrics;
    this.identities = identities;
    this.holdSeconds = holdSeconds;
    this.pool = pool;
    this.mitigations = mitigations;
    this.integrations = integrations;
    this.tenants = tenants;
    this.contexts = contexts;
    this.clock = clock;
    this.steps = new MitigationSteps(pool);
  }

  /** The mitigation a valid password led to, or why there is none (appended to the check's detail). */
  record Planned(Optional<StoredMitigation> created, String note) {
    static final Planned NONE = new Planned(Optional.empty(), "");
  }

  /**
   * Creates the mitigation the integration's mode asks for, if the tenant is entitled to it now
   * (read in {@code tx}, the transaction recording the valid password), with its audit row;
   * {@code actor} is the verified identity of the caller who submitted the check.
   */
  Future<Planned> plan(SqlClient tx, StoredCheck check, String oktaUserId, String login, String actor, Instant now) {
    String tenantId = check.tenantId();
    return integrations.find(tx, tenantId).compose(integration -> tenants.get(tx, tenantId).compose(tenant -> {
      if (integration.isEmpty() || !integration.get().mitigates()) {
        return Future.succeededFuture(Planned.NONE);
      }
      if (!tenant.mitigationEnabled()) {
        return Future.succeededFuture(new Planned(Optional.empty(), "; not mitigated: the tenant is no longer"
            + " entitled to mitigation (available on request from the CSM)"));
      }
      Integration.MitigationMode mode = integration.get().mitigationMode();
      Future<Optional<String>> held = mode == Integration.MitigationMode.AUTOMATED
          ? protectedAccounts.reason(tx, integration.get(), oktaUserId, login)
          : Future.succeededFuture(Optional.empty());
      return held.compose(reason -> create(tx, check, oktaUserId, actor, now, mode, reason.orElse("")));
    }));
  }

  /**
   * Stores a new mitigation with its audit row. In AUTOMATED mode it is applied at once on behalf of
   * {@code actor}, unless {@code heldBecause} says why a person must approve it (a protected account).
   */
  private Future<Planned> create(SqlClient tx, StoredCheck check, String oktaUserId, String actor, Instant now,
      Integration.MitigationMode mode, String heldBecause) {
    boolean automatic = mode == Integration.MitigationMode.AUTOMATED && heldBecause.isEmpty();
    StoredMitigation draft = new StoredMitigation(UUID.randomUUID(), check.tenantId(), check.identityId(), oktaUserId,
        check.id(), StoredMitigation.ACTIONS, mode, StoredMitigation.State.PENDING_APPROVAL, automatic ? SYSTEM : "",
        automatic ? actor : "", "", "", now, null, List.of(), heldBecause);
    JsonObject detail = new JsonObject().put("mitigation_id", draft.id().toString())
        .put("check_id", check.id().toString());
    if (!heldBecause.isEmpty()) {
      detail.put("approval_reason", heldBecause);
    }
    return mitigations.insert(tx, draft).compose(created -> created.isEmpty()
        ? Future.succeededFuture(Planned.NONE)
        : AuditLog.append(tx, new AuditLog.Event(check.tenantId(), "mitigation.create", actor, check.identityId(),
                null, mode.name(), detail))
            .map(new Planned(created, heldBecause.isEmpty() ? "" : "; mitigation waits for approval: " + heldBecause)));
  }

  /**
   * AUTOMATED mode: applies a mitigation just created for a valid password, on behalf of the caller
   * who submitted the check. Never fails: FAILED is a state.
   */
  Future<StoredMitigation> applyNew(StoredMitigation created, Integration integration) {
    Actor actor = new Actor(created.actorSubject(), SYSTEM);
    return mitigations.startApply(pool, created.tenantId(), created.id(), actor, holdSeconds)
        .compose(held -> held.isEmpty() ? Future.succeededFuture(created)
            : apply(held.get(), integration, actor.subject()))
        .recover(error -> {
          LOG.atWarn().addKeyValue("tenant_id", created.tenantId()).addKeyValue("mitigation_id", created.id())
              .setCause(error).log("automatic mitigation could not be applied now; approve it to retry");
          return Future.succeededFuture(created);
        });
  }

  /** ApproveMitigation; audit rows name the actor's verified subject, with its display name in the detail. */
  Future<StoredMitigation> approve(String tenantId, UUID id, Actor actor) {
    return existing(tenantId, id).compose(m -> switch (m.state()) {
      case APPLIED -> Future.succeededFuture(m);
      case REJECTED -> Future.failedFuture(new Failure.FailedPrecondition("MITIGATION_REJECTED",
          "mitigation " + id + " was rejected by " + m.actor() + "; it cannot be approved"));
      case PENDING_APPROVAL, FAILED, PARTIALLY_APPLIED -> entitledIntegration(tenantId)
          .compose(integration -> mitigations.startApply(pool, tenantId, id, actor, holdSeconds)
              .compose(held -> held.isEmpty()
                  ? existing(tenantId, id).compose(Mitigator::settledOrBusy)
                  : AuditLog.append(pool, event(held.get(), "mitigation.approve", actor.subject(), null, "OK",
                          new JsonObject().put("previous_state", m.state().name()).put("actor_name", actor.name())))
                      .compose(ignored -> apply(held.get(), integration, actor.subject()))));
    });
  }

  /** RejectMitigation; audited as {@link #approve} is. */
  Future<StoredMitigation> reject(String tenantId, UUID id, Actor actor, String reason) {
    return existing(tenantId, id).compose(m -> switch (m.state()) {
      case REJECTED -> Future.succeededFuture(m);
      case APPLIED -> Future.failedFuture(new Failure.FailedPrecondition("MITIGATION_APPLIED",
          "mitigation " + id + " was already applied in Okta; undo it there (unsuspend the user) if needed"));
      case PENDING_APPROVAL, FAILED, PARTIALLY_APPLIED -> mitigations.reject(pool, tenantId, id, actor, reason)
          .onSuccess(rejected -> rejected.ifPresent(r -> metrics.mitigation(r.state())))
          .compose(rejected -> rejected.isEmpty()
              ? existing(tenantId, id).compose(Mitigator::settledOrBusy)
              : AuditLog.append(pool, event(rejected.get(), "mitigation.reject", actor.subject(), null, "OK",
                      new JsonObject().put("reason", reason).put("actor_name", actor.name())))
                  .map(rejected.get()));
    });
  }

  private Future<StoredMitigation> existing(String tenantId, UUID id) {
    return mitigations.get(pool, tenantId, id).map(found -> found.orElseThrow(() -> new Failure.NotFound(
        "MITIGATION_NOT_FOUND", "tenant '" + tenantId + "' has no mitigation " + id)));
  }

  /** After losing a race: the mitigation settled meanwhile (return it) or another approval is applying it. */
  private static Future<StoredMitigation> settledOrBusy(StoredMitigation m) {
    if (m.state() == StoredMitigation.State.APPLIED || m.state() == StoredMitigation.State.REJECTED) {
      return Future.succeededFuture(m);
    }
    return Future.failedFuture(new Failure.Aborted("MITIGATION_BUSY",
        "mitigation " + m.id() + " is being applied by another approval right now; get it again in a moment"));
  }

  /** The tenant's integration, if the tenant is entitled to mitigation (checked at approval time). */
  private Future<Integration> entitledIntegration(String tenantId) {
    return tenants.get(pool, tenantId).compose(settings -> {
      if (!settings.mitigationEnabled()) {
        return Future.failedFuture(new Failure.PermissionDenied("FEATURE_NOT_ENTITLED", "mitigation is available"
            + " on request: ask your Flare CSM to enable it for tenant '" + tenantId + "'"));
      }
      return integrations.get(pool, tenantId);
    });
  }

  private Future<StoredMitigation> apply(StoredMitigation m, Integration integration, String actor) {
    OktaOrg org;
    try {
      org = contexts.org(integration);
    } catch (RuntimeException e) {
      return finish(m, new MitigationSteps.Applied(StoredMitigation.State.FAILED,
          "the integration's Okta domain is not usable: " + e.getMessage(), List.of()));
    }
    return steps.apply(m, org, actor).compose(applied -> finish(m, applied));
  }

  /** Ends an apply; an applied mitigation marks its identity SUSPENDED at once, as Okta now has it. */
  private Future<StoredMitigation> finish(StoredMitigation m, MitigationSteps.Applied result) {
    StoredMitigation.State state = result.state();
    boolean applied = state == StoredMitigation.State.APPLIED;
    return pool.withTransaction(tx -> mitigations.finishApply(tx, m.tenantId(), m.id(), state, result.error(),
                applied || state == StoredMitigation.State.PARTIALLY_APPLIED ? clock.instant() : null,
                result.results())
            .compose(finished -> applied && finished.identityId() != null
                ? identities.suspended(tx, finished.tenantId(), finished.identityId()).map(finished)
                : Future.succeededFuture(finished)))
        .onSuccess(finished -> metrics.mitigation(finished.state()));
  }

  /** "suspend failed: E0000001 Api validation failed: suspendUser (Cannot suspend a user that is not active)". */
  static String describe(String action, Throwable e) {
    String what = action.substring(action.indexOf('.') + 1).replace('_', ' ') + " failed: ";
    if (e instanceof OktaException okta) {
      StringBuilder b = new StringBuilder(what);
      if (okta.errorCode() != null) {
        b.append(okta.errorCode()).append(' ');
      }
      b.append(okta.errorSummary() != null ? okta.errorSummary()
          : okta.kind().name().toLowerCase(Locale.ROOT) + (okta.httpStatus() > 0 ? " (HTTP " + okta.httpStatus() + ")" : ""));
      if (!okta.causes().isEmpty()) {
        b.append(" (").append(String.join("; ", okta.causes())).append(')');
      }
      return b.toString();
    }
    if (e instanceof Failure f) {
      return what + f.getMessage();
    }
    return what + e.getClass().getSimpleName();
  }

  static AuditLog.Event event(StoredMitigation m, String action, String actor, String oktaRequestId,
      String outcome, JsonObject detail) {
    return new AuditLog.Event(m.tenantId(), action, actor, m.identityId(), oktaRequestId, outcome,
        detail.put("mitigation_id", m.id().toString()).put("check_id", m.checkId().toString())
            .put("okta_user_id", m.oktaUserId()));
  }
}
