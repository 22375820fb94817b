package io.flare.iem.credentialcheck;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.credentialcheck.StoredMitigation.Action;
import io.flare.iem.credentialcheck.StoredMitigation.ActionResult;
import io.flare.iem.credentialcheck.StoredMitigation.Outcome;
import io.flare.iem.okta.OktaAck;
import io.flare.iem.okta.OktaException;
import io.flare.iem.okta.OktaOrg;
import io.flare.iem.okta.OktaUserStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Applies a mitigation's actions in Okta so that applying it twice, or after a lost reply, ends the
 * same way. Okta's lifecycle calls are not idempotent (suspending a user who is not ACTIVE answers
 * 400 {@code E0000001}) and the client never resends one whose effect is unknown, so:
 * <ul>
 *   <li>clearing sessions (and Universal Logout) is simply sent again once after no answer, a
 *       timeout or a 5xx: doing it twice is harmless;
 *   <li>after {@code E0000001} or an unknown effect, the suspension is decided by reading the user
 *       back: SUSPENDED or DEPROVISIONED means it is applied; still ACTIVE after an unknown effect,
 *       it is sent once more; any other status (LOCKED_OUT, PASSWORD_EXPIRED, STAGED...) cannot be
 *       suspended, and the mitigation is PARTIALLY_APPLIED;
 *   <li>Universal Logout (global token revocation) runs where the app is granted
 *       {@code okta.universalLogout.manage}; its failure is reported, the suspension still decides.
 * </ul>
 * Every Okta call on the user writes an audit row with Okta's request id.
 */
final class MitigationSteps {

  /** User statuses in which the user can no longer sign in: a suspension is in effect, or more. */
  private static final Set<String> SUSPENDED = Set.of("SUSPENDED", "DEPROVISIONED");

  private final Pool pool;

  MitigationSteps(Pool pool) {
    this.pool = pool;
  }

  /** Where one apply ends: the state, the error to record (null when none) and each action's result. */
  record Applied(StoredMitigation.State state, String error, List<ActionResult> results) {}

  /** Applies {@code m} through {@code org}; never fails for what Okta answered (FAILED is a state). */
  Future<Applied> apply(StoredMitigation m, OktaOrg org, String actor) {
    return new Run(m, org, actor).go();
  }

  /** One Okta call and its answer: the ack, or the error. */
  private record Step(OktaAck ack, Throwable error) {

    boolean ok() {
      return error == null;
    }

    String requestId() {
      return ack != null ? ack.requestId() : error instanceof OktaException o ? o.requestId() : null;
    }

    /** No answer, a timeout or a 5xx: Okta may or may not have applied it. */
    boolean effectUnknown() {
      return error instanceof OktaException o && o.kind() == OktaException.Kind.UNAVAILABLE;
    }

    /** Okta said the user's status forbids it ({@code E0000001}...) or its effect is unknown. */
    boolean decidedByReadBack() {
      return effectUnknown() || error instanceof OktaException o && o.kind() == OktaException.Kind.NOT_ALLOWED;
    }
  }

  private final class Run {

    private final StoredMitigation m;
    private final OktaOrg org;
    private final String actor;
    private final List<ActionResult> results = new ArrayList<>();

    Run(StoredMitigation m, OktaOrg org, String actor) {
      this.m = m;
      this.org = org;
      this.actor = actor;
    }

    Future<Applied> go() {
      return repeatable("mitigation.revoke_sessions", () -> org.clearSessions(m.oktaUserId())).compose(sessions -> {
        results.add(result(Action.REVOKE_SESSIONS, sessions, "sessions and OAuth tokens cleared"));
        if (!sessions.ok()) {
          results.add(new ActionResult(Action.UNIVERSAL_LOGOUT, Outcome.NOT_ATTEMPTED, "sessions were not cleared", ""));
          results.add(new ActionResult(Action.SUSPEND_USER, Outcome.NOT_ATTEMPTED, "sessions were not cleared", ""));
          return Future.succeededFuture(new Applied(StoredMitigation.State.FAILED,
              Mitigator.describe("mitigation.revoke_sessions", sessions.error()), List.copyOf(results)));
        }
        return universalLogout().compose(v -> suspend()).map(this::end);
      });
    }

    private Applied end(ActionResult suspension) {
      results.add(suspension);
      List<ActionResult> all = List.copyOf(results);
      return switch (suspension.outcome()) {
        case DONE -> new Applied(StoredMitigation.State.APPLIED, null, all);
        case NOT_POSSIBLE -> new Applied(StoredMitigation.State.PARTIALLY_APPLIED, "not suspended: "
            + suspension.detail() + "; the user's sessions and OAuth tokens were cleared", all);
        default -> new Applied(StoredMitigation.State.FAILED, suspension.detail(), all);
      };
    }

    /** Universal Logout where the app is granted it; an app without the scope fails the token request, nothing reaches the user. */
    private Future<Void> universalLogout() {
      return org.universalLogout(m.oktaUserId()).transform(first -> {
        if (first.failed() && first.cause() instanceof OktaException o && o.kind() == OktaException.Kind.INVALID_SCOPE) {
          results.add(new ActionResult(Action.UNIVERSAL_LOGOUT, Outcome.UNAVAILABLE, "the app is not granted "
              + OktaOrg.UNIVERSAL_LOGOUT + " (Okta Identity Threat Protection)", ""));
          return Future.succeededFuture();
        }
        return repeated("mitigation.universal_logout", first.succeeded() ? Future.succeededFuture(first.result())
                : Future.failedFuture(first.cause()), () -> org.universalLogout(m.oktaUserId()))
            .map(step -> {
              results.add(result(Action.UNIVERSAL_LOGOUT, step, "tokens revoked and apps that support Universal Logout"
                  + " signed the user out"));
              return null;
            });
      });
    }

    private Future<ActionResult> suspend() {
      return step("mitigation.suspend", org.suspend(m.oktaUserId())).compose(s -> {
        if (s.ok()) {
          return Future.succeededFuture(new ActionResult(Action.SUSPEND_USER, Outcome.DONE, "suspended", s.requestId()));
        }
        return s.decidedByReadBack() ? readBack(s, false) : Future.succeededFuture(result(Action.SUSPEND_USER, s, ""));
      });
    }

    /** After {@code E0000001} or an unknown effect: Okta's word on the user decides whether the suspension holds. */
    private Future<ActionResult> readBack(Step suspension, boolean resent) {
      String what = Mitigator.describe("mitigation.suspend", suspension.error());
      return org.userStatus(m.oktaUserId()).transform(ar -> {
        if (ar.failed()) {
          String error = Mitigator.describe("mitigation.read_user", ar.cause());
          return audit("mitigation.read_user", ar.cause() instanceof OktaException o ? o.requestId() : null, "FAILED",
                  new JsonObject().put("error", error))
              .map(new ActionResult(Action.SUSPEND_USER, Outcome.FAILED, what + "; " + error, suspension.requestId()));
        }
        OktaUserStatus user = ar.result();
        return audit("mitigation.read_user", user.requestId(), user.status(), new JsonObject().put("after", what))
            .compose(v -> decide(suspension, user, resent, what));
      });
    }

    private Future<ActionResult> decide(Step suspension, OktaUserStatus user, boolean resent, String what) {
      String status = user.status();
      if (SUSPENDED.contains(status)) {
        return Future.succeededFuture(new ActionResult(Action.SUSPEND_USER, Outcome.DONE, "Okta shows the user "
            + status + (suspension.effectUnknown() ? " (the suspension's answer was lost)" : ""), user.requestId()));
      }
      if ("ACTIVE".equals(status)) {
        if (suspension.effectUnknown() && !resent) {
          return step("mitigation.suspend", org.suspend(m.oktaUserId())).compose(again -> again.ok()
              ? Future.succeededFuture(new ActionResult(Action.SUSPEND_USER, Outcome.DONE, "suspended", again.requestId()))
              : again.decidedByReadBack() ? readBack(again, true)
              : Future.succeededFuture(result(Action.SUSPEND_USER, again, "")));
        }
        return Future.succeededFuture(new ActionResult(Action.SUSPEND_USER, Outcome.FAILED, what
            + "; Okta still shows the user ACTIVE", user.requestId()));
      }
      return Future.succeededFuture(new ActionResult(Action.SUSPEND_USER, Outcome.NOT_POSSIBLE, "Okta cannot suspend"
          + " a user whose status is " + status + " (only ACTIVE users can be suspended)", user.requestId()));
    }

    /** An idempotent call, sent once more when its first answer never came (or was a 5xx). */
    private Future<Step> repeatable(String action, Supplier<Future<OktaAck>> call) {
      return repeated(action, call.get(), call);
    }

    private Future<Step> repeated(String action, Future<OktaAck> first, Supplier<Future<OktaAck>> again) {
      return step(action, first).compose(s -> s.effectUnknown() ? step(action, again.get()) : Future.succeededFuture(s));
    }

    /** Audits one Okta call on the user, with Okta's request id when an answer came. */
    private Future<Step> step(String action, Future<OktaAck> call) {
      return call.transform(ar -> {
        Step s = ar.succeeded() ? new Step(ar.result(), null) : new Step(null, ar.cause());
        JsonObject detail = s.ok() ? new JsonObject() : new JsonObject().put("error", Mitigator.describe(action, s.error()));
        return audit(action, s.requestId(), s.ok() ? "OK" : "FAILED", detail).map(s);
      });
    }

    private Future<Void> audit(String action, String requestId, String outcome, JsonObject detail) {
      return AuditLog.append(pool, Mitigator.event(m, action, actor, requestId, outcome, detail));
    }

    private ActionResult result(Action action, Step s, String done) {
      if (s.ok()) {
        return new ActionResult(action, Outcome.DONE, done, s.requestId());
      }
      return new ActionResult(action, Outcome.FAILED, Mitigator.describe(auditName(action), s.error()),
          s.requestId() == null ? "" : s.requestId());
    }
  }

  private static String auditName(Action action) {
    return switch (action) {
      case REVOKE_SESSIONS -> "mitigation.revoke_sessions";
      case SUSPEND_USER -> "mitigation.suspend";
      case UNIVERSAL_LOGOUT -> "mitigation.universal_logout";
    };
  }
}
