package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.config.AppConfig;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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

  static final Path DIR = Path.of("target", "production-jar-it");
  static final Path LOG = DIR.resolve("iem-okta.log");
  static Process process;
  static ManagedChannel channel;
  static int grpcPort;
  static int httpPort;

  @BeforeAll
  static void start_the_jar() throws Exception {
    Path jar = Path.of(System.getProperty("iem.jar", "target/iem-okta.jar"));
    assertThat(jar).as("the shaded jar; run `./mvnw verify`").exists();
    Files.createDirectories(DIR);
    grpcPort = freePort();
    httpPort = freePort();
    ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-Xmx256m", "-jar", jar.toString())
        .redirectErrorStream(true)
        .redirectOutput(LOG.toFile());
    builder.environment().clear(); // nothing from the developer's shell: only what production sets
    builder.environment().putAll(productionEnv());
    process = builder.start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
  }

  @AfterAll
  static void kill_if_still_running() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void the_jar_starts_in_production_mode_answers_health_and_stops_on_sigterm() throws Exception {
    awaitServing();
    assertThat(readyz()).isEqualTo(200);

    assertThatThrownBy(() -> IntegrationConfigServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> IntegrationConfigServiceGrpc.newBlockingStub(channel)
        .withInterceptors(RunningService.bearer(TestIssuer.shared().token().tenants("acme").sign()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

    process.destroy(); // SIGTERM, as Kubernetes sends

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s of SIGTERM; log:%n%s", log()).isTrue();
    assertThat(process.exitValue()).as("exit code (143 = after SIGTERM)").isIn(0, 143);
    assertThat(log()).contains("caller auth on").contains("iem-okta serving").doesNotContain("DEV MODE");
  }

  private static Map<String, String> productionEnv() throws IOException {
    AppConfig.Postgres pg = TestServers.newDatabase();
    Path passwordKey = DIR.resolve("password.key");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(passwordKey, Base64.getEncoder().encodeToString(key));
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "IEM_DEV", "false",
        "IEM_BIND_HOST", "127.0.0.1",
        "IEM_GRPC_PORT", Integer.toString(grpcPort),
        "IEM_HTTP_PORT", Integer.toString(httpPort),
        "PGHOST", pg.host(),
        "PGPORT", Integer.toString(pg.port()),
        "PGDATABASE", pg.database(),
        "PGUSER", pg.user(),
        "PGPASSWORD", pg.password(),
        "IEM_REDIS_URL", TestServers.redis().url()));
    env.put("IEM_SIGNING_KEY_FILE", TestServers.signingKeyFile().toAbsolutePath().toString());
    env.put("IEM_PASSWORD_KEY_FILE", passwordKey.toAbsolutePath().toString());
    env.put("IEM_SHUTDOWN_GRACE_SECONDS", "5");
    env.putAll(TestIssuer.shared().env());
    env.put("IEM_AUTH_JWKS", TestIssuer.shared().jwksFile().toAbsolutePath().toString());
    return env;
  }

  /** Polls gRPC health until it answers SERVING for liveness and readiness, for at most two minutes. */
  private static void awaitServing() throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    List<String> attempts = new ArrayList<>();
    while (Instant.now().isBefore(deadline)) {
      assertThat(process.isAlive()).as("the jar exited early (code %s); log:%n%s",
          process.isAlive() ? "-" : process.exitValue(), log()).isTrue();
      try {
        var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS);
        var live = health.check(HealthCheckRequest.newBuilder().build()).getStatus();
        var ready = health.check(HealthCheckRequest.newBuilder().setService("readiness").build()).getStatus();
        if (live == HealthCheckResponse.ServingStatus.SERVING && ready == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
        attempts.add(live + "/" + ready);
      } catch (StatusRuntimeException notYet) {
        attempts.add(notYet.getStatus().getCode().toString());
      }
      Thread.sleep(250); // polling a child process; nothing to wait on instead
    }
    throw new AssertionError("not SERVING within 2 minutes (" + attempts.size() + " attempts, last "
        + (attempts.isEmpty() ? "-" : attempts.get(attempts.size() - 1)) + "); log:\n" + log());
  }

  private static int readyz() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String log() {
    try {
      return Files.readString(LOG);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
