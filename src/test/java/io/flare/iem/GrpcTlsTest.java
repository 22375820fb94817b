package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.SelfSignedCertificate;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** gRPC over TLS (h2 by ALPN) when a certificate is configured, with the grpc-java client. */
class GrpcTlsTest {

  static SelfSignedCertificate certificate;
  static RunningService service;
  static ManagedChannel tls;
  static ManagedChannel plaintext;

  @BeforeAll
  static void start() throws Exception {
    certificate = SelfSignedCertificate.create(Path.of("target", "grpc-tls-test", UUID.randomUUID().toString()));
    service = RunningService.start(TestServers.config(TestServers.newDatabase(), Map.of(
        "IEM_GRPC_TLS_CERT_FILE", certificate.certFile().toString(),
        "IEM_GRPC_TLS_KEY_FILE", certificate.keyFile().toString())));
    tls = Grpc.newChannelBuilderForAddress("localhost", service.app.grpcPort(),
            TlsChannelCredentials.newBuilder().trustManager(certificate.certFile().toFile()).build())
        .intercept(RunningService.bearer(TestIssuer.shared().adminToken()))
        .build();
    plaintext = ManagedChannelBuilder.forAddress("localhost", service.app.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    tls.shutdownNow();
    plaintext.shutdownNow();
    service.close();
  }

  @Test
  void health_answers_over_tls() {
    var health = HealthGrpc.newBlockingStub(tls).withDeadlineAfter(30, TimeUnit.SECONDS);

    assertThat(health.check(HealthCheckRequest.newBuilder().setService("readiness").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void an_authenticated_call_works_over_tls() {
    var integrations = IntegrationConfigServiceGrpc.newBlockingStub(tls).withDeadlineAfter(30, TimeUnit.SECONDS);

    assertThatThrownBy(() -> integrations.getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND)); // past the gate
  }

  @Test
  void a_plaintext_client_gets_no_answer() {
    var health = HealthGrpc.newBlockingStub(plaintext).withDeadlineAfter(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL));
  }
}
