package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.FieldMask;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.flare.iem.testing.CapturedLogs;
import io.flare.iem.testing.RunningService;
import io.flare.iem.testing.TestIssuer;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CreateIntegrationRequest;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.flare.iem.v1.DeleteIntegrationRequest;
import io.flare.iem.v1.GetIntegrationRequest;
import io.flare.iem.v1.GetTenantSettingsRequest;
import io.flare.iem.v1.Integration;
import io.flare.iem.v1.IntegrationConfigServiceGrpc;
import io.flare.iem.v1.IntegrationConfigServiceGrpc.IntegrationConfigServiceBlockingStub;
import io.flare.iem.v1.ListAuditEventsRequest;
import io.flare.iem.v1.TenantSettings;
import io.flare.iem.v1.UpdateTenantSettingsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Caller authentication and tenant isolation, through gRPC with the grpc-java client, against a
 * service started in production mode that trusts {@link TestIssuer#shared()}.
 */
class CallerAuthTest {

  static RunningService service;
  static final TestIssuer issuer = TestIssuer.shared();
  static final List<String> tokensSent = new ArrayList<>();

  @BeforeAll
  static void start() {
    service = RunningService.start();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  // ---- who may call at all ---------------------------------------------------------------------

  @Test
  void a_call_without_a_token_is_unauthenticated() {
    var anonymous = IntegrationConfigServiceGrpc.newBlockingStub(service.anonymousChannel);

    assertThatThrownBy(() -> anonymous.getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "missing bearer token"));
  }

  @Test
  void a_token_without_the_bearer_scheme_is_unauthenticated() {
    var basic = IntegrationConfigServiceGrpc.newBlockingStub(service.anonymousChannel)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(authorization("Basic dXNlcjpwdw==")));

    assertThatThrownBy(() -> basic.getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "Bearer scheme"));
  }

  @Test
  void an_expired_token_is_unauthenticated() {
    String token = issuer.token().tenants("acme").expiresAt(Instant.now().minusSeconds(120)).sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "expired"));
  }

  @Test
  void a_token_expired_within_the_clock_skew_is_still_accepted() {
    String token = issuer.token().tenants("acme").expiresAt(Instant.now().minusSeconds(20)).sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.NOT_FOUND, "")); // past the gate: the tenant has no integration
  }

  @Test
  void a_token_of_another_issuer_is_unauthenticated() {
    String token = issuer.token().tenants("acme").issuedBy("https://someone-else.invalid").sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "issuer"));
  }

  @Test
  void a_token_for_another_audience_is_unauthenticated() {
    String token = issuer.token().tenants("acme").audience("some-other-service").sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "audience"));
  }

  @Test
  void a_token_with_a_forged_signature_is_unauthenticated() throws Exception {
    RSAKey forger = new RSAKeyGenerator(2048).generate();
    String token = issuer.token().tenants("*").scope("iem.admin")
        .signedWith(forger, issuer.rsaKey().getKeyID(), JWSAlgorithm.RS256).sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "signature"));
  }

  @Test
  void a_token_signed_by_an_unknown_key_is_unauthenticated() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("not-published").generate();
    String token = issuer.token().tenants("acme").signedWith(stranger, "not-published", JWSAlgorithm.RS256).sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "kid"));
  }

  @Test
  void an_hmac_signed_token_is_unauthenticated() throws Exception {
    OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).generate();
    String token = issuer.token().tenants("acme")
        .signedWith(secret, issuer.rsaKey().getKeyID(), JWSAlgorithm.HS256).sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "RS256 or ES256"));
  }

  @Test
  void garbage_in_the_authorization_header_is_unauthenticated() {
    assertThatThrownBy(() -> as("not.a-jwt").getIntegration(get("acme")))
        .satisfies(status(Status.Code.UNAUTHENTICATED, "well-formed"));
  }

  @Test
  void a_good_token_works_and_audit_rows_name_its_subject() {
    String tenant = tenant();
    String token = issuer.token().subject("svc-webapp").tenants(tenant).sign();

    Integration created = as(token).createIntegration(create(tenant)).getIntegration();

    assertThat(as(token).getIntegration(get(tenant)).getIntegration()).isEqualTo(created);
    var audit = as(token).listAuditEvents(ListAuditEventsRequest.newBuilder().setTenantId(tenant).build());
    assertThat(audit.getAuditEventsList()).extracting(e -> e.getAction() + " by " + e.getActor())
        .contains("integration.create by svc-webapp");
  }

  @Test
  void an_es256_token_works_too() {
    String token = issuer.token().tenants("acme").signedWithEc().sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("acme")))
        .satisfies(status(Status.Code.NOT_FOUND, ""));
  }

  @Test
  void health_and_reflection_answer_without_a_token() throws Exception {
    var health = HealthGrpc.newBlockingStub(service.anonymousChannel);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("readiness").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    assertThat(listServices()).contains("flare.iem.v1.IntegrationConfigService", "grpc.health.v1.Health");
  }

  // ---- which tenants --------------------------------------------------------------------------

  @Test
  void a_call_for_a_tenant_the_token_does_not_list_is_permission_denied() {
    String token = issuer.token().tenants("acme", "initech").sign();

    assertThatThrownBy(() -> as(token).getIntegration(get("globex")))
        .satisfies(status(Status.Code.PERMISSION_DENIED, "may not act for tenant 'globex'"));
  }

  @Test
  void another_tenants_integration_can_be_neither_read_nor_deleted() {
    String tenantA = tenant();
    Integration integrationOfA = admin().createIntegration(create(tenantA)).getIntegration();
    String tokenOfB = issuer.token().tenants(tenant()).sign();

    assertThatThrownBy(() -> as(tokenOfB).getIntegration(get(tenantA)))
        .satisfies(status(Status.Code.PERMISSION_DENIED, tenantA));
    assertThatThrownBy(() -> as(tokenOfB).deleteIntegration(DeleteIntegrationRequest.newBuilder()
        .setTenantId(tenantA).setEtag(integrationOfA.getEtag()).build()))
        .satisfies(status(Status.Code.PERMISSION_DENIED, tenantA));
    assertThat(admin().getIntegration(get(tenantA)).getIntegration()).isEqualTo(integrationOfA);
  }

  @Test
  void an_etag_of_one_tenant_reaches_nothing_of_it_through_another_tenant() {
    String tenantA = tenant();
    String tenantB = tenant();
    Integration integrationOfA = admin().createIntegration(create(tenantA)).getIntegration();
    String tokenOfBoth = issuer.token().tenants(tenantA, tenantB).sign();

    assertThatThrownBy(() -> as(tokenOfBoth).getIntegration(get(tenantB)))
        .satisfies(status(Status.Code.NOT_FOUND, ""));
    assertThatThrownBy(() -> as(tokenOfBoth).deleteIntegration(DeleteIntegrationRequest.newBuilder()
        .setTenantId(tenantB).setEtag(integrationOfA.getEtag()).build()))
        .satisfies(status(Status.Code.NOT_FOUND, ""));
    assertThat(admin().getIntegration(get(tenantA)).getIntegration()).isEqualTo(integrationOfA);
  }

  @Test
  void a_foreign_tenant_in_a_check_credentials_stream_is_refused_before_the_service_runs() throws Exception {
    String token = issuer.token().tenants("acme").sign();

    Status status = streamStatus(token, checkRequest("globex"));

    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("'globex'");
  }

  @Test
  void the_callers_own_tenant_in_a_check_credentials_stream_passes_the_gate() throws Exception {
    String token = issuer.token().tenants("acme").sign();

    Status status = streamStatus(token, checkRequest("acme"));

    assertThat(status.getCode()).isEqualTo(Status.Code.OK); // the service itself answered the item
  }

  // ---- tenant settings are for Flare staff ------------------------------------------------------

  @Test
  void tenant_settings_without_the_admin_scope_are_permission_denied() {
    String token = issuer.token().tenants("*").scope("iem.read iem.write").sign();

    assertThatThrownBy(() -> as(token).getTenantSettings(GetTenantSettingsRequest.newBuilder()
        .setTenantId("acme").build()))
        .satisfies(status(Status.Code.PERMISSION_DENIED, "iem.admin"));
    assertThatThrownBy(() -> as(token).updateTenantSettings(UpdateTenantSettingsRequest.newBuilder()
        .setTenantId("acme").setSettings(TenantSettings.newBuilder().setMitigationEnabled(true))
        .setUpdateMask(FieldMask.newBuilder().addPaths("mitigation_enabled")).build()))
        .satisfies(status(Status.Code.PERMISSION_DENIED, "iem.admin"));
  }

  @Test
  void tenant_settings_with_the_admin_scope_as_an_array_work() {
    String tenant = tenant();
    String token = issuer.token().tenants(tenant).scope(List.of("iem.read", "iem.admin")).sign();

    var settings = as(token).getTenantSettings(GetTenantSettingsRequest.newBuilder().setTenantId(tenant).build());

    assertThat(settings.getSettings().getTimeZone()).isEqualTo("UTC");
  }

  @Test
  void the_admin_scope_does_not_open_other_tenants() {
    String token = issuer.token().tenants("acme").scope("iem.admin").sign();

    assertThatThrownBy(() -> as(token).getTenantSettings(GetTenantSettingsRequest.newBuilder()
        .setTenantId("globex").build()))
        .satisfies(status(Status.Code.PERMISSION_DENIED, "'globex'"));
  }

  @Test
  void no_token_reaches_a_log_line() {
    String token = issuer.token().tenants("acme").expiresAt(Instant.now().minusSeconds(600)).sign();
    assertThatThrownBy(() -> as(token).getIntegration(get("acme")));

    assertThat(tokensSent).isNotEmpty();
    for (String sent : tokensSent) {
      String signature = sent.substring(sent.lastIndexOf('.') + 1);
      assertThat(CapturedLogs.lines()).noneMatch(line -> line.contains(signature));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static IntegrationConfigServiceBlockingStub as(String token) {
    synchronized (tokensSent) {
      tokensSent.add(token);
    }
    return IntegrationConfigServiceGrpc.newBlockingStub(service.channelWithToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static IntegrationConfigServiceBlockingStub admin() {
    return service.integrations();
  }

  private static io.grpc.Metadata authorization(String value) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), value);
    return headers;
  }

  private static String tenant() {
    return "t-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static GetIntegrationRequest get(String tenant) {
    return GetIntegrationRequest.newBuilder().setTenantId(tenant).build();
  }

  private static CreateIntegrationRequest create(String tenant) {
    return CreateIntegrationRequest.newBuilder().setTenantId(tenant).setIntegration(Integration.newBuilder()
        .setDisplayName("Okta of " + tenant)
        .setOktaDomain(tenant + ".okta.com")
        .setClientId("0oa1b2c3d4E5f6G7h8i9"))
        .build();
  }

  private static CheckCredentialsRequest checkRequest(String tenant) {
    return CheckCredentialsRequest.newBuilder().setTenantId(tenant).setUsername("jane@example.com")
        .setPassword("hunter2-leaked").setRequestId("r1").build();
  }

  /** Sends one message on a CheckCredentials stream and returns the status the call ends with. */
  private static Status streamStatus(String token, CheckCredentialsRequest request) throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    var stub = CredentialCheckServiceGrpc.newStub(service.channelWithToken(token))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    StreamObserver<CheckCredentialsRequest> requests = stub.checkCredentials(new StreamObserver<>() {
      @Override
      public void onNext(CheckCredentialsResponse value) {
      }

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    });
    requests.onNext(request);
    requests.onCompleted();
    return done.get(30, TimeUnit.SECONDS);
  }

  private static List<String> listServices() throws Exception {
    List<String> names = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    var requests = ServerReflectionGrpc.newStub(service.anonymousChannel).serverReflectionInfo(new StreamObserver<>() {
      @Override
      public void onNext(ServerReflectionResponse value) {
        value.getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName()));
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    return names;
  }

  private static java.util.function.Consumer<Throwable> status(Status.Code code, String inDescription) {
    return error -> {
      assertThat(error).isInstanceOf(StatusRuntimeException.class);
      Status status = ((StatusRuntimeException) error).getStatus();
      assertThat(status.getCode()).as("status of %s", status).isEqualTo(code);
      assertThat(status.getDescription() == null ? "" : status.getDescription()).contains(inDescription);
      synchronized (tokensSent) {
        for (String sent : tokensSent) {
          assertThat(String.valueOf(status.getDescription())).doesNotContain(sent);
        }
      }
    };
  }
}
