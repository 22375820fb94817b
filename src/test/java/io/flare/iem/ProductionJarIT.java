package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ServiceProcess;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar, as the container runs it: {@code java -jar target/iem-okta.jar} in production
 * mode against real Postgres and Redis answers health and {@code /readyz}, requires caller tokens,
 * and exits on SIGTERM. Run by failsafe after the shade plugin built the jar.
 */
class ProductionJarIT {

  static ServiceProcess service;

  @BeforeAll
  static void start_the_jar() throws Exception {
    service = ServiceProcess.start(TestServers.newDatabase(), Map.of());
  }

  @AfterAll
  static void kill_if_still_running() {
    service.close();
  }

  @Test
  void the_jar_starts_in_production_mode_answers_health_and_stops_on_sigterm() throws Exception {
    service.awaitServing();
    assertThat(service.readyz()).isEqualTo(200);

    assertThatThrownBy(() -> IntegrationConfigServiceGrpc.newBlockingStub(service.channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> IntegrationConfigServiceGrpc.newBlockingStub(service.channel)
        .withInterceptors(RunningService.bearer(TestIssuer.shared().token().tenants("acme").sign()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

    service.terminate(); // SIGTERM, as Kubernetes sends

    assertThat(service.waitForExit(Duration.ofSeconds(60)))
        .as("exited within 60 s of SIGTERM; log:%n%s", service.log()).isTrue();
    assertThat(service.exitValue()).as("exit code (143 = after SIGTERM)").isIn(0, 143);
    assertThat(service.log()).contains("caller auth on").contains("iem-okta serving").doesNotContain("DEV MODE");
  }
}
