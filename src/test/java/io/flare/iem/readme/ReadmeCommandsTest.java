package io.flare.iem.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's walkthrough, run as a newcomer would run it: the service started with the README's
 * own "Run it" command, then every {@code $BUF curl} command of the README, in order, through bash
 * with the README's variables. Without {@code node_modules/.bin/buf} (a machine with only a JDK) the
 * test is skipped, saying which README step installs it; CI installs it before the tests. Ports and
 * the dev data directory (environment variables the README documents) are the only things changed,
 * so that it can run beside a developer's own dev server.
 */
class ReadmeCommandsTest {

  static final Path README = Path.of("README.md");
  static final Path BUF = Path.of("node_modules", ".bin", "buf");

  static Process server;
  static Path serverLog;
  static int grpcPort;
  static int httpPort;
  static int oktaPort;

  @BeforeAll
  static void start_the_service_as_the_readme_says() throws Exception {
    // a machine with only a JDK passes the README's test command: there this test is skipped, saying
    // which step installs buf; CI (.ci/run) installs it first, so there it always runs
    if (!Files.isExecutable(BUF)) {
      return; // the test says why it is skipped
    }
    grpcPort = freePort();
    httpPort = freePort();
    oktaPort = freePort();
    serverLog = Files.createTempFile(Path.of("target"), "readme-dev", ".log");
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", runCommand())
        .redirectErrorStream(true).redirectOutput(serverLog.toFile());
    Map<String, String> env = builder.environment();
    env.put("IEM_GRPC_PORT", Integer.toString(grpcPort));
    env.put("IEM_HTTP_PORT", Integer.toString(httpPort));
    env.put("IEM_DEV_OKTA_PORT", Integer.toString(oktaPort));
    env.put("IEM_DEV_DATA_DIR", Files.createTempDirectory(Path.of("target"), "readme-dev-data").toString());
    server = builder.start();
    awaitReady();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      // Ctrl-C, as the README says: the dev server stops its embedded PostgreSQL and Redis on the way out
      List<ProcessHandle> tree = new ArrayList<>(server.descendants().toList());
      tree.add(server.toHandle());
      tree.forEach(ProcessHandle::destroy);
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** The README's "Run it" command: the first line of the first bash block after that heading. */
  static String runCommand() throws IOException {
    List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
    int heading = lines.indexOf("## Run it");
    assertThat(heading).as("the README's Run it section").isNotNegative();
    for (int i = heading; i < lines.size() - 1; i++) {
      if (lines.get(i).equals("```bash")) {
        return lines.get(i + 1);
      }
    }
    throw new AssertionError("no command under the README's Run it");
  }

  /** The first line of the README that starts with {@code start}. */
  static String readmeLine(String start) throws IOException {
    return Files.readAllLines(README, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith(start)).findFirst()
        .orElse("(the README has no line starting with " + start + ")");
  }

  /** Waits for {@code /readyz} to answer 200, failing with the server's output if it exits or never does. */
  static void awaitReady() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (System.nanoTime() < deadline) {
      assertThat(server.isAlive()).as("the README's run command exited; its output:%n%s", log()).isTrue();
      try {
        if (http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250); // polling a child process; the state is asserted above
    }
    throw new AssertionError("the dev server was not ready within 4 minutes; its output:\n" + log());
  }

  static String log() throws IOException {
    return Files.readString(serverLog);
  }

  static List<String> readmeCommands() throws IOException {
    List<String> commands = new ArrayList<>();
    for (String line : Files.readAllLines(README, StandardCharsets.UTF_8)) {
      if (line.startsWith("$BUF curl ")) {
        commands.add(ports(line));
      }
    }
    return commands;
  }

  static String ports(String line) {
    return line.replace("127.0.0.1:50051", "127.0.0.1:" + grpcPort).replace("127.0.0.1:8089", "127.0.0.1:" + oktaPort)
        .replace("127.0.0.1:8080", "127.0.0.1:" + httpPort);
  }

  @Test
  void the_walkthrough_runs_as_written_and_ends_with_a_mitigated_account_and_an_audit_trail() throws Exception {
    String install = readmeLine("npm install");
    Assumptions.assumeTrue(server != null, () -> "SKIPPED: buf is missing, so the README's walkthrough is not run;"
        + " run the README's install step first: " + install);
    List<String> commands = readmeCommands();
    assertThat(commands).as("the README's commands").hasSizeGreaterThanOrEqualTo(10);
    Map<String, String> outputs = new HashMap<>();
    for (String command : commands) {
      outputs.put(command, withBuf(command));
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
    assertThat(output(outputs, "/ListIdentityChanges")).contains("IDENTITY_CHANGE_TYPE_ADDED")
        .contains("nextCursor");
    assertThat(output(outputs, "/ListCheckDecisions")).contains("nextCursor").doesNotContain("Correct-Horse-42!");
  }

  static String output(Map<String, String> outputs, String commandPart) {
    return outputs.entrySet().stream().filter(e -> e.getKey().contains(commandPart)).map(Map.Entry::getValue)
        .findFirst().orElseThrow(() -> new AssertionError("no README command with " + commandPart));
  }

  /** Runs the command verbatim with the README's variables. */
  static String withBuf(String command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c",
        readmeLine("BUF=") + "; " + readmeLine("GRPC=") + "; " + command).redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s%n%s", command, output).isZero();
    return output;
  }

  /** Waits for the demo org's initial sync, asking as the README's commands do. */
  static void awaitInitialSync() throws Exception {
    String list = ports("$BUF curl $GRPC -d '{\"tenant_id\":\"demo\"}'"
        + " http://127.0.0.1:50051/flare.iem.v1.IdentitySyncService/ListSyncRuns");
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (withBuf(list).contains("SYNC_RUN_STATE_SUCCEEDED")) {
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
