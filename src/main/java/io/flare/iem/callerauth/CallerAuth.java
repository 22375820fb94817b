package io.flare.iem.callerauth;

import io.flare.iem.config.AppConfig;
import io.flare.iem.config.CallerAuthConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the verifier of callers' bearer tokens when caller auth is configured (always in
 * production), with the issuer's keys loaded; without it (dev mode only) there is none.
 */
public final class CallerAuth {

  private static final Logger LOG = LoggerFactory.getLogger(CallerAuth.class);
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);
  static final Duration MAX_KEY_AGE = CallerAuthConfig.KEYS_REFRESH_INTERVAL;
  private static final int FETCH_TIMEOUT_MS = 5_000;

  private CallerAuth() {}

  /** The token verifier for this configuration, with the issuer's keys loaded; empty when caller auth is off. */
  public static Future<Optional<TokenVerifier>> verifier(Vertx vertx, AppConfig config) {
    if (config.callerAuth().isEmpty()) {
      if (!config.dev()) {
        return Future.failedFuture(new IllegalStateException("caller auth is required outside dev mode"));
      }
      LOG.warn("DEV MODE: gRPC callers are NOT authenticated; every call acts for every tenant");
      return Future.succeededFuture(Optional.empty());
    }
    CallerAuthConfig auth = config.callerAuth().get();
    IssuerKeys keys = new IssuerKeys(source(vertx, auth.jwks()), Clock.systemUTC(), MIN_REFRESH_INTERVAL, MAX_KEY_AGE,
        auth.maxStaleness());
    return keys.load()
        .map(loaded -> {
          LOG.atInfo().addKeyValue("issuer", auth.issuer()).addKeyValue("audience", auth.audience())
              .addKeyValue("jwks", auth.jwks().toString()).addKeyValue("issuer_keys", loaded.size())
              .addKeyValue("jwks_max_staleness_seconds", auth.maxStaleness().toSeconds())
              .log("caller auth on: bearer tokens are required");
          return Optional.of(new TokenVerifier(keys, auth, Clock.systemUTC()));
        })
        .recover(error -> Future.failedFuture(new IllegalStateException(
            "caller auth: could not load the issuer's keys from " + auth.jwks() + ": " + error.getMessage())));
  }

  static IssuerKeys.Source source(Vertx vertx, CallerAuthConfig.Jwks jwks) {
    if (jwks.file().isPresent()) {
      return fileSource(vertx, jwks.file().get());
    }
    return urlSource(vertx, jwks.url().orElseThrow());
  }

  /**
   * Reads the file again on every refresh, so a rotated Kubernetes Secret is picked up; a file that
   * cannot be read (or parsed) is treated as an issuer that cannot be reached: the keys we had are
   * used up to the staleness bound, then calls are refused.
   */
  static IssuerKeys.Source fileSource(Vertx vertx, Path file) {
    String path = file.toAbsolutePath().toString();
    return new IssuerKeys.Source() {
      @Override
      public Future<String> fetch() {
        return vertx.fileSystem().readFile(path).map(Buffer::toString);
      }

      @Override
      public String describe() {
        return path;
      }
    };
  }

  static IssuerKeys.Source urlSource(Vertx vertx, URI url) {
    WebClient web = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(FETCH_TIMEOUT_MS)
        .setIdleTimeout(30)
        .setFollowRedirects(false)
        .setUserAgent("iem-okta"));
    String address = url.toString();
    return new IssuerKeys.Source() {
      @Override
      public Future<String> fetch() {
        return web.getAbs(address)
            .timeout(FETCH_TIMEOUT_MS)
            .putHeader("accept", "application/json")
            .send()
            .expecting(HttpResponseExpectation.SC_OK)
            .map(HttpResponse::bodyAsString);
      }

      @Override
      public String describe() {
        return address;
      }
    };
  }
}
