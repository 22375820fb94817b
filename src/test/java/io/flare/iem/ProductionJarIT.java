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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar, as the container runs it: {@code java -jar target/iem-okta.jar} in production
 * mode against real Postgres and Redis answers health and {@code /readyz}, requires caller tokens,
 * and exits on SIGTERM; it holds the product only (the simulator, dev mode and the embedded
 * servers are test code), says how to start dev mode when asked for it, and refuses the insecure
 * Okta hosts that only dev mode may use. Run by failsafe after
 * the shade plugin built the jar.
 */
class ProductionJarIT {

  static ServiceProcess service;

  @BeforeAll
  static void start_the_jar() throws Exception {
    service = ServiceProcess.startJar(TestServers.newDatabase(), Map.of());
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

  @Test
  void the_jar_holds_the_product_only_no_simulator_dev_mode_or_embedded_server() throws Exception {
    List<String> entries;
    try (JarFile jar = new JarFile(jar().toFile())) {
      entries = jar.stream().map(JarEntry::getName).toList();
    }
    assertThat(entries).as("the jar's entries").contains("io/flare/iem/Main.class", "io/flare/iem/App.class");
    assertThat(entries).as("simulator, dev-mode and embedded-server classes and binaries").noneMatch(name ->
        name.startsWith("io/flare/iem/oktasim/") || name.startsWith("io/flare/iem/dev/")
            || name.startsWith("io/zonky/") || name.startsWith("redis/embedded/")
            || name.startsWith("postgres-") || name.startsWith("redis-server"));
  }

  @Test
  void started_with_iem_dev_the_jar_says_how_to_start_dev_mode_and_exits_non_zero() throws Exception {
    String output = startRefused(Map.of("IEM_DEV", "true"));

    assertThat(output.lines().toList()).as("what it printed").singleElement().asString()
        .contains("IEM_DEV=true").contains(Main.DEV_COMMAND);
  }

  @Test
  void the_jar_refuses_insecure_okta_hosts_however_complete_the_rest_of_its_settings() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(ServiceProcess.productionEnv(Path.of("target"),
        TestServers.newDatabase(), 0, 0));
    env.put("IEM_OKTA_INSECURE_HOSTS", "127.0.0.1");

    String output = startRefused(env);

    assertThat(output).contains("cannot start")
        .contains("IEM_OKTA_INSECURE_HOSTS is for dev mode only").doesNotContain("iem-okta serving");
  }

  /** Runs {@code java -jar} with exactly {@code env}, expecting it to exit non-zero within a minute; what it printed. */
  private static String startRefused(Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(Path.of("target"), "refused", ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar().toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited; output:%n%s", Files.readString(log)).isTrue();
    } finally {
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(process.exitValue()).as("exit code; output:%n%s", output).isNotZero();
    return output;
  }

  static Path jar() {
    return ServiceProcess.jar();
  }
}
