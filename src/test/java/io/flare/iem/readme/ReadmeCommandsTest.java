package io.flare.iem.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import io.flare.iem.App;
import io.flare.iem.config.AppConfig;
import io.flare.iem.dev.DevMode;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.DynamicGrpc;
import io.flare.iem.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's walkthrough, run as a newcomer would run it: every {@code $BUF curl} command of the
 * README, in order, against a service started in dev mode (caller auth off, the demo Okta org).
 * With {@code node_modules/.bin/buf} installed (CI runs {@code npm install}) the commands run
 * verbatim through bash; without it their JSON is replayed through grpc-java from the descriptors,
 * so the method names and bodies are still checked. Ports are the only thing changed.
 */
class ReadmeCommandsTest {

  static final Path BUF = Path.of("node_modules", ".bin", "buf");
  static final Pattern COMMAND = Pattern.compile("^\\$BUF curl \\$GRPC (?:-d '(?<json>[^']*)' )?(?<rest>.*)$");

  static Vertx vertx;
  static App app;
  static DevMode dev;
  static ManagedChannel channel;
  static int grpcPort;
  static int oktaPort;
  static OktaSimulator demoOrg;

  @BeforeAll
  static void start_the_service_in_dev_mode() throws Exception {
    AppConfig.Postgres pg = TestServers.newDatabase();
    grpcPort = freePort();
    oktaPort = freePort();
    Map<String, String> env = new HashMap<>();
    env.put("IEM_DEV", "true");
    env.put("IEM_BIND_HOST", "127.0.0.1");
    env.put("IEM_GRPC_PORT", Integer.toString(grpcPort));
    env.put("IEM_HTTP_PORT", Integer.toString(freePort()));
    env.put("IEM_DEV_OKTA_PORT", Integer.toString(oktaPort));
    env.put("IEM_DEV_DATA_DIR", Files.createTempDirectory(Path.of("target"), "readme-dev").toString());
    env.putAll(TestServers.postgresEnv(pg));
    env.put("IEM_REDIS_URL", TestServers.redis().url());
    dev = DevMode.start(AppConfig.fromEnv(env));
    vertx = Vertx.vertx();
    demoOrg = Await.result(dev.startOktaSimulator(vertx));
    app = Await.result(App.start(vertx, dev.config()));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    Await.result(app.stop());
    Await.result(vertx.close());
    dev.close();
  }

  static List<String> readmeCommands() throws IOException {
    List<String> commands = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("README.md"), StandardCharsets.UTF_8)) {
      if (line.startsWith("$BUF curl ")) {
        commands.add(line.replace("127.0.0.1:50051", "127.0.0.1:" + grpcPort)
            .replace("127.0.0.1:8089", "127.0.0.1:" + oktaPort));
      }
    }
    return commands;
  }

  @Test
  void the_walkthrough_runs_as_written_and_ends_with_a_mitigated_account_and_an_audit_trail() throws Exception {
    List<String> commands = readmeCommands();
    assertThat(commands).as("the README's commands").hasSizeGreaterThanOrEqualTo(10);
    Map<String, String> outputs = new HashMap<>();
    for (String command : commands) {
      String output = Files.isExecutable(BUF) ? withBuf(command) : replayed(command);
      outputs.put(command, output);
      if (command.contains("/CreateIntegration")) {
        awaitInitialSync(); // a person reads the output before going on; the test waits for the sync
      }
    }
    assertThat(output(outputs, "Alice@demo.example")).contains("CHECK_OUTCOME_VALID");
    assertThat(output(outputs, "bob@demo.example")).contains("CHECK_OUTCOME_INVALID");
    assertThat(output(outputs, "/ListMitigations")).contains("MITIGATION_STATE_APPLIED")
        .contains("MITIGATION_ACTION_SUSPEND_USER");
    assertThat(output(outputs, "/TestIntegration")).doesNotContain("TEST_RESULT_FAIL");
    assertThat(output(outputs, "/ListAuditEvents")).contains("credential_check.authn").contains("mitigation.suspend")
        .doesNotContain("Correct-Horse-42!").doesNotContain("not-bobs-password");
    assertThat(demoOrg.user("alice@demo.example").orElseThrow().status()).isEqualTo("SUSPENDED");
  }

  static String output(Map<String, String> outputs, String commandPart) {
    return outputs.entrySet().stream().filter(e -> e.getKey().contains(commandPart)).map(Map.Entry::getValue)
        .findFirst().orElseThrow(() -> new AssertionError("no README command with " + commandPart));
  }

  /** Runs the command verbatim with the README's variables. */
  static String withBuf(String command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c",
        "BUF=node_modules/.bin/buf; GRPC='--protocol grpc --http2-prior-knowledge'; " + command)
        .redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s%n%s", command, output).isZero();
    return output;
  }

  /** Sends the command's JSON to its method through grpc-java; {@code --list-methods} lists ours. */
  static String replayed(String command) throws Exception {
    Matcher m = COMMAND.matcher(command);
    assertThat(m.matches()).as("a README command of the documented shape: %s", command).isTrue();
    String rest = m.group("rest").trim();
    if (rest.startsWith("--list-methods")) {
      StringBuilder methods = new StringBuilder();
      DynamicGrpc.services().forEach(s -> s.getMethods().forEach(x -> methods.append(s.getFullName()).append('/')
          .append(x.getName()).append('\n')));
      return methods.toString();
    }
    String path = rest.substring(rest.indexOf("127.0.0.1:" + grpcPort) + ("127.0.0.1:" + grpcPort).length() + 1);
    MethodDescriptor method = DynamicGrpc.method(path)
        .orElseThrow(() -> new AssertionError("the README calls a method the service does not have: " + path));
    DynamicMessage.Builder request = DynamicGrpc.request(method);
    if (m.group("json") != null) {
      JsonFormat.parser().merge(m.group("json"), request);
    }
    StringBuilder out = new StringBuilder();
    for (DynamicMessage answer : DynamicGrpc.call(channel, method, request.build(), 30)) {
      out.append(JsonFormat.printer().print(answer)).append('\n');
    }
    return out.toString();
  }

  static void awaitInitialSync() throws Exception {
    MethodDescriptor list = DynamicGrpc.method("flare.iem.v1.IdentitySyncService/ListSyncRuns").orElseThrow();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      DynamicMessage.Builder request = DynamicGrpc.request(list);
      JsonFormat.parser().merge("{\"tenant_id\":\"demo\"}", request);
      String runs = JsonFormat.printer().print(DynamicGrpc.call(channel, list, request.build(), 10).get(0));
      if (runs.contains("SYNC_RUN_STATE_SUCCEEDED")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the demo org's initial sync did not finish");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
