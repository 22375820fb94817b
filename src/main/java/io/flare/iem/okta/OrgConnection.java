package io.flare.iem.okta;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Everything one org and client id share: the rate limiter, the usernames Okta's per-username
 * throttle holds back, the token cache, the DPoP state, and the one place requests are sent,
 * authorised, counted, retried and classified; and the org's authn pause (shared by every client
 * id of the org, see {@link AuthnPause}).
 */
final class OrgConnection {

  static final String TOKEN_PATH = "/oauth2/v1/token";
  static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  private final Vertx vertx;
  private final WebClient web;
  final String tenantId;
  final OktaDomain domain;
  final String clientId;
  /** The tenant's signing key, looked up for every token request (rotation takes effect at once). */
  private final Supplier<Future<ClientAssertion>> signer;
  private final DpopProofs dpop;
  private final OktaClientOptions options;
  private final Clock clock;
  final RateLimiter limiter;
  final UsernameHolds holds;
  final AuthnPause pause;
  /** This connection's access tokens, fetched with the tenant's signing key. */
  final OrgTokens tokens;
  private volatile boolean dpopRequired;
  private volatile String dpopNonce;
  private volatile boolean resourceNonce;

  private final OktaListener listener;

  OrgConnection(Vertx vertx, WebClient web, String tenantId, OktaDomain domain, String clientId,
      Supplier<Future<ClientAssertion>> signer, DpopProofs dpop, OktaClientOptions options, Clock clock, OktaListener listener, AuthnPause pause) {
    this.listener = listener;
    this.vertx = vertx;
    this.web = web;
    this.tenantId = tenantId;
    this.domain = domain;
    this.clientId = clientId;
    this.signer = signer;
    this.dpop = dpop;
    this.options = options;
    this.clock = clock;
    this.limiter = new RateLimiter(vertx, options.maxConcurrentPerOrg(), clock::millis, listener);
    this.holds = new UsernameHolds(clock::millis);
    this.pause = pause;
    this.tokens = new OrgTokens(vertx, clock, options.tokenRefreshBefore(),
        (scopes, usage) -> signer.get().compose(signing -> fetchToken(signing, scopes, usage, 0)));
  }

  /** What a request may be sent again for. */
  enum Retries {
    /** Reads and token requests: after a 5xx, a failed connection or a timeout, and after a 429. */
    ALL,
    /** Lifecycle changes: a 429 is waited out (Okta did nothing), a failure whose effect is unknown is not. */
    RATE_LIMITS_ONLY,
    /** authn: never; a retry would spend another failed attempt on the account. */
    NONE
  }

  /**
   * One request to send; {@code body} is rebuilt per attempt (fresh assertion, fresh proof). When
   * {@code abandon} (may be null) completes while the request waits for the rate limit, it is not
   * sent and fails with {@link OktaException.Kind#NOT_SENT}. {@code scopes} null: no access token.
   */
  record Call(HttpMethod method, URI uri, Bucket bucket, Set<String> scopes, Supplier<Buffer> body,
      String contentType, Retries retries, Future<?> abandon) {

    /** A read with an access token for {@code scopes} (null: none). */
    static Call get(URI uri, Bucket bucket, Set<String> scopes) {
      return new Call(HttpMethod.GET, uri, bucket, scopes, null, null, Retries.ALL, null);
    }

    /** A client-credentials token request; {@code form} signs a fresh assertion per attempt. */
    static Call token(URI uri, Supplier<Buffer> form) {
      return new Call(HttpMethod.POST, uri, Bucket.TOKEN, null, form, "application/x-www-form-urlencoded",
          Retries.ALL, null);
    }

    /** A JSON POST without an access token (authn), never sent twice. */
    static Call once(URI uri, Bucket bucket, Buffer json) {
      return new Call(HttpMethod.POST, uri, bucket, null, () -> json, "application/json", Retries.NONE, null);
    }

    /** A change to a user (lifecycle, sessions) with an access token for {@code scopes}. */
    static Call change(HttpMethod method, URI uri, Set<String> scopes) {
      return new Call(method, uri, Bucket.LIFECYCLE, scopes, null, null, Retries.RATE_LIMITS_ONLY, null);
    }

    Call abandonedWhen(Future<?> signal) {
      return new Call(method, uri, bucket, scopes, body, contentType, retries, signal);
    }

    boolean retriesFailures() {
      return retries == Retries.ALL;
    }

    boolean waitsOut429() {
      return retries != Retries.NONE;
    }

    /** A request to the token endpoint, which needs a DPoP proof of its own once the app requires DPoP. */
    boolean toTokenEndpoint() {
      return TOKEN_PATH.equals(uri.getRawPath());
    }
  }

  /**
   * Where a request is in its tries: server failures retried, 429s waited out, and whether it was
   * already sent again for its authorization (a fresh token, or a DPoP nonce): that happens once.
   */
  private record Tries(int failures, int waits, boolean reauthorised) {

    static final Tries FIRST = new Tries(0, 0, false);

    Tries afterFailure() {
      return new Tries(failures + 1, waits, reauthorised);
    }

    Tries after429() {
      return new Tries(failures, waits + 1, reauthorised);
    }

    Tries withFreshToken() {
      return new Tries(failures, waits, true);
    }
  }

  URI url(String pathAndQuery) {
    return URI.create(domain.value() + pathAndQuery);
  }

  boolean dpopRequired() {
    return dpopRequired;
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Sends {@code call} and returns the final response of any status; fails only without one. */
  Future<OktaResponse> execute(Call call, Usage usage) {
    return attempt(call, usage, Tries.FIRST);
  }

  /** As {@link #execute}, failing with a typed {@link OktaException} unless the status is 2xx. */
  Future<OktaResponse> executeOk(Call call, Usage usage) {
    return execute(call, usage).compose(r -> r.status() / 100 == 2
        ? Future.succeededFuture(r)
        : Future.failedFuture(r.failure()));
  }

  private Future<OktaResponse> attempt(Call call, Usage usage, Tries tries) {
    if (!domain.owns(call.uri())) {
      return Future.failedFuture(OktaException.of(OktaException.Kind.DOMAIN_REFUSED,
          "refused to call " + call.uri().getScheme() + "://" + call.uri().getHost()
              + ": not the integration's Okta domain " + domain.value()));
    }
    Future<AccessToken> token = call.scopes() == null ? Future.succeededFuture(null) : token(call.scopes(), usage);
    return token.compose(t -> limiter.acquire(call.bucket(), usage, call.abandon())
            .compose(permit -> OktaSpans.exchange(call.bucket(), call.method(), () -> send(call, t, usage))
                .andThen(ar -> permit.release(ar.succeeded() ? ar.result().headers() : null,
                    ar.succeeded() ? ar.result().status() : 0)))
            .transform(ar -> ar.succeeded()
                ? afterResponse(call, usage, t, ar.result(), tries)
                : afterFailure(call, usage, ar.cause(), tries)));
  }

  private Future<OktaResponse> afterResponse(Call call, Usage usage, AccessToken token, OktaResponse r,
      Tries tries) {
    int status = r.status();
    if (status == 429) {
      usage.count429();
      limiter.rateLimited(call.bucket(), r.headers());
      if (call.waitsOut429() && tries.waits() < options.max429Waits()) {
        return attempt(call, usage, tries.after429());
      }
      return Future.succeededFuture(r);
    }
    if (token != null && !tries.reauthorised()) {
      // a nonce demand (RFC 9449 §9: 401 or 400 with a DPoP challenge and a DPoP-Nonce) is answered
      // with the nonce; the token is fine. Only another 401 means the token is not accepted.
      if ((status == 400 || status == 401) && "use_dpop_nonce".equals(r.challengeError())
          && r.headers().get("DPoP-Nonce") != null) {
        resourceNonce = true;
        return attempt(call, usage, tries.withFreshToken());
      }
      if (status == 401) {
        tokens.invalidate(token);
        return attempt(call, usage, tries.withFreshToken());
      }
    }
    if (status >= 500 && call.retriesFailures() && tries.failures() < options.maxRetries()) {
      return retryLater(call, usage, tries);
    }
    return Future.succeededFuture(r);
  }

  private Future<OktaResponse> afterFailure(Call call, Usage usage, Throwable error, Tries tries) {
    if (error instanceof OktaException known) {
      return Future.failedFuture(known);
    }
    if (call.retriesFailures() && tries.failures() < options.maxRetries()) {
      return retryLater(call, usage, tries);
    }
    String what = error instanceof TimeoutException || String.valueOf(error.getMessage()).contains("timeout")
        ? "no answer within " + options.requestTimeout().toMillis() + " ms"
        : "connection failed (" + error.getClass().getSimpleName() + ")";
    return Future.failedFuture(new OktaException(OktaException.Kind.UNAVAILABLE, 0, null,
        what + " calling " + domain.value() + call.uri().getRawPath(), List.of(), null, null));
  }

  private Future<OktaResponse> retryLater(Call call, Usage usage, Tries tries) {
    usage.countRetry();
    long cap = Math.min(options.retryMax().toMillis(), options.retryBase().toMillis() << Math.min(tries.failures(), 16));
    long delay = 1 + ThreadLocalRandom.current().nextLong(Math.max(1, cap));
    Promise<Void> timer = Promise.promise();
    vertx.setTimer(delay, id -> timer.complete());
    return timer.future().compose(v -> attempt(call, usage, tries.afterFailure()));
  }

  private Future<OktaResponse> send(Call call, AccessToken token, Usage usage) {
    HttpRequest<Buffer> request = web.requestAbs(call.method(), call.uri().toString())
        .followRedirects(false)
        .timeout(options.requestTimeout().toMillis())
        .putHeader("Accept", "application/json")
        .putHeader("User-Agent", OktaClient.USER_AGENT);
    if (token != null) {
      request.putHeader("Authorization", token.authorization());
      if (token.dpop()) {
        request.putHeader("DPoP", dpop.proof(call.method().name(), call.uri(), resourceNonce ? dpopNonce : null,
            token.value()));
      }
    }
    if (call.toTokenEndpoint() && dpopRequired) {
      request.putHeader("DPoP", dpop.proof("POST", call.uri(), dpopNonce, null));
    }
    usage.countRequest();
    long started = System.nanoTime();
    Future<io.vertx.ext.web.client.HttpResponse<Buffer>> sent;
    if (call.body() != null) {
      request.putHeader("Content-Type", call.contentType());
      sent = request.sendBuffer(call.body().get());
    } else {
      sent = request.send();
    }
    return sent.andThen(ar -> report(call.bucket(), ar.succeeded() ? ar.result() : null, System.nanoTime() - started))
        .map(resp -> {
      String nonce = resp.headers().get("DPoP-Nonce");
      if (nonce != null && !nonce.isBlank()) {
        dpopNonce = nonce;
      }
      return new OktaResponse(resp.statusCode(), resp.headers(), resp.body());
    });
  }

  private void report(Bucket bucket, io.vertx.ext.web.client.HttpResponse<Buffer> resp, long nanos) {
    listener.exchanged(bucket, resp == null ? 0 : resp.statusCode(), nanos);
    if (resp != null) {
      String limit = resp.getHeader("X-Rate-Limit-Limit");
      String remaining = resp.getHeader("X-Rate-Limit-Remaining");
      try {
        if (limit != null && remaining != null && Long.parseLong(limit) > 0) {
          listener.headroom(bucket, Math.max(0, Long.parseLong(remaining)) / (double) Long.parseLong(limit));
        }
      } catch (NumberFormatException ignored) {
        // a malformed header tells us nothing about headroom
      }
    }
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** A token for {@code scopes} ({@link OrgTokens#token}). */
  Future<AccessToken> token(Set<String> scopes, Usage usage) {
    return tokens.token(scopes, usage);
  }

  /**
   * A token for {@code scopes} requested with an assertion signed by {@code key}, neither cached nor
   * replacing the cached ones: TestIntegration asks Okta which of the tenant's keys it accepts.
   */
  Future<AccessToken> probeToken(ClientAssertion key, Set<String> scopes, Usage usage) {
    return fetchToken(key, scopes, usage, 0);
  }

  private Future<AccessToken> fetchToken(ClientAssertion key, Set<String> scopes, Usage usage, int step) {
    URI tokenUrl = url(TOKEN_PATH);
    String scope = String.join(" ", new LinkedHashSet<>(scopes));
    Supplier<Buffer> form = () -> Buffer.buffer("grant_type=client_credentials"
        + "&scope=" + encode(scope)
        + "&client_assertion_type=" + encode(ASSERTION_TYPE)
        + "&client_assertion=" + key.sign(clock, clientId, tokenUrl.toString(), UUID.randomUUID().toString()));
    Call call = Call.token(tokenUrl, form);
    // another token request of this connection may learn that the app requires DPoP while this one
    // is out without a proof: its refusal still means "send a proof", whatever the flag says by then
    boolean sentWithProof = dpopRequired;
    return execute(call, usage).compose(r -> {
      if (r.status() == 200) {
        return Future.succeededFuture(AccessToken.from(r, scopes, clock.instant()));
      }
      OktaException failure = r.failure();
      if ("invalid_dpop_proof".equals(failure.errorCode()) && !sentWithProof && step < 3) {
        dpopRequired = true; // the app requires DPoP: start the handshake
        return fetchToken(key, scopes, usage, step + 1);
      }
      if ("use_dpop_nonce".equals(failure.errorCode()) && r.headers().get("DPoP-Nonce") != null && step < 3) {
        dpopRequired = true;
        return fetchToken(key, scopes, usage, step + 1);
      }
      return Future.failedFuture(failure);
    });
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** For tests: the headers a rate-limited bucket last reported. */
  RateLimiter.Snapshot snapshot(Bucket bucket) {
    return limiter.snapshot(bucket);
  }

  static MultiMap noHeaders() {
    return MultiMap.caseInsensitiveMultiMap();
  }
}
