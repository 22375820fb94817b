package io.flare.iem.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.testing.Await;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.ServiceProcess;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.testing.TestServers;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar exports traces over OTLP as the standard {@code OTEL_*} variables configure it
 * (the SDK's exporter is found through the service files the shade plugin merged), to a collector
 * stood in for by an HTTP server that keeps what it receives; and refuses an exporter it lacks.
 */
class OtlpExportIT {

  @Test
  void the_jar_exports_a_callers_trace_over_otlp_http() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<Buffer> received = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    HttpServer collector = Await.result(vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/v1/traces")) {
        contentTypes.add(req.getHeader("Content-Type"));
        req.body().onSuccess(received::add);
      }
      req.response().setStatusCode(200).putHeader("Content-Type", "application/x-protobuf").end();
    }).listen(0, "127.0.0.1"));
    String traceId = "4bf92f3577b34da6a3ce929d0e0e" + HexFormat.of().toHexDigits((short) System.nanoTime());
    try (ServiceProcess service = ServiceProcess.startJar(TestServers.newDatabase(), Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.actualPort(),
        "OTEL_BSP_SCHEDULE_DELAY", "100"))) {
      service.awaitServing();
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
          "00-" + traceId + "-00f067aa0ba902b7-01");
      assertThatThrownBy(() -> IntegrationConfigServiceGrpc.newBlockingStub(service.channel)
          .withInterceptors(RunningService.bearer(TestIssuer.shared().token().tenants("acme").sign()),
              MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
          .isInstanceOf(StatusRuntimeException.class); // NOT_FOUND: the call is traced all the same

      byte[] method = "flare.iem.v1.IntegrationConfigService/GetIntegration".getBytes(StandardCharsets.UTF_8);
      byte[] trace = HexFormat.of().parseHex(traceId);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (received.stream().noneMatch(body -> contains(body.getBytes(), method) && contains(body.getBytes(), trace))) {
        assertThat(System.nanoTime()).as("the collector received the call's span; log:%n%s", service.log())
            .isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(contentTypes).contains("application/x-protobuf");
    } finally {
      Await.result(vertx.close());
    }
  }

  @Test
  void the_jar_refuses_a_traces_exporter_it_does_not_carry() throws Exception {
    Map<String, String> env = new HashMap<>(ServiceProcess.productionEnv(Path.of("target"),
        TestServers.newDatabase(), 0, 0));
    env.put("OTEL_TRACES_EXPORTER", "zipkin");
    Path log = Files.createTempFile(Path.of("target"), "otel-refused", ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", ServiceProcess.jar().toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited; output:%n%s", Files.readString(log)).isTrue();
    } finally {
      process.destroyForcibly();
    }
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(Files.readString(log)).contains("cannot start").contains("OTEL_TRACES_EXPORTER")
        .doesNotContain("iem-okta serving");
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
