package io.flare.iem.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.flare.iem.testing.CapturedLogs;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

class JsonLogsTest {

  @Test
  void each_event_is_one_json_line_with_its_key_values_and_escapes() {
    LoggingEvent event = new LoggingEvent("x", ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("t"),
        Level.WARN, "line one\nline \"two\"\u0001", null, null);
    event.addKeyValuePair(new KeyValuePair("tenant", "acme"));
    event.addKeyValuePair(new KeyValuePair("attempts", 3));
    String line = new String(LogFormats.encoder("json").encode(event), StandardCharsets.UTF_8);
    assertThat(line).endsWith("}\n").doesNotContain("\n{").hasLineCount(1);
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("level")).isEqualTo("WARN");
    assertThat(json.getString("message")).isEqualTo("line one\nline \"two\"\u0001");
    assertThat(json.getString("tenant")).isEqualTo("acme");
    assertThat(json.getInteger("attempts")).isEqualTo(3);
    assertThat(json.getString("time")).endsWith("Z");
  }

  @Test
  void lines_logged_while_serving_a_call_name_the_rpc_request_id_and_caller() {
    try (RunningService service = RunningService.start()) {
      int before = CapturedLogs.lines().size();
      String token = TestIssuer.shared().token().subject("svc-leak-pipeline").tenants("other").sign();
      var stub = IntegrationConfigServiceGrpc.newBlockingStub(service.channelWithToken(token))
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers()));
      assertThatThrownBy(() -> stub.getIntegration(GetIntegrationRequest.newBuilder().setTenantId("acme").build()))
          .isInstanceOf(StatusRuntimeException.class); // PERMISSION_DENIED, logged by the edge
      LoggerFactory.getLogger("probe").info("outside any call");
      var lines = CapturedLogs.lines().subList(before, CapturedLogs.lines().size()).stream()
          .map(JsonObject::new).toList();
      assertThat(lines).anySatisfy(l -> {
        assertThat(l.getString("rpc")).isEqualTo("flare.iem.v1.IntegrationConfigService/GetIntegration");
        assertThat(l.getString("request_id")).isEqualTo("req-123");
        assertThat(l.getString("caller")).isEqualTo("svc-leak-pipeline");
      });
      assertThat(lines).anySatisfy(l -> {
        assertThat(l.getString("message")).isEqualTo("outside any call");
        assertThat(l.containsKey("rpc")).isFalse();
      });
    }
  }

  static io.grpc.Metadata headers() {
    io.grpc.Metadata m = new io.grpc.Metadata();
    m.put(io.grpc.Metadata.Key.of("x-request-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "req-123");
    return m;
  }
}
