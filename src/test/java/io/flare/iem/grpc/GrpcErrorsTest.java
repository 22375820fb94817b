package io.flare.iem.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.failure.Failure;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

  @Test
  void a_message_quoting_huge_input_is_shortened_whole_code_points_and_still_names_its_field_first() {
    String huge = "\uD83D\uDD25".repeat(70_000); // a supplementary character: two chars each
    StatusException status = GrpcErrors.statusOf(new Failure.InvalidArgument("integration.okta_domain",
        "'" + huge + "' is not an Okta org URL"));

    assertThat(status.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    assertThat(status.message()).startsWith("integration.okta_domain: '").endsWith("... (shortened)");
    String kept = status.message().substring(0, status.message().length() - "... (shortened)".length());
    assertThat(kept.codePointCount(0, kept.length())).isEqualTo(500);
    assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
  }

  @Test
  void a_message_of_ordinary_length_is_left_as_it_is() {
    StatusException status = GrpcErrors.statusOf(new Failure.Aborted("ETAG_MISMATCH", "etag 'x' is stale"));

    assertThat(status.message()).isEqualTo("etag 'x' is stale");
  }
}
