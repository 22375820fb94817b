package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimApp;
import io.flare.iem.oktasim.SimBucket;
import io.flare.iem.oktasim.SimUser;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Future;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OktaClientTest {

  static Vertx vertx;
  static List<String> secrets = new ArrayList<>();
  OktaSimulator sim;
  OktaClient okta;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    Await.result(vertx.close());
  }

  @BeforeEach
  void start() {
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(1050).mixedStatuses(false));
    okta = OktaSims.client(vertx);
  }

  @AfterEach
  void stop() {
    secrets.addAll(OktaSims.secrets(sim));
    Await.result(sim.stop());
  }

  OktaOrg org(Usage usage) {
    return okta.org(OktaSims.app(sim), usage);
  }

  List<OktaUser> listAll(UserPages pages) {
    List<OktaUser> all = new ArrayList<>();
    while (pages.hasNext()) {
      all.addAll(Await.result(pages.next()).users());
    }
    return all;
  }

  @Test
  void bearer_token_then_1050_users_across_pages_without_loss_or_duplicate() {
    OktaOrg org = org(Usage.named("sync"));
    UserPages pages = org.listUsers(UserQuery.all());

    List<OktaUser> users = listAll(pages);

    assertThat(users).hasSize(1050);
    assertThat(new HashSet<>(users.stream().map(OktaUser::id).toList())).hasSize(1050);
    assertThat(users.get(0).id()).isEqualTo(sim.userId(0));
    assertThat(users.get(1049).id()).isEqualTo(sim.userId(1049));
    assertThat(users.get(5).login()).isEqualTo(sim.user(5).orElseThrow().login());
    assertThat(users.get(5).lastUpdated()).isNotNull();
    assertThat(sim.counters().requests("GET /api/v1/users")).isEqualTo(6);
    assertThat(org.dpopRequired()).isFalse();
    assertThat(org.usage().requests()).isEqualTo(7); // one token, six pages
  }

  @Test
  void a_persisted_cursor_resumes_the_listing() {
    OktaOrg org = org(Usage.named("sync"));
    UserPages pages = org.listUsers(UserQuery.all());
    Await.result(pages.next());
    Await.result(pages.next());
    String cursor = pages.cursor();

    List<OktaUser> rest = listAll(org.resumeUsers(cursor));

    assertThat(rest).hasSize(650);
    assertThat(rest.get(0).id()).isEqualTo(sim.userId(400));
    assertThatThrownBy(() -> org.resumeUsers("https://evil.example.com/api/v1/users?after=1"))
        .isInstanceOfSatisfying(OktaException.class, e -> assertThat(e.kind()).isEqualTo(OktaException.Kind.DOMAIN_REFUSED));
  }

  @Test
  void the_client_is_given_org_urls_only_a_custom_domain_is_refused_before_anything_is_sent() {
    long before = sim.counters().requests().values().stream().mapToLong(Long::longValue).sum();
    assertThatThrownBy(() -> okta.org(new OktaApp("test", "https://login.acme-example.com", sim.app().clientId())))
        .isInstanceOfSatisfying(io.flare.iem.failure.Failure.InvalidArgument.class,
            e -> assertThat(e.rule()).contains("must be a host under"));
    assertThat(sim.counters().requests().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(before);
  }

  @Test
  void filter_includes_deprovisioned_users_and_plain_listing_does_not() {
    sim.deprovision(sim.userId(3));
    sim.setStatus(sim.userId(4), "SUSPENDED");

    assertThat(listAll(org(Usage.named("a")).listUsers(UserQuery.all()))).hasSize(1049);
    assertThat(listAll(org(Usage.named("b")).listUsers(UserQuery.allIncludingDeprovisioned()))).hasSize(1050);
    List<OktaUser> suspended = listAll(org(Usage.named("c")).listUsers(UserQuery.filter("status eq \"SUSPENDED\"")));
    assertThat(suspended).extracting(OktaUser::id).containsExactly(sim.userId(4));
  }

  @Test
  void dpop_handshake_then_proofs_with_ath_on_every_call_and_a_fresh_jti_after_a_429() {
    sim.app().requireDpop(true);
    OktaOrg org = org(Usage.named("sync"));

    AccessToken token = Await.result(org.token(Set.of(OktaOrg.USERS_READ)));

    assertThat(token.dpop()).isTrue();
    assertThat(org.dpopRequired()).isTrue();
    assertThat(sim.counters().requests("POST /oauth2/v1/token")).isEqualTo(3); // no proof, no nonce, success
    sim.faults().force429(Duration.ofMillis(1200), SimBucket.USER_READ);
    assertThat(Await.result(org.getUser(sim.userId(7)))).map(OktaUser::id).contains(sim.userId(7));
    assertThat(org.usage().rateLimited()).isGreaterThanOrEqualTo(1);
    assertThat(listAll(org.listUsers(UserQuery.all()))).hasSize(1050);
    assertThat(sim.counters().requests("POST /oauth2/v1/token")).isEqualTo(3); // the token was cached
  }

  @Test
  void token_requests_out_together_when_the_app_turns_out_to_require_dpop_each_start_the_handshake() {
    OktaOrg org = org(Usage.named("race"));
    assertThat(Await.result(org.token(Set.of(OktaOrg.POLICIES_READ))).dpop()).isFalse(); // the token bucket is known
    sim.app().requireDpop(true); // the admin ticks "Require DPoP"
    sim.faults().latency(Duration.ofMillis(300));

    // both leave without a proof; the first refusal teaches the connection DPoP before the second lands
    Future<AccessToken> read = org.token(Set.of(OktaOrg.USERS_READ));
    Future<AccessToken> manage = org.token(Set.of(OktaOrg.USERS_MANAGE));

    assertThat(Await.result(read).dpop()).isTrue();
    assertThat(Await.result(manage).dpop()).isTrue();
  }

  @Test
  void a_resource_servers_nonce_demand_is_answered_with_the_nonce_not_with_a_new_token() {
    sim.app().requireDpop(true).requireResourceNonce(true);
    OktaOrg org = org(Usage.named("reads"));
    Await.result(org.token(Set.of(OktaOrg.USERS_READ)));
    long tokens = sim.counters().requests("POST /oauth2/v1/token");

    assertThat(Await.result(org.getUser(sim.userId(7)))).map(OktaUser::id).contains(sim.userId(7));
    assertThat(Await.result(org.getUser(sim.userId(8)))).map(OktaUser::id).contains(sim.userId(8));

    assertThat(sim.counters().requests("GET /api/v1/users/{id}")).as("one challenge, then each read once")
        .isEqualTo(3);
    assertThat(sim.counters().requests("POST /oauth2/v1/token")).as("the token was still good").isEqualTo(tokens);
  }

  @Test
  void a_429_storm_is_waited_out_within_the_callers_share() {
    sim.rateLimitWindow(Duration.ofSeconds(1)).limit(SimBucket.USERS, 20); // the app sees 10 per window
    sim.faults().force429(Duration.ofMillis(1500), SimBucket.USERS);
    OktaOrg org = org(Usage.named("sync").withShare(Bucket.USERS_LIST, 0.5));

    List<OktaUser> users = listAll(org.listUsers(UserQuery.all()));

    assertThat(users).hasSize(1050);
    assertThat(sim.counters().acceptedPerWindow(sim.app().clientId(), SimBucket.USERS).values())
        .allSatisfy(perWindow -> assertThat(perWindow).isLessThanOrEqualTo(5));
    assertThat(org.usage().rateLimitWaits()).isGreaterThan(0);
    assertThat(sim.counters().served429()).isLessThanOrEqualTo(3); // it waited for the reset, it did not hammer
  }

  @Test
  void reads_retry_5xx_and_dropped_connections() {
    OktaOrg org = org(Usage.named("reads"));
    Await.result(org.token(Set.of(OktaOrg.USERS_READ)));
    sim.faults().failNext(2, 503);
    assertThat(Await.result(org.getUser(sim.userId(1)))).isPresent();
    sim.faults().dropNext(1);
    assertThat(Await.result(org.getUser(sim.userId(2)))).isPresent();
    assertThat(org.usage().retries()).isEqualTo(3);
  }

  @Test
  void authn_outcomes_are_typed_and_state_tokens_are_cancelled() {
    SimUser alice = sim.user(10).orElseThrow();
    SimUser bob = sim.user(11).orElseThrow();
    sim.setAuthnState(bob.id(), "MFA_REQUIRED");
    OktaOrg org = org(Usage.named("checks"));

    assertThat(Await.result(org.authn(alice.login(), alice.password()))).isInstanceOf(AuthnOutcome.Valid.class);
    assertThat(Await.result(org.authn(alice.login(), "wrong"))).isInstanceOf(AuthnOutcome.Invalid.class);
    AuthnOutcome mfa = Await.result(org.authn(bob.login(), bob.password()));
    assertThat(mfa).isEqualTo(new AuthnOutcome.Valid("MFA_REQUIRED", mfa.requestId()));
    assertThat(mfa.requestId()).hasSize(32);
    assertThat(sim.counters().authnCancels()).isEqualTo(1);
    assertThat(Await.result(org.authn("nobody@example.com", "x"))).isInstanceOf(AuthnOutcome.Invalid.class);
  }

  @Test
  void lockout_threshold_locks_on_the_fifth_failure_and_shown_failures_say_locked_out() throws Exception {
    sim.lockoutPolicy(5, true);
    SimUser carol = sim.user(12).orElseThrow();
    OktaOrg org = org(Usage.named("checks"));

    for (int i = 0; i < 4; i++) {
      assertThat(Await.result(org.authn(carol.login(), "wrong-" + i))).isInstanceOf(AuthnOutcome.Invalid.class);
      Thread.sleep(300); // Okta allows 4 authn calls per second per username
    }
    assertThat(sim.user(carol.id()).orElseThrow().status()).isEqualTo("ACTIVE");
    assertThat(Await.result(org.authn(carol.login(), "wrong-5"))).isInstanceOf(AuthnOutcome.LockedOut.class);
    assertThat(sim.user(carol.id()).orElseThrow().status()).isEqualTo("LOCKED_OUT");
    Thread.sleep(300); // pacing, not evidence: Okta allows 4 authn calls per second per username
    assertThat(Await.result(org.authn(carol.login(), carol.password()))).isInstanceOf(AuthnOutcome.LockedOut.class);
  }

  @Test
  void authn_is_never_retried_after_a_5xx_a_429_or_a_drop() {
    SimUser dave = sim.user(13).orElseThrow();
    OktaOrg org = org(Usage.named("checks"));

    sim.faults().failNext(1, 503);
    assertThat(Await.result(org.authn(dave.login(), dave.password()))).isInstanceOf(AuthnOutcome.Unknown.class);
    assertThat(sim.counters().authnCalls(dave.login())).isEqualTo(0); // the 503 came before the handler
    assertThat(sim.counters().requests("POST /api/v1/authn")).isEqualTo(1);

    sim.faults().force429(Duration.ofSeconds(2), SimBucket.AUTHN);
    assertThat(Await.result(org.authn(dave.login(), dave.password()))).isInstanceOf(AuthnOutcome.RateLimited.class);
    assertThat(sim.counters().requests("POST /api/v1/authn")).isEqualTo(2);
    sim.faults().clear();

    sim.faults().dropNext(1);
    assertThat(Await.result(org.authn(dave.login(), dave.password()))).isInstanceOf(AuthnOutcome.Unknown.class);
    assertThat(Await.result(org.authn(dave.login(), dave.password()))).isInstanceOf(AuthnOutcome.Valid.class);
    assertThat(sim.counters().requests("POST /api/v1/authn")).isEqualTo(3); // dropped one never reached a handler
  }

  @Test
  void an_authn_given_up_while_it_waits_for_the_rate_limit_is_never_sent() {
    sim.limit(SimBucket.AUTHN, 10); // a share of 0.2: two calls a window, then a minute's wait
    OktaOrg org = org(Usage.named("checks").withShare(Bucket.AUTHN, 0.2));
    List<SimUser> users = sim.users(u -> true, 4);
    io.vertx.core.Promise<Void> abandon = io.vertx.core.Promise.promise();
    List<Future<AuthnOutcome>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(org.authn(users.get(i).login(), "wrong", abandon.future()));
    }
    Await.result(Future.all(calls.get(0), calls.get(1)));
    assertThat(calls.get(2).isComplete()).as("the third waits for the next window").isFalse();

    abandon.complete();

    assertThat(Await.result(calls.get(2))).isInstanceOf(AuthnOutcome.NotSent.class);
    assertThat(Await.result(org.authn(users.get(3).login(), "wrong", abandon.future())))
        .as("once given up, nothing more is sent").isInstanceOf(AuthnOutcome.NotSent.class);
    assertThat(sim.counters().authnCalls()).isEqualTo(2);
    assertThat(calls.subList(0, 2)).allMatch(call -> call.result() instanceof AuthnOutcome.Invalid);
  }

  @Test
  void one_thousand_concurrent_wrong_passwords_make_exactly_one_thousand_calls() {
    sim.lockoutPolicy(0, false);
    sim.limit(SimBucket.AUTHN, 1_000_000);
    List<SimUser> users = sim.users(u -> true, 250);
    OktaOrg org = org(Usage.named("checks").withShare(Bucket.AUTHN, 1.0));
    List<Future<AuthnOutcome>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      calls.add(org.authn(users.get(i % 250).login(), "wrong"));
    }
    Await.result(Future.all(calls));
    assertThat(sim.counters().authnCalls()).isEqualTo(1000);
  }

  @Test
  void mitigation_suspends_and_clears_sessions_with_oauth_tokens() {
    String id = sim.userId(20);
    OktaOrg org = org(Usage.named("mitigation"));

    OktaAck cleared = Await.result(org.clearSessions(id));
    OktaAck suspended = Await.result(org.suspend(id));

    assertThat(cleared.status()).isEqualTo(204);
    assertThat(suspended.requestId()).hasSize(32);
    assertThat(sim.counters().lifecycle(id, "sessions+oauthTokens")).isEqualTo(1);
    assertThat(sim.counters().lifecycle(id, "suspend")).isEqualTo(1);
    assertThat(sim.user(id).orElseThrow().status()).isEqualTo("SUSPENDED");
    assertThatThrownBy(() -> Await.result(org.suspend(id))).isInstanceOfSatisfying(OktaException.class, e -> {
      assertThat(e.kind()).isEqualTo(OktaException.Kind.NOT_ALLOWED);
      assertThat(e.errorCode()).isEqualTo("E0000001");
      assertThat(e.causes()).containsExactly("Cannot suspend a user that is not active");
      assertThat(e.requestId()).hasSize(32);
    });
    Await.result(org.unsuspend(id));
    assertThat(sim.user(id).orElseThrow().status()).isEqualTo("ACTIVE");
  }

  @Test
  void lockout_policy_is_read_when_policies_read_is_granted() {
    sim.lockoutPolicy(7, true);
    LockoutPolicy policy = Await.result(org(Usage.named("diag")).setup().lockoutPolicy());
    assertThat(policy.threshold()).isEqualTo(7);
    assertThat(policy.showLockoutFailures()).isTrue();
  }

  @Test
  void every_error_shape_becomes_a_typed_error() {
    OktaOrg org = org(Usage.named("errors"));
    assertThat(Await.result(org.getUser("00uDoesNotExist000000"))).isEmpty();
    assertThatThrownBy(() -> Await.result(org.suspend("00uDoesNotExist000000")))
        .isInstanceOfSatisfying(OktaException.class, e -> assertThat(e.kind()).isEqualTo(OktaException.Kind.NOT_FOUND));
    String cursor = sim.baseUrl() + "/api/v1/users?after=2bogus&limit=200";
    assertThatThrownBy(() -> Await.result(org.resumeUsers(cursor).next()))
        .isInstanceOfSatisfying(OktaException.class, e -> {
          assertThat(e.kind()).isEqualTo(OktaException.Kind.BAD_REQUEST);
          assertThat(e.errorCode()).isEqualTo("E0000029");
          assertThat(e.causes()).containsExactly("Invalid cursor.");
        });
    sim.app().adminRole(SimApp.AdminRole.NONE);
    assertThatThrownBy(() -> Await.result(org.listUsers(UserQuery.all()).next()))
        .isInstanceOfSatisfying(OktaException.class, e -> {
          assertThat(e.kind()).isEqualTo(OktaException.Kind.FORBIDDEN);
          assertThat(e.errorCode()).isEqualTo("E0000006");
        });
    sim.app().revokeScopes(OktaOrg.POLICIES_READ);
    assertThatThrownBy(() -> Await.result(org.setup().lockoutPolicy()))
        .isInstanceOfSatisfying(OktaException.class, e -> assertThat(e.kind()).isEqualTo(OktaException.Kind.INVALID_SCOPE));
    OktaOrg stranger = okta.org(new OktaApp("test", sim.baseUrl(), "0oaUnknownClient00001"), Usage.named("x"));
    assertThatThrownBy(() -> Await.result(stranger.token(Set.of(OktaOrg.USERS_READ))))
        .isInstanceOfSatisfying(OktaException.class, e -> {
          assertThat(e.kind()).isEqualTo(OktaException.Kind.INVALID_CLIENT);
          assertThat(e.errorSummary()).startsWith("Client authentication failed.");
        });
    sim.app().requireDpop(true).rejectDpopNonces(true);
    OktaOrg dpop = okta.org(new OktaApp("test", "http://localhost:" + sim.port(), sim.app().clientId()), Usage.named("dpop"));
    assertThatThrownBy(() -> Await.result(dpop.token(Set.of(OktaOrg.USERS_READ))))
        .isInstanceOfSatisfying(OktaException.class, e -> assertThat(e.kind()).isEqualTo(OktaException.Kind.DPOP));
    sim.faults().failNext(10, 500);
    assertThatThrownBy(() -> Await.result(org.getUser(sim.userId(1))))
        .isInstanceOfSatisfying(OktaException.class, e -> assertThat(e.kind()).isEqualTo(OktaException.Kind.UNAVAILABLE));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void no_token_assertion_proof_password_or_key_reached_a_log_line() {
    assertThat(secrets).isNotEmpty();
    OktaSims.assertNoSecretsLogged(secrets);
  }
}
