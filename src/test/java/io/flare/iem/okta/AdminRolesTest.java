package io.flare.iem.okta;

import static org.assertj.core.api.Assertions.assertThat;

import io.flare.iem.okta.AdminRoles.UserCoverage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What Okta's role assignment answers mean, on the documented examples (Administrator Roles API, Role assignment). */
class AdminRolesTest {

  @Test
  void a_custom_role_assignment_names_its_role_and_resource_set() {
    JsonArray answer = new JsonArray().add(new JsonObject().put("id", "irb1q92TFAHzySt3x0g4")
            .put("role", "cr0Yq6IJxGIr0ouum0g3").put("label", "UserCreatorRole").put("type", "CUSTOM")
            .put("status", "ACTIVE").put("assignmentType", "USER").put("resource-set", "iamoJDFKaJxGIr0oamd9g"))
        .add(new JsonObject().put("id", "JBCUYUC7IRCVGS27IFCE2SKO").put("label", "Help Desk Administrator")
            .put("type", "HELP_DESK_ADMIN").put("status", "ACTIVE"));

    List<AdminRoles.Assignment> roles = AdminRoles.assignments(answer);

    assertThat(roles.get(0).custom()).isTrue();
    assertThat(roles.get(0).roleId()).isEqualTo("cr0Yq6IJxGIr0ouum0g3");
    assertThat(roles.get(0).resourceSetId()).isEqualTo("iamoJDFKaJxGIr0oamd9g");
    assertThat(roles.get(1).custom()).isFalse();
    assertThat(roles.get(1).describe()).isEqualTo("Help Desk Administrator (HELP_DESK_ADMIN)");
    assertThat(AdminRoles.standardPermissions("HELP_DESK_ADMIN")).isEmpty(); // not documented: not guessed
  }

  @Test
  void resources_cover_users_by_orn_or_by_rest_url_and_a_group_itself_covers_none() {
    String org = "https://acme.okta.com";
    assertThat(AdminRoles.userCoverage(List.of(org + "/api/v1/users"))).isEqualTo(UserCoverage.ALL);
    assertThat(AdminRoles.userCoverage(List.of("orn:okta:directory:00o1:users"))).isEqualTo(UserCoverage.ALL);
    assertThat(AdminRoles.userCoverage(List.of(org + "/api/v1/groups/00gu67DU2qNCjNZYO0g3/users")))
        .isEqualTo(UserCoverage.GROUPS);
    assertThat(AdminRoles.userCoverage(List.of("orn:oktapreview:directory:00o1:groups:00g1:contained_resources")))
        .isEqualTo(UserCoverage.GROUPS);
    assertThat(AdminRoles.userCoverage(List.of(org + "/api/v1/groups/00guaxWZ0AOa5NFAj0g3",
        "orn:okta:directory:00o1:groups:00g1", org + "/api/v1/apps"))).isEqualTo(UserCoverage.NONE);
  }

  @Test
  void an_older_all_users_and_groups_resource_is_read_from_its_users_link() {
    JsonObject resource = new JsonObject().put("id", "irezvo4AwE2ngpMw40g3").put("_links", new JsonObject()
        .put("users", new JsonObject().put("href", "https://acme.okta.com/api/v1/users"))
        .put("groups", new JsonObject().put("href", "https://acme.okta.com/api/v1/groups")));

    assertThat(AdminRoles.userCoverage(List.of(AdminRoles.resource(resource)))).isEqualTo(UserCoverage.ALL);
  }

  @Test
  void broader_permissions_grant_the_narrower_ones() {
    assertThat(AdminRoles.grants(Set.of("okta.users.manage"), AdminRoles.CLEAR_SESSIONS)).isTrue();
    assertThat(AdminRoles.grants(Set.of("okta.users.lifecycle.manage"), AdminRoles.SUSPEND)).isTrue();
    assertThat(AdminRoles.grants(Set.of("okta.users.lifecycle.suspend"), AdminRoles.USERS_READ)).isTrue();
    assertThat(AdminRoles.grants(Set.of("okta.users.lifecycle.suspend"), AdminRoles.CLEAR_SESSIONS)).isFalse();
    assertThat(AdminRoles.grants(Set.of("okta.groups.manage"), AdminRoles.USERS_READ)).isFalse();
  }
}
