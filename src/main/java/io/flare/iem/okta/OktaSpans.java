package io.flare.iem.okta;

import io.flare.iem.tracing.Traces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.function.Supplier;

/**
 * The span of one exchange with Okta (when the caller's work is traced), parent of Vert.x's HTTP
 * client span, which carries the {@code traceparent} to Okta: the bucket it spends, Okta's status,
 * {@code X-Okta-Request-Id} and the bucket's headroom. Never a header or body of the request: they
 * carry access tokens, DPoP proofs, client assertions and, for authn, the password.
 */
final class OktaSpans {

  static final AttributeKey<String> BUCKET = AttributeKey.stringKey("okta.bucket");
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("okta.request_id");
  static final AttributeKey<String> REMAINING = AttributeKey.stringKey("okta.rate_limit.remaining");

  private OktaSpans() {}

  static Future<OktaResponse> exchange(Bucket bucket, HttpMethod method, Supplier<Future<OktaResponse>> send) {
    if (!Traces.on()) {
      return send.get();
    }
    return Traces.child("okta " + bucket, Attributes.of(BUCKET, bucket.name(), METHOD, method.name()),
        span -> send.get().andThen(ar -> {
          if (ar.succeeded()) {
            span.setAttribute(STATUS, (long) ar.result().status());
            String requestId = ar.result().headers().get("X-Okta-Request-Id");
            if (requestId != null) {
              span.setAttribute(REQUEST_ID, requestId);
            }
            String remaining = ar.result().headers().get("X-Rate-Limit-Remaining");
            if (remaining != null) {
              span.setAttribute(REMAINING, remaining);
            }
          }
        }));
  }
}
