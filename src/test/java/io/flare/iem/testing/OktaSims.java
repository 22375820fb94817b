package io.flare.iem.testing;

import io.flare.iem.keys.SigningKeys;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaClientOptions;
import io.flare.iem.oktasim.OktaSimulator;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Simulated Okta orgs and Okta clients for tests. */
public final class OktaSims {

  private OktaSims() {}

  /** The signing keys the test JVM's services use (same file as {@link TestServers#signingKeyFile()}). */
  public static SigningKeys keys() {
    try {
      return SigningKeys.load(TestServers.signingKeyFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A simulator whose first app has our public keys saved in Okta (no JWKS server needed). */
  public static OktaSimulator start(Vertx vertx, OktaSimulator.Options options) {
    OktaSimulator sim = Await.result(OktaSimulator.start(vertx, options));
    sim.app().savedKeys(keys().publicJwks());
    return sim;
  }

  /** An Okta client like production's, with quick retries. */
  public static OktaClient client(Vertx vertx) {
    WebClient web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setConnectTimeout(2000)
        .setIdleTimeout(30).setKeepAlive(true));
    return new OktaClient(vertx, web, keys(), TestServers.insecureHosts(), OktaClientOptions.defaults()
        .withRequestTimeout(Duration.ofSeconds(10))
        .withRetries(3, Duration.ofMillis(20), Duration.ofMillis(200)), Clock.systemUTC());
  }

  /** Strings that must never appear in a log line: what the simulator minted or received, and our private key. */
  public static List<String> secrets(OktaSimulator sim) {
    List<String> out = new java.util.ArrayList<>(sim.secrets());
    String jwk = keys().active().toJSONObject().get("d").toString();
    out.add(jwk);
    return out;
  }

  /** Asserts no captured log line contains any of {@code secrets}. */
  public static void assertNoSecretsLogged(List<String> secrets) {
    List<String> lines = CapturedLogs.lines();
    for (String secret : secrets) {
      if (secret == null || secret.length() < 8) {
        continue;
      }
      for (String line : lines) {
        if (line.contains(secret)) {
          throw new AssertionError("a secret reached the log: " + line.substring(0, Math.min(200, line.length())));
        }
      }
    }
  }
}
