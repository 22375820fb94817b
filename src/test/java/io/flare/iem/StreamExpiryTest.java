package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.GetCredentialCheckRequest;
import io.flare.iem.v1.Integration;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stream outlives nothing: against a service in production mode with no clock skew, a
 * CheckCredentials stream whose token expires a few seconds after it opens ends UNAUTHENTICATED at
 * that moment, and the check it had already answered stays recorded.
 */
class StreamExpiryTest {

  static RunningService service;
  static final TestIssuer issuer = TestIssuer.shared();

  @BeforeAll
  static void start() {
    service = RunningService.start(TestServers.config(TestServers.newDatabase(),
        Map.of("IEM_AUTH_CLOCK_SKEW_SECONDS", "0")));
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void a_check_credentials_stream_ends_unauthenticated_at_its_tokens_exp_and_its_checks_stay_recorded()
      throws Exception {
    String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
    service.integrations().createIntegration(CreateIntegrationRequest.newBuilder().setTenantId(tenant)
        .setIntegration(Integration.newBuilder().setDisplayName("Okta of " + tenant)
            .setOktaDomain(tenant + ".okta.com").setClientId("0oa1b2c3d4E5f6G7h8i9"))
        .build());
    Instant expiry = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS); // exp has whole seconds
    String token = issuer.token().subject("bulk-loader").tenants(tenant).expiresAt(expiry).sign();
    List<CheckCredentialsResponse> answers = new ArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    Instant[] endedAt = new Instant[1];
    StreamObserver<CheckCredentialsRequest> requests = CredentialCheckServiceGrpc
        .newStub(service.channelWithToken(token)).withDeadlineAfter(60, TimeUnit.SECONDS)
        .checkCredentials(new StreamObserver<>() {
          @Override
          public void onNext(CheckCredentialsResponse value) {
            synchronized (answers) {
              answers.add(value);
            }
          }

          @Override
          public void onError(Throwable t) {
            endedAt[0] = Instant.now();
            done.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            endedAt[0] = Instant.now();
            done.complete(Status.OK);
          }
        });

    requests.onNext(CheckCredentialsRequest.newBuilder().setTenantId(tenant).setRequestId("r1")
        .setUsername("nobody@" + tenant + ".example").setPassword("leaked-1").build());
    Await.until(() -> answered(answers) == 1, Duration.ofSeconds(10), "the answer to r1");
    Status status = done.get(30, TimeUnit.SECONDS); // the stream's end, whatever it is; never half-closed

    assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("expired during the stream");
    assertThat(endedAt[0]).isAfterOrEqualTo(expiry);
    String checkId = answers.get(0).getCheck().getCheckId();
    var recorded = service.checks().getCredentialCheck(GetCredentialCheckRequest.newBuilder().setTenantId(tenant)
        .setCheckId(checkId).build()).getCheck();
    assertThat(recorded.getRequestId()).isEqualTo("r1");
    assertThat(recorded.getOutcome()).isEqualTo(CheckOutcome.CHECK_OUTCOME_NOT_FOUND);
  }

  private static int answered(List<CheckCredentialsResponse> answers) {
    synchronized (answers) {
      return answers.size();
    }
  }
}
