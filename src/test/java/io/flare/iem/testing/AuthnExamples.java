package io.flare.iem.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Okta's documented {@code POST /api/v1/authn} answers (fixture 20, from the authn reference) and
 * the documented request, for tests of the simulator and of our own client.
 */
public final class AuthnExamples {

  public static final String FIXTURE = "/okta-fixtures/20-docs-authn-transaction-examples.json";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private AuthnExamples() {}

  /** An answer as received. */
  public record Reply(int status, Map<String, List<String>> headers, String body) {

    /** The first value of a header, any case; null when absent. */
    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
    }

    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** The file as copied from the shared fixtures, untouched. */
  public static JsonObject fixture() {
    try (InputStream in = AuthnExamples.class.getResourceAsStream(FIXTURE)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The examples' {@code case} names, in the fixture's order. */
  public static List<String> cases() {
    return fixture().getJsonArray("examples").stream().map(e -> ((JsonObject) e).getString("case")).toList();
  }

  /**
   * One example ({@code status}, {@code headers} when recorded, {@code body}) with the org URL
   * {@code base} in place of {@code https://{yourOktaDomain}}, and one erratum applied: fixture 20
   * names the embedded factor list {@code _embedded.factor}, but the authn reference it was extracted
   * from writes {@code "factors": [} in both the MFA_REQUIRED and MFA_ENROLL examples (as do
   * Okta's SDKs: okta-auth-js mocks, the Java authn SDK's {@code getFactors()}), so the key is
   * renamed to {@code factors} here.
   */
  public static JsonObject example(String name, String base) {
    for (Object o : fixture().getJsonArray("examples")) {
      JsonObject e = (JsonObject) o;
      if (e.getString("case").equals(name)) {
        JsonObject out = new JsonObject(e.encode().replace("https://{yourOktaDomain}", base));
        JsonObject embedded = out.getJsonObject("body").getJsonObject("_embedded");
        if (embedded != null && embedded.containsKey("factor")) {
          embedded.put("factors", embedded.remove("factor"));
        }
        return out;
      }
    }
    throw new IllegalArgumentException("no example " + name + " in fixture 20");
  }

  /** The authn reference's request: {@code username}, {@code password} and its two {@code options}. */
  public static Reply post(String base, String username, String password, boolean warnBeforePasswordExpired) {
    JsonObject body = new JsonObject().put("username", username).put("password", password)
        .put("options", new JsonObject().put("multiOptionalFactorEnroll", false)
            .put("warnBeforePasswordExpired", warnBeforePasswordExpired));
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/authn")).timeout(Duration.ofSeconds(20))
        .header("Accept", "application/json").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
