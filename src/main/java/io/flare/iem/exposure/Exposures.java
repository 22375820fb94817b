package io.flare.iem.exposure;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.identitysync.PasswordChanges;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.okta.Bucket;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUser;
import io.flare.iem.okta.Usage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The exposure capability's face to the others: a valid password opens (or joins) its identity's
 * case, in the transaction recording it; our mitigation's suspension is noted; a password change
 * seen by a sync or by the scheduled re-read resolves the case, queues the lowering risk signal
 * and, opted in, restores the user our mitigation suspended.
 */
public final class Exposures implements PasswordChanges {

  /** A valid leaked password as the check recording it knows it (never the password itself). */
  public record Finding(String tenantId, UUID identityId, String oktaUserId, String login, String email,
      UUID checkId, Instant decideTime, String leakId, String source, String sourceKind, Instant leakedTime,
      UUID mitigationId) {}

  /** The users' read for re-reads and restores: within this share of each bucket of the org. */
  static final double OKTA_SHARE = 0.2;

  private final Pool pool;
  private final ExposureRepository cases;
  private final SignalOutbox outbox;
  private final IntegrationRepository integrations;
  private final OktaClient okta;
  private final ExposureMetrics metrics;
  private final Clock clock;
  private final Duration reread;
  private final Restorer restorer;
  private volatile Runnable signalsDue = () -> {};

  Exposures(Pool pool, ExposureRepository cases, SignalOutbox outbox, IntegrationRepository integrations,
      OktaClient okta, ExposureMetrics metrics, Clock clock, Duration reread) {
    this.pool = pool;
    this.cases = cases;
    this.outbox = outbox;
    this.integrations = integrations;
    this.okta = okta;
    this.metrics = metrics;
    this.clock = clock;
    this.reread = reread;
    this.restorer = new Restorer(pool, cases);
  }

  void onSignalsDue(Runnable kick) {
    this.signalsDue = kick;
  }

  OktaOrg org(Integration integration) {
    return okta.org(integration.oktaApp(), Usage.named("exposure").withShare(Bucket.USER_READ, OKTA_SHARE)
        .withShare(Bucket.LIFECYCLE, OKTA_SHARE));
  }

  /** Opens the identity's case, or adds the leak to the one open, in {@code tx}. */
  public Future<Void> validFound(SqlClient tx, Finding f) {
    return integrations.find(tx, f.tenantId()).compose(integration -> cases.open(tx, f, f.decideTime().plus(reread))
        .compose(opened -> {
          ExposureCase c = opened.exposure();
          Instant now = clock.instant();
          JsonObject leak = new JsonObject().put("leak_id", f.leakId()).put("source", f.source())
              .put("source_kind", f.sourceKind()).put("check_id", f.checkId().toString())
              .put("decide_time", f.decideTime().toString())
              .put("leaked_time", f.leakedTime() == null ? null : f.leakedTime().toString());
          Future<Void> steps = cases.event(tx, c.tenantId(), c.id(), opened.opened() ? "opened" : "leak_joined", leak,
              now);
          if (f.mitigationId() != null) {
            steps = steps.compose(v -> cases.event(tx, c.tenantId(), c.id(), "mitigation_created",
                new JsonObject().put("mitigation_id", f.mitigationId().toString()), now));
          }
          if (!opened.opened()) {
            return steps;
          }
          metrics.opened();
          boolean signals = integration.map(i -> i.exposure().riskSignalsEnabled()).orElse(false);
          return steps
              .compose(v -> AuditLog.append(tx, audit(c, "exposure.open", "OPEN", leak.copy()
                  .put("risk_signal", signals))))
              .compose(v -> signals ? queueSignal(tx, c, "high", "low", reason(f), now) : Future.succeededFuture());
        }));
  }

  /** After the transaction of {@link #validFound} committed: its signal, if any, goes now. */
  public void afterCommit() {
    signalsDue.run();
  }

  /**
   * Our mitigation suspended the identity's user (applied just now): reads Okta's
   * {@code statusChanged} for it, the mark a restore later checks. Never fails: without the mark,
   * the user is simply never restored.
   */
  public Future<Void> suspendedByUs(String tenantId, UUID identityId, String oktaUserId, UUID mitigationId) {
    return integrations.find(pool, tenantId)
        .compose(found -> found.isEmpty() ? Future.succeededFuture(Optional.<OktaUser>empty())
            : org(found.get()).getUser(oktaUserId))
        .compose(user -> user.isEmpty() || !"SUSPENDED".equals(user.get().status())
            ? Future.<Void>succeededFuture()
            : pool.withTransaction(tx -> cases.suspendedByUs(tx, tenantId, identityId, user.get().statusChanged())
                .compose(marked -> Future.join(marked.stream().map(c -> cases.event(tx, tenantId, c.id(),
                    "mitigation_applied", new JsonObject().put("mitigation_id", mitigationId.toString())
                        .put("okta_status_changed", user.get().statusChanged().toString()), clock.instant())).toList())
                    .<Void>mapEmpty())))
        .otherwiseEmpty();
  }

  @Override
  public Future<Void> seen(String tenantId, List<Seen> users) {
    String[] ids = new String[users.size()];
    OffsetDateTime[] changed = new OffsetDateTime[users.size()];
    for (int k = 0; k < users.size(); k++) {
      ids[k] = users.get(k).oktaUserId();
      changed[k] = users.get(k).passwordChanged();
    }
    Instant now = clock.instant();
    return pool.withTransaction(tx -> integrations.find(tx, tenantId)
            .compose(integration -> cases.resolveSeen(tx, tenantId, ids, changed, now)
                .compose(resolved -> Future.join(resolved.stream().map(c -> resolved(tx, c, integration, now)).toList())
                    .map(v -> new Resolved(resolved, integration)))))
        .compose(this::afterResolve);
  }

  /** The re-read of one open case's user: resolves it when the password changed after its valid check. */
  Future<Void> reread(ExposureCase c) {
    return integrations.find(pool, c.tenantId()).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture();
      }
      OktaOrg org = org(found.get());
      if (!org.hasRoom(Bucket.USER_READ)) {
        return Future.succeededFuture(); // within the share: read at the next re-read
      }
      return org.getUser(c.oktaUserId()).compose(user -> user.isEmpty() || user.get().passwordChanged() == null
          ? Future.succeededFuture()
          : seen(c.tenantId(), List.of(new Seen(c.oktaUserId(),
              OffsetDateTime.ofInstant(user.get().passwordChanged(), ZoneOffset.UTC)))));
    });
  }

  private record Resolved(List<ExposureCase> cases, Optional<Integration> integration) {}

  private Future<Void> resolved(SqlClient tx, ExposureCase c, Optional<Integration> integration, Instant now) {
    metrics.resolved(Duration.between(c.openTime(), now));
    boolean signals = integration.map(i -> i.exposure().riskSignalsEnabled()).orElse(false);
    JsonObject detail = new JsonObject().put("password_changed_time", c.passwordChanged().toString())
        .put("valid_decide_time", c.validDecideTime().toString());
    return cases.event(tx, c.tenantId(), c.id(), "resolved", detail, now)
        .compose(v -> AuditLog.append(tx, audit(c, "exposure.resolve", "RESOLVED", detail.copy()
            .put("risk_signal", signals))))
        .compose(v -> signals ? queueSignal(tx, c, "low", "high", "the password Flare found valid in a leak was"
            + " changed in Okta at " + c.passwordChanged() + "; the exposure is resolved", now)
            : Future.succeededFuture());
  }

  private Future<Void> afterResolve(Resolved r) {
    if (r.cases().isEmpty()) {
      return Future.succeededFuture();
    }
    signalsDue.run();
    if (r.integration().isEmpty() || !r.integration().get().exposure().restoreAfterReset()) {
      return Future.succeededFuture();
    }
    Integration integration = r.integration().get();
    List<Future<Void>> restores = new ArrayList<>();
    for (ExposureCase c : r.cases()) {
      if (c.suspendedByUs() != null) {
        restores.add(restorer.restore(c, org(integration), clock.instant()));
      }
    }
    return Future.join(restores).mapEmpty();
  }

  private Future<Void> queueSignal(SqlClient tx, ExposureCase c, String level, String previous, String reason,
      Instant now) {
    String jti = "iem-" + UUID.randomUUID();
    return outbox.add(tx, new SignalOutbox.Signal(c.tenantId(), jti, c.id(), c.oktaUserId(), level, previous,
            c.subjectEmail(), reason, now, "PENDING", 0, now, null, ""))
        .compose(v -> cases.event(tx, c.tenantId(), c.id(), "signal_queued",
            new JsonObject().put("jti", jti).put("level", level), now));
  }

  /** Why the risk is HIGH: the leak's kind and time, and when Okta accepted the password; never the password. */
  static String reason(Finding f) {
    return "Flare found this user's current Okta password in a leaked credential (" + f.sourceKind()
        + (f.leakedTime() == null ? "" : ", leaked " + f.leakedTime()) + "); Okta accepted it at " + f.decideTime();
  }

  static AuditLog.Event audit(ExposureCase c, String action, String outcome, JsonObject detail) {
    return new AuditLog.Event(c.tenantId(), action, "system", c.identityId(), null, outcome,
        detail.put("exposure_id", c.id().toString()).put("okta_user_id", c.oktaUserId()));
  }
}
