package io.flare.iem.oktasim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.okta.sdk.client.AuthorizationMode;
import com.okta.sdk.client.Clients;
import com.okta.sdk.resource.api.UserApi;
import com.okta.sdk.resource.api.UserLifecycleApi;
import com.okta.sdk.resource.api.UserSessionsApi;
import com.okta.sdk.resource.client.ApiException;
import com.okta.sdk.resource.client.ApiClient;
import com.okta.sdk.resource.common.PagedList;
import com.okta.sdk.resource.model.User;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.TestServers;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Okta's official Java management SDK (24.0.0), an independent client, against the simulator:
 * private_key_jwt (and DPoP when required), paging through 2,500 users, surviving forced 429s,
 * suspending a user and clearing a user's sessions.
 */
class OktaSdkInteropTest {

  static Vertx vertx;
  OktaSimulator sim;

  @BeforeAll
  static void start() {
    System.setProperty("okta.testing.disableHttpsCheck", "true");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    Await.result(vertx.close());
  }

  @BeforeEach
  void org() {
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(2500).mixedStatuses(false).seed(99));
  }

  @AfterEach
  void close() {
    Await.result(sim.stop());
  }

  UserApi sdk() {
    return new UserApi(client("okta.users.read"));
  }

  ApiClient client(String... scopes) {
    return Clients.builder()
        .setOrgUrl(sim.baseUrl())
        .setAuthorizationMode(AuthorizationMode.PRIVATE_KEY)
        .setClientId(sim.app().clientId())
        .setScopes(Set.of(scopes))
        .setPrivateKey(TestServers.signingKeyFile())
        .build();
  }

  List<User> pageThroughEveryUser(UserApi users) throws Exception {
    List<User> all = new ArrayList<>();
    String after = null;
    do {
      List<User> page = users.listUsers(null, null, after, 200, null, null, null, null);
      all.addAll(page);
      PagedList<?> paged = (PagedList<?>) page;
      after = paged.hasMoreItems() ? paged.getAfter() : null;
    } while (after != null);
    return all;
  }

  @Test
  void sdk_authenticates_with_private_key_jwt_and_pages_through_2500_users() throws Exception {
    List<User> users = pageThroughEveryUser(sdk());

    assertThat(users).hasSize(2500);
    assertThat(new HashSet<>(users.stream().map(User::getId).toList())).hasSize(2500);
    assertThat(users.get(2499).getId()).isEqualTo(sim.userId(2499));
    assertThat(users.get(10).getProfile().getLogin()).isEqualTo(sim.user(10).orElseThrow().login());
    assertThat(sim.counters().requests("POST /oauth2/v1/token")).isEqualTo(1);
  }

  @Test
  void sdk_does_the_dpop_handshake_when_the_app_requires_it() throws Exception {
    sim.app().requireDpop(true);

    List<User> users = pageThroughEveryUser(sdk());

    assertThat(users).hasSize(2500);
    assertThat(sim.counters().requests("POST /oauth2/v1/token")).isEqualTo(3);
    assertThat(sim.counters().tokensIssued()).isEqualTo(1);
  }

  @Test
  void sdk_survives_forced_429s() throws Exception {
    sim.app().requireDpop(true);
    UserApi users = sdk();
    sim.faults().force429(Duration.ofMillis(1500), SimBucket.USERS);

    List<User> all = pageThroughEveryUser(users);

    assertThat(all).hasSize(2500);
    assertThat(sim.counters().served429()).isGreaterThan(0);
  }

  @Test
  void sdk_suspends_a_user_and_clears_sessions() throws Exception {
    sim.app().requireDpop(true);
    ApiClient client = client("okta.users.manage");
    String suspended = sim.userId(17);
    String signedIn = sim.userId(18);

    new UserLifecycleApi(client).suspendUser(suspended);
    new UserSessionsApi(client).revokeUserSessions(signedIn, false);
    new UserSessionsApi(client).revokeUserSessions(suspended, true);

    assertThat(sim.user(suspended).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThat(sim.counters().lifecycle(suspended, "suspend")).isEqualTo(1);
    assertThat(sim.counters().lifecycle(signedIn, "sessions")).isEqualTo(1);
    assertThat(sim.counters().lifecycle(signedIn, "sessions+oauthTokens")).isZero();
    assertThat(sim.counters().lifecycle(suspended, "sessions+oauthTokens")).isEqualTo(1);
    assertThat(sim.user(signedIn).orElseThrow().status()).isEqualTo("ACTIVE");
    ApiException again = catchThrowableOfType(ApiException.class, () -> new UserLifecycleApi(client).suspendUser(suspended));
    assertThat(again.getCode()).isEqualTo(400); // "Cannot suspend a user that is not active"
    assertThat(again.getResponseBody()).contains("E0000001");
    assertThat(sim.counters().lifecycle(suspended, "suspend")).isEqualTo(1);
  }
}
