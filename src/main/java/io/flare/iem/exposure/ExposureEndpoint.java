package io.flare.iem.exposure;

import io.flare.iem.failure.Failure;
import io.flare.iem.grpc.Fields;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.PageToken;
import io.flare.iem.grpc.Protos;
import io.flare.iem.storage.Keyset;
import io.flare.iem.v1.Exposure;
import io.flare.iem.v1.ExposureEvent;
import io.flare.iem.v1.ExposureLeak;
import io.flare.iem.v1.ExposureSignal;
import io.flare.iem.v1.ExposureState;
import io.flare.iem.v1.GetExposureRequest;
import io.flare.iem.v1.GetExposureResponse;
import io.flare.iem.v1.ListExposuresRequest;
import io.flare.iem.v1.ListExposuresResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;

/**
 * ListExposures and GetExposure, served on CredentialCheckService (its endpoint forwards them
 * here): validate, read, map, and one error mapping. The caller's tenant is checked at the edge
 * (AuthGate), and every read filters on the request's tenant.
 */
public final class ExposureEndpoint {

  private final Pool pool;
  private final ExposureRepository cases;
  private final SignalOutbox outbox;

  ExposureEndpoint(Pool pool, ExposureRepository cases, SignalOutbox outbox) {
    this.pool = pool;
    this.cases = cases;
    this.outbox = outbox;
  }

  private record Query(String tenantId, ExposureCase.State state, PageToken.Request<Keyset.TimeAndId> page) {}

  public Future<ListExposuresResponse> listExposures(ListExposuresRequest request) {
    return Future.succeededFuture(request)
        .map(ExposureEndpoint::query)
        .compose(q -> cases.list(pool, q.tenantId(), q.state(), q.page().after(), q.page().fetch())
            .map(rows -> q.page().page(rows, c -> new Keyset.TimeAndId(c.openTime(), c.id()))))
        .compose(page -> Future.all(page.items().stream().map(c -> full(c, false)).toList())
            .map(all -> ListExposuresResponse.newBuilder().addAllExposures(all.<Exposure>list())
                .setNextPageToken(page.nextToken()).build()))
        .recover(GrpcErrors::toStatus);
  }

  public Future<GetExposureResponse> getExposure(GetExposureRequest request) {
    return Future.succeededFuture(request)
        .map(r -> {
          Fields.tenantId(r.getTenantId());
          return Fields.id("exposure_id", r.getExposureId());
        })
        .compose(id -> cases.get(pool, request.getTenantId(), id)
            .map(found -> found.orElseThrow(() -> new Failure.NotFound("EXPOSURE_NOT_FOUND",
                "tenant '" + request.getTenantId() + "' has no exposure case " + id))))
        .compose(c -> full(c, true))
        .map(e -> GetExposureResponse.newBuilder().setExposure(e).build())
        .recover(GrpcErrors::toStatus);
  }

  private static Query query(ListExposuresRequest r) {
    String tenantId = Fields.tenantId(r.getTenantId());
    int size = Fields.pageSize(r.getPageSize(), 100, 1000);
    ExposureCase.State state = switch (r.getState()) {
      case EXPOSURE_STATE_UNSPECIFIED -> null;
      case EXPOSURE_STATE_OPEN -> ExposureCase.State.OPEN;
      case EXPOSURE_STATE_RESOLVED -> ExposureCase.State.RESOLVED;
      default -> throw new Failure.InvalidArgument("state", "must be unset, EXPOSURE_STATE_OPEN or"
          + " EXPOSURE_STATE_RESOLVED");
    };
    String scope = "exposures/" + tenantId + "/" + (state == null ? "*" : state.name());
    return new Query(tenantId, state, PageToken.request(scope, r.getPageToken(), size, PageToken.TIME_AND_ID));
  }

  /** The case with what it holds (its timeline too when {@code timeline}). */
  private Future<Exposure> full(ExposureCase c, boolean timeline) {
    return cases.events(pool, c.tenantId(), c.id()).compose(events -> outbox.ofCase(pool, c.tenantId(), c.id())
        .map(signals -> toProto(c, events, signals, timeline)));
  }

  static Exposure toProto(ExposureCase c, List<ExposureRepository.Event> events, List<SignalOutbox.Signal> signals,
      boolean timeline) {
    Exposure.Builder out = Exposure.newBuilder()
        .setExposureId(c.id().toString())
        .setIdentityId(c.identityId().toString())
        .setOktaUserId(c.oktaUserId())
        .setLogin(c.login())
        .setState(c.state() == ExposureCase.State.OPEN ? ExposureState.EXPOSURE_STATE_OPEN
            : ExposureState.EXPOSURE_STATE_RESOLVED)
        .setOpenTime(Protos.timestamp(c.openTime()))
        .setRestored(c.restored());
    if (c.resolveTime() != null) {
      out.setResolveTime(Protos.timestamp(c.resolveTime()));
    }
    if (c.passwordChanged() != null) {
      out.setPasswordChangedTime(Protos.timestamp(c.passwordChanged()));
    }
    for (ExposureRepository.Event e : events) {
      JsonObject d = e.detail();
      if (e.kind().equals("opened") || e.kind().equals("leak_joined")) {
        out.addLeaks(leak(d));
        out.addCheckIds(d.getString("check_id", ""));
      } else if (e.kind().equals("mitigation_created")) {
        out.addMitigationIds(d.getString("mitigation_id", ""));
      }
      if (timeline) {
        out.addTimeline(ExposureEvent.newBuilder().setKind(e.kind()).setDetail(d.encode())
            .setEventTime(Protos.timestamp(e.time())));
      }
    }
    for (SignalOutbox.Signal s : signals) {
      ExposureSignal.Builder signal = ExposureSignal.newBuilder().setJti(s.jti()).setLevel(s.level())
          .setState(s.state()).setAttempts(s.attempts()).setCreateTime(Protos.timestamp(s.createTime()))
          .setErrorMessage(s.error());
      if (s.sentTime() != null) {
        signal.setSentTime(Protos.timestamp(s.sentTime()));
      }
      out.addSignals(signal);
    }
    return out.build();
  }

  private static ExposureLeak leak(JsonObject d) {
    ExposureLeak.Builder leak = ExposureLeak.newBuilder().setLeakId(d.getString("leak_id", ""))
        .setSource(d.getString("source", "")).setSourceKind(d.getString("source_kind", ""))
        .setCheckId(d.getString("check_id", ""));
    if (d.getString("leaked_time") != null) {
      leak.setLeakedTime(Protos.timestamp(Instant.parse(d.getString("leaked_time"))));
    }
    if (d.getString("decide_time") != null) {
      leak.setDecideTime(Protos.timestamp(Instant.parse(d.getString("decide_time"))));
    }
    return leak.build();
  }

}
