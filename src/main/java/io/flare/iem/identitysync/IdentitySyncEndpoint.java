package io.flare.iem.identitysync;

import io.flare.iem.audit.AuditLog;
import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.CallContext;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.PageToken;
import io.flare.iem.grpc.Protos;
import io.flare.iem.grpc.Streams;
import io.flare.iem.integrationconfig.Integration;
import io.flare.iem.integrationconfig.IntegrationRepository;
import io.flare.iem.storage.Keyset;
import io.flare.iem.v1.CancelSyncRunRequest;
import io.flare.iem.v1.CancelSyncRunResponse;
import io.flare.iem.v1.GetIdentityRequest;
import io.flare.iem.v1.GetIdentityResponse;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.GetSyncRunResponse;
import io.flare.iem.v1.IdentifierKind;
import io.flare.iem.v1.IdentityIdentifier;
import io.flare.iem.v1.IdentitySyncServiceService;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListIdentitiesResponse;
import io.flare.iem.v1.ListIdentityChangesRequest;
import io.flare.iem.v1.ListIdentityChangesResponse;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.ListSyncRunsResponse;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.StartSyncResponse;
import io.flare.iem.v1.SyncMode;
import io.flare.iem.v1.SyncRunState;
import io.flare.iem.v1.SyncTrigger;
import io.flare.iem.v1.UserStatus;
import io.flare.iem.v1.WatchSyncRunRequest;
import io.flare.iem.v1.WatchSyncRunResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.sqlclient.Pool;
import java.util.Locale;
import java.util.UUID;

/** IdentitySyncService: sync runs on demand, their progress, and the synced identities. */
public final class IdentitySyncEndpoint extends IdentitySyncServiceService {

  private static final long WATCH_POLL_MS = 250;

  private final Vertx vertx;
  private final Pool pool;
  private final SyncRunRepository runs;
  private final IdentityRepository identities;
  private final IntegrationRepository integrations;
  private final IdentityChangeFeed changes;

  private Runnable syncQueued = () -> { };

  /** Tells the local sync worker to look for queued runs at once. */
  void onSyncQueued(Runnable kick) {
    this.syncQueued = kick;
  }

  IdentitySyncEndpoint(Vertx vertx, Pool pool, IntegrationRepository integrations, SyncRunRepository runs,
      IdentityRepository identities, IdentityChangeLog changeLog) {
    this.vertx = vertx;
    this.changes = new IdentityChangeFeed(pool, changeLog);
    this.pool = pool;
    this.runs = runs;
    this.identities = identities;
    this.integrations = integrations;
  }

  @Override
  public Future<StartSyncResponse> startSync(StartSyncRequest request) {
    return Future.succeededFuture(request)
        .map(r -> {
          Fields.tenantId(r.getTenantId());
          Fields.requestId("request_id", r.getRequestId());
          if (r.getModeValue() < 0 || r.getModeValue() > SyncMode.SYNC_MODE_INCREMENTAL_VALUE) {
            throw new Failure.InvalidArgument("mode", "must be SYNC_MODE_FULL or SYNC_MODE_INCREMENTAL (or unset)");
          }
          return r;
        })
        .compose(this::start)
        .andThen(started -> syncQueued.run())
        .map(run -> StartSyncResponse.newBuilder().setSyncRun(toProto(run)).build())
        .recover(GrpcErrors::toStatus);
  }

  private Future<SyncRun> start(StartSyncRequest request) {
    String tenantId = request.getTenantId();
    String requestId = Fields.requestId("request_id", request.getRequestId());
    return pool.withTransaction(tx -> integrations.getForUpdate(tx, tenantId)
        .compose(integration -> {
          if (integration.kind() != Integration.Kind.OKTA) {
            return Future.failedFuture(new Failure.FailedPrecondition("NOT_OKTA",
                "the tenant's integration is Entra ID; this service syncs Okta integrations"));
          }
          Future<java.util.Optional<SyncRun>> earlier = requestId == null
              ? Future.succeededFuture(java.util.Optional.empty())
              : runs.byRequest(tx, tenantId, requestId);
          return earlier.compose(found -> found.isPresent()
              ? Future.succeededFuture(found.get())
              : queue(tx, tenantId, request.getMode(), requestId));
        }));
  }

  private Future<SyncRun> queue(io.vertx.sqlclient.SqlClient tx, String tenantId, SyncMode asked, String requestId) {
    return SyncSchedule.state(tx, tenantId).compose(state -> {
      boolean fullBefore = state.map(SyncSchedule.State::lastFullSuccess).isPresent();
      SyncQueue.Mode mode = asked == SyncMode.SYNC_MODE_FULL || !fullBefore ? SyncQueue.Mode.FULL
          : SyncQueue.Mode.INCREMENTAL;
      String submitter = CallContext.callerFor(tenantId).subject();
      return SyncQueue.enqueue(tx, tenantId, mode, SyncQueue.Trigger.MANUAL, requestId, submitter)
          .compose(queued -> runs.active(tx, tenantId))
          .compose(active -> AuditLog.append(tx, AuditLog.Event.of(tenantId, "sync.start",
                  submitter, "OK", new JsonObject()
                      .put("sync_run_id", active.map(r -> r.id().toString()).orElse(""))
                      .put("mode", mode.name())))
              .map(ignored -> active.orElseThrow(() -> new Failure.Unavailable("SYNC_QUEUE",
                  "the sync run could not be queued; retry", null))));
    });
  }

  @Override
  public Future<GetSyncRunResponse> getSyncRun(GetSyncRunRequest request) {
    return Future.succeededFuture(request)
        .map(r -> Fields.tenantId(r.getTenantId()))
        .compose(tenantId -> find(tenantId, Fields.id("sync_run_id", request.getSyncRunId())))
        .map(run -> GetSyncRunResponse.newBuilder().setSyncRun(toProto(run)).build())
        .recover(GrpcErrors::toStatus);
  }

  private Future<SyncRun> find(String tenantId, UUID id) {
    return runs.get(pool, tenantId, id).map(found -> found.orElseThrow(() ->
        new Failure.NotFound("SYNC_RUN_NOT_FOUND", "tenant '" + tenantId + "' has no sync run " + id)));
  }

  @Override
  public Future<ListSyncRunsResponse> listSyncRuns(ListSyncRunsRequest request) {
    return Future.succeededFuture(request)
        .map(r -> PageToken.request("sync-runs/" + Fields.tenantId(r.getTenantId()), r.getPageToken(),
            Fields.pageSize(r.getPageSize(), 50, 1000), PageToken.TIME_AND_ID))
        .compose(page -> runs.list(pool, request.getTenantId(), page.after(), page.fetch())
            .map(rows -> page.page(rows, run -> new Keyset.TimeAndId(run.createTime(), run.id()))))
        .map(page -> ListSyncRunsResponse.newBuilder()
            .addAllSyncRuns(page.items().stream().map(IdentitySyncEndpoint::toProto).toList())
            .setNextPageToken(page.nextToken())
            .build())
        .recover(GrpcErrors::toStatus);
  }

  /**
   * Sends the run now and whenever its progress changes, then its final state, and ends. The client
   * going away stops only this watch.
   */
  @Override
  protected void watchSyncRun(WatchSyncRunRequest request, WriteStream<WatchSyncRunResponse> response) {
    Future.succeededFuture(request)
        .map(r -> Fields.tenantId(r.getTenantId()))
        .compose(tenantId -> find(tenantId, Fields.id("sync_run_id", request.getSyncRunId())))
        .onSuccess(run -> new Watch(request.getTenantId(), response).send(run))
        .onFailure(error -> Streams.fail(response, error));
  }

  /** One watch: polls the run row (which every replica updates) and forwards changes. */
  private final class Watch {
    private final String tenantId;
    private final WriteStream<WatchSyncRunResponse> response;
    private volatile boolean gone;
    private io.flare.iem.v1.SyncRun last;

    Watch(String tenantId, WriteStream<WatchSyncRunResponse> response) {
      this.tenantId = tenantId;
      this.response = response;
      if (response instanceof GrpcServerResponse<?, ?> grpc) {
        grpc.exceptionHandler(error -> gone = true);
      }
    }

    void send(SyncRun run) {
      if (gone) {
        return;
      }
      io.flare.iem.v1.SyncRun proto = toProto(run);
      try {
        if (!proto.equals(last)) {
          last = proto;
          response.write(WatchSyncRunResponse.newBuilder().setSyncRun(proto).build());
        }
        if (run.state().ended()) {
          response.end();
          return;
        }
      } catch (IllegalStateException streamClosed) {
        gone = true; // the client cancelled or its deadline passed: only the watch ends
        return;
      }
      vertx.setTimer(WATCH_POLL_MS, id -> runs.get(pool, tenantId, run.id())
          .onSuccess(found -> found.ifPresent(this::send))
          .onFailure(error -> {
            if (!gone) {
              Streams.fail(response, error);
            }
          }));
    }
  }

  @Override
  public Future<io.flare.iem.v1.CancelSyncRunResponse> cancelSyncRun(CancelSyncRunRequest request) {
    return Future.succeededFuture(request)
        .map(r -> Fields.tenantId(r.getTenantId()))
        .compose(tenantId -> {
          UUID id = Fields.id("sync_run_id", request.getSyncRunId());
          return runs.cancel(pool, tenantId, id).compose(cancelled -> cancelled.isPresent()
              ? Future.succeededFuture(cancelled.get())
              : find(tenantId, id).compose(run -> Future.failedFuture(new Failure.FailedPrecondition("SYNC_RUN_ENDED",
                  "sync run " + id + " has already ended (" + run.state() + ")"))));
        })
        .map(run -> CancelSyncRunResponse.newBuilder().setSyncRun(toProto(run)).build())
        .recover(GrpcErrors::toStatus);
  }

  @Override
  public Future<ListIdentitiesResponse> listIdentities(ListIdentitiesRequest request) {
    return Future.succeededFuture(request)
        .map(IdentitySyncEndpoint::identityQuery)
        .compose(q -> identities.page(pool, q.tenantId(), q.status(), q.prefix(), q.page().after(), q.page().fetch())
            .map(rows -> q.page().page(rows, i -> new Keyset.TextAndId(i.login().toLowerCase(Locale.ROOT), i.id())))
            .compose(page -> identities.count(pool, q.tenantId(), q.status(), q.prefix())
                .map(total -> ListIdentitiesResponse.newBuilder()
                    .setTotalSize(total)
                    .addAllIdentities(page.items().stream().map(IdentitySyncEndpoint::toProto).toList())
                    .setNextPageToken(page.nextToken())
                    .build())))
        .recover(GrpcErrors::toStatus);
  }

  private record IdentityQuery(String tenantId, String status, String prefix,
      PageToken.Request<Keyset.TextAndId> page) {}

  private static IdentityQuery identityQuery(ListIdentitiesRequest r) {
    String tenantId = Fields.tenantId(r.getTenantId());
    int size = Fields.pageSize(r.getPageSize(), 100, 1000);
    String status = statusFilter(r.getStatus(), r.getStatusValue());
    String prefix = Fields.text("login_prefix", r.getLoginPrefix(), 0, 100);
    String scope = "identities/" + tenantId + "/" + status + "/" + prefix;
    return new IdentityQuery(tenantId, status, prefix, PageToken.request(scope, r.getPageToken(), size,
        PageToken.TEXT_AND_ID));
  }

  @Override
  public Future<GetIdentityResponse> getIdentity(GetIdentityRequest request) {
    return Future.succeededFuture(request)
        .map(r -> Fields.tenantId(r.getTenantId()))
        .compose(tenantId -> {
          UUID id = Fields.id("identity_id", request.getIdentityId());
          return identities.get(pool, tenantId, id).map(found -> found.orElseThrow(() ->
              new Failure.NotFound("IDENTITY_NOT_FOUND", "tenant '" + tenantId + "' has no identity " + id)));
        })
        .map(identity -> GetIdentityResponse.newBuilder().setIdentity(toProto(identity)).build())
        .recover(GrpcErrors::toStatus);
  }

  /** The feed of identities and identifiers added, changed and removed ({@link IdentityChangeFeed}). */
  @Override
  public Future<ListIdentityChangesResponse> listIdentityChanges(ListIdentityChangesRequest request) {
    return Future.succeededFuture(request)
        .compose(changes::list)
        .recover(GrpcErrors::toStatus);
  }

  private static String statusFilter(UserStatus status, int value) {
    if (value == 0) {
      return null;
    }
    if (status == UserStatus.UNRECOGNIZED) {
      throw new Failure.InvalidArgument("status", "is not a known user status");
    }
    return status.name().substring("USER_STATUS_".length());
  }

  static io.flare.iem.v1.SyncRun toProto(SyncRun run) {
    SyncRun.Counters c = run.counters();
    var b = io.flare.iem.v1.SyncRun.newBuilder()
        .setSyncRunId(run.id().toString())
        .setMode(run.mode() == SyncQueue.Mode.FULL ? SyncMode.SYNC_MODE_FULL : SyncMode.SYNC_MODE_INCREMENTAL)
        .setTrigger(SyncTrigger.valueOf("SYNC_TRIGGER_" + run.trigger().name()))
        .setState(SyncRunState.valueOf("SYNC_RUN_STATE_" + run.state().name()))
        .setCreateTime(Protos.timestamp(run.createTime()))
        .setUsersSeen(c.usersSeen())
        .setIdentitiesCreated(c.identitiesCreated())
        .setIdentitiesUpdated(c.identitiesUpdated())
        .setIdentitiesRemoved(c.identitiesRemoved())
        .setIdentifiersCreated(c.identifiersCreated())
        .setIdentifiersOverCap(c.identifiersOverCap())
        .setPagesFetched(c.pagesFetched())
        .setOktaRequests(c.oktaRequests())
        .setRateLimitWaits(c.rateLimitWaits())
        .setErrorMessage(run.errorMessage() == null ? "" : run.errorMessage())
        .setSubmittedBy(run.submittedBy() == null ? "" : run.submittedBy());
    if (run.startTime() != null) {
      b.setStartTime(Protos.timestamp(run.startTime()));
    }
    if (run.endTime() != null) {
      b.setEndTime(Protos.timestamp(run.endTime()));
    }
    return b.build();
  }

  static io.flare.iem.v1.Identity toProto(IdentityRepository.StoredIdentity i) {
    var b = io.flare.iem.v1.Identity.newBuilder()
        .setIdentityId(i.id().toString())
        .setOktaUserId(i.oktaUserId())
        .setLogin(i.login())
        .setEmail(i.email())
        .setSecondEmail(i.secondEmail())
        .setFirstName(i.firstName())
        .setLastName(i.lastName())
        .setStatus(userStatus(i.status()))
        .setMonitored(i.monitored());
    if (i.lastLogin() != null) {
      b.setLastLoginTime(Protos.timestamp(i.lastLogin()));
    }
    if (i.passwordChanged() != null) {
      b.setPasswordChangedTime(Protos.timestamp(i.passwordChanged()));
    }
    for (var id : i.identifiers()) {
      b.addIdentifiers(IdentityIdentifier.newBuilder().setValue(id.value())
          .setKind(IdentifierKind.valueOf("IDENTIFIER_KIND_" + id.kind())));
    }
    return b.build();
  }

  static UserStatus userStatus(String okta) {
    try {
      return UserStatus.valueOf("USER_STATUS_" + okta);
    } catch (IllegalArgumentException unknown) {
      return UserStatus.USER_STATUS_UNSPECIFIED;
    }
  }
}
