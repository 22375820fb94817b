package io.flare.iem.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flare.iem.testing.CapturedLogs;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.ListCredentialChecksRequest;
import io.flare.iem.v1.ListIdentitiesRequest;
import io.flare.iem.v1.ListMitigationsRequest;
import io.flare.iem.v1.ListSyncRunsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every List RPC answers a page token it did not write with INVALID_ARGUMENT naming {@code
 * page_token}: never INTERNAL, never a stack trace in the log.
 */
class MalformedPageTokenTest {

  static RunningService service;

  static final List<String> TOKENS = List.of(
      "!!not base64!!",
      b64("garbage"),
      b64("2026-01-01T00:00:00Z|not-a-uuid"),
      b64("p1"),
      b64("\u0000\u0000\u0000\u0005hello"),
      "A".repeat(10_000));

  @BeforeAll
  static void start() {
    service = RunningService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void a_malformed_page_token_is_invalid_argument_naming_the_field_on_every_list() {
    Map<String, Consumer<String>> lists = Map.of(
        "ListAuditEvents", t -> service.integrations().listAuditEvents(ListAuditEventsRequest.newBuilder()
            .setTenantId("pages").setPageToken(t).build()),
        "ListSyncRuns", t -> service.sync().listSyncRuns(ListSyncRunsRequest.newBuilder()
            .setTenantId("pages").setPageToken(t).build()),
        "ListIdentities", t -> service.sync().listIdentities(ListIdentitiesRequest.newBuilder()
            .setTenantId("pages").setPageToken(t).build()),
        "ListCredentialChecks", t -> service.checks().listCredentialChecks(ListCredentialChecksRequest.newBuilder()
            .setTenantId("pages").setPageToken(t).build()),
        "ListMitigations", t -> service.checks().listMitigations(ListMitigationsRequest.newBuilder()
            .setTenantId("pages").setPageToken(t).build()));
    int logLines = CapturedLogs.lines().size();

    lists.forEach((rpc, call) -> {
      for (String token : TOKENS) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> call.accept(token));
        assertThat(e).as("%s with page_token %s", rpc, token.substring(0, Math.min(40, token.length()))).isNotNull();
        assertThat(e.getStatus().getCode()).as("%s: %s", rpc, e.getStatus()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).as(rpc).startsWith("page_token:");
      }
    });
    assertThat(CapturedLogs.lines().subList(logLines, CapturedLogs.lines().size()))
        .noneMatch(line -> line.contains("/List") && (line.contains("\"level\":\"ERROR\"")
            || line.contains("Exception")));
  }
}
