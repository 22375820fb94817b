package io.flare.iem.oktasim;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.okta.ClientAssertion;
import io.flare.iem.okta.DpopProofs;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.StrictJson;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replays every recorded Okta exchange (fixtures 01-13) against the simulator, driven into the
 * recorded state, and compares the status, the headers that matter (Link lines, x-rate-limit-*,
 * dpop-nonce, X-Okta-Request-Id) and the body with {@link #recorded()}, strictly (nulls and every
 * array element included); error strings are checked against Okta's catalogues.
 */
class RecordedFixturesTest {

  static Vertx vertx;
  static OktaSimulator sim;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static Map<String, String> apiSummaries;
  static Map<String, String> oauthDescriptions;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(100).seed(7));
    apiSummaries = new HashMap<>();
    for (Object e : load("30-okta-error-codes-catalogue.json").getJsonArray("errors")) {
      JsonObject o = (JsonObject) e;
      apiSummaries.put(o.getString("errorCode"), o.getString("errorSummary"));
    }
    oauthDescriptions = new HashMap<>();
    for (Object e : load("31-okta-oauth2-error-codes-catalogue.json").getJsonArray("errors")) {
      JsonObject o = (JsonObject) e;
      oauthDescriptions.merge(o.getString("errorCode") + "|" + o.getString("errorDescription"), "", (a, b) -> a);
    }
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  @BeforeEach
  void clean() {
    sim.faults().clear();
  }

  static JsonObject load(String name) {
    try (InputStream in = RecordedFixturesTest.class.getResourceAsStream("/okta-fixtures/" + name)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<JsonObject> interactions(String file) {
    return load(file).getJsonArray("interactions").stream().map(o -> (JsonObject) o).toList();
  }

  record Reply(int status, Map<String, List<String>> headers, String body) {
    List<String> all(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).toList();
    }

    Object json() {
      String b = body.trim();
      return b.isEmpty() ? "" : b.startsWith("[") ? new JsonArray(b) : new JsonObject(b);
    }
  }

  /** Sends a recorded request to the simulator, with the org URL, user id and auth swapped in. */
  static Reply send(JsonObject recorded, String uriOverride, Map<String, String> headers, String body) {
    JsonObject req = recorded.getJsonObject("request");
    String uri = uriOverride != null ? uriOverride : req.getString("uri");
    uri = uri.replace("https://test.okta.com", sim.baseUrl());
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(20));
    JsonObject recordedHeaders = req.getJsonObject("headers");
    for (String name : recordedHeaders.fieldNames()) {
      String value = recordedHeaders.getJsonArray(name).getString(0);
      if (name.equals("Authorization") && value.startsWith("SSWS")) {
        value = "SSWS " + sim.apiToken();
      }
      if (!name.equals("DPoP") && !(name.equals("Authorization") && value.startsWith("DPoP"))) {
        b.header(name, value);
      }
    }
    headers.forEach(b::setHeader);
    String method = req.getString("method");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Status, important headers and body shape as recorded. */
  static void assertLike(JsonObject recorded, Reply actual, int linkLines) {
    assertLike(recorded, actual, linkLines, recorded());
  }

  static void assertLike(JsonObject recorded, Reply actual, int linkLines, StrictJson matcher) {
    JsonObject res = recorded.getJsonObject("response");
    assertThat(actual.status()).as("status").isEqualTo(res.getJsonObject("status").getInteger("code"));
    JsonObject h = res.getJsonObject("headers");
    Set<String> names = h.fieldNames().stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    for (String name : List.of("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "dpop-nonce",
        "x-okta-request-id", "link")) {
      assertThat(!actual.all(name).isEmpty()).as("header " + name).isEqualTo(names.contains(name));
    }
    assertThat(actual.all("retry-after")).isEmpty();
    assertThat(actual.all("x-okta-request-id").get(0)).matches("[0-9a-f]{32}");
    assertThat(actual.all("link")).as("Link lines").hasSize(linkLines);
    assertThat(actual.all("date")).isNotEmpty();
    Object expected = res.getValue("body");
    if (expected instanceof JsonObject || expected instanceof JsonArray) {
      expected = Json.decodeValue(Json.encode(expected).replace("https://test.okta.com", sim.baseUrl()));
    }
    matcher.assertMatches(recorded.getJsonObject("request").getString("uri"), expected, actual.json());
    if (expected instanceof JsonObject e && e.getString("errorCode") != null) {
      JsonObject a = (JsonObject) actual.json();
      assertThat(a.getString("errorSummary")).isEqualTo(apiSummaries.get(e.getString("errorCode")));
      assertThat(a.getString("errorId")).isNotEqualTo(e.getString("errorId"));
    }
    if (expected instanceof JsonObject e && e.getString("error") != null) {
      JsonObject a = (JsonObject) actual.json();
      assertThat(oauthDescriptions).containsKey(a.getString("error") + "|" + a.getString("error_description"));
    }
  }

  /**
   * The comparison with a recording ({@link StrictJson#shapes()}: exact field sets, nulls where the
   * recording has them, every array element): what Okta fixes (error strings, link methods and
   * hints, credential types, token type and lifetime) by value, ids and instants by format, the
   * rest by JSON type. Tests first drive the simulator into the recorded state ({@link #likeRecorded}).
   */
  static StrictJson recorded() {
    String id = "00u[0-9A-Za-z]{17}";
    StrictJson m = StrictJson.shapes()
        .fixed("$.errorCode").fixed("$.errorSummary").fixed("$.errorLink").fixed("$.errorCauses[*].errorSummary")
        .fixed("$.error").fixed("$.error_description").fixed("$.token_type").fixed("$.expires_in").fixed("$.scope")
        .fixed("$.status").fixed("$[*].status").fixed("**.hints.allow[*]").fixed("**._links.*.method")
        .fixed("**.credentials.provider.type").fixed("**.credentials.provider.name")
        .fixed("**.credentials.emails[*].status").fixed("**.credentials.emails[*].type")
        .fixed("$._embedded.user.profile.locale").fixed("$._embedded.user.profile.timeZone")
        .format("$.errorId", "oae[0-9A-Za-z_-]{22}").format("$.id", id).format("$[*].id", id)
        .format("$._embedded.user.id", id).format("**.type.id", "oty[0-9A-Za-z]{17}")
        .format("$.sessionToken", "[0-9A-Za-z_-]{40,64}").format("**.href", Pattern.quote(sim.baseUrl()) + "/\\S+");
    for (String time : List.of("created", "activated", "statusChanged", "lastLogin", "lastUpdated", "passwordChanged",
        "expiresAt")) {
      m.instant("**." + time);
    }
    return m;
  }

  /**
   * Gives the simulated user the recorded user's state: its status, and a value exactly where the
   * recording has one ({@code activated}, {@code statusChanged}, {@code lastLogin}, {@code secondEmail}),
   * null where it has null.
   */
  static void likeRecorded(String userId, JsonObject user) {
    likeRecorded(userId, user, user.getString("status"));
  }

  /** As above, with {@code status} instead of the recorded one (the state before a recorded change). */
  static void likeRecorded(String userId, JsonObject user, String status) {
    long second = System.currentTimeMillis() / 1000 * 1000;
    sim.edit(userId, u -> {
      u.status = status;
      u.activated = user.getValue("activated") == null ? SimUser.NONE : second - 86_400_000;
      u.statusChanged = user.getValue("statusChanged") == null ? SimUser.NONE : second - 3_600_000;
      u.lastLogin = user.getValue("lastLogin") == null ? SimUser.NONE : second - 60_000;
      u.secondEmail = user.getJsonObject("profile").getValue("secondEmail") == null ? null : "second." + u.email;
    });
  }

  static JsonObject recordedUser(JsonObject interaction) {
    Object body = interaction.getJsonObject("response").getValue("body");
    return body instanceof JsonArray a ? a.getJsonObject(0) : (JsonObject) body;
  }

  static String user(String status) {
    return sim.users(u -> u.status().equals(status), 50).get(0).id();
  }

  @Test
  void f01_list_users_has_self_and_next_link_lines() {
    JsonObject x = interactions("01-list-users-link-self-and-next-2026.json").get(0);
    likeRecorded(sim.userId(0), recordedUser(x));
    Reply r = send(x, null, Map.of(), null);
    assertLike(x, r, 2);
    assertThat(r.all("link").get(0)).isEqualTo("<" + sim.baseUrl() + "/api/v1/users?limit=1>; rel=\"self\"");
    assertThat(r.all("link").get(1)).matches("<" + sim.baseUrl() + "/api/v1/users\\?after=2\\w+&limit=1>; rel=\"next\"");
  }

  @Test
  void f02_pagination_follows_the_cursor_and_delete_is_204() {
    List<JsonObject> xs = interactions("02-list-users-pagination-2020.json");
    likeRecorded(sim.userId(0), recordedUser(xs.get(0)));
    likeRecorded(sim.userId(1), recordedUser(xs.get(1)));
    Reply first = send(xs.get(0), null, Map.of(), null);
    assertLike(xs.get(0), first, 2); // the 2020 recorder kept only the last Link line; Okta sends both
    String next = first.all("link").get(1);
    Reply second = send(xs.get(1), next.substring(1, next.indexOf('>')), Map.of(), null);
    assertLike(xs.get(1), second, 2);
    String deprovisioned = user("DEPROVISIONED");
    assertLike(xs.get(2), send(xs.get(2), sim.baseUrl() + "/api/v1/users/" + deprovisioned, Map.of(), null), 0);
    assertThat(sim.user(deprovisioned)).isEmpty();
  }

  @Test
  void f03_f04_dpop_token_handshake_then_a_dpop_api_call() {
    SimApp app = sim.addApp("0oaDpopRecorded000001", null).savedKeys(OktaSims.keys().publicJwks())
        .grantScopes("okta.users.read", "okta.apps.read", "okta.groups.read")
        .adminRole(SimApp.AdminRole.READ_ONLY_ADMIN).requireDpop(true).resourceSet(List.of());
    List<JsonObject> xs = interactions("03-token-dpop-handshake-and-users-call-2026.json");
    DpopProofs dpop = DpopProofs.generate(Clock.systemUTC());
    URI tokenUrl = URI.create(sim.baseUrl() + "/oauth2/v1/token");
    JsonObject noDpop = interactions("04-token-invalid-dpop-proof-missing-header-2026.json").get(0);
    assertLike(noDpop, send(noDpop, null, Map.of(), tokenForm(app, xs.get(0))), 0);

    Reply nonce = send(xs.get(0), null, Map.of("DPoP", dpop.proof("POST", tokenUrl, null, null)), tokenForm(app, xs.get(0)));
    assertLike(xs.get(0), nonce, 0);
    String dpopNonce = nonce.all("dpop-nonce").get(0);
    Reply token = send(xs.get(1), null, Map.of("DPoP", dpop.proof("POST", tokenUrl, dpopNonce, null)),
        tokenForm(app, xs.get(1)));
    assertLike(xs.get(1), token, 0);
    String accessToken = ((JsonObject) token.json()).getString("access_token");
    URI users = URI.create(sim.baseUrl() + "/api/v1/users?limit=1");
    Reply list = send(xs.get(2), null, Map.of("Authorization", "DPoP " + accessToken,
        "DPoP", dpop.proof("GET", users, null, accessToken)), null);
    assertLike(xs.get(2), list, 1);
    Reply replayedProof = send(xs.get(2), null, Map.of("Authorization", "Bearer " + accessToken), null);
    assertThat(replayedProof.status()).isEqualTo(400);
    assertThat(replayedProof.body()).isEmpty();
    assertThat(replayedProof.all("www-authenticate").get(0)).contains("error=\"invalid_request\"");
  }

  static String tokenForm(SimApp app, JsonObject recorded) {
    JsonObject body = recorded.getJsonObject("request").getJsonObject("body");
    String assertion = new ClientAssertion(OktaSims.keys().active()).sign(Clock.systemUTC(), app.clientId(),
        sim.baseUrl() + "/oauth2/v1/token", UUID.randomUUID().toString());
    return "grant_type=" + body.getString("grant_type") + "&scope=" + enc(body.getString("scope"))
        + "&client_assertion_type=" + enc(body.getString("client_assertion_type")) + "&client_assertion=" + assertion;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void f05_forced_429_is_e0000047_without_retry_after() {
    JsonObject x = interactions("05-429-rate-limited-E0000047-2025.json").get(0);
    sim.faults().force429(Duration.ofSeconds(5));
    Reply r = send(x, null, Map.of(), null);
    assertLike(x, r, 0);
    assertThat(r.all("x-rate-limit-remaining")).containsExactly("0");
  }

  @Test
  void f06_f07_authn_success_then_sessions_with_a_bad_token() {
    JsonObject x = interactions("06-authn-success-2025.json").get(0);
    SimUser u = sim.users(s -> s.status().equals("ACTIVE"), 1).get(0);
    Reply r = send(x, null, Map.of("Content-Type", "application/json", "Accept", "application/json"),
        new JsonObject().put("username", u.login()).put("password", u.password()).encode());
    assertLike(x, r, 0);
    JsonObject y = interactions("07-sessions-E0000004-401-2025.json").get(0);
    assertLike(y, send(y, null, Map.of(), y.getJsonObject("request").getJsonObject("body").encode()), 0);
  }

  @Test
  void f08_suspend_filter_unsuspend() {
    List<JsonObject> xs = interactions("08-suspend-unsuspend-filter-2020.json");
    for (SimUser suspended : sim.users(u -> u.status().equals("SUSPENDED"), 1000)) {
      sim.setStatus(suspended.id(), "ACTIVE"); // the recording's org had one suspended user: ours
    }
    String active = user("ACTIVE");
    assertLike(xs.get(0), send(xs.get(0), sim.baseUrl() + "/api/v1/users/" + active + "/lifecycle/suspend", Map.of(), null), 0);
    likeRecorded(active, recordedUser(xs.get(1)));
    Reply list = send(xs.get(1), null, Map.of(), null);
    assertLike(xs.get(1), list, 1);
    assertThat(list.all("link").get(0)).isEqualTo("<" + sim.baseUrl()
        + "/api/v1/users?limit=200&filter=status+eq+%22SUSPENDED%22>; rel=\"self\"");
    assertLike(xs.get(2), send(xs.get(2), sim.baseUrl() + "/api/v1/users/" + active + "/lifecycle/unsuspend", Map.of(), null), 0);
  }

  @Test
  void f09_clear_sessions_is_204() {
    JsonObject x = interactions("09-revoke-sessions-204-2025.json").get(0);
    String id = user("ACTIVE");
    assertLike(x, send(x, sim.baseUrl() + "/api/v1/users/" + id + "/sessions", Map.of(), null), 0);
    assertThat(sim.counters().lifecycle(id, "sessions")).isEqualTo(1);
  }

  @Test
  void f10_expire_password_then_read() {
    List<JsonObject> xs = interactions("10-expire-password-2025.json");
    String id = sim.users(s -> s.status().equals("ACTIVE"), 5).get(3).id();
    likeRecorded(id, recordedUser(xs.get(0)), "ACTIVE");
    Reply expired = send(xs.get(0), sim.baseUrl() + "/api/v1/users/" + id + "/lifecycle/expire_password", Map.of(), null);
    assertLike(xs.get(0), expired, 0);
    Reply read = send(xs.get(1), sim.baseUrl() + "/api/v1/users/" + id, Map.of(), null);
    assertLike(xs.get(1), read, 0);
    assertThat(((JsonObject) read.json()).getString("status")).isEqualTo("PASSWORD_EXPIRED");
  }

  @Test
  void f11_f12_lifecycle_errors() {
    JsonObject unlock = interactions("11-lifecycle-errors-E0000032-E0000038-2025.json").get(0);
    String id = sim.users(s -> s.status().equals("ACTIVE"), 9).get(8).id();
    assertLike(unlock, send(unlock, sim.baseUrl() + "/api/v1/users/" + id + "/lifecycle/unlock", Map.of(), null), 0);
    JsonObject reactivate = interactions("12-reactivate-active-user-E0000038-2025.json").get(0);
    assertLike(reactivate, send(reactivate, sim.baseUrl() + "/api/v1/users/" + id + "/lifecycle/reactivate?sendEmail=false",
        Map.of(), null), 0);
  }

  @Test
  void f13_invalid_cursor() {
    JsonObject x = interactions("13-invalid-cursor-E0000029-2025.json").get(0);
    assertLike(x, send(x, null, Map.of(), null), 0);
  }

  @Test
  void every_simulator_error_string_is_in_okta_catalogues() {
    for (OktaErrors.Api e : OktaErrors.API_ERRORS) {
      assertThat(apiSummaries.get(e.code())).as(e.code()).isEqualTo(e.summary());
    }
    for (OktaErrors.OAuth e : OktaErrors.OAUTH_ERRORS) {
      assertThat(oauthDescriptions).as(e.error() + " " + e.description()).containsKey(e.error() + "|" + e.description());
    }
  }
}
