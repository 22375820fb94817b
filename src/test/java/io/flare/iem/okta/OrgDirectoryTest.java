package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client reads protected groups and admins from the simulator as Okta serves them: every page
 * of a group's members (1,000 a page, by Link header) and of the admins (100 a page, by the body's
 * {@code _links.next}); an unknown group is Okta's 404, a scope not granted is "not granted".
 */
class OrgDirectoryTest {

  static Vertx vertx;
  static OktaSimulator sim;
  static OktaClient okta;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sim = OktaSims.start(vertx, new OktaSimulator.Options().users(2_600).mixedStatuses(false)
        .scopes("okta.users.read", "okta.groups.read", "okta.roles.read"));
    okta = OktaSims.client(vertx);
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 2_345; i++) {
      members.add(sim.userId(i));
    }
    sim.groups().group("00gLargeGroup0000001", members.toArray(String[]::new));
    for (int i = 0; i < 250; i++) {
      sim.groups().assignAdminRole(sim.userId(2_000 + i));
    }
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    Await.result(vertx.close());
  }

  private static OrgDirectory directory() {
    return okta.org(OktaSims.app(sim), Usage.named("test")).directory();
  }

  private static Throwable failure(Future<?> f) {
    return Await.result(f.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)));
  }

  @Test
  void every_page_of_a_large_group_is_read() {
    List<String> ids = Await.result(directory().groupMembers("00gLargeGroup0000001"));

    assertThat(ids).hasSize(2_345).doesNotHaveDuplicates().startsWith(sim.userId(0)).endsWith(sim.userId(2_344));
    assertThat(sim.counters().requests("GET /api/v1/groups/{id}/users")).isEqualTo(3L);
  }

  @Test
  void every_page_of_the_admins_is_read() {
    List<String> ids = Await.result(directory().adminUsers());

    assertThat(ids).hasSize(250).doesNotHaveDuplicates().contains(sim.userId(2_000), sim.userId(2_249));
  }

  @Test
  void an_unknown_group_is_okta_404() {
    Throwable error = failure(directory().groupMembers("00gNoSuchGroup000001"));

    assertThat(OrgDirectory.unknownGroup(error)).as(String.valueOf(error)).isTrue();
    assertThat(OrgDirectory.notGranted(error)).isFalse();
  }

  @Test
  void a_scope_not_granted_is_not_granted() {
    sim.app().revokeScopes("okta.roles.read");
    sim.expireAccessTokens(); // a token issued before the grant was revoked keeps its scopes until it expires
    try {
      Throwable error = failure(directory().adminUsers());
      assertThat(OrgDirectory.notGranted(error)).as(String.valueOf(error)).isTrue();
    } finally {
      sim.app().grantScopes("okta.roles.read");
    }
  }
}
