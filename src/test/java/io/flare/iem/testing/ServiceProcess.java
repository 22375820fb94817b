package io.flare.iem.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.config.AppConfig;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The packaged jar running as its own process, with production's settings and logging against real
 * Postgres and Redis, so that tests can SIGTERM it or kill it outright. It is started by {@link
 * ServiceProcessMain} on the jar's class path rather than {@code java -jar}, in dev mode, because
 * the simulated Okta org is plain http on loopback, which the jar's own main refuses ({@code
 * ProductionJarIT} runs {@code java -jar} itself). Integration tests only (failsafe runs them after
 * the jar is built).
 */
public final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  public final int grpcPort;
  public final int httpPort;
  /** A plaintext channel without credentials. */
  public final ManagedChannel channel;
  /** A channel whose calls carry an all-tenants admin token. */
  public final ManagedChannel adminChannel;

  private ServiceProcess(Process process, Path log, int grpcPort, int httpPort) {
    this.process = process;
    this.log = log;
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
    this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    this.adminChannel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
        .intercept(RunningService.bearer(TestIssuer.shared().adminToken())).build();
  }

  /** Starts the jar against {@code pg} with production settings plus {@code extraEnv}, able to reach the simulator. */
  public static ServiceProcess start(AppConfig.Postgres pg, Map<String, String> extraEnv) throws IOException {
    Path jar = jar();
    String classPath = jar + java.io.File.pathSeparator + launcherClasses();
    Map<String, String> env = new HashMap<>(extraEnv);
    env.putIfAbsent("IEM_DEV", "true"); // for the simulator's plain http on loopback only: caller auth stays on
    return start(pg, env, List.of("-Dlogback.configurationFile=logback.xml", // the jar's logging, not the tests'
        "-cp", classPath, ServiceProcessMain.class.getName()));
  }

  /** Starts {@code java -jar}, exactly as the container does, in production mode: it cannot reach the simulator. */
  public static ServiceProcess startJar(AppConfig.Postgres pg, Map<String, String> extraEnv) throws IOException {
    return start(pg, extraEnv, List.of("-jar", jar().toString()));
  }

  private static ServiceProcess start(AppConfig.Postgres pg, Map<String, String> extraEnv, List<String> launch)
      throws IOException {
    Path dir = Path.of("target", "service-processes", UUID.randomUUID().toString());
    Files.createDirectories(dir);
    int grpcPort = freePort();
    int httpPort = freePort();
    Path log = dir.resolve("iem-okta.log");
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m"));
    command.addAll(launch);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().clear(); // nothing from the developer's shell: only what production sets
    builder.environment().putAll(productionEnv(dir, pg, grpcPort, httpPort));
    builder.environment().putAll(extraEnv);
    return new ServiceProcess(builder.start(), log, grpcPort, httpPort);
  }

  /** The variables a production deployment sets, pointing at the test servers. */
  public static Map<String, String> productionEnv(Path dir, AppConfig.Postgres pg, int grpcPort, int httpPort)
      throws IOException {
    // the same sealing key as the services this JVM starts: replicas share one Secret in production
    Path passwordKey = TestServers.passwordKeyFile();
    Map<String, String> env = new HashMap<>();
    env.put("IEM_DEV", "false");
    env.put("IEM_BIND_HOST", "127.0.0.1");
    env.put("IEM_GRPC_PORT", Integer.toString(grpcPort));
    env.put("IEM_HTTP_PORT", Integer.toString(httpPort));
    env.putAll(TestServers.postgresEnv(pg));
    env.put("IEM_REDIS_URL", TestServers.redis().url());
    env.put("IEM_SIGNING_KEY_FILE", TestServers.signingKeyFile().toAbsolutePath().toString());
    env.put("IEM_PASSWORD_KEY_FILE", passwordKey.toAbsolutePath().toString());
    env.put("IEM_SHUTDOWN_GRACE_SECONDS", "5");
    env.putAll(TestIssuer.shared().env());
    env.put("IEM_AUTH_JWKS", TestIssuer.shared().jwksFile().toAbsolutePath().toString());
    return env;
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("iem.jar", "target/iem-okta.jar"));
    assertThat(jar).as("the shaded jar; run `./mvnw verify`").exists();
    return jar;
  }

  /** Where {@link ServiceProcessMain} was compiled to (target/test-classes). */
  private static String launcherClasses() {
    try {
      return Path.of(ServiceProcessMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls gRPC health until liveness and readiness are SERVING, for at most two minutes. */
  public ServiceProcess awaitServing() throws InterruptedException {
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
          return this;
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

  public int readyz() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** SIGTERM, as Kubernetes sends. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL: the replica dies without a chance to release anything. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  public boolean waitForExit(Duration within) throws InterruptedException {
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int exitValue() {
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    adminChannel.shutdownNow();
    if (process.isAlive()) {
      process.destroyForcibly();
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
