package io.flare.iem.testing;

import io.flare.iem.keys.SigningKeys;
import io.flare.iem.okta.AssertionKeys;
import io.flare.iem.okta.OktaApp;
import io.flare.iem.okta.OktaClient;
import io.flare.iem.okta.OktaClientOptions;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimApp;
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

  /**
   * Registers the integration's own JWKS URL on {@code app}, as the customer's Okta admin does once
   * the integration exists: the URL this service publishes its keys at (its path under the test
   * service's HTTP port, since {@code IEM_PUBLIC_BASE_URL} is not where tests serve it).
   */
  public static void trust(SimApp app, RunningService service, io.flare.iem.v1.Integration integration) {
    trust(app, service.httpBase(), integration);
  }

  /** As above, for a service whose HTTP port is at {@code httpBase} (a separate process). */
  public static void trust(SimApp app, String httpBase, io.flare.iem.v1.Integration integration) {
    app.jwksUrl(httpBase + java.net.URI.create(integration.getJwksUrl()).getPath());
  }

  /** Where the test service serves the integration's {@code jwks_url}. */
  public static String localJwksUrl(RunningService service, io.flare.iem.v1.Integration integration) {
    return service.httpBase() + java.net.URI.create(integration.getJwksUrl()).getPath();
  }

  /** The simulator's first app, as a test tenant's integration names it. */
  public static OktaApp app(OktaSimulator sim) {
    return new OktaApp("sim-test", sim.baseUrl(), sim.app().clientId());
  }

  /** An Okta client like production's, with quick retries, signing with {@link #keys()} for every tenant. */
  public static OktaClient client(Vertx vertx) {
    WebClient web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setConnectTimeout(2000)
        .setIdleTimeout(30).setKeepAlive(true));
    return new OktaClient(vertx, web, AssertionKeys.fixed(keys().active()), TestServers.insecureHosts(),
        OktaClientOptions.defaults()
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
