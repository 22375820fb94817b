package io.flare.iem.identitysync;

import io.flare.iem.grpc.Failure;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.Streams;
import io.flare.iem.v1.CancelSyncRunRequest;
import io.flare.iem.v1.CancelSyncRunResponse;
import io.flare.iem.v1.GetIdentityRequest;
import io.flare.iem.v1.GetIdentityResponse;
import io.flare.iem.v1.GetSyncRunRequest;
import io.flare.iem.v1.GetSyncRunResponse;
import io.flare.iem.v1.IdentitySyncServiceService;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListIdentitiesResponse;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.flare.iem.v1.ListSyncRunsResponse;
import io.flare.iem.v1.StartSyncRequest;
import io.flare.iem.v1.StartSyncResponse;
import io.flare.iem.v1.WatchSyncRunRequest;
import io.flare.iem.v1.WatchSyncRunResponse;
import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;

/** IdentitySyncService. Until the sync engine lands every RPC answers UNIMPLEMENTED, saying so. */
public final class IdentitySyncEndpoint extends IdentitySyncServiceService {

  private static <T> Future<T> missing() {
    return GrpcErrors.toStatus(new Failure.Unimplemented(
        "identity sync is not built yet: runs are queued by CreateIntegration and will start once the sync engine lands"));
  }

  @Override
  public Future<StartSyncResponse> startSync(StartSyncRequest request) {
    return missing();
  }

  @Override
  public Future<GetSyncRunResponse> getSyncRun(GetSyncRunRequest request) {
    return missing();
  }

  @Override
  public Future<ListSyncRunsResponse> listSyncRuns(ListSyncRunsRequest request) {
    return missing();
  }

  @Override
  protected void watchSyncRun(WatchSyncRunRequest request, WriteStream<WatchSyncRunResponse> response) {
    missing().onFailure(error -> Streams.fail(response, error));
  }

  @Override
  public Future<CancelSyncRunResponse> cancelSyncRun(CancelSyncRunRequest request) {
    return missing();
  }

  @Override
  public Future<ListIdentitiesResponse> listIdentities(ListIdentitiesRequest request) {
    return missing();
  }

  @Override
  public Future<GetIdentityResponse> getIdentity(GetIdentityRequest request) {
    return missing();
  }
}
