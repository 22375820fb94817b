package io.flare.iem.credentialcheck;

import io.flare.iem.grpc.Failure;
import io.flare.iem.grpc.GrpcErrors;
import io.flare.iem.grpc.Streams;
import io.flare.iem.v1.ApproveMitigationRequest;
import io.flare.iem.v1.ApproveMitigationResponse;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CredentialCheckServiceService;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.GetCredentialCheckResponse;
import io.flare.iem.v1.ListCredentialChecksRequest;
import io.flare.iem.v1.ListCredentialChecksResponse;
import io.flare.iem.v1.ListMitigationsRequest;
import io.flare.iem.v1.ListMitigationsResponse;
import io.flare.iem.v1.RejectMitigationRequest;
import io.flare.iem.v1.RejectMitigationResponse;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/** CredentialCheckService. Until the checker lands every RPC answers UNIMPLEMENTED, saying so. */
public final class CredentialCheckEndpoint extends CredentialCheckServiceService {

  private static <T> Future<T> missing() {
    return GrpcErrors.toStatus(new Failure.Unimplemented(
        "credential checks are not built yet: the lockout-safe checker and mitigation have not landed"));
  }

  @Override
  public Future<CheckCredentialResponse> checkCredential(CheckCredentialRequest request) {
    return missing();
  }

  @Override
  protected void checkCredentials(ReadStream<CheckCredentialsRequest> request,
      WriteStream<CheckCredentialsResponse> response) {
    missing().onFailure(error -> Streams.fail(response, error));
  }

  @Override
  public Future<GetCredentialCheckResponse> getCredentialCheck(GetCredentialCheckRequest request) {
    return missing();
  }

  @Override
  public Future<ListCredentialChecksResponse> listCredentialChecks(ListCredentialChecksRequest request) {
    return missing();
  }

  @Override
  public Future<ListMitigationsResponse> listMitigations(ListMitigationsRequest request) {
    return missing();
  }

  @Override
  public Future<ApproveMitigationResponse> approveMitigation(ApproveMitigationRequest request) {
    return missing();
  }

  @Override
  public Future<RejectMitigationResponse> rejectMitigation(RejectMitigationRequest request) {
    return missing();
  }
}
