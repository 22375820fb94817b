package io.flare.iem.credentialcheck;

import io.flare.iem.callerauth.Caller;
import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.PageToken;
import io.flare.iem.grpc.Protos;
import io.flare.iem.storage.Keyset;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.ApproveMitigationResponse;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.ListCheckDecisionsRequest;
import io.flare.iem.v1.ListCheckDecisionsResponse;
import io.flare.iem.v1.CredentialCheck;
import io.flare.iem.v1.CredentialCheckServiceService;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.GetCredentialCheckResponse;
import io.flare.iem.v1.Leak;
import io.flare.iem.v1.ListCredentialChecksRequest;
import io.flare.iem.v1.ListCredentialChecksResponse;
import io.flare.iem.v1.ListMitigationsRequest;
import io.flare.iem.v1.ListMitigationsResponse;
import io.flare.iem.v1.Mitigation;
import io.flare.iem.v1.MitigationAction;
import io.flare.iem.v1.MitigationActionOutcome;
import io.flare.iem.v1.MitigationActionResult;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.MitigationState;
import io.flare.iem.v1.RejectMitigationRequest;
import io.flare.iem.v1.RejectMitigationResponse;
import io.flare.iem.v1.SkipReason;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * CredentialCheckService: validates every field (bad input writes nothing), then hands over to
 * the {@link CheckIntake} and the {@link Mitigator}. Resource ids are always looked up
 * within the request's tenant. The password is never logged, echoed or put in an error.
 */
public final class CredentialCheckEndpoint extends CredentialCheckServiceService {

  private static final Pattern SOURCE_KIND = Pattern.compile("[a-z0-9_]{0,64}");
  private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
  private static final Duration FUTURE_TOLERANCE = Duration.ofDays(1);
  private static final String OUTCOMES = Arrays.stream(CheckOutcome.values())
      .filter(o -> o != CheckOutcome.UNRECOGNIZED && o != CheckOutcome.CHECK_OUTCOME_UNSPECIFIED)
      .map(Enum::name).collect(Collectors.joining(", "));
  private static final String STATES = Arrays.stream(MitigationState.values())
      .filter(s -> s != MitigationState.UNRECOGNIZED && s != MitigationState.MITIGATION_STATE_UNSPECIFIED)
      .map(Enum::name).collect(Collectors.joining(", "));

  private final CheckIntake intake;
  private final Mitigator mitigator;
  private final MitigationRepository mitigations;
  private final io.vertx.sqlclient.Pool pool;
  private final Clock clock;
  private final int streamMaxInFlight;
  private final CheckDecisionFeed decisions;

  CredentialCheckEndpoint(CheckIntake intake, Mitigator mitigator, MitigationRepository mitigations,
      io.vertx.sqlclient.Pool pool, Clock clock, int streamMaxInFlight, CheckDecisionLog decisionLog) {
    this.decisions = new CheckDecisionFeed(pool, decisionLog);
    this.intake = intake;
    this.mitigator = mitigator;
    this.mitigations = mitigations;
    this.pool = pool;
    this.clock = clock;
    this.streamMaxInFlight = streamMaxInFlight;
  }

  @Override
  public Future<CheckCredentialResponse> checkCredential(CheckCredentialRequest request) {
    Caller caller = CallContext.caller();
    return Future.succeededFuture(request)
        .map(r -> input(r.getTenantId(), r.getUsername(), r.getPassword(), r.hasLeak(), r.getLeak(),
            Fields.requestId("request_id", r.getRequestId())))
        .compose(in -> intake.check(in, submitter(caller, in)))
        .map(check -> CheckCredentialResponse.newBuilder().setCheck(toProto(check)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  protected void checkCredentials(ReadStream<CheckCredentialsRequest> request,
      WriteStream<CheckCredentialsResponse> response) {
    Caller caller = CallContext.caller();
    CheckCredentialsStream.serve(request, response, item -> Future.succeededFuture(item)
        .map(r -> input(r.getTenantId(), r.getUsername(), r.getPassword(), r.hasLeak(), r.getLeak(),
            streamRequestId(r.getRequestId())))
        .compose(in -> intake.check(in, submitter(caller, in)))
        .map(check -> CheckCredentialsResponse.newBuilder().setRequestId(item.getRequestId())
            .setCheck(toProto(check)).build()), streamMaxInFlight);
  }

  @Override
  public Future<GetCredentialCheckResponse> getCredentialCheck(GetCredentialCheckRequest request) {
    return Future.succeededFuture(request)
        .map(r -> {
          Fields.tenantId(r.getTenantId());
          return Fields.id("check_id", r.getCheckId());
        })
        .compose(id -> intake.get(request.getTenantId(), id))
        .map(check -> GetCredentialCheckResponse.newBuilder().setCheck(toProto(check)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<ListCredentialChecksResponse> listCredentialChecks(ListCredentialChecksRequest request) {
    return Future.succeededFuture(request)
        .map(CredentialCheckEndpoint::listQuery)
        .compose(q -> intake.list(q.tenantId(), q.outcome(), q.page().after(), q.page().fetch())
            .map(rows -> q.page().page(rows, c -> new Keyset.TimeAndId(c.createTime(), c.id()))))
        .map(page -> ListCredentialChecksResponse.newBuilder()
            .addAllChecks(page.items().stream().map(CredentialCheckEndpoint::toProto).toList())
            .setNextPageToken(page.nextToken())
            .build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<ListMitigationsResponse> listMitigations(ListMitigationsRequest request) {
    return Future.succeededFuture(request)
        .map(CredentialCheckEndpoint::mitigationQuery)
        .compose(q -> mitigations.list(pool, q.tenantId(), q.state(), q.page().after(), q.page().fetch())
            .map(rows -> q.page().page(rows, m -> new Keyset.TimeAndId(m.createTime(), m.id()))))
        .map(page -> ListMitigationsResponse.newBuilder()
            .addAllMitigations(page.items().stream().map(CredentialCheckEndpoint::toProto).toList())
            .setNextPageToken(page.nextToken())
            .build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<ApproveMitigationResponse> approveMitigation(ApproveMitigationRequest request) {
    return Future.succeededFuture(request)
        .map(r -> {
          Fields.tenantId(r.getTenantId());
          Fields.text("actor", r.getActor(), 1, 200);
          return Fields.id("mitigation_id", r.getMitigationId());
        })
        .compose(id -> mitigator.approve(request.getTenantId(), id,
            approver(request.getTenantId(), request.getActor())))
        .map(m -> ApproveMitigationResponse.newBuilder().setMitigation(toProto(m)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<RejectMitigationResponse> rejectMitigation(RejectMitigationRequest request) {
    return Future.succeededFuture(request)
        .map(r -> {
          Fields.tenantId(r.getTenantId());
          Fields.text("actor", r.getActor(), 1, 200);
          Fields.text("reason", r.getReason(), 0, 1000);
          return Fields.id("mitigation_id", r.getMitigationId());
        })
        .compose(id -> mitigator.reject(request.getTenantId(), id, approver(request.getTenantId(), request.getActor()),
            request.getReason()))
        .map(m -> RejectMitigationResponse.newBuilder().setMitigation(toProto(m)).build())
        .recover(GrpcErrors::toStatus);
  }

  /** The verified identity of the caller submitting a check, stored with it for the rows written later. */
  private static String submitter(Caller caller, CheckIntake.Input in) {
    return CallContext.actingFor(caller, in.tenantId()).subject();
  }

  /**
   * Who approves or rejects: the caller's verified identity, which must hold the approval scope for
   * the tenant (the gate checks both; outside a call there is no caller), with the request's actor
   * as its display name.
   */
  private static Mitigator.Actor approver(String tenantId, String displayName) {
    Caller caller = CallContext.callerFor(tenantId);
    if (!caller.has(Caller.APPROVE_MITIGATIONS_SCOPE)) {
      throw new Failure.PermissionDenied("SCOPE_REQUIRED", "the caller needs the " + Caller.APPROVE_MITIGATIONS_SCOPE
          + " scope (or " + Caller.ADMIN_SCOPE + ") to approve or reject a mitigation");
    }
    return new Mitigator.Actor(caller.subject(), displayName);
  }

  // ---- validation ---------------------------------------------------------------------------

  private CheckIntake.Input input(String tenantId, String username, String password, boolean hasLeak, Leak leak,
      String requestId) {
    Fields.tenantId(tenantId);
    String user = Fields.text("username", username == null ? "" : username.strip(), 1, 320);
    int length = password == null ? 0 : password.codePointCount(0, password.length());
    if (length < 1 || length > 1024) {
      throw new Failure.InvalidArgument("password", "must be 1 to 1024 characters");
    }
    Leak l = hasLeak ? leak : Leak.getDefaultInstance();
    String leakId = Fields.text("leak.leak_id", l.getLeakId(), 0, 200);
    String source = Fields.text("leak.source", l.getSource(), 0, 1000);
    if (!SOURCE_KIND.matcher(l.getSourceKind()).matches()) {
      throw new Failure.InvalidArgument("leak.source_kind", "must be at most 64 lowercase letters, digits or '_'"
          + " (for example stealer_log, combolist, breach)");
    }
    Instant leaked = leakedTime(l);
    return new CheckIntake.Input(tenantId, user, password, leakId, source, l.getSourceKind(), leaked, requestId);
  }

  private Instant leakedTime(Leak leak) {
    if (!leak.hasLeakedTime()) {
      return null;
    }
    var ts = leak.getLeakedTime();
    if (ts.getNanos() < 0 || ts.getNanos() > 999_999_999) {
      throw new Failure.InvalidArgument("leak.leaked_time", "nanos must be between 0 and 999999999");
    }
    Instant t;
    try {
      t = Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    } catch (RuntimeException e) {
      throw new Failure.InvalidArgument("leak.leaked_time", "must be a valid timestamp");
    }
    if (t.isBefore(EARLIEST)) {
      throw new Failure.InvalidArgument("leak.leaked_time", "must be after 1970-01-01T00:00:00Z");
    }
    if (t.isAfter(clock.instant().plus(FUTURE_TOLERANCE))) {
      throw new Failure.InvalidArgument("leak.leaked_time", "must not be in the future");
    }
    return t;
  }

  private static String streamRequestId(String value) {
    if (value == null || value.isEmpty()) {
      throw new Failure.InvalidArgument("request_id", "is required in a stream: it matches each response to its"
          + " request");
    }
    return Fields.requestId("request_id", value);
  }

  private record ListQuery(String tenantId, StoredCheck.Outcome outcome,
      PageToken.Request<Keyset.TimeAndId> page) {}

  private static ListQuery listQuery(ListCredentialChecksRequest r) {
    String tenantId = Fields.tenantId(r.getTenantId());
    int size = Fields.pageSize(r.getPageSize(), 100, 1000);
    StoredCheck.Outcome outcome = switch (r.getOutcome()) {
      case CHECK_OUTCOME_UNSPECIFIED -> null;
      case UNRECOGNIZED -> throw new Failure.InvalidArgument("outcome", "must be unset or one of " + OUTCOMES);
      default -> StoredCheck.Outcome.valueOf(r.getOutcome().name().substring("CHECK_OUTCOME_".length()));
    };
    String scope = "checks/" + tenantId + "/" + (outcome == null ? "*" : outcome.name());
    return new ListQuery(tenantId, outcome, PageToken.request(scope, r.getPageToken(), size, PageToken.TIME_AND_ID));
  }

  private record MitigationQuery(String tenantId, StoredMitigation.State state,
      PageToken.Request<Keyset.TimeAndId> page) {}

  private static MitigationQuery mitigationQuery(ListMitigationsRequest r) {
    String tenantId = Fields.tenantId(r.getTenantId());
    int size = Fields.pageSize(r.getPageSize(), 100, 1000);
    StoredMitigation.State state = switch (r.getState()) {
      case MITIGATION_STATE_UNSPECIFIED -> null;
      case UNRECOGNIZED -> throw new Failure.InvalidArgument("state", "must be unset or one of " + STATES);
      default -> StoredMitigation.State.valueOf(r.getState().name().substring("MITIGATION_STATE_".length()));
    };
    String scope = "mitigations/" + tenantId + "/" + (state == null ? "*" : state.name());
    return new MitigationQuery(tenantId, state, PageToken.request(scope, r.getPageToken(), size,
        PageToken.TIME_AND_ID));
  }

  /** The feed of checks decided after they waited ({@link CheckDecisionFeed}). */
  @Override
  public Future<ListCheckDecisionsResponse> listCheckDecisions(ListCheckDecisionsRequest request) {
    return Future.succeededFuture(request)
        .compose(decisions::list)
        .recover(GrpcErrors::toStatus);
  }

  // ---- proto mapping ------------------------------------------------------------------------

  static CredentialCheck toProto(StoredCheck c) {
    var b = CredentialCheck.newBuilder()
        .setCheckId(c.id().toString())
        .setIdentityId(c.identityId() == null ? "" : c.identityId().toString())
        .setUsername(c.username())
        .setOutcome(CheckOutcome.valueOf("CHECK_OUTCOME_" + c.outcome().name()))
        .setSkipReason(c.skipReason() == null ? SkipReason.SKIP_REASON_UNSPECIFIED
            : SkipReason.valueOf("SKIP_REASON_" + c.skipReason().name()))
        .setDetail(c.detail())
        .setAttemptsMade(c.attemptsMade())
        .setCreateTime(Protos.timestamp(c.createTime()))
        .setRequestId(c.requestId() == null ? "" : c.requestId());
    if (c.outcome().waits() && c.nextAttemptTime() != null) {
      b.setNextAttemptTime(Protos.timestamp(c.nextAttemptTime()));
    }
    if (c.decideTime() != null) {
      b.setDecideTime(Protos.timestamp(c.decideTime()));
    }
    if (c.mitigation() != null) {
      b.setMitigation(toProto(c.mitigation()));
    }
    Leak.Builder leak = Leak.newBuilder().setLeakId(c.leakId()).setSource(c.leakSource())
        .setSourceKind(c.leakSourceKind());
    if (c.leakedTime() != null) {
      leak.setLeakedTime(Protos.timestamp(c.leakedTime()));
    }
    return b.setLeak(leak).build();
  }

  static Mitigation toProto(StoredMitigation m) {
    var b = Mitigation.newBuilder()
        .setMitigationId(m.id().toString())
        .setIdentityId(m.identityId() == null ? "" : m.identityId().toString())
        .setCheckId(m.checkId().toString())
        .setMode(MitigationMode.valueOf("MITIGATION_MODE_" + m.mode().name()))
        .setState(MitigationState.valueOf("MITIGATION_STATE_" + m.state().name()))
        .setActor(m.actor())
        .setActorSubject(m.actorSubject())
        .setCreateTime(Protos.timestamp(m.createTime()))
        .setErrorMessage(m.errorMessage())
        .setRejectionReason(m.rejectionReason())
        .setApprovalReason(m.approvalReason());
    m.actions().forEach(a -> b.addActions(MitigationAction.valueOf("MITIGATION_ACTION_" + a.name())));
    m.results().forEach(r -> b.addActionResults(MitigationActionResult.newBuilder()
        .setAction(MitigationAction.valueOf("MITIGATION_ACTION_" + r.action().name()))
        .setOutcome(MitigationActionOutcome.valueOf("MITIGATION_ACTION_OUTCOME_" + r.outcome().name()))
        .setDetail(r.detail()).setOktaRequestId(r.oktaRequestId() == null ? "" : r.oktaRequestId())));
    if (m.applyTime() != null) {
      b.setApplyTime(Protos.timestamp(m.applyTime()));
    }
    return b.build();
  }
}
