package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import io.flare.iem.keys.SigningKeys;
import io.flare.iem.oktasim.OktaSimulator;
import io.flare.iem.oktasim.SimApp;
import io.flare.iem.testing.Await;
import io.flare.iem.testing.OktaSims;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationCheck;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.TestIntegrationRequest;
import io.flare.iem.v1.TestIntegrationResponse;
import io.flare.iem.v1.TestResult;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import io.flare.iem.v1.DeleteIntegrationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** TestIntegration through gRPC against a simulated Okta org: every troubleshooting case of the setup guide. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestIntegrationTest {

  static RunningService service;
  static OktaSimulator sim;
  static final AtomicInteger TENANTS = new AtomicInteger();
  static final List<String> secrets = new ArrayList<>();

  @BeforeAll
  static void start() {
    service = RunningService.start();
    sim = Await.result(OktaSimulator.start(service.vertx, new OktaSimulator.Options().users(300)));
  }

  @AfterAll
  static void stop() {
    Await.result(sim.stop());
    service.close();
  }

  static final List<String> created = new ArrayList<>();
  /** Whether {@link #integration} registers the new integration's JWKS URL on the app (the admin's step). */
  static boolean trust = true;

  /** An Okta app serves one tenant: each test's integration goes, so the next may use the app. */
  @AfterEach
  void deleteIntegrations() {
    for (String tenant : created) {
      service.integrations().deleteIntegration(DeleteIntegrationRequest.newBuilder().setTenantId(tenant).build());
    }
    created.clear();
    trust = true;
  }

  @BeforeEach
  void goodSetup() {
    sim.app()
        .grantScopes("okta.users.read", "okta.users.manage", "okta.policies.read", "okta.roles.read",
            "okta.universalLogout.manage", "okta.logs.read", "okta.threatInsights.read", "okta.networkZones.read")
        .adminRole(SimApp.AdminRole.SUPER_ADMIN).noResourceSet().requireDpop(false).rejectDpopNonces(false);
    sim.universalLogoutOffered(true);
    sim.lockoutPolicy(10, false);
    sim.policyReadable(true);
    sim.identityEngine(false);
  }

  static String integration(String domain, String clientId, MitigationMode mode, int dailyCap) {
    String tenant = "tenant-ti-" + TENANTS.incrementAndGet();
    if (mode != MitigationMode.MITIGATION_MODE_VALIDATE_ONLY) {
      service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
          .setSettings(TenantSettings.newBuilder().setMitigationEnabled(true).setIdentifierCap(1000)
              .setTimeZone("UTC").setNightlySyncHour(2).setFullSyncIntervalDays(7)).build());
    }
    Integration integration = service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(Integration.newBuilder().setDisplayName("Okta").setOktaDomain(domain)
            .setClientId(clientId).setMitigationMode(mode).setMaxDailyPasswordAttempts(dailyCap)).build())
        .getIntegration();
    created.add(tenant);
    if (trust) {
      OktaSims.trust(sim.app(), service, integration);
    }
    return tenant;
  }

  static String integration(MitigationMode mode) {
    return integration(sim.baseUrl(), sim.app().clientId(), mode, 2);
  }

  static Map<String, IntegrationCheck> test(String tenant) {
    TestIntegrationResponse response = service.integrations()
        .testIntegration(TestIntegrationRequest.newBuilder().setTenantId(tenant).build());
    Map<String, IntegrationCheck> checks = new LinkedHashMap<>();
    response.getChecksList().forEach(c -> checks.put(c.getName(), c));
    assertThat(checks.keySet()).containsExactly("okta_domain_reachable", "token_obtained", "signing_keys_accepted",
        "users_read_granted",
        "users_visible", "users_manage_granted", "admin_role_permissions", "universal_logout_available",
        "lockout_policy", "authn_not_blocked", "threatinsight_egress_excluded", "logs_read_granted", "org_pipeline",
        "protected_accounts");
    assertThat(response.getOk()).isEqualTo(checks.values().stream().noneMatch(c -> c.getResult() == TestResult.TEST_RESULT_FAIL));
    return checks;
  }

  static void assertFails(IntegrationCheck check, String... remedyContains) {
    assertThat(check.getResult()).as(check.getName() + ": " + check.getDetail()).isEqualTo(TestResult.TEST_RESULT_FAIL);
    assertThat(check.getRemedy()).contains(remedyContains);
  }

  @Test
  void a_good_setup_passes_every_check_and_stores_the_lockout_threshold() {
    String tenant = integration(MitigationMode.MITIGATION_MODE_AUTOMATED);

    Map<String, IntegrationCheck> checks = test(tenant);

    assertThat(checks.values()).allSatisfy(c -> assertThat(c.getResult()).as(c.getName() + ": " + c.getDetail())
        .isEqualTo(TestResult.TEST_RESULT_PASS));
    assertThat(checks.get("users_visible").getDetail()).contains("more than 200 users visible", "@example.com");
    assertThat(service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration().getOktaLockoutThreshold()).isEqualTo(10);
  }

  @Test
  void mitigation_off_skips_the_manage_check() {
    Map<String, IntegrationCheck> checks = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY));
    assertThat(checks.get("users_manage_granted").getResult()).isEqualTo(TestResult.TEST_RESULT_SKIPPED);
    assertThat(checks.get("universal_logout_available").getResult()).isEqualTo(TestResult.TEST_RESULT_SKIPPED);
  }

  // ---- admin role permissions (okta.roles.read) ----------------------------------------------

  @Test
  void a_custom_role_without_clear_user_sessions_fails_naming_the_missing_permission() {
    sim.app().customRole(SimApp.CustomRole.of("Flare mitigation", SimApp.USERS_READ, SimApp.SUSPEND, SimApp.IAM_READ),
        SimApp.ResourceSet.allUsers("All users"));

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_AUTOMATED)).get("admin_role_permissions");

    assertFails(roles, "Clear user sessions", "Flare mitigation");
    assertThat(roles.getDetail()).contains("okta.users.lifecycle.clearSessions")
        .doesNotContain("okta.users.lifecycle.suspend");
  }

  @Test
  void a_custom_role_bound_to_a_group_instead_of_its_users_fails_saying_its_resource_set_holds_no_users() {
    sim.app().customRole(SimApp.CustomRole.of("Flare mitigation", SimApp.USERS_READ, SimApp.SUSPEND,
        SimApp.CLEAR_SESSIONS, SimApp.IAM_READ), SimApp.ResourceSet.groupItself("Pilot group", "00gPilotGroup000001"));

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_MANUAL)).get("admin_role_permissions");

    assertFails(roles, "resource set", "Users");
    assertThat(roles.getDetail()).contains("holds no users", "okta.users.lifecycle.suspend",
        "okta.users.lifecycle.clearSessions");
  }

  @Test
  void a_custom_role_on_the_users_of_a_group_passes_and_says_it_covers_only_them() {
    sim.app().customRole(SimApp.CustomRole.of("Flare mitigation", SimApp.USERS_READ, SimApp.SUSPEND,
        SimApp.CLEAR_SESSIONS, SimApp.IAM_READ), SimApp.ResourceSet.usersOfGroup("Pilot users", "00gPilotGroup000001"));

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_AUTOMATED)).get("admin_role_permissions");

    assertThat(roles.getResult()).as(roles.getDetail()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(roles.getDetail()).contains("okta.users.lifecycle.clearSessions", "only for the users of the groups");
  }

  @Test
  void validation_only_needs_nothing_but_viewing_users() {
    sim.app().customRole(SimApp.CustomRole.of("Flare sync", SimApp.USERS_READ, SimApp.IAM_READ),
        SimApp.ResourceSet.allUsers("All users"));

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY))
        .get("admin_role_permissions");

    assertThat(roles.getResult()).as(roles.getDetail()).isEqualTo(TestResult.TEST_RESULT_PASS);
  }

  @Test
  void a_standard_role_whose_permissions_are_not_documented_warns_instead_of_guessing() {
    sim.app().customRole(SimApp.CustomRole.of("Flare roles reader", SimApp.IAM_READ, SimApp.USERS_READ),
        SimApp.ResourceSet.allUsers("All users")).addAdminRole(SimApp.AdminRole.HELP_DESK_ADMIN);

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_AUTOMATED)).get("admin_role_permissions");

    assertThat(roles.getResult()).as(roles.getDetail()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(roles.getDetail()).contains("HELP_DESK_ADMIN", "okta.users.lifecycle.suspend");
    assertThat(roles.getRemedy()).contains("Suspend users", "Clear user sessions");
  }

  @Test
  void without_okta_roles_read_the_role_check_warns_naming_the_scope() {
    sim.app().revokeScopes("okta.roles.read");

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_AUTOMATED)).get("admin_role_permissions");

    assertThat(roles.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(roles.getDetail()).contains("okta.roles.read");
    assertThat(roles.getRemedy()).contains("okta.roles.read", "Suspend users", "Clear user sessions");
  }

  @Test
  void a_role_that_may_not_read_admin_assignments_warns_with_the_permission_it_lacks() {
    sim.app().adminRole(SimApp.AdminRole.GROUP_ADMIN); // mitigates fine, but only super admins view admins

    IntegrationCheck roles = test(integration(MitigationMode.MITIGATION_MODE_AUTOMATED)).get("admin_role_permissions");

    assertThat(roles.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(roles.getDetail()).contains("E0000006", "okta.iam.read");
  }

  // ---- Universal Logout -------------------------------------------------------------------------

  @Test
  void universal_logout_not_granted_warns_with_the_remedy_and_never_fails() {
    sim.app().revokeScopes("okta.universalLogout.manage");

    IntegrationCheck logout = test(integration(MitigationMode.MITIGATION_MODE_AUTOMATED))
        .get("universal_logout_available");

    assertThat(logout.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(logout.getRemedy()).contains("okta.universalLogout.manage", "Identity Threat Protection");
  }

  @Test
  void universal_logout_in_an_org_without_it_warns() {
    sim.universalLogoutOffered(false);

    IntegrationCheck logout = test(integration(MitigationMode.MITIGATION_MODE_MANUAL)).get("universal_logout_available");

    assertThat(logout.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(logout.getDetail()).contains("okta.universalLogout.manage", "not granted");
  }

  @Test
  void wrong_domain_fails_reachability_and_skips_the_rest() {
    Map<String, IntegrationCheck> checks = test(integration("http://127.0.0.1:9", sim.app().clientId(),
        MitigationMode.MITIGATION_MODE_VALIDATE_ONLY, 2));
    assertFails(checks.get("okta_domain_reachable"), "Okta domain");
    assertThat(checks.get("token_obtained").getResult()).isEqualTo(TestResult.TEST_RESULT_SKIPPED);
  }

  @Test
  void wrong_client_id_fails_the_token_check() {
    Map<String, IntegrationCheck> checks = test(integration(sim.baseUrl(), "0oaWrongClient000001",
        MitigationMode.MITIGATION_MODE_VALIDATE_ONLY, 2));
    assertFails(checks.get("token_obtained"), "client id", "0oaWrongClient000001");
  }

  @Test
  void our_key_not_registered_says_which_jwks_url_to_register() {
    sim.app().savedKeys(new JWKSet(SigningKeys.parse(SigningKeys.generatePem()).active().toPublicJWK()));
    trust = false;
    String tenant = integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY);
    Map<String, IntegrationCheck> checks = test(tenant);
    assertFails(checks.get("token_obtained"), jwksUrl(tenant));
    assertFails(checks.get("signing_keys_accepted"), jwksUrl(tenant));
    assertThat(checks.get("token_obtained").getDetail()).contains("kid is invalid");
  }

  @Test
  void wrong_jwks_url_says_which_jwks_url_to_register() {
    sim.app().jwksUrl(service.httpBase() + "/not-our-jwks.json");
    trust = false;
    String tenant = integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY);
    Map<String, IntegrationCheck> checks = test(tenant);
    assertFails(checks.get("token_obtained"), jwksUrl(tenant));
    assertThat(checks.get("token_obtained").getDetail()).contains("jwks_uri");
  }

  @Test
  void the_former_shared_jwks_url_says_to_register_the_integration_s_own() {
    sim.app().jwksUrl(service.httpBase() + "/.well-known/jwks.json");
    trust = false;
    String tenant = integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY);
    Map<String, IntegrationCheck> checks = test(tenant);
    assertFails(checks.get("token_obtained"), jwksUrl(tenant), "each integration has its own");
    assertThat(checks.get("token_obtained").getDetail()).contains("must contain at least one key");
  }

  static String jwksUrl(String tenant) {
    return service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration().getJwksUrl();
  }

  @Test
  void users_read_scope_missing() {
    sim.app().revokeScopes("okta.users.read");
    Map<String, IntegrationCheck> checks = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY));
    assertThat(checks.get("token_obtained").getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertFails(checks.get("users_read_granted"), "okta.users.read");
  }

  @Test
  void users_manage_scope_missing_while_mitigation_is_on() {
    sim.app().revokeScopes("okta.users.manage");
    assertFails(test(integration(MitigationMode.MITIGATION_MODE_MANUAL)).get("users_manage_granted"),
        "okta.users.manage");
  }

  @Test
  void no_admin_role_means_no_user_is_visible() {
    sim.app().adminRole(SimApp.AdminRole.NONE);
    assertFails(test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("users_visible"),
        "admin role", "View users and their details");
  }

  @Test
  void a_resource_set_without_users() {
    sim.app().resourceSet(List.of());
    assertFails(test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("users_visible"), "resource set");
  }

  @Test
  void a_resource_set_of_some_users_passes_with_its_count() {
    sim.app().resourceSet(List.of(sim.userId(1), sim.userId(2), sim.userId(3)));
    IntegrationCheck visible = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("users_visible");
    assertThat(visible.getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
  }

  @Test
  void a_daily_cap_above_half_the_lockout_threshold_warns() {
    sim.lockoutPolicy(5, false);
    String tenant = integration(sim.baseUrl(), sim.app().clientId(), MitigationMode.MITIGATION_MODE_VALIDATE_ONLY, 3);
    IntegrationCheck lockout = test(tenant).get("lockout_policy");
    assertThat(lockout.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(lockout.getRemedy()).contains("at most 2");
  }

  @Test
  void an_unreadable_lockout_policy_warns() {
    sim.app().revokeScopes("okta.policies.read");
    IntegrationCheck lockout = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("lockout_policy");
    assertThat(lockout.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(lockout.getRemedy()).contains("okta.policies.read");
  }

  @Test
  void without_okta_logs_read_the_system_log_check_warns_that_rejections_stay_unconfirmed_and_how_to_fix_it() {
    sim.app().revokeScopes("okta.logs.read");
    IntegrationCheck logs = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("logs_read_granted");
    assertThat(logs.getResult()).as(logs.getDetail()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(logs.getDetail()).contains("okta.logs.read", "unconfirmed");
    assertThat(logs.getRemedy()).contains("Okta API Scopes", "okta.logs.read");
  }

  @Test
  void an_admin_role_that_may_not_read_the_system_log_warns_with_the_remedy() {
    sim.app().adminRole(SimApp.AdminRole.NONE);
    IntegrationCheck logs = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("logs_read_granted");
    assertThat(logs.getResult()).as(logs.getDetail()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(logs.getRemedy()).contains("admin role", "System Log");
  }

  @Test
  void with_okta_logs_read_the_system_log_check_passes() {
    IntegrationCheck logs = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("logs_read_granted");
    assertThat(logs.getResult()).as(logs.getDetail()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(logs.getDetail()).contains("System Log");
  }

  @Test
  void the_org_pipeline_names_identity_engine_or_classic_engine_and_what_it_means_for_checks() {
    sim.identityEngine(true);
    IntegrationCheck ie = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("org_pipeline");
    deleteIntegrations(); // the app serves one tenant at a time
    sim.identityEngine(false);
    IntegrationCheck classic = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("org_pipeline");

    assertThat(ie.getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(ie.getDetail()).contains("Identity Engine", "idx", "blocks", "unknown devices");
    assertThat(classic.getResult()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(classic.getDetail()).contains("Classic Engine", "v1");
  }

  @Test
  void dpop_required_and_working_passes() {
    sim.app().requireDpop(true);
    IntegrationCheck token = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("token_obtained");
    assertThat(token.getResult()).as(token.getDetail()).isEqualTo(TestResult.TEST_RESULT_PASS);
    assertThat(token.getDetail()).contains("DPoP");
  }

  @Test
  void dpop_required_but_failing() {
    sim.app().requireDpop(true).rejectDpopNonces(true);
    assertFails(test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY)).get("token_obtained"), "DPoP");
  }

  @Test
  void threatinsight_scope_missing_warns_and_does_not_fail() {
    sim.app().revokeScopes("okta.threatInsights.read");
    IntegrationCheck threats = test(integration(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY))
        .get("threatinsight_egress_excluded");
    assertThat(threats.getResult()).isEqualTo(TestResult.TEST_RESULT_WARN);
    assertThat(threats.getRemedy()).contains("okta.threatInsights.read");
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void no_secret_the_simulator_saw_reached_a_log_line() {
    List<String> seen = OktaSims.secrets(sim);
    assertThat(sim.secrets()).isNotEmpty();
    OktaSims.assertNoSecretsLogged(seen);
  }
}
