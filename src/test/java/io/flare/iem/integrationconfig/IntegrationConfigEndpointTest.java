package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.FieldMask;
import io.flare.iem.testing.RunningService;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.DeleteIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetTenantSettingsRequest;
import io.flare.iem.v1.IdpKind;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.MitigationMode;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateIntegrationRequest;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * IntegrationConfigService through the official grpc-java client, against the service started with
 * production wiring on real Postgres and Redis. Every validation rule has a rejected and an accepted
 * case; codes and messages are what other Flare services see.
 */
class IntegrationConfigEndpointTest {

  static final String CLIENT_ID = "0oa1b2c3d4E5f6G7h8i9";
  static final AtomicInteger APPS = new AtomicInteger();
  static final AtomicInteger TENANTS = new AtomicInteger();
  static RunningService service;

  @BeforeAll
  static void start() {
    service = RunningService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  static String newTenant() {
    return "tenant-" + TENANTS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** An Okta integration; each with an app of its own (an Okta app serves one tenant). */
  static Integration.Builder okta() {
    return Integration.newBuilder()
        .setDisplayName("Acme Okta")
        .setOktaDomain("acme.okta.com")
        .setClientId(String.format("0oa%017d", APPS.incrementAndGet()));
  }

  static Integration create(String tenant, Integration.Builder integration) {
    return service.integrations().createIntegration(CreateIntegrationRequest.newBuilder()
        .setTenantId(tenant).setIntegration(integration).build()).getIntegration();
  }

  static StatusRuntimeException createFails(String tenant, Integration.Builder integration) {
    return catchThrowableOfType(StatusRuntimeException.class, () -> create(tenant, integration));
  }

  static void assertInvalid(StatusRuntimeException e, String field, String rule) {
    assertThat(e).as("expected INVALID_ARGUMENT").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).startsWith(field + ":").contains(rule);
  }

  static void entitle(String tenant, boolean identifiers, boolean mitigation) {
    service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder()
        .setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setAutoIdentifiersEnabled(identifiers).setMitigationEnabled(mitigation))
        .setUpdateMask(FieldMask.newBuilder().addPaths("auto_identifiers_enabled").addPaths("mitigation_enabled"))
        .build());
  }

  // ---- okta_domain ---------------------------------------------------------------------------

  @ParameterizedTest
  @CsvSource({
      "acme.okta.com, https://acme.okta.com",
      "https://acme.okta.com, https://acme.okta.com",
      "https://acme.okta.com/, https://acme.okta.com",
      "ACME.Okta.COM, https://acme.okta.com",
      "dev-123456.oktapreview.com, https://dev-123456.oktapreview.com",
      "acme.okta-emea.com, https://acme.okta-emea.com",
      "agency.okta-gov.com, https://agency.okta-gov.com",
      "unit.okta.mil, https://unit.okta.mil"})
  void okta_domain_accepts_okta_hosts_and_normalises_them(String input, String normalised) {
    Integration created = create(newTenant(), okta().setOktaDomain(input));
    assertThat(created.getOktaDomain()).isEqualTo(normalised);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''| is required",
      "http://acme.okta.com| must use https",
      "https://acme.okta.com:8443| must not specify a port",
      "https://acme.okta.com/oauth2| without a path",
      "https://acme.okta.com?x=1| query string",
      "https://user@acme.okta.com| user information",
      "https://acme.okta.com.evil.net| must be a host under",
      "https://evil-okta.com| must be a host under",
      "https://okta.com| must be a host under",
      "https://.okta.com| must be an Okta host",
      "https://-.okta.com| must be an Okta host",
      "https://10.0.0.5| not an IP address",
      "https://127.0.0.2| not an IP address",
      "https://[::1]| not an IP address",
      "https://localhost.localdomain| must be a host under",
      "https://169.254.169.254| not an IP address",
      "https://acme-admin.okta.com| admin console",
      "https://acme.okta.com.| must not end with a dot",
      "acme .okta.com| without spaces",
      "https://xn--acme-9qa.okta.com| invalid host label",
      "ftp://acme.okta.com| must use https"})
  void okta_domain_refuses_everything_that_is_not_an_okta_host(String input, String rule) {
    assertInvalid(createFails(newTenant(), okta().setOktaDomain(input)), "integration.okta_domain", rule.strip());
  }

  @Test
  void insecure_hosts_from_configuration_may_use_http_and_a_port() {
    Integration created = create(newTenant(), okta().setOktaDomain("http://127.0.0.1:8089"));
    assertThat(created.getOktaDomain()).isEqualTo("http://127.0.0.1:8089");
  }

  // ---- client_id, attempts, display_name -------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"", "0oa1b2c3d4E5f6G7h8i", "0oa1b2c3d4E5f6G7h8i9x", " 0oa1b2c3d4E5f6G7h8i9", "0oa1b2c3d4 5f6G7h8i9",
      "1oa1b2c3d4E5f6G7h8i9", "0oa1b2c3d4E5f6G7h8-9"})
  void client_id_must_have_okta_shape(String clientId) {
    StatusRuntimeException e = createFails(newTenant(), okta().setClientId(clientId));
    assertInvalid(e, "integration.client_id", clientId.isEmpty() ? "is required" : "'0oa' followed by 17");
  }

  @Test
  void client_id_of_okta_shape_is_accepted() {
    assertThat(create(newTenant(), okta().setClientId("0oaABCDEFGHIJ1234567")).getClientId())
        .isEqualTo("0oaABCDEFGHIJ1234567");
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 51, 1000})
  void max_daily_password_attempts_must_be_1_to_50(int attempts) {
    assertInvalid(createFails(newTenant(), okta().setMaxDailyPasswordAttempts(attempts)),
        "integration.max_daily_password_attempts", "between 1 and 50");
  }

  @ParameterizedTest
  @CsvSource({"0, 2", "1, 1", "5, 5", "50, 50"})
  void max_daily_password_attempts_defaults_to_2(int given, int stored) {
    assertThat(create(newTenant(), okta().setMaxDailyPasswordAttempts(given)).getMaxDailyPasswordAttempts())
        .isEqualTo(stored);
  }

  @Test
  void display_name_must_be_1_to_200_characters_without_control_characters() {
    assertInvalid(createFails(newTenant(), okta().setDisplayName("")), "integration.display_name", "1 to 200");
    assertInvalid(createFails(newTenant(), okta().setDisplayName("x".repeat(201))), "integration.display_name",
        "1 to 200");
    assertInvalid(createFails(newTenant(), okta().setDisplayName("bad\u0000name")), "integration.display_name",
        "control characters");
    assertThat(create(newTenant(), okta().setDisplayName("é".repeat(200))).getDisplayName()).hasSize(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "ünïcode", "-starts-with-dash"})
  void tenant_id_is_validated(String tenant) {
    assertInvalid(createFails(tenant, okta()), "tenant_id", tenant.isEmpty() ? "is required" : "must be 1 to 64");
  }

  @Test
  void tenant_id_longer_than_64_characters_is_refused() {
    assertInvalid(createFails("t".repeat(65), okta()), "tenant_id", "must be 1 to 64");
  }

  @Test
  void request_id_is_validated() {
    var e = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations().createIntegration(
        CreateIntegrationRequest.newBuilder().setTenantId(newTenant()).setIntegration(okta())
            .setRequestId("x".repeat(129)).build()));
    assertInvalid(e, "request_id", "at most 128");
  }

  @Test
  void integration_is_required() {
    var e = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations().createIntegration(
        CreateIntegrationRequest.newBuilder().setTenantId(newTenant()).build()));
    assertInvalid(e, "integration", "is required");
  }

  // ---- one IdP integration per tenant --------------------------------------------------------

  @Test
  void okta_then_okta_is_already_exists() {
    String tenant = newTenant();
    create(tenant, okta());
    StatusRuntimeException e = createFails(tenant, okta().setDisplayName("second"));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(e.getStatus().getDescription()).contains("one IdP integration per tenant is supported")
        .contains("new Flare tenant");
  }

  @Test
  void okta_then_entra_is_already_exists() {
    String tenant = newTenant();
    create(tenant, okta());
    StatusRuntimeException e = createFails(tenant, entra());
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(e.getStatus().getDescription()).contains("one IdP integration per tenant is supported");
  }

  @Test
  void entra_then_okta_is_already_exists_and_names_the_entra_integration() {
    String tenant = newTenant();
    assertThat(create(tenant, entra()).getKind()).isEqualTo(IdpKind.IDP_KIND_ENTRA_ID);
    StatusRuntimeException e = createFails(tenant, okta());
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(e.getStatus().getDescription()).contains("Entra ID").contains("new Flare tenant");
  }

  @Test
  void entra_integration_needs_a_guid_client_id_and_no_okta_domain() {
    assertInvalid(createFails(newTenant(), entra().setClientId(CLIENT_ID)), "integration.client_id", "GUID");
    assertInvalid(createFails(newTenant(), entra().setOktaDomain("acme.okta.com")), "integration.okta_domain",
        "must be empty");
  }

  static Integration.Builder entra() {
    return Integration.newBuilder().setKind(IdpKind.IDP_KIND_ENTRA_ID).setDisplayName("Acme Entra")
        .setClientId("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  }

  @Test
  void concurrent_creates_for_one_tenant_produce_exactly_one_integration() throws Exception {
    String tenant = newTenant();
    List<Thread> threads = new java.util.ArrayList<>();
    AtomicInteger created = new AtomicInteger();
    AtomicInteger exists = new AtomicInteger();
    for (int i = 0; i < 8; i++) {
      Thread thread = new Thread(() -> {
        try {
          create(tenant, okta());
          created.incrementAndGet();
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
            exists.incrementAndGet();
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(created.get()).isEqualTo(1);
    assertThat(exists.get()).isEqualTo(7);
  }

  // ---- idempotent create ---------------------------------------------------------------------

  @Test
  void retried_create_with_the_same_request_id_returns_the_first_result() {
    String tenant = newTenant();
    var request = CreateIntegrationRequest.newBuilder().setTenantId(tenant).setIntegration(okta())
        .setRequestId("create-" + tenant).build();
    Integration first = service.integrations().createIntegration(request).getIntegration();
    Integration retried = service.integrations().createIntegration(request).getIntegration();
    assertThat(retried).isEqualTo(first);
    var other = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations().createIntegration(
        request.toBuilder().setRequestId("another-request").build()));
    assertThat(other.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
  }

  // ---- entitlements --------------------------------------------------------------------------

  @Test
  void automatic_identifiers_need_the_entitlement() {
    String tenant = newTenant();
    StatusRuntimeException e = createFails(tenant, okta().setAutoCreateIdentifiers(true));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).contains("available on request").contains("CSM");
    entitle(tenant, true, false);
    assertThat(create(tenant, okta().setAutoCreateIdentifiers(true)).getAutoCreateIdentifiers()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"MITIGATION_MODE_AUTOMATED", "MITIGATION_MODE_MANUAL"})
  void mitigation_needs_the_entitlement(String mode) {
    String tenant = newTenant();
    StatusRuntimeException e = createFails(tenant, okta().setMitigationMode(MitigationMode.valueOf(mode)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).contains("available on request").contains("CSM");
    entitle(tenant, false, true);
    assertThat(create(tenant, okta().setMitigationMode(MitigationMode.valueOf(mode))).getMitigationMode())
        .isEqualTo(MitigationMode.valueOf(mode));
  }

  @Test
  void validate_only_needs_no_entitlement_and_is_the_default() {
    assertThat(create(newTenant(), okta()).getMitigationMode()).isEqualTo(MitigationMode.MITIGATION_MODE_VALIDATE_ONLY);
  }

  @Test
  void update_to_mitigation_needs_the_entitlement_too() {
    String tenant = newTenant();
    Integration created = create(tenant, okta());
    var e = catchThrowableOfType(StatusRuntimeException.class, () -> update(tenant, created.getEtag(),
        i -> i.setMitigationMode(MitigationMode.MITIGATION_MODE_AUTOMATED), "mitigation_mode"));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  // ---- get, update, delete, etags ------------------------------------------------------------

  static Integration update(String tenant, String etag, UnaryOperator<Integration.Builder> change, String... paths) {
    return service.integrations().updateIntegration(UpdateIntegrationRequest.newBuilder()
        .setTenantId(tenant)
        .setIntegration(change.apply(Integration.newBuilder()))
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths)))
        .setEtag(etag)
        .build()).getIntegration();
  }

  @Test
  void get_returns_the_integration_and_not_found_without_one() {
    String tenant = newTenant();
    var missing = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations()
        .getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Integration created = create(tenant, okta());
    assertThat(service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration()).isEqualTo(created);
  }

  @Test
  void update_changes_only_masked_fields_and_moves_the_etag() {
    String tenant = newTenant();
    Integration created = create(tenant, okta());
    Integration updated = update(tenant, created.getEtag(),
        i -> i.setDisplayName("Renamed").setMaxDailyPasswordAttempts(4).setClientId("0oaIGNOREDIGNOREDIGNO"),
        "display_name", "max_daily_password_attempts");
    assertThat(updated.getDisplayName()).isEqualTo("Renamed");
    assertThat(updated.getMaxDailyPasswordAttempts()).isEqualTo(4);
    assertThat(updated.getClientId()).isEqualTo(created.getClientId());
    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());
  }

  @Test
  void update_with_a_stale_etag_is_aborted_and_changes_nothing() {
    String tenant = newTenant();
    Integration created = create(tenant, okta());
    update(tenant, created.getEtag(), i -> i.setDisplayName("First"), "display_name");
    var e = catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, created.getEtag(), i -> i.setDisplayName("Second"), "display_name"));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(e.getStatus().getDescription()).contains("etag").contains("stale");
    assertThat(service.integrations().getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build())
        .getIntegration().getDisplayName()).isEqualTo("First");
  }

  @Test
  void update_validates_mask_and_values() {
    String tenant = newTenant();
    Integration created = create(tenant, okta());
    assertInvalid(catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, created.getEtag(), i -> i)), "update_mask", "is required");
    assertInvalid(catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, created.getEtag(), i -> i, "kind")), "update_mask", "cannot be changed");
    assertInvalid(catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, created.getEtag(), i -> i, "colour")), "update_mask", "unknown");
    assertInvalid(catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, created.getEtag(), i -> i.setOktaDomain("https://acme.okta.com.evil.net"), "okta_domain")),
        "integration.okta_domain", "must be a host under");
    assertInvalid(catchThrowableOfType(StatusRuntimeException.class,
        () -> update(tenant, created.getEtag(), i -> i.setMaxDailyPasswordAttempts(0), "max_daily_password_attempts")),
        "integration.max_daily_password_attempts", "between 1 and 50");
  }

  @Test
  void delete_with_a_stale_etag_is_aborted_and_with_the_current_one_removes_the_integration() {
    String tenant = newTenant();
    Integration created = create(tenant, okta());
    Integration updated = update(tenant, created.getEtag(), i -> i.setDisplayName("v2"), "display_name");
    var stale = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations().deleteIntegration(
        DeleteIntegrationRequest.newBuilder().setTenantId(tenant).setEtag(created.getEtag()).build()));
    assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    service.integrations().deleteIntegration(
        DeleteIntegrationRequest.newBuilder().setTenantId(tenant).setEtag(updated.getEtag()).build());
    var gone = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations()
        .getIntegration(GetIntegrationRequest.newBuilder().setTenantId(tenant).build()));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    // a new integration may be created afterwards
    assertThat(create(tenant, entra()).getKind()).isEqualTo(IdpKind.IDP_KIND_ENTRA_ID);
  }

  // ---- tenant settings -----------------------------------------------------------------------

  @Test
  void tenant_settings_default_and_update_with_validation() {
    String tenant = newTenant();
    TenantSettings defaults = service.integrations().getTenantSettings(GetTenantSettingsRequest.newBuilder()
        .setTenantId(tenant).build()).getSettings();
    assertThat(defaults.getTimeZone()).isEqualTo("UTC");
    assertThat(defaults.getAutoIdentifiersEnabled()).isFalse();
    assertThat(defaults.getMitigationEnabled()).isFalse();
    assertThat(defaults.getNightlySyncHour()).isEqualTo(2);
    assertThat(defaults.getFullSyncIntervalDays()).isEqualTo(7);

    TenantSettings updated = service.integrations().updateTenantSettings(UpdateTenantSettingsRequest.newBuilder()
        .setTenantId(tenant)
        .setSettings(TenantSettings.newBuilder().setIdentifierCap(300).setTimeZone("America/New_York"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("identifier_cap").addPaths("time_zone"))
        .build()).getSettings();
    assertThat(updated.getIdentifierCap()).isEqualTo(300);
    assertThat(updated.getTimeZone()).isEqualTo("America/New_York");
    assertThat(updated.getNightlySyncHour()).isEqualTo(2);

    for (var bad : List.of(
        new Object[] {TenantSettings.newBuilder().setTimeZone("Mars/Olympus"), "time_zone", "settings.time_zone"},
        new Object[] {TenantSettings.newBuilder().setTimeZone("+05:00"), "time_zone", "settings.time_zone"},
        new Object[] {TenantSettings.newBuilder().setIdentifierCap(-1), "identifier_cap", "settings.identifier_cap"},
        new Object[] {TenantSettings.newBuilder().setNightlySyncHour(24), "nightly_sync_hour", "settings.nightly_sync_hour"},
        new Object[] {TenantSettings.newBuilder().setFullSyncIntervalDays(40), "full_sync_interval_days",
            "settings.full_sync_interval_days"})) {
      var e = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations().updateTenantSettings(
          UpdateTenantSettingsRequest.newBuilder().setTenantId(tenant)
              .setSettings((TenantSettings.Builder) bad[0])
              .setUpdateMask(FieldMask.newBuilder().addPaths((String) bad[1])).build()));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith((String) bad[2]);
    }
  }

  // ---- audit ---------------------------------------------------------------------------------

  @Test
  void every_change_writes_an_audit_row_with_before_and_after() {
    String tenant = newTenant();
    entitle(tenant, true, false);
    Integration created = create(tenant, okta());
    Integration updated = update(tenant, created.getEtag(), i -> i.setDisplayName("Audited"), "display_name");
    service.integrations().deleteIntegration(
        DeleteIntegrationRequest.newBuilder().setTenantId(tenant).setEtag(updated.getEtag()).build());

    var events = service.integrations().listAuditEvents(ListAuditEventsRequest.newBuilder().setTenantId(tenant).build())
        .getAuditEventsList();
    assertThat(events).extracting(e -> e.getAction())
        .containsExactly("integration.delete", "integration.update", "integration.create", "tenant_settings.update");
    JsonObject updateDetail = new JsonObject(events.get(1).getDetailJson());
    assertThat(updateDetail.getJsonObject("before").getString("display_name")).isEqualTo("Acme Okta");
    assertThat(updateDetail.getJsonObject("after").getString("display_name")).isEqualTo("Audited");
    JsonObject settingsDetail = new JsonObject(events.get(3).getDetailJson());
    assertThat(settingsDetail.getJsonObject("after").getBoolean("auto_identifiers_enabled")).isTrue();
    // the caller named by the verified token, here the test issuer's admin
    assertThat(events).allSatisfy(e -> assertThat(e.getActor()).isEqualTo("test-caller"));
  }

  @Test
  void audit_listing_pages_with_opaque_tokens() {
    String tenant = newTenant();
    Integration i = create(tenant, okta());
    for (int n = 0; n < 5; n++) {
      i = update(tenant, i.getEtag(), b -> b.setDisplayName("name " + UUID.randomUUID()), "display_name");
    }
    var first = service.integrations().listAuditEvents(ListAuditEventsRequest.newBuilder().setTenantId(tenant)
        .setPageSize(4).build());
    assertThat(first.getAuditEventsList()).hasSize(4);
    var second = service.integrations().listAuditEvents(ListAuditEventsRequest.newBuilder().setTenantId(tenant)
        .setPageSize(4).setPageToken(first.getNextPageToken()).build());
    assertThat(second.getAuditEventsList()).hasSize(2);
    assertThat(second.getNextPageToken()).isEmpty();
    var foreign = catchThrowableOfType(StatusRuntimeException.class, () -> service.integrations().listAuditEvents(
        ListAuditEventsRequest.newBuilder().setTenantId(newTenant()).setPageToken(first.getNextPageToken()).build()));
    assertInvalid(foreign, "page_token", "not a token this list returned");
  }
}
